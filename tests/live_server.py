"""`pserve` itself, on a free loopback port: for tests of what the real server sees and logs.

Registered as a pytest plugin by tests/conftest.py. ``live_server("production.ini")`` serves
a copy of that ini, unchanged but for its ``listen`` line and any ``sections`` overrides, with
a temporary auth database and secret (tests/auth_fixtures.py) passed as pserve's ``name=value``
variables, and stops it at the end of the session.
"""
import os
import re
import socket
import subprocess
import sys
import time

import pytest

from tests.auth_fixtures import find_service, granted_basic, make_auth_dir

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PSERVE = os.path.join(os.path.dirname(sys.executable), "pserve")
START_TIMEOUT = 60  # seconds; imports alone take several on a loaded machine


class LiveServer:
    """One ``pserve`` process; ``url`` is its base, ``log()`` what it wrote to stdout and stderr."""

    def __init__(self, ini, directory, sections=None, **overrides):
        self.directory = str(directory)
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.global_conf = {**make_auth_dir(self.directory), **overrides}
        self.ini = os.path.join(self.directory, os.path.basename(ini))
        with open(os.path.join(ROOT, ini)) as shipped:
            text = shipped.read()
        text, count = re.subn(r"(?m)^listen\s*=.*$", f"listen = 127.0.0.1:{self.port}", text)
        assert count == 1, f"{ini} must have exactly one listen line"
        for section, settings in (sections or {}).items():
            text = _override(text, section, settings)
        with open(self.ini, "w") as copy:
            copy.write(text)
        self.log_path = os.path.join(self.directory, "pserve.log")
        self.process = None

    def start(self):
        args = [PSERVE, self.ini, *(f"{k}={v}" for k, v in self.global_conf.items())]
        # The tests' own modules (test resolvers) are importable; no proxy variable reaches libcurl.
        env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [ROOT, env.get("PYTHONPATH")]))
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                args, stdout=log, stderr=subprocess.STDOUT, cwd=self.directory, env=env
            )
        return wait_listening(self, give_up=self.stop)

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def log(self):
        with open(self.log_path, errors="replace") as log:
            return log.read()

    def granted_basic(self, name="tester", password="correct horse"):
        """Basic credentials of a user holding every permission, in this server's database."""
        from tests.conftest import load

        return granted_basic(load(self.ini, **self.global_conf), name, password)

    def service(self):
        """The auth service over this server's database, for arranging users."""
        from tests.conftest import load

        return find_service(load(self.ini, **self.global_conf))


def _override(text, section, settings):
    """``text`` with ``settings`` set in ``[section]``: existing lines replaced, new ones added."""
    header = re.search(rf"(?m)^\[{re.escape(section)}\]\s*$", text)
    assert header, f"no [{section}] section"
    end = re.compile(r"(?m)^\[").search(text, header.end())
    end = end.start() if end else len(text)
    body = text[header.end():end]
    for key, value in settings.items():
        body, count = re.subn(rf"(?m)^{re.escape(key)}\s*=.*$", f"{key} = {value}", body)
        if not count:
            body = f"\n{key} = {value}" + body
    return text[: header.end()] + body + text[end:]


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """A factory: ``live_server("production.ini", sections={"app:dns": {...}}, **variables)`` starts
    pserve and returns it serving; every server it started is stopped at the end of the session."""
    servers = []

    def start(ini, sections=None, **overrides):
        server = LiveServer(ini, tmp_path_factory.mktemp("pserve"), sections, **overrides)
        servers.append(server)
        return server.start()

    yield start
    for server in servers:
        server.stop()


def wait_listening(server, give_up):
    """``server`` once its pserve accepts connections on ``server.port``; else ``give_up()`` and raise.

    ``server`` has ``process``, ``port``, ``ini`` and ``log()`` (LiveServer, tests/cluster.py's Instance).
    """
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"pserve {server.ini} exited with {server.process.returncode}:\n{server.log()}")
        try:
            socket.create_connection(("127.0.0.1", server.port), timeout=1).close()
            return server
        except OSError:
            time.sleep(0.1)
    give_up()
    raise RuntimeError(f"pserve {server.ini} did not listen within {START_TIMEOUT} s:\n{server.log()}")
