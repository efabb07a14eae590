"""pytest plugin: the test DNS server, svc on a real waitress, and lookup backends for tests."""
import contextlib
import socket
import threading

import pytest
from webtest import TestApp
from webtest.http import StopableWSGIServer

from tests import dns_server
from tests.conftest import TESTING_GLOBAL_CONF, load

_upstream = None


def pytest_configure(config):
    global _upstream
    _upstream = dns_server.start()
    TESTING_GLOBAL_CONF["dns_nameserver"] = _upstream.address


def pytest_unconfigure(config):
    if _upstream is not None:
        _upstream.stop()


@pytest.fixture
def dns_upstream():
    """The test DNS server that testing.ini points at, its query log cleared."""
    _upstream.clear()
    return _upstream


@pytest.fixture
def dns_app_ini(write_ini, dns_upstream):
    """An ini of the dns piece alone at /dns, with the given settings, on the test DNS server."""

    def make(**settings):
        settings.setdefault("nameservers", dns_upstream.address)
        lines = "".join(f"svc.dns.{key} = {value}\n" for key, value in settings.items())
        lines += "svc.enforce_permissions = false\n"  # no auth filter in front of this ini
        return write_ini(f"[app:dns]\nuse = egg:svc#dns\n{lines}\n[composite:main]\nuse = egg:svc#urlmap\n/dns = dns\n")

    return make


@pytest.fixture
def dns_app(dns_app_ini):
    """A TestApp of ``dns_app_ini``."""
    return lambda **settings: TestApp(load(dns_app_ini(**settings)))


@contextlib.contextmanager
def serve(app):
    """Serve ``app`` on a real waitress on 127.0.0.1 in a thread; yield its base URL."""
    # poll, not select: a long session may hold more than FD_SETSIZE descriptors
    server = StopableWSGIServer(app, host="127.0.0.1", port=0, asyncore_use_poll=True)
    thread = threading.Thread(target=server.run, name="test-waitress", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        server.shutdown()
        thread.join(10)


class GatedLookup:
    """A lookup backend: every name has 192.0.2.77 at once, names starting with ``missing`` have
    none, and ``gate.test`` answers only once the test says it has read the first CSV row."""

    first_row_read = threading.Event()
    gate_saw_first_row = None

    def __init__(self, resolver):
        pass

    def __call__(self, name, family):
        if name == "gate.test":
            GatedLookup.gate_saw_first_row = GatedLookup.first_row_read.wait(timeout=20)
        if name.startswith("missing"):
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [(socket.AF_INET, "192.0.2.77")]


class StuckLookup:
    """A lookup backend like a getaddrinfo stuck on a dead nameserver: names under silent.test
    hang until the test sets ``released``; every other name has 192.0.2.77 at once."""

    released = threading.Event()
    running = 0  # backend calls stuck right now
    most_running = 0
    _lock = threading.Lock()

    def __init__(self, resolver):
        pass

    def __call__(self, name, family):
        if name.endswith("silent.test"):
            with StuckLookup._lock:
                StuckLookup.running += 1
                StuckLookup.most_running = max(StuckLookup.most_running, StuckLookup.running)
            try:
                StuckLookup.released.wait(60)
            finally:
                with StuckLookup._lock:
                    StuckLookup.running -= 1
            raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")
        return [(socket.AF_INET, "192.0.2.77")]
