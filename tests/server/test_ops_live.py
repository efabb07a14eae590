"""egg:svc#ops on the real server: pserve production.ini on granian with two workers."""
import glob
import json
import os
import re
import time
import urllib.request

import pytest
from prometheus_client.parser import text_string_to_metric_families

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def served(live_server, tmp_path_factory):
    metrics_dir = str(tmp_path_factory.mktemp("metrics"))
    server = live_server(
        "production.ini",
        sections={"server:main": {"workers": "2", "metrics_dir": metrics_dir}, "app:dns": {"svc.dns.nameservers": "127.0.0.1:9"}},
    )
    return server, metrics_dir


def get(server, path, headers=None):
    request = urllib.request.Request(server.url + path, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def hello_count(text):
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "svc_http_requests_total" and sample.labels.get("route") == "home.hello"
    )


def test_metrics_add_up_every_worker(served):
    server, metrics_dir = served
    for _ in range(40):  # a new connection each: the kernel spreads them over both workers
        assert get(server, "/hello?name=x")[0] == 200
    status, headers, body = get(server, "/metrics")
    assert status == 200 and headers["Content-Type"].startswith("text/plain")
    assert hello_count(body.decode()) == 40
    pids = {re.search(r"_(\d+)\.db$", name).group(1) for name in glob.glob(os.path.join(metrics_dir, "counter_*.db"))}
    assert len(pids) == 2, f"every worker keeps its own file: {pids}"


def test_the_request_id_shows_in_the_access_log(served):
    server, _ = served
    status, headers, _ = get(server, "/hello?name=traced", {"X-Request-ID": "trace-from-proxy-42"})
    assert headers["X-Request-ID"] == "trace-from-proxy-42"  # the trusted proxy is 127.0.0.1
    _, headers, _ = get(server, "/hello?name=fresh")
    fresh = headers["X-Request-ID"]
    deadline = time.monotonic() + 10  # the batched handler writes within a second
    while time.monotonic() < deadline:
        lines = [line for line in server.log().splitlines() if "svc.access" in line]
        if any("trace-from-proxy-42" in l and "name=traced" in l or "trace-from-proxy-42" in l for l in lines) and any(fresh in l for l in lines):
            break
        time.sleep(0.2)
    assert any("trace-from-proxy-42" in line for line in lines), server.log()[-3000:]
    assert any(fresh in line for line in lines)


def test_health_and_start_up_lines(served):
    server, _ = served
    status, _, body = get(server, "/livez")
    assert status == 200
    status, _, body = get(server, "/readyz")
    assert status == 200, body
    checks = json.loads(body)["checks"]
    assert checks["auth.database"]["status"] == "ok" and checks["dns.nameservers"]["required"] is False
    log = server.log()
    assert "svc: mount /dns -> dns (dns)" in log and "svc: server granian, 2 workers" in log
    assert "svc: auth.database at sqlite:///" in log
    assert "alembic" not in log.lower()


def test_one_setting_makes_the_access_log_json_lines(live_server):
    server = live_server(
        "production.ini",
        sections={"server:main": {"workers": "1"}, "handler_batched": {"formatter": "json"},
                  "app:dns": {"svc.dns.nameservers": "127.0.0.1:9"}},
    )
    _, headers, _ = get(server, "/hello?name=json")
    request_id = headers["X-Request-ID"]
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and request_id not in server.log():
        time.sleep(0.2)
    lines = [json.loads(line) for line in server.log().splitlines() if line.startswith("{")]
    access = next(line for line in lines if line.get("request_id") == request_id)
    assert access["logger"] == "svc.access" and access["path"] == "/hello" and access["status"] == 200
    assert {"time", "level", "user", "method", "bytes", "duration_ms"} <= set(access)
