"""Auth fixtures: a temporary database and secret for every ini the tests load, and users in it.

Registered as a pytest plugin by tests/conftest.py. ``load()`` there merges AUTH_CONF into the
global_conf of every ini, so no test touches var/ and argon2 runs with cheap parameters.

Every test that asks for ``auth_db`` (through ``auth_conf``, ``prod``, ...) runs twice: on SQLite
and on PostgreSQL (tests/pg.py; marked ``postgresql``, skipped when no server is available).
"""
import atexit
import base64
import itertools
import os
import shutil
import tempfile

import pytest
from webtest import TestApp

from svc.auth import migrate

_SHARED_DIR = tempfile.mkdtemp(prefix="svc-auth-tests-")
atexit.register(shutil.rmtree, _SHARED_DIR, ignore_errors=True)

# argon2's cheapest parameters: the tests check behaviour, not hashing cost.
CHEAP_ARGON2 = {
    "svc.auth.argon2_time_cost": "1",
    "svc.auth.argon2_memory_cost": "8",
    "svc.auth.argon2_parallelism": "1",
}


def make_auth_dir(path, db_url=None):
    """A secret file in ``path`` and a migrated database (by default SQLite, in ``path``);
    returns the global_conf for them."""
    secret_file = os.path.join(path, "secret")
    migrate.write_secret_file(secret_file)
    if db_url is None:
        db_url = "sqlite:///" + os.path.join(path, "auth.sqlite")
        migrate.upgrade_database(db_url)
    # An empty secret overrides development.ini's sample, so the file is the only secret.
    return {"svc.auth.db_url": db_url, "svc.auth.secret": "", "svc.auth.secret_file": secret_file, **CHEAP_ARGON2}


AUTH_CONF = make_auth_dir(_SHARED_DIR)


def basic(user, password):
    """An Authorization header value for Basic ``user``:``password``."""
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def auth_db(request, tmp_path):
    """Makes new databases of this run's kind: ``auth_db()`` is the URL of a migrated one,
    ``auth_db(migrated=False)`` of one without any table; ``auth_db.kind`` names the kind."""
    if request.param == "postgresql":
        make = request.getfixturevalue("postgres_databases")
    else:
        numbers = itertools.count()

        def make(migrated=True):
            url = f"sqlite:///{tmp_path}/db{next(numbers)}/auth.sqlite"
            if migrated:
                migrate.upgrade_database(url)
            return url

    def auth_db(migrated=True):
        return make(migrated)

    auth_db.kind = request.param
    return auth_db


@pytest.fixture
def auth_conf(tmp_path, auth_db):
    """global_conf for an ini with its own empty, migrated auth database."""
    return make_auth_dir(str(tmp_path), auth_db())


@pytest.fixture
def prod(auth_conf):
    """production.ini on a fresh database: ``prod.app`` (WebTest), ``prod.service`` and users."""
    from tests.conftest import load

    return AuthWorld(load("production.ini", **auth_conf))


class AuthWorld:
    """An app loaded from an ini, with handles to its auth service for arranging users."""

    def __init__(self, wsgi_app):
        self.wsgi = wsgi_app
        self.service = find_service(wsgi_app)
        self.app = TestApp(wsgi_app, extra_environ={"wsgi.url_scheme": "https", "HTTP_HOST": "localhost"})

    def user(self, name, password="correct horse", permissions=(), groups=()):
        self.service.admin.add_user(name, password)
        for permission in permissions:
            self.service.admin.grant(name, permission)
        for group in groups:
            self.service.admin.add_member(group, name)
        return name

    def sign_in(self, app, user, password="correct horse", came_from=None):
        """Sign in through the form: GET it for the CSRF token, then POST it."""
        page = app.get("/auth/login", headers={"Accept": "text/html"})
        form = next(f for f in page.forms.values() if f.action.endswith("/login"))
        form["user"] = user
        form["password"] = password
        if came_from is not None:
            form["came_from"] = came_from
        return form.submit(headers={"Accept": "text/html", "Sec-Fetch-Site": "same-origin"}, status="*")


def find_service(app):
    """The AuthService of the auth filter somewhere in a loaded app's chain of filters."""
    seen = set()
    while app is not None and id(app) not in seen:
        seen.add(id(app))
        if hasattr(app, "service") and hasattr(app, "challenger"):
            return app.service
        app = getattr(app, "app", None) or getattr(app, "application", None)
    raise AssertionError("no auth filter in this app")


# Every permission a piece declares, for tests that walk every mount as a signed-in user.
EVERY_PERMISSION = ("fetch", "dns", "net", "admin")


def granted_basic(app, name="tester", password="correct horse"):
    """Basic credentials of a user holding every permission, in ``app``'s auth database."""
    from svc.auth.store import AlreadyExists

    service = find_service(app)
    try:
        service.admin.add_user(name, password)
    except AlreadyExists:
        return basic(name, password)
    for permission in EVERY_PERMISSION:
        service.admin.grant(name, permission)
    return basic(name, password)
