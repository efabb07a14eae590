"""The shipped deploy/nginx config in front of `pserve production.ini`, reached with curl over TLS.

production.ini is served as shipped but for the test DNS server, and fetch allowed to reach the
loopback test upstream (tests/live_server.py); nginx is deploy/nginx/svc.conf rendered for
loopback ports and test certificates (tests/nginx_server.py).
"""
import json
import os
import re
import select
import subprocess
import time
import urllib.parse

import dns.message
import pytest

from tests.conftest import TESTING_GLOBAL_CONF

pytestmark = pytest.mark.slow

CLIENT = "127.0.0.2"  # curl's source address: neither nginx's nor svc's


def test_nginx_accepts_the_shipped_config(nginx_server):
    status, output = nginx_server(["http://127.0.0.1:6543"], start=False).test_config()
    assert status == 0, output
    assert "test is successful" in output


@pytest.fixture(scope="module")
def behind(live_server, nginx_server):
    """(svc, nginx, Basic credentials of a user holding every permission)."""
    svc = live_server(
        "production.ini",
        sections={
            "app:fetch": {"svc.fetch.allow": "127.0.0.1", "svc.fetch.ports": "1-65535"},
            "app:dns": {
                "svc.dns.nameservers": TESTING_GLOBAL_CONF["dns_nameserver"],
                "svc.dns.lookup_backend": "svc.dns.lookup:NameserverLookup",
            },
        },
    )
    return svc, nginx_server([svc.url]), svc.granted_basic()


def curl(nginx, *args, credentials=None):
    """curl through nginx from CLIENT: (HTTP status, body)."""
    auth = ["--header", f"Authorization: {credentials}"] if credentials else []
    command = nginx.curl("--interface", CLIENT, "--write-out", "\n%{http_code}", *auth, *args)
    done = subprocess.run(command, capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr.decode()
    body, _, status = done.stdout.rpartition(b"\n")
    return int(status), body


def wait_for(read, pattern, timeout=15):
    """The first match of ``pattern`` in what ``read()`` returns, once the batched log has it."""
    deadline = time.monotonic() + timeout
    while True:
        match = re.search(pattern, read(), re.M)
        if match or time.monotonic() > deadline:
            return match
        time.sleep(0.2)


class TestBehindNginx:
    def test_svc_logs_the_client_address(self, behind):
        svc, nginx, _ = behind
        status, _ = curl(nginx, f"{nginx.https_url}/the-client-address")
        assert status == 404
        assert wait_for(svc.log, rf"\[svc\.access:\d+\].* {re.escape(CLIENT)} .*/the-client-address"), svc.log()

    def test_nginx_logs_the_request_id_it_sends(self, behind):
        _, nginx, _ = behind
        curl(nginx, f"{nginx.https_url}/url/?request-id")
        assert wait_for(nginx.access_log, r"^127\.0\.0\.2 .*/url/\?request-id .* [0-9a-f]{32}$"), nginx.access_log()

    def test_openapi_servers_are_https(self, behind):
        _, nginx, _ = behind
        status, body = curl(nginx, f"{nginx.https_url}/url/openapi.json")
        assert status == 200
        assert json.loads(body)["servers"][0]["url"] == f"{nginx.https_url}/url"

    def test_http_2(self, behind):
        _, nginx, _ = behind
        done = subprocess.run(
            nginx.curl("--http2", "--output", "/dev/null", "--write-out", "%{http_version}", f"{nginx.https_url}/url/"),
            capture_output=True, text=True, timeout=60,
        )
        assert done.stdout == "2", done.stderr

    def test_a_2_mib_dns_bulk_upload(self, behind, tmp_path):
        _, nginx, credentials = behind
        names = b"a.test\n" + b"dual.test\n"
        padding = 2 * 1024 * 1024 - len(names) - len(b"mail.test\n")
        line = b"#" * 1023 + b"\n"
        body = names + line * (padding // len(line)) + b"#" * (padding % len(line) - 1) + b"\n" + b"mail.test\n"
        assert len(body) == 2 * 1024 * 1024
        upload = tmp_path / "names.txt"
        upload.write_bytes(body)
        status, csv = curl(
            nginx, "--data-binary", f"@{upload}", "--header", "Content-Type: text/plain",
            f"{nginx.https_url}/dns/bulk", credentials=credentials,
        )
        assert status == 200, csv
        assert b"mail.test,4,192.0.2.25" in csv  # the last line arrived

    def test_a_fetch_stream_is_not_buffered(self, behind, upstream):
        _, nginx, credentials = behind
        target = upstream.url("/drip?bytes=30&delay=0.5")  # 15 s in all
        url = f"{nginx.https_url}/fetch/?url={urllib.parse.quote(target, safe='')}"
        stream = subprocess.Popen(
            nginx.curl("--no-buffer", "--header", f"Authorization: {credentials}", url), stdout=subprocess.PIPE
        )
        try:
            ready, _, _ = select.select([stream.stdout], [], [], 60)
            assert ready, "no byte of the stream within 60 s"
            assert os.read(stream.stdout.fileno(), 1) == b"*"
            assert stream.poll() is None, "the first byte came only with the end of the stream"
        finally:
            stream.kill()
            stream.wait()
            stream.stdout.close()

    def test_the_doh_listener_serves_dns_query_only(self, behind):
        _, nginx, credentials = behind

        query = dns.message.make_query("a.test", "A").to_wire()
        status, answer = _doh(nginx, query, credentials)
        assert status == 200
        assert "192.0.2.1" in dns.message.from_wire(answer).to_text()
        assert curl(nginx, f"{nginx.doh_url}/url/")[0] == 404


def _doh(nginx, query, credentials):
    command = nginx.curl(
        "--http2", "--data-binary", "@-", "--header", "Content-Type: application/dns-message",
        "--header", f"Authorization: {credentials}", "--write-out", "\n%{http_code}", f"{nginx.doh_url}/dns-query",
    )
    done = subprocess.run(command, input=query, capture_output=True, timeout=60)
    body, _, status = done.stdout.rpartition(b"\n")
    return int(status), body
