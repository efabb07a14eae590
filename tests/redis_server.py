"""A real Redis for the tests: Debian's ``redis-server`` in a temporary folder on a free loopback port.

Registered as a pytest plugin by tests/conftest.py. ``redis_server`` is one server for the whole
session; ``fresh_redis_server`` is a factory of servers a test may kill (``server.kill()``).
``SVC_TEST_REDIS_URL`` points ``redis_server`` at a Redis of your own instead (then no test kills it).
Without either, the tests that need Redis skip, saying why.
"""
import os
import shutil
import socket
import subprocess
import time

import pytest

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
START_TIMEOUT = 10  # seconds


class RedisServer:
    """One redis-server process, no persistence, loopback only; ``url`` for svc.auth.redis_url."""

    def __init__(self, directory):
        self.directory = str(directory)
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self):
        args = [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                "--dir", self.directory, "--protected-mode", "yes"]
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, cwd=self.directory)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        return self
            except OSError:
                time.sleep(0.05)
        self.kill()
        raise RuntimeError(f"redis-server did not answer on port {self.port} within {START_TIMEOUT} s")

    def kill(self):
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def _need_redis_server():
    if not os.path.exists(REDIS_SERVER):
        pytest.skip("redis-server is not installed (apt-get install redis-server), or set SVC_TEST_REDIS_URL")


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    """A Redis shared by the session: ``.url``."""
    url = os.environ.get("SVC_TEST_REDIS_URL")
    if url:
        server = RedisServer.__new__(RedisServer)
        server.url, server.process = url, None
        yield server
        return
    _need_redis_server()
    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    yield server
    server.kill()


@pytest.fixture
def fresh_redis_server(tmp_path_factory):
    """A factory of Redis servers of this test's own, which it may kill; each stops at the end."""
    _need_redis_server()
    servers = []

    def start():
        server = RedisServer(tmp_path_factory.mktemp("redis")).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.kill()
