"""Issue 8, confused deputies and header handling, fetch's share: the framing of what svc
passes through (12), the proxy environment and the egress proxy (15), and an upstream's
Refresh (17). Lying upstreams and proxies are raw sockets in child processes
(tests/raw_servers.py); svc runs on a real waitress where the bytes on the wire matter."""
import http.client
import json
from urllib.parse import quote

import pytest
from webtest import TestApp

from tests.conftest import load
from tests.fetch_fixtures import LOOPBACK_FETCH, Served
from tests.raw_servers import RawServer

# Pooled connections to the raw servers close soon after each test, not at the end of the run.
QUICK_POOL = {"svc.fetch.pool_idle_timeout": "0.5"}
PROXY_VARIABLES = ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY")


def raw_get(port, path):
    """(status, headers, body, complete) of a GET to 127.0.0.1:``port``, as the wire had it."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("GET", path)
        res = conn.getresponse()
        try:
            return res.status, res.headers, res.read(), True
        except http.client.IncompleteRead as exc:
            return res.status, res.headers, exc.partial, False
    finally:
        conn.close()


@pytest.fixture(scope="module")
def scripted():
    server = RawServer("scripted")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def svc():
    served = Served(load("testing.ini", **QUICK_POOL))
    yield served
    served.stop()


def through(svc, url):
    return raw_get(svc.port, "/fetch?url=" + quote(url, safe=""))


class TestPassthroughFraming:
    def test_content_length_5_over_a_100_byte_chunked_body(self, svc, scripted):
        status, headers, body, complete = through(svc, scripted.base + "/length-5-chunked-100")
        assert (status, body, complete) == (200, b"x" * 100, True)
        assert headers.get_all("Content-Length") in (None, ["100"])
        assert headers.get_all("Transfer-Encoding") in (None, ["chunked"])

    @pytest.mark.parametrize("path", ["/short-at-once", "/short-streamed"])
    def test_content_length_larger_than_what_is_sent_then_close(self, svc, scripted, path):
        status, headers, body, complete = through(svc, scripted.base + path)
        if status == 200:
            assert not complete, "a body that ended short looked complete"
        else:
            assert status == 502 and json.loads(body)["type"].endswith("/upstream-unreachable")

    def test_duplicate_identical_content_length(self, svc, scripted):
        status, headers, body, complete = through(svc, scripted.base + "/duplicate-length")
        assert (status, body, complete) == (200, b"abcdefg", True)
        assert headers.get_all("Content-Length") == ["7"]

    def test_head_still_tells_the_length(self, svc, upstream):
        conn = http.client.HTTPConnection("127.0.0.1", svc.port, timeout=60)
        conn.request("HEAD", "/fetch?url=" + quote(upstream.url("/bytes/1234"), safe=""))
        res = conn.getresponse()
        assert res.status == 200 and res.headers.get_all("Content-Length") == ["1234"]
        conn.close()


class TestProxyEnvironment:
    def test_http_proxy_in_the_environment_never_sees_a_fetch(self, monkeypatch, upstream):
        canary = RawServer("proxy")
        try:
            for name in PROXY_VARIABLES:
                monkeypatch.setenv(name, canary.base)
            monkeypatch.setenv("NO_PROXY", "")
            app = TestApp(load("testing.ini", **QUICK_POOL))  # handles of its own, made now
            for url in (upstream.named + "/echo", upstream.url("/echo")):
                assert app.get("/fetch", {"url": url}).json["method"] == "GET"
            assert canary.connections() == 0
        finally:
            canary.stop()


EGRESS_INI = "[app:main]\n" + LOOPBACK_FETCH + """\
svc.fetch.deny = 0.0.0.0/0 ::/0
svc.fetch.proxy = http://127.0.0.1:{port}
"""


@pytest.fixture
def egress(write_ini):
    """(the proxy, a fetch app that must use it)."""
    proxy = RawServer("proxy")
    app = TestApp(load(write_ini(EGRESS_INI.format(port=proxy.port)), **QUICK_POOL))
    yield proxy, app
    proxy.stop()


class TestEgressProxy:
    def test_the_fetch_goes_through_the_configured_proxy_to_the_vetted_address(self, egress, upstream, monkeypatch):
        proxy, app = egress
        monkeypatch.setenv("NO_PROXY", "*")  # the environment cannot exempt a host either
        echo = app.get("/", {"url": upstream.named + "/echo"}).json
        assert dict((k.lower(), v) for k, v in echo["headers"])["host"] == f"upstream.test:{upstream.port}"
        # The proxy is asked for the address svc vetted, never the name: it has nothing to resolve.
        assert proxy.requests() == [f"CONNECT 127.0.0.1:{upstream.port} HTTP/1.1"]

    def test_https_through_the_proxy_keeps_the_name_for_sni_and_the_certificate(self, write_ini, tls_upstream):
        server, ca_bundle = tls_upstream
        proxy = RawServer("proxy")
        try:
            ini = write_ini(EGRESS_INI.format(port=proxy.port) + f"svc.fetch.ca_bundle = {ca_bundle}\n")
            app = TestApp(load(ini, **QUICK_POOL))
            assert app.get("/", {"url": f"https://upstream.test:{server.port}/echo"}).json["method"] == "GET"
            assert proxy.requests() == [f"CONNECT 127.0.0.1:{server.port} HTTP/1.1"]
        finally:
            proxy.stop()

    @pytest.mark.parametrize("url", ["http://private.test/", "http://10.0.0.1:8080/", "http://169.254.169.254/"])
    def test_a_blocked_target_is_refused_before_the_proxy_hears_of_it(self, egress, url):
        proxy, app = egress
        res = app.get("/", {"url": url}, status=403)
        assert res.json["type"].endswith("/destination-blocked")
        assert proxy.connections() == 0

    def test_the_proxy_itself_is_not_a_destination(self, egress):
        proxy, app = egress
        res = app.get("/", {"url": f"{proxy.base}/"}, status=403)
        assert "egress proxy" in res.json["detail"]
        assert proxy.connections() == 0

    @pytest.mark.parametrize(
        "value", ["proxy.example:3128", "http://proxy.example:3128", "socks5://127.0.0.1:1080", "http://127.0.0.1"]
    )
    def test_a_proxy_that_is_not_an_http_url_with_an_address_and_port_fails_at_start_up(self, write_ini, value):
        from svc.web.settings import SettingError

        ini = write_ini("[app:main]\n" + LOOPBACK_FETCH + f"svc.fetch.proxy = {value}\n")
        with pytest.raises(SettingError, match="svc.fetch.proxy"):
            load(ini)


class TestRefresh:
    @pytest.mark.parametrize("value", ["0;url=https://evil.example/", "5; URL='/login'"])
    def test_an_upstream_refresh_cannot_redirect_from_svc_origin(self, svc, upstream, value):
        status, headers, body, complete = through(svc, upstream.url("/headers?Refresh=" + quote(value, safe="")))
        assert status == 200 and headers.get_all("Refresh") is None
