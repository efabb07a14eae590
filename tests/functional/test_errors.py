"""An unhandled exception: a traceback in debug, an incident id otherwise."""
import logging

import pytest
from webtest import TestApp

import svc.home.views
from tests.conftest import load


class Boom(RuntimeError):
    pass


@pytest.fixture
def broken_hello(monkeypatch):
    def explode(name):
        raise Boom(f"internal detail: secret path /srv/{name}")

    monkeypatch.setattr(svc.home.views, "greeting", explode)


@pytest.fixture(scope="module")
def debug_app():
    return TestApp(load("development.ini"))


@pytest.fixture(scope="module", params=["production.ini", "testing.ini"])
def quiet_app(request):
    return TestApp(load(request.param))


class TestDebugMode:
    def test_api_client_gets_traceback_member(self, debug_app, broken_hello):
        res = debug_app.get("/hello?name=x", status=500)
        assert res.content_type == "application/problem+json"
        assert "Boom: internal detail" in res.json["traceback"]
        assert "Traceback (most recent call last)" in res.json["traceback"]
        assert res.json["incident"]

    def test_browser_gets_traceback_page(self, debug_app, broken_hello):
        res = debug_app.get("/hello?name=x", headers={"Accept": "text/html"}, status=500)
        assert res.content_type == "text/html"
        assert "Boom: internal detail" in res.html.select_one("pre.traceback").text


class TestProductionMode:
    def test_incident_id_and_nothing_internal(self, quiet_app, broken_hello, caplog):
        with caplog.at_level(logging.ERROR, logger="svc"):
            res = quiet_app.get("/hello?name=x", status=500)
        assert res.content_type == "application/problem+json"
        body = res.json
        assert set(body) == {"type", "title", "status", "detail", "instance", "incident"}
        assert body["status"] == 500
        assert "Boom" not in res.text and "secret" not in res.text
        incident = body["incident"]
        assert incident in body["detail"]
        logged = [r for r in caplog.records if incident in r.getMessage()]
        assert len(logged) == 1
        assert "Boom: internal detail: secret path /srv/x" in logged[0].getMessage()

    def test_browser_page_has_no_traceback(self, quiet_app, broken_hello):
        res = quiet_app.get("/hello?name=x", headers={"Accept": "text/html"}, status=500)
        assert res.html.select_one("pre.traceback") is None
        assert "Boom" not in res.text


def test_access_log_line_per_request(caplog):
    app = TestApp(load("production.ini"))
    with caplog.at_level(logging.INFO, logger="svc.access"):
        app.get("/hello?name=Booga")
        app.get("/url/parse?url=http://x:99999", status=400)
    lines = [r.getMessage() for r in caplog.records if r.name == "svc.access"]
    assert len(lines) == 2
    assert '"GET /hello" 200 20 ' in lines[0] and lines[0].endswith("ms")
    assert '"GET /url/parse" 400 ' in lines[1]


@pytest.mark.parametrize("path", ["/fetch", "/fetch/http://upstream.test/"])
def test_a_method_no_view_takes_is_405_beside_a_view_open_to_all(prod, path):
    """Found by the live fuzz: fetch's public preflight view made TRACE a 403 for a caller holding fetch."""
    from tests.auth_fixtures import basic

    prod.user("fetcher", permissions=["fetch"])
    res = prod.app.request(path, method="TRACE", headers={"Authorization": basic("fetcher", "correct horse")}, status="*")
    assert res.status_int == 405, res.text
    assert "OPTIONS" in res.headers["Allow"]
