"""`pserve production.ini` itself: granian with 2 workers, checked over real sockets.

The server runs production.ini's text with only these lines changed (each must match once, so
drift fails here): its listen address, 2 workers, a 2 s header timeout, the DNS piece pointed at
the test DNS server and the fetch piece allowed to reach the loopback test upstream on any port. %(here)s is
a temporary folder and the auth store is private to the module.
"""
import base64
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse

import dns.message
import pytest

from tests.auth_fixtures import basic, make_auth_dir
from tests.conftest import ROOT

pytestmark = pytest.mark.slow

PASSWORD = "correct horse"
ACCESS = re.compile(r"\[svc\.access:\d+\]\[[^]]*\] (\S+) (\S+) \"(\S+) (\S+)\" (\d{3}) (\d+)")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def production_ini_for(folder, port, nameserver):
    text = open(os.path.join(ROOT, "production.ini")).read()
    for old, new in [
        ("listen = 127.0.0.1:6543", f"listen = 127.0.0.1:{port}"),
        ("\nworkers =\n", "\nworkers = 2\n"),
        ("header_timeout = 30", "header_timeout = 2"),
        ("svc.dns.nameservers =\n", f"svc.dns.nameservers = {nameserver}\n"),
        ("svc.fetch.allow =\n", "svc.fetch.allow = 127.0.0.1\n"),
        ("svc.fetch.ports = 80 443 8000 8080 8443", "svc.fetch.ports = 1-65535"),
    ]:
        assert text.count(old) == 1, f"production.ini no longer has {old!r} once"
        text = text.replace(old, new)
    path = os.path.join(folder, "production.ini")
    with open(path, "w") as out:
        out.write(text)
    return path


class Pserve:
    """`pserve INI name=value...` in a child process; its stderr (the logs) goes to a file."""

    def __init__(self, ini, port, global_conf):
        self.port = port
        self.log_path = os.path.join(os.path.dirname(ini), "stderr.log")
        self.log = open(self.log_path, "wb")
        pserve = os.path.join(os.path.dirname(sys.executable), "pserve")
        args = [f"{k}={v}" for k, v in global_conf.items()]
        self.proc = subprocess.Popen([pserve, ini, *args], stdout=self.log, stderr=self.log, cwd=os.path.dirname(ini))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.logs()
            try:  # the master listens before the workers start; the backlog holds what comes early
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        raise AssertionError("pserve did not answer within 60 s:\n" + self.logs())

    def connection(self, source="127.0.0.1", timeout=30):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout, source_address=(source, 0))

    def request(self, method, path, headers=None, body=None, source="127.0.0.1"):
        conn = self.connection(source)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            return response.status, response.headers, response.read()
        finally:
            conn.close()

    def logs(self):
        with open(self.log_path, "rb") as log:
            return log.read().decode("utf-8", "replace")

    def access_lines(self):
        return [m.groups() for m in ACCESS.finditer(self.logs())]

    def workers(self):
        out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(self.proc.pid)], capture_output=True, text=True)
        return [int(pid) for pid in out.stdout.split()]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(40)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        return self.proc.returncode


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """Users, the upstream and DNS servers, and a way to start production servers."""
    from tests import dns_server
    from tests.fetch_fixtures import Upstream

    folder = tmp_path_factory.mktemp("auth")
    auth = make_auth_dir(str(folder))
    from svc.auth.passwords import Passwords
    from svc.auth.store import Store, create_store_engine

    engine = create_store_engine(auth["svc.auth.db_url"])
    store = Store(engine)
    store.add_user("alice", Passwords(time_cost=1, memory_cost=8, parallelism=1).hash(PASSWORD))
    for permission in ("fetch", "dns", "net"):
        store.grant("alice", permission)
    engine.dispose()
    upstream = Upstream()
    nameserver = dns_server.start()
    servers = []

    def start(name="prod"):
        here = tmp_path_factory.mktemp(name)
        port = free_port()
        server = Pserve(production_ini_for(str(here), port, nameserver.address), port, auth)
        servers.append(server)
        return server

    yield start, upstream
    for server in servers:
        server.stop()
    upstream.stop()
    nameserver.stop()


