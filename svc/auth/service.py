"""The auth filter's one handle on the store: identification, sessions and administration.

``AuthService.identification`` says who a request is (caches, throttle), ``.sessions`` signs
in and out with the form, ``.admin`` changes users, groups, grants and tokens. Every change
empties this process's caches at once; another process (a worker, svc-admin) is seen
within ``recheck_seconds``.
"""
import time

from pyramid.csrf import CookieCSRFStoragePolicy
from sqlalchemy.engine import make_url

from svc.auth import migrate
from svc.auth.administration import Administration
from svc.auth.identification import Identification
from svc.auth.passwords import Passwords
from svc.auth.sessions import Sessions
from svc.auth.store import Store, create_store_engine
from svc.auth.throttle import SignInThrottle
from svc.auth.ticket import SessionTicket
from svc.web.settings import SettingError


class AuthService:
    def __init__(self, settings, store, passwords, clock=time.time):
        self.settings = settings
        self.store = store
        self.ticket = SessionTicket(settings.secret, settings.cookie_name, settings.secure)
        # The sign-in form's CSRF token lives in its own cookie: anonymous visitors have no session.
        self.csrf_policy = CookieCSRFStoragePolicy(
            cookie_name=("__Host-" if settings.secure else "") + "svc_csrf",
            secure=settings.secure,
            httponly=True,
            samesite="Lax",
        )
        throttle = SignInThrottle(settings.login_attempts, settings.login_attempts_per_address, settings.throttle_storage)
        self.identification = Identification(settings, store, passwords, self.ticket, throttle, clock)
        self.sessions = Sessions(settings, store, self.identification, self.ticket, self.changed, clock)
        self.admin = Administration(settings, store, passwords, self.changed)
        self.known_permissions = frozenset()  # filled by the filter from the apps below it

    @classmethod
    def from_settings(cls, settings):
        engine = create_store_engine(settings.db_url)
        if settings.create_schema:
            migrate.upgrade(engine)
        else:
            current, head = migrate.current_revision(engine), migrate.head_revision()
            if current != head:
                where = make_url(settings.db_url).render_as_string(hide_password=True)
                raise SettingError(
                    f"the auth database {where} is at schema {current or 'none'}, not {head}: "
                    "run svc-admin <ini> migrate"
                )
        passwords = Passwords(
            settings.argon2_time_cost,
            settings.argon2_memory_cost,
            settings.argon2_parallelism,
            settings.max_password_bytes,
        )
        return cls(settings, Store(engine), passwords)

    def changed(self):
        """A change was stored: forget what the caches remember."""
        self.identification.forget()
