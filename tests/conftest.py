"""Shared fixtures: apps loaded from the real ini files through PasteDeploy."""
import os
import textwrap

import pytest
from paste.deploy import loadapp
from webtest import TestApp

pytest.register_assert_rewrite("tests.auth_fixtures")
from tests.auth_fixtures import AUTH_CONF, granted_basic  # noqa: E402

pytest_plugins = [
    "tests.fetch_fixtures",
    "tests.dns_fixtures",
    "tests.auth_fixtures",
    "tests.live_server",
    "tests.nginx_server",
    "tests.pg",
    "tests.redis_server",
]

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
INI_FILES = ("development.ini", "production.ini", "testing.ini")

# The %(name)s values testing.ini interpolates, such as local test servers' addresses;
# the fixture plugins above fill them in when pytest starts.
TESTING_GLOBAL_CONF = {}


def load(ini, **global_conf):
    """The WSGI app of ``ini`` (a name in the project root or an absolute path).

    Its auth filter gets a temporary database and secret (tests/auth_fixtures.py), and
    testing.ini its local test servers, unless ``global_conf`` names others.
    """
    global_conf = {**AUTH_CONF, **TESTING_GLOBAL_CONF, **global_conf}
    return loadapp(f"config:{ini}", relative_to=ROOT, global_conf=global_conf)


@pytest.fixture
def write_ini(tmp_path):
    """Write an ini file into a temporary folder and return its path."""

    def write(text, name="test.ini"):
        path = tmp_path / name
        path.write_text(textwrap.dedent(text))
        return str(path)

    return write


@pytest.fixture(scope="session")
def testing_app():
    return TestApp(load("testing.ini"))


@pytest.fixture(scope="session", params=INI_FILES)
def every_ini_app(request):
    """Each ini's app, called by a user who holds every permission (Basic auth)."""
    app = load(request.param)
    return TestApp(app, extra_environ={"HTTP_AUTHORIZATION": granted_basic(app)})
