"""Fixtures for the fetch piece: the local upstream, test resolvers, a real waitress server,
and a recorder of the sockets the process opens. Registered in tests/conftest.py."""
import ipaddress
import os
import subprocess
import sys
import threading

import pytest
from webtest import TestApp
from webtest.http import StopableWSGIServer

from svc.fetch.curl import CurlEngine
from svc.fetch.resolver import LookupFailed
from tests.conftest import ROOT, load

# The settings of a fetch app, alone in an ini with no auth filter, that may fetch from
# the local upstream only, resolving names from the test zone.
LOOPBACK_FETCH = """\
use = egg:svc#fetch
svc.enforce_permissions = false
svc.fetch.allow = 127.0.0.1
svc.fetch.ports = 1-65535
svc.fetch.resolver = tests.fetch_fixtures.TestZone
"""


class Zone:
    """A resolver answering from a table, never from DNS. A name maps to a list of answers,
    one per lookup, the last repeating (so a list of two models a rebinding name).
    Lookups are counted per class, across the apps that use it."""

    table = {}
    lookups = {}
    _lock = threading.Lock()

    def resolve(self, host, port, timeout):
        with self._lock:
            count = self.lookups[host] = self.lookups.get(host, 0) + 1
        answers = self.table.get(host)
        if answers is None:
            raise LookupFailed(f"{host} is not in the test zone")
        answer = answers[min(count, len(answers)) - 1]
        return tuple(ipaddress.ip_address(a) for a in answer)


class TestZone(Zone):
    """testing.ini's resolver: upstream.test is the local upstream; rebind.test changes its mind."""

    __test__ = False  # not a test class, whatever its name
    lookups = {}
    table = {
        "upstream.test": [["127.0.0.1"]],
        "other.test": [["127.0.0.1"]],
        "rebind.test": [["127.0.0.1"], ["10.0.0.1"]],
        "private.test": [["10.1.2.3"]],
    }


class HostileZone(Zone):
    """Names for the hostile-URL table (the default policy, which allows only upstream.test)."""

    lookups = {}
    table = {
        "upstream.test": [["127.0.0.1"]],
        "metadata.test": [["169.254.169.254"]],
        "private.test": [["10.0.0.8"]],
        "mixed.test": [["93.184.216.34", "10.0.0.1"]],
        "mixed6.test": [["2606:4700::1111", "fd00::1"]],
        "mapped.test": [["::ffff:127.0.0.1"]],
        "loopback6.test": [["::1"]],
        "nat64.test": [["64:ff9b::a9fe:a9fe"]],
        "aws6.test": [["fd00:ec2::254"]],
        "rebind.test": [["127.0.0.1"], ["93.184.216.34"]],
    }


class RecordingEngine(CurlEngine):
    """The curl engine, remembering the addresses each hop was allowed to connect to."""

    hops = []

    def start(self, hop):
        RecordingEngine.hops.append(hop)
        return super().start(hop)


class SocketRecorder:
    """Counts sockets created by Python code (the fetch engine opens its sockets in Python)."""

    active = None

    def __init__(self):
        self.created = 0

    def __enter__(self):
        SocketRecorder.active = self
        return self

    def __exit__(self, *exc):
        SocketRecorder.active = None


def _audit(event, args):
    if event == "socket.__new__" and SocketRecorder.active is not None:
        SocketRecorder.active.created += 1


sys.addaudithook(_audit)


class Upstream:
    """``python -m tests.upstream`` in a child process, so its sockets are not ours."""

    def __init__(self, certificate=None):
        command = [sys.executable, "-m", "tests.upstream"] + (["0", certificate] if certificate else [])
        self.proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
        self.port = int(self.proc.stdout.readline())
        self.base = f"http://127.0.0.1:{self.port}"
        self.named = f"http://upstream.test:{self.port}"

    def url(self, path):
        return self.base + path

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)
        self.proc.stdout.close()


@pytest.fixture(scope="session")
def upstream():
    server = Upstream()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def tls_upstream(tmp_path_factory):
    """The upstream over TLS, with a certificate for upstream.test from a test CA.

    Yields (upstream, CA bundle path)."""
    import trustme

    folder = tmp_path_factory.mktemp("tls")
    authority = trustme.CA()
    certificate = authority.issue_cert("upstream.test")
    certificate.private_key_and_cert_chain_pem.write_to_path(str(folder / "upstream.pem"))
    authority.cert_pem.write_to_path(str(folder / "ca.pem"))
    server = Upstream(str(folder / "upstream.pem"))
    yield server, str(folder / "ca.pem")
    server.stop()


@pytest.fixture(scope="session")
def fetch_app():
    """testing.ini's app (fetch at /fetch), driven by WebTest."""
    return TestApp(load("testing.ini"))


@pytest.fixture
def sockets():
    with SocketRecorder() as recorder:
        yield recorder


class Served:
    """A WSGI app on a real waitress in a thread, on 127.0.0.1 and a free port."""

    def __init__(self, app, threads=4):
        # poll, not select: a long session may hold more than FD_SETSIZE descriptors
        self.server = StopableWSGIServer.create(app, host="127.0.0.1", port=0, threads=threads, asyncore_use_poll=True)
        self.port = self.server.effective_port
        self.base = f"http://127.0.0.1:{self.port}"

    def stop(self):
        self.server.shutdown()


def open_fds():
    """The process's open sockets, by file descriptor."""
    sockets = {}
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:"):
            sockets[int(fd)] = target
    return sockets
