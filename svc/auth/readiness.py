"""What /readyz asks of the auth filter's dependencies: the database answers and its schema is
current; the throttle storage answers when it is shared (redis://...)."""
from sqlalchemy import text
from sqlalchemy.engine import make_url

from svc.auth import migrate
from svc.web.health import ReadinessCheck


def readiness_checks(service):
    """The checks of the filter's ``service`` (an AuthService)."""
    head = migrate.head_revision()

    def database(timeout):
        engine = service.store.engine
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        current = migrate.current_revision(engine)
        if current != head:
            raise RuntimeError(f"schema is at {current or 'none'}, not {head}: run svc-admin <ini> migrate")

    checks = [ReadinessCheck("auth.database", database, where=where(service.settings.db_url))]
    storage = service.limiter.storage
    if not service.settings.throttle_storage.startswith("memory://"):
        checks.append(ReadinessCheck("auth.throttle_storage", lambda timeout: _answers(storage), where=where(service.settings.throttle_storage)))
    return tuple(checks)


def _answers(storage):
    if not storage.check():
        raise RuntimeError("the throttle storage does not answer")


def where(url):
    """Where a database or store is, without user name or password."""
    try:
        return make_url(url).set(username=None, password=None).render_as_string(hide_password=True)
    except Exception:  # a limits URI SQLAlchemy cannot read: keep only scheme and host
        scheme, _, rest = url.partition("://")
        return f"{scheme}://{rest.rpartition('@')[2]}"
