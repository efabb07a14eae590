"""egg:svc#ops: /livez, /readyz, /healthz, /metrics, request ids and request metrics."""
import json
import os
import re

import pytest
from prometheus_client.parser import text_string_to_metric_families
from webtest import TestApp

from tests.auth_fixtures import make_auth_dir
from tests.conftest import ROOT, load

LOCAL = {"REMOTE_ADDR": "127.0.0.1"}
FAR = {"REMOTE_ADDR": "192.0.2.7"}


def samples(text, name):
    """{labels as a frozenset of items: value} of the samples called ``name``."""
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name:
                found[frozenset(sample.labels.items())] = sample.value
    return found


def value(text, name, **labels):
    return sum(v for k, v in samples(text, name).items() if set(labels.items()) <= k)


class TestHealth:
    def test_livez_checks_nothing(self, testing_app):
        res = testing_app.get("/livez", extra_environ=FAR)
        assert res.json == {"status": "ok"}

    def test_readyz_has_one_entry_per_check(self, testing_app):
        res = testing_app.get("/readyz", extra_environ=FAR)
        assert res.status_int == 200 and res.json["status"] == "ok"
        checks = res.json["checks"]
        assert {"auth.database", "dns.nameservers"} <= set(checks)
        for check in checks.values():
            assert set(check) == {"status", "latency_ms", "error", "required"}
        assert checks["auth.database"] == {**checks["auth.database"], "status": "ok", "error": None, "required": True}
        assert checks["dns.nameservers"]["required"] is False

    def test_healthz_lists_every_mount_and_piece(self, testing_app):
        body = testing_app.get("/healthz").json
        assert body["status"] == "ok" and body["version"]
        mounts = {m["path"]: m["pieces"] for m in body["mounts"]}
        assert mounts == {"/": ["home"], "/url": ["urls"], "/fetch": ["fetch"], "/dns": ["dns"], "/net": ["net"], "/auth": ["auth"]}

    def test_a_database_that_is_gone_makes_it_unready(self, tmp_path):
        from sqlalchemy import create_engine

        from tests.auth_fixtures import find_service

        raw = load("testing.ini", **make_auth_dir(str(tmp_path)))
        find_service(raw).store.engine = create_engine(f"sqlite:///{tmp_path}/gone/auth.sqlite")
        for path in ("/readyz", "/healthz"):
            res = TestApp(raw).get(path, status=503)
            assert res.json["status"] == "fail"
            check = res.json["checks"]["auth.database"]
            assert check["status"] == "fail" and "OperationalError" in check["error"]
            assert str(tmp_path) not in res.text

    def test_an_outdated_schema_makes_it_unready(self, tmp_path):
        conf = make_auth_dir(str(tmp_path))
        app = TestApp(load("testing.ini", **conf))
        from sqlalchemy import create_engine, text

        with create_engine(conf["svc.auth.db_url"]).begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = 'old'"))
        res = app.get("/readyz", status=503)
        assert "migrate" in res.json["checks"]["auth.database"]["error"]

    def test_none_needs_sign_in_with_permissions_enforced(self, testing_app):
        for path in ("/livez", "/readyz", "/healthz"):
            testing_app.get(path, extra_environ=FAR, status=200)


class TestRequestId:
    def test_every_answer_carries_a_new_id(self, testing_app):
        first = testing_app.get("/hello?name=x").headers["X-Request-ID"]
        second = testing_app.get("/nowhere", status=404).headers["X-Request-ID"]
        assert re.fullmatch(r"[0-9a-f]{32}", first) and first != second

    def test_an_id_from_the_client_is_not_taken_without_a_trusted_proxy(self, testing_app):
        res = testing_app.get("/hello?name=x", headers={"X-Request-ID": "mine-123"})
        assert res.headers["X-Request-ID"] != "mine-123"

    def test_the_id_is_not_sent_upstream(self, testing_app, upstream):
        res = testing_app.get("/fetch", {"url": upstream.url("/echo")}, headers={"X-Request-ID": "abc"})
        echoed = {pair[0].lower() for pair in json.loads(res.body)["headers"]}
        assert "x-request-id" not in echoed and res.headers["X-Request-ID"] not in res.text

    def test_the_id_is_in_every_log_line_of_the_request(self, testing_app, caplog):
        import logging

        from svc.web.logs import TextFormatter

        formatter = TextFormatter("%(request_id)s %(name)s %(message)s")
        with caplog.at_level(logging.INFO):
            res = testing_app.get("/hello?name=x")
        lines = [formatter.format(r) for r in caplog.records if r.name == "svc.access"]
        assert lines and lines[-1].startswith(res.headers["X-Request-ID"] + " svc.access")


