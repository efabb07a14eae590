"""The fetch piece behind a real waitress: streaming, broken transfers, faults and leaks."""
import gzip
import http.client
import ipaddress
import json
import os
import resource
import socket
import time
from types import SimpleNamespace
from urllib.parse import quote, urlsplit

import psutil
import pytest

from svc.fetch.curl import BUFFER_SIZE, CurlEngine
from svc.fetch.engine import Hop
from svc.fetch.target import parse_target
from tests.conftest import load
from tests.fetch_fixtures import LOOPBACK_FETCH, Served, open_fds
from tests.upstream import BLOCK

LIMITS_INI = "[app:main]\n" + LOOPBACK_FETCH + """\
svc.fetch.deny = 0.0.0.0/0 ::/0
svc.fetch.max_response_size = 4MiB
svc.fetch.total_timeout = 2
svc.fetch.pool_idle_timeout = 0.5
# One client in a loop: a stream it dropped may hold its slot a moment after it moved on.
svc.fetch.max_concurrent_per_user = 64
"""


def expected_body(size):
    whole, rest = divmod(size, len(BLOCK))
    return BLOCK * whole + BLOCK[:rest]


class Client:
    """http.client against one server: the raw bytes, no decoding, no help."""

    def __init__(self, base):
        parts = urlsplit(base)
        self.host, self.port = parts.hostname, parts.port

    def request(self, method, path, body=None, headers=None):
        conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        try:
            conn.request(method, path, body, headers or {})
            res = conn.getresponse()
            return res, res.read()
        finally:
            conn.close()

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post_json(self, path, doc):
        return self.request("POST", path, json.dumps(doc), {"Content-Type": "application/json"})

    def broken(self, path):
        """True when the body ends early (a short Content-Length or an unterminated chunked body)."""
        conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        try:
            conn.request("GET", path)
            res = conn.getresponse()
            assert res.status == 200
            try:
                res.read()
            except http.client.IncompleteRead:
                return True
            return False
        finally:
            conn.close()

    def disconnect_mid_body(self, path, after=256 * 1024):
        """Read the headers and some of the body, then drop the connection."""
        sock = socket.create_connection((self.host, self.port), timeout=30)
        try:
            sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
            received = 0
            while received < after:
                data = sock.recv(65536)
                if not data:
                    break
                received += len(data)
        finally:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            sock.close()


@pytest.fixture(scope="module")
def server(upstream):
    """testing.ini on waitress."""
    served = Served(load("testing.ini"))
    yield Client(served.base)
    served.stop()


@pytest.fixture(scope="module")
def limited(upstream, tmp_path_factory):
    """The fetch piece alone, with small limits and a short pool idle timeout."""
    path = tmp_path_factory.mktemp("limits") / "limits.ini"
    path.write_text(LIMITS_INI)
    served = Served(load(str(path)))
    yield Client(served.base)
    served.stop()


def fetch_path(upstream, path):
    return "/fetch?url=" + quote(upstream.url(path), safe="")


class TestStreaming:
    @pytest.mark.parametrize("chunked", ["", "?chunked=1"])
    def test_a_large_body_streams_whole(self, server, upstream, chunked):
        size = 48 * 1024 * 1024 + 17
        res, body = server.get(fetch_path(upstream, f"/bytes/{size}{chunked}"))
        assert res.status == 200 and len(body) == size and body == expected_body(size)
        assert (res.getheader("Content-Length") is None) == bool(chunked)

    def test_content_encoding_is_left_alone(self, server, upstream):
        res, body = server.post_json("/fetch", {"url": upstream.url("/gzip/1000"), "headers": {"Accept-Encoding": "gzip"}})
        assert res.getheader("Content-Encoding") == "gzip"
        assert gzip.decompress(body) == expected_body(1000)

    def test_path_form_keeps_escapes(self, server, upstream):
        res, body = server.get(f"/fetch/{upstream.base}/echo/a%2Fb%3Fc%23d?q=1%262")
        echo = json.loads(body)
        assert echo["path"] == "/echo/a%2Fb%3Fc%23d" and echo["query"] == "q=1%262"

    def test_own_listen_address_is_refused(self, server):
        res, body = server.get(f"/fetch?url=http://127.0.0.1:{server.port}/hello?name=x")
        assert res.status == 403
        assert "own listen address" in json.loads(body)["detail"]


class TestLimitsAndFaults:
    def test_content_length_over_the_cap_is_refused_before_streaming(self, limited, upstream):
        res, body = limited.get("/?url=" + quote(upstream.url("/bytes/5000000"), safe=""))
        assert res.status == 502 and json.loads(body)["type"].endswith("/response-too-large")

    def test_chunked_over_the_cap_is_cut(self, limited, upstream):
        assert limited.broken("/?url=" + quote(upstream.url("/bytes/20000000?chunked=1"), safe=""))
        assert not limited.broken("/?url=" + quote(upstream.url("/bytes/4000000?chunked=1"), safe=""))

    @pytest.mark.parametrize("path", ["/cut/8000000", "/cut-chunked/8000000"])
    def test_upstream_dies_mid_stream(self, server, upstream, path):
        assert server.broken(fetch_path(upstream, path))
        assert server.get(fetch_path(upstream, "/echo"))[0].status == 200

    def test_upstream_never_answers(self, limited, upstream):
        started = time.monotonic()
        res, body = limited.get("/?url=" + quote(upstream.url("/never"), safe=""))
        assert res.status == 504 and json.loads(body)["type"].endswith("/upstream-timeout")
        assert time.monotonic() - started < 30
        assert limited.get("/?url=" + quote(upstream.url("/echo"), safe=""))[0].status == 200

    def test_slow_drip_ends_by_the_deadline(self, limited, upstream):
        path = "/?url=" + quote(upstream.url("/drip?bytes=100&delay=0.2"), safe="")
        assert limited.broken(path)
        assert limited.get("/?url=" + quote(upstream.url("/echo"), safe=""))[0].status == 200

    def test_client_disconnects_mid_stream(self, server, upstream):
        server.disconnect_mid_body(fetch_path(upstream, "/bytes/200000000"))
        assert server.get(fetch_path(upstream, "/echo"))[0].status == 200


