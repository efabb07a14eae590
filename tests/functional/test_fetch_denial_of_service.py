"""Issue 8, denial of service by one authorised caller, fetch's share: loops back into svc,
and one caller holding every worker. svc runs on a real waitress; the servers it fetches
from are raw sockets in child processes (tests/raw_servers.py)."""
import configparser
import http.client
import json
import threading
from urllib.parse import quote

import pytest

from tests.auth_fixtures import AUTH_CONF, granted_basic
from tests.conftest import ROOT, load
from tests.fetch_fixtures import LOOPBACK_FETCH, Served
from tests.raw_servers import RawServer


# Pooled connections to the raw servers close soon after each test, not at the end of the run.
QUICK_POOL = {"svc.fetch.pool_idle_timeout": "0.5"}


def get(port, path, headers=None):
    """(status, headers, body) of a GET to svc on 127.0.0.1:``port``."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("GET", path, headers=headers or {})
        res = conn.getresponse()
        return res.status, res.headers, res.read()
    finally:
        conn.close()


def fetch_of(url):
    return "/fetch?url=" + quote(url, safe="")


@pytest.fixture(scope="module")
def scripted():
    server = RawServer("scripted")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def svc_app():
    return load("testing.ini", **QUICK_POOL)


@pytest.fixture(scope="module")
def svc(svc_app):
    """testing.ini on waitress, with the secret of every other testing.ini in this run."""
    served = Served(svc_app, threads=8)
    yield served
    served.stop()


@pytest.fixture
def in_front_of():
    """A TCP forwarder to a port: what a reverse proxy, a port forward or a sibling looks like."""
    started = []

    def start(port):
        started.append(RawServer("forward", port))
        return started[-1]

    yield start
    for server in started:
        server.stop()


class TestFetchLoops:
    def test_fetch_through_a_reverse_proxy_back_into_svc(self, svc, scripted, in_front_of):
        proxy = in_front_of(svc.port)
        looped = f"{proxy.base}/fetch?url=" + quote(scripted.base + "/", safe="")
        status, headers, body = get(svc.port, fetch_of(looped))
        assert status == 508, body
        assert json.loads(body)["type"] == "https://svc.invalid/problems/fetch-loop"
        assert proxy.connections() == 1  # svc came back once, and refused
        assert scripted.requests() == []  # before any upstream work

    def test_fetch_into_a_sibling_instance_sharing_the_secret(self, svc, scripted, in_front_of):
        sibling = Served(load("testing.ini", **QUICK_POOL))
        try:
            looped = f"{in_front_of(sibling.port).base}/fetch?url=" + quote(scripted.base + "/", safe="")
            status, _, body = get(svc.port, fetch_of(looped))
        finally:
            sibling.stop()
        assert status == 508 and json.loads(body)["type"].endswith("/fetch-loop")
        assert scripted.requests() == []

    def test_loop_between_instances_without_a_secret(self, scripted, in_front_of, write_ini):
        """No secret: each process marks with its own id, and passes the marks it received on."""
        ini = write_ini("[app:main]\n" + LOOPBACK_FETCH)
        first, second = (Served(load(ini, **QUICK_POOL, **{"svc.auth.secret_file": ""})) for _ in range(2))
        try:
            to_first, to_second = in_front_of(first.port), in_front_of(second.port)
            innermost = f"{to_first.base}/?url=" + quote(scripted.base + "/", safe="")
            middle = f"{to_second.base}/?url=" + quote(innermost, safe="")
            status, _, body = get(first.port, "/?url=" + quote(middle, safe=""))
        finally:
            first.stop()
            second.stop()
        assert status == 508 and json.loads(body)["type"].endswith("/fetch-loop")
        assert scripted.requests() == []

    def test_the_mark_carries_no_secret(self, svc, upstream):
        _, _, body = get(svc.port, fetch_of(upstream.url("/echo")))
        via = [v for k, v in json.loads(body)["headers"] if k.lower() == "via"]
        assert len(via) == 1 and via[0].startswith("1.1 svc-")
        with open(AUTH_CONF["svc.auth.secret_file"], encoding="utf-8") as file:
            secret = file.read().strip()
        assert secret[:8] not in via[0]


class TestOneCallerCannotHoldEveryWorker:
    def test_a_caller_over_its_cap_is_refused_while_another_is_served(self, svc, svc_app):
        hold = RawServer("scripted")
        alice, bob = granted_basic(svc_app, "alice"), granted_basic(svc_app, "bob")
        held = []

        def fetch_as_alice():
            held.append(get(svc.port, fetch_of(hold.base + "/hold"), {"Authorization": alice})[0])

        threads = [threading.Thread(target=fetch_as_alice) for _ in range(2)]  # the default cap
        try:
            for thread in threads:
                thread.start()
            assert len(hold.wait_for_requests(2)) == 2
            status, headers, body = get(svc.port, fetch_of(hold.base + "/"), {"Authorization": alice})
            assert status == 429 and int(headers["Retry-After"]) >= 1
            assert json.loads(body)["type"].endswith("/too-many-fetches")
            assert get(svc.port, fetch_of(hold.base + "/"), {"Authorization": bob})[0] == 200
            hold.release()
            for thread in threads:
                thread.join(30)
            assert held == [200, 200]
            # The slots came back when the held answers were sent.
            assert get(svc.port, fetch_of(hold.base + "/"), {"Authorization": alice})[0] == 200
        finally:
            hold.release()
            hold.stop()

    def test_the_cap_is_a_quarter_of_production_threads(self):
        ini = configparser.ConfigParser(interpolation=None)
        ini.read(f"{ROOT}/production.ini")
        threads = int(ini["server:main"]["threads"])
        assert int(ini["app:fetch"]["svc.fetch.max_concurrent_per_user"]) == max(1, threads // 4)
