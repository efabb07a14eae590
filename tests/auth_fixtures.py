"""Auth fixtures: a temporary database and secret for every ini the tests load, and users in it.

Registered as a pytest plugin by tests/conftest.py. ``load()`` there merges AUTH_CONF into the
global_conf of every ini, so no test touches var/ and argon2 runs with cheap parameters.
"""
import atexit
import base64
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


def make_auth_dir(path):
    """A secret file and a migrated SQLite database in ``path``; returns the global_conf for them."""
    secret_file = os.path.join(path, "secret")
    migrate.write_secret_file(secret_file)
    db_url = "sqlite:///" + os.path.join(path, "auth.sqlite")
    migrate.upgrade_database(db_url)
    # An empty secret overrides development.ini's sample, so the file is the only secret.
    return {"svc.auth.db_url": db_url, "svc.auth.secret": "", "svc.auth.secret_file": secret_file, **CHEAP_ARGON2}


AUTH_CONF = make_auth_dir(_SHARED_DIR)


def basic(user, password):
    """An Authorization header value for Basic ``user``:``password``."""
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


@pytest.fixture
def auth_conf(tmp_path):
    """global_conf for an ini with its own empty, migrated auth database."""
    return make_auth_dir(str(tmp_path))


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