class TestEngine:
    """The curl engine alone: what a streamed body holds in memory."""

    @pytest.fixture
    def engine(self):
        settings = SimpleNamespace(pool_size=2, pool_connections=2, pool_idle_timeout=5, ca_bundle=None, proxy=None)
        return CurlEngine(settings)

    @staticmethod
    def hop(upstream, path):
        return Hop(
            target=parse_target(upstream.url(path)),
            addresses=(ipaddress.ip_address("127.0.0.1"),),
            method="GET",
            headers=(),
            body=None,
            connect_timeout=5.0,
            read_timeout=5.0,
            deadline=time.monotonic() + 30,
            decode=False,
            max_body=1 << 30,
            max_header_size=65536,
        )

    @pytest.mark.parametrize("chunked", ["", "?chunked=1"])
    def test_a_streamed_body_comes_in_bounded_chunks(self, engine, upstream, chunked):
        size = 24 * 1024 * 1024 + 5
        exchange = engine.start(self.hop(upstream, f"/bytes/{size}{chunked}"))
        try:
            sizes = [len(chunk) for chunk in exchange]
        finally:
            exchange.close()
        assert sum(sizes) == size
        # libcurl reads at most eleven buffers per perform(), and the engine drives one per chunk.
        assert max(sizes) <= 11 * BUFFER_SIZE

    def test_a_socket_past_fd_setsize_is_still_served(self, engine, upstream):
        """select() cannot watch a descriptor past 1023; a busy server with a raised limit has those."""
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if hard != resource.RLIM_INFINITY and hard < 2048:
            pytest.skip("the descriptor limit cannot go past FD_SETSIZE here")
        resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, 2048), hard))
        filler = [os.open(os.devnull, os.O_RDONLY) for _ in range(1100)]
        try:
            for path in ("/echo", "/bytes/3000000?chunked=1"):
                exchange = engine.start(self.hop(upstream, path))
                assert exchange.status == 200 and len(exchange.read()) > 0
            assert max(open_fds()) >= 1024  # the pooled connection's socket
        finally:
            for fd in filler:
                os.close(fd)
            engine.pool.close_idle(0)
            resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def _settle(baseline, timeout=10.0):
    """Wait for the process's sockets to come back to ``baseline``; return what is left."""
    deadline = time.monotonic() + timeout
    while True:
        extra = set(open_fds()) - set(baseline)
        waiting = [c for c in psutil.Process().net_connections("inet") if c.status == psutil.CONN_CLOSE_WAIT]
        if (not extra and not waiting) or time.monotonic() > deadline:
            return extra, waiting
        time.sleep(0.1)


@pytest.mark.slow
def test_no_leaked_sockets_after_500_mixed_fetches(limited, upstream):
    def url(path):
        return "/?url=" + quote(upstream.url(path), safe="")

    _settle(open_fds(), timeout=1.0)
    baseline = open_fds()
    outcomes = {"ok": 0, "upstream error": 0, "problem": 0, "broken": 0, "disconnect": 0}
    for i in range(500):
        kind = i % 10
        if kind < 4:
            res, _ = limited.get(url(f"/bytes/{1024 * (i % 7 + 1)}"))
            outcomes["ok"] += res.status == 200
        elif kind == 4:
            res, _ = limited.get(url("/status/503"))
            outcomes["upstream error"] += res.status == 503
        elif kind == 5:
            res, _ = limited.get("/?url=" + quote("http://private.test/", safe="") if i % 20 == 5 else url("/bytes/9000000"))
            outcomes["problem"] += res.status in (403, 502)
        elif kind == 6:
            outcomes["broken"] += limited.broken(url("/cut-chunked/400000"))
        elif kind == 7:
            outcomes["broken"] += limited.broken(url("/bytes/6000000?chunked=1"))
        elif kind == 8:
            limited.disconnect_mid_body(url("/bytes/3000000?chunked=1"), after=100000)
            outcomes["disconnect"] += 1
        else:
            res, _ = limited.post_json("/", {"url": upstream.url("/redirect/302?to=/echo"), "envelope": True})
            outcomes["ok"] += res.status == 200
    assert outcomes == {"ok": 250, "upstream error": 50, "problem": 50, "broken": 100, "disconnect": 50}
    extra, waiting = _settle(baseline)
    assert not extra, f"sockets left open: {extra}"
    assert not waiting, f"sockets in CLOSE_WAIT: {waiting}"


@pytest.mark.bulky
@pytest.mark.parametrize("chunked", ["", "?chunked=1"])
def test_one_gibibyte_streams_through(server, upstream, chunked):
    size = 1 << 30
    conn = http.client.HTTPConnection(server.host, server.port, timeout=60)
    conn.request("GET", fetch_path(upstream, f"/bytes/{size}{chunked}"))
    res = conn.getresponse()
    received = 0
    while True:
        data = res.read(1 << 20)
        if not data:
            break
        received += len(data)
    conn.close()
    assert res.status == 200 and received == size