class TestMetrics:
    def test_counts_requests_by_mount_route_method_and_status_class(self, testing_app):
        before = testing_app.get("/metrics", extra_environ=LOCAL).text
        testing_app.get("/hello/someone-secret")
        testing_app.get("/url/nowhere", status=404)
        after = testing_app.get("/metrics", extra_environ=LOCAL)
        assert after.content_type == "text/plain"
        labels = {"mount": "/", "route": "home.hello_name", "method": "GET", "status": "2xx"}
        assert value(after.text, "svc_http_requests_total", **labels) == value(before, "svc_http_requests_total", **labels) + 1
        miss = {"mount": "/url", "route": "none", "method": "GET", "status": "4xx"}
        assert value(after.text, "svc_http_requests_total", **miss) == value(before, "svc_http_requests_total", **miss) + 1
        assert value(after.text, "svc_http_request_duration_seconds_count", mount="/", route="home.hello_name") >= 1
        assert "someone-secret" not in after.text and "/hello/" not in after.text

    def test_default_collectors(self, testing_app):
        text = testing_app.get("/metrics", extra_environ=LOCAL).text
        assert "process_resident_memory_bytes" in text and "python_info" in text

    def test_refused_to_other_addresses(self, testing_app):
        res = testing_app.get("/metrics", extra_environ=FAR, status=403)
        assert res.content_type == "application/problem+json"

    def test_a_permission_lets_a_signed_in_caller_read_from_anywhere(self, write_ini, tmp_path):
        from tests.auth_fixtures import granted_basic

        text = open(os.path.join(ROOT, "testing.ini")).read().replace("use = egg:svc#ops\n", "use = egg:svc#ops\nmetrics_permission = admin\n")
        ini = write_ini(text.replace("%(here)s", ROOT))
        raw = load(ini, **make_auth_dir(str(tmp_path)))
        app = TestApp(raw, extra_environ=FAR)
        assert app.get("/metrics", status=401).headers["WWW-Authenticate"].startswith("Basic")
        app.get("/metrics", headers={"Authorization": granted_basic(raw)}, status=200)

    def test_off_means_no_metrics_endpoint(self, write_ini, tmp_path):
        text = open(os.path.join(ROOT, "testing.ini")).read().replace("use = egg:svc#ops\n", "use = egg:svc#ops\nmetrics = false\n")
        app = TestApp(load(write_ini(text.replace("%(here)s", ROOT)), **make_auth_dir(str(tmp_path))))
        app.get("/metrics", extra_environ=LOCAL, status=404)
        assert app.get("/hello?name=x").headers["X-Request-ID"]

    def test_a_malformed_setting_names_the_key(self, write_ini):
        from svc.web.settings import SettingError

        text = open(os.path.join(ROOT, "testing.ini")).read().replace("use = egg:svc#ops\n", "use = egg:svc#ops\nmetrics_allow = nonsense\n")
        with pytest.raises(SettingError, match="metrics_allow"):
            load(write_ini(text))


class TestPieceMetrics:
    def test_fetch_dns_and_auth_are_counted(self, testing_app, upstream):
        from tests.auth_fixtures import basic

        testing_app.get("/dns/resolve?name=example.test&type=A", status="*")
        testing_app.get("/dns/dns-query?name=example.test", headers={"Accept": "application/dns-json"}, status="*")
        testing_app.post("/dns/bulk", "a.example.test\nb.example.test\n", headers={"Content-Type": "text/plain"}, status="*")
        testing_app.get("/fetch", {"url": upstream.url("/echo?a=1")})
        testing_app.get("/fetch", {"url": "http://127.0.0.1:1/"}, status="*")
        testing_app.get("/hello?name=x", headers={"Authorization": basic("nobody", "wrong")}, status="*")
        text = testing_app.get("/metrics", extra_environ=LOCAL).text
        assert value(text, "svc_dns_cache_lookups_total") >= 1
        assert value(text, "svc_dns_upstream_queries_total") >= 1
        assert value(text, "svc_dns_doh_queries_total", format="application/dns-json") >= 1
        assert value(text, "svc_dns_bulk_names_total") >= 2
        assert value(text, "svc_fetch_destination_decisions_total", outcome="allow") >= 1
        assert value(text, "svc_fetch_upstream_responses_total", status="2xx") >= 1
        assert value(text, "svc_fetch_relayed_bytes_total") >= 1
        assert value(text, "svc_fetch_upstream_ttfb_seconds_count") >= 1
        assert value(text, "svc_auth_sign_ins_total", method="basic", outcome="refused") >= 1
        assert "svc_auth_active_sessions" in text


DASHBOARD = os.path.join(ROOT, "deploy", "grafana", "svc.json")
_SUFFIXES = ("_bucket", "_count", "_sum", "_total")


def dashboard_metrics():
    """The metric names the dashboard's queries read (the svc_ and process_ ones)."""
    with open(DASHBOARD) as file:
        dashboard = json.load(file)
    exprs = [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]
    return {name for expr in exprs for name in re.findall(r"\b(?:svc|process)_[a-z0-9_]+", expr)}


class TestGrafanaDashboard:
    def test_every_metric_it_queries_is_served(self, testing_app, upstream):
        testing_app.get("/hello?name=x")
        testing_app.get("/dns/resolve?name=example.test&type=A", status="*")
        testing_app.get("/fetch", {"url": upstream.url("/echo")})
        text = testing_app.get("/metrics", extra_environ=LOCAL).text
        families = {family.name for family in text_string_to_metric_families(text)}
        names = dashboard_metrics()
        assert {"svc_http_requests_total", "svc_dns_cache_lookups_total", "svc_auth_sign_ins_total"} <= names
        for name in names:
            base = next((name[: -len(s)] for s in _SUFFIXES if name.endswith(s)), name)
            assert base in families or name in families, f"the dashboard queries {name}, which /metrics does not serve"