@pytest.fixture(scope="module")
def prod(world):
    start, _ = world
    return start()


@pytest.fixture(scope="module")
def upstream(world):
    return world[1]


ALICE = {"Authorization": basic("alice", PASSWORD)}


class TestPieces:
    def test_hello_and_a_server_header_without_versions(self, prod):
        status, headers, body = prod.request("GET", "/hello?name=Booga")
        assert (status, body) == (200, b"Hello WWW, hey Booga")
        assert headers.get_all("Server") == ["svc"]

    def test_fetch_through_a_worker(self, prod, upstream):
        query = urllib.parse.urlencode({"url": upstream.url("/bytes/1024")})
        status, _, body = prod.request("GET", f"/fetch?{query}", headers=ALICE)
        assert status == 200, body
        assert len(body) == 1024

    def test_fetch_of_the_server_itself_is_refused(self, prod):
        query = urllib.parse.urlencode({"url": f"http://127.0.0.1:{prod.port}/hello"})
        status, headers, body = prod.request("GET", f"/fetch?{query}", headers=ALICE)
        assert status == 403, body
        assert headers["Content-Type"].startswith("application/problem+json")
        assert "own listen address" in json.loads(body)["detail"]

    def test_doh_get(self, prod):
        wire = dns.message.make_query("a.test", "A").to_wire()
        dns_param = base64.urlsafe_b64encode(wire).rstrip(b"=").decode()
        status, headers, body = prod.request(
            "GET", f"/dns/dns-query?dns={dns_param}", headers={**ALICE, "Accept": "application/dns-message"}
        )
        assert status == 200, body
        assert "192.0.2.1" in dns.message.from_wire(body).to_text()

    def test_sign_in_with_the_form_behind_the_tls_proxy(self, prod):
        proxied = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "svc.example", "Accept": "text/html"}
        status, headers, page = prod.request("GET", "/auth/login", headers=proxied)
        assert status == 200
        token = re.search(rb'name="csrf_token" value="([^"]+)"', page).group(1).decode()
        cookies = "; ".join(c.split(";", 1)[0] for c in headers.get_all("Set-Cookie") or [])
        form = urllib.parse.urlencode({"user": "alice", "password": PASSWORD, "csrf_token": token})
        status, headers, body = prod.request(
            "POST",
            "/auth/login",
            body=form,
            headers={**proxied, "Cookie": cookies, "Content-Type": "application/x-www-form-urlencoded"},
        )
        assert status == 303, body
        assert headers["Location"].startswith("https://svc.example/")  # url_scheme and host from the proxy
        session = [c.split(";", 1)[0] for c in headers.get_all("Set-Cookie") if c.startswith("__Host-svc_auth=")]
        assert session, headers.get_all("Set-Cookie")
        status, _, body = prod.request(
            "GET", "/auth/whoami", headers={**proxied, "Cookie": session[0], "Accept": "application/json"}
        )
        assert status == 200 and json.loads(body)["user"] == "alice"


