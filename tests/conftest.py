"""Shared fixtures: apps loaded from the real ini files through PasteDeploy."""
import os
import textwrap

import pytest
from paste.deploy import loadapp
from webtest import TestApp

pytest_plugins = ["tests.fetch_fixtures"]

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
INI_FILES = ("development.ini", "production.ini", "testing.ini")


def load(ini, **global_conf):
    """The WSGI app of ``ini`` (a name in the project root or an absolute path)."""
    return loadapp(f"config:{ini}", relative_to=ROOT, global_conf=global_conf or None)


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
    return TestApp(load(request.param))