class TestWhatWaitressGaveUs:
    def test_a_declared_body_over_the_cap_is_refused_before_the_app_reads(self, prod):
        conn = prod.connection()
        conn.putrequest("POST", "/dns/bulk")
        conn.putheader("Content-Length", str(4194304 + 1))
        conn.putheader("Content-Type", "text/plain")
        conn.endheaders()  # and no body at all: the answer cannot have waited for one
        response = conn.getresponse()
        assert response.status == 413
        assert response.headers["Content-Type"].startswith("application/problem+json")
        assert json.loads(response.read())["type"].endswith("/request-too-large")
        conn.close()

    def test_a_chunked_body_over_the_cap_is_refused(self, prod):
        def chunks():
            for _ in range(5):
                yield b"x" * (1 << 20)

        status, _, body = prod.request("POST", "/dns/bulk", body=chunks(), headers={"Content-Type": "text/plain"})
        assert status == 413, body

    def test_forwarded_for_is_honoured_only_from_the_trusted_proxy(self, prod):
        prod.request("GET", "/xff-proxied", headers={"X-Forwarded-For": "203.0.113.7"})
        prod.request("GET", "/xff-direct", headers={"X-Forwarded-For": "203.0.113.8"}, source="127.0.0.2")
        lines = wait_for_lines(prod, lambda line: line[3].startswith("/xff-"), 2)
        assert {line[3]: line[0] for line in lines} == {"/xff-proxied": "203.0.113.7", "/xff-direct": "127.0.0.2"}

    def test_untrusted_forwarded_proto_does_not_change_the_scheme(self, prod):
        status, headers, _ = prod.request(
            "GET", "/auth/whoami", headers={"X-Forwarded-Proto": "https", "Accept": "text/html"}, source="127.0.0.2"
        )
        assert status in (302, 303)
        assert headers["Location"].startswith("http://"), headers["Location"]

    def test_a_slow_loris_is_cut_after_the_header_timeout(self, prod):
        with socket.create_connection(("127.0.0.1", prod.port), timeout=15) as sock:
            sock.sendall(b"GET /hello/you HTTP/1.1\r\nHost: x\r\n")  # and never the blank line
            started = time.monotonic()
            rest = sock.recv(4096)
            while rest:  # hyper may answer 408 before it closes
                rest = sock.recv(4096)
            assert time.monotonic() - started < 12

    def test_an_idle_keep_alive_connection_is_closed(self, prod):
        with socket.create_connection(("127.0.0.1", prod.port), timeout=15) as sock:
            sock.sendall(b"GET /hello/you HTTP/1.1\r\nHost: x\r\n\r\n")
            assert sock.recv(4096).startswith(b"HTTP/1.1 200")
            started = time.monotonic()
            while sock.recv(4096):
                pass
            assert time.monotonic() - started < 12


def wait_for_lines(server, predicate, count, timeout=10):
    """The access lines that match, once the batched handler has written them (each second)."""
    deadline = time.monotonic() + timeout
    while True:
        lines = [line for line in server.access_lines() if predicate(line)]
        if len(lines) >= count or time.monotonic() > deadline:
            return lines
        time.sleep(0.2)


class TestLifecycle:
    def test_a_dead_worker_is_replaced(self, world):
        start, _ = world
        server = start("respawn")
        victim = server.workers()[0]
        os.kill(victim, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            workers = server.workers()
            if len(workers) == 2 and victim not in workers:
                break
            time.sleep(0.2)
        assert len(server.workers()) == 2 and victim not in server.workers(), server.logs()
        for _ in range(6):
            assert server.request("GET", "/hello/you")[0] == 200

    def test_sigterm_mid_stream_completes_the_stream_and_logs_every_request(self, world):
        start, upstream = world
        server = start("sigterm")
        for _ in range(20):
            assert server.request("GET", "/hello?name=x")[0] == 200
        size = 20 * 1024 * 1024
        conn = server.connection(timeout=60)
        query = urllib.parse.urlencode({"url": upstream.url(f"/bytes/{size}")})
        conn.request("GET", f"/fetch?{query}", headers=ALICE)
        response = conn.getresponse()
        assert response.status == 200
        received = len(response.read(1 << 20))
        server.proc.send_signal(signal.SIGTERM)
        while chunk := response.read(1 << 20):
            received += len(chunk)
        assert received == size
        assert server.proc.wait(40) == 0, server.logs()
        with pytest.raises(ConnectionRefusedError):  # the listening socket went with the master
            server.request("GET", "/hello/you")
        lines = server.access_lines()
        assert sum(1 for line in lines if line[3] == "/hello") == 20, server.logs()
        streams = [line for line in lines if line[3] == "/fetch"]
        assert streams and streams[0][4] == "200" and int(streams[0][5]) == size
