"""/echo: the request as svc sees it after the auth filter, with secrets masked."""
import pytest
from webtest import TestApp

from tests.auth_fixtures import AuthWorld, basic
from tests.conftest import load
from tests.openapi import assert_conforms, assert_is_problem


@pytest.fixture
def world(auth_conf):
    conf = {**auth_conf, "svc.auth.trusted_proxies": "10.0.0.1", "svc.auth.anonymous_rate": "3 per minute",
            "svc.auth.pass_authorization": "/echo"}
    world = AuthWorld(load("production.ini", **conf))
    world.app = TestApp(world.wsgi, extra_environ={"wsgi.url_scheme": "https", "HTTP_HOST": "svc.example",
                                                   "REMOTE_ADDR": "10.0.0.1"})
    return world


def test_echo_shows_the_request_after_the_filter(world):
    world.user("alice")
    response = world.app.post(
        "/echo?a=1&a=2&b=x",
        headers={"Authorization": basic("alice", "correct horse"), "Cookie": "theme=dark; other=1",
                 "X-Forwarded-For": "198.51.100.7", "X-Auth-Request-User": "mallory", "X-Trace": "t1"},
        extra_environ={"svc.request_id": "req-42"},
    )
    assert response.headers["Cache-Control"] == "no-store"
    echo = response.json
    assert echo["method"] == "POST" and echo["scheme"] == "https" and echo["host"] == "svc.example"
    assert echo["path"] == "/echo" and echo["query"] == "a=1&a=2&b=x" and echo["args"] == {"a": ["1", "2"], "b": ["x"]}
    assert echo["headers"]["Authorization"] == "Basic [masked]"
    assert echo["headers"]["Cookie"] == "theme=[masked]; other=[masked]"
    assert echo["headers"]["X-Trace"] == "t1" and "X-Auth-Request-User" not in echo["headers"]
    assert echo["client"] == "198.51.100.7"  # through the trusted proxy
    assert echo["remote_user"] == "alice" and echo["request_id"] == "req-42" and echo["mount"] == ""
    doc = world.app.get("/openapi.json").json
    assert_conforms(doc, response, "/echo", "POST")


def test_echo_needs_no_sign_in_and_is_rate_limited_like_anonymous_traffic(world):
    for _ in range(3):
        assert world.app.get("/echo").json["remote_user"] is None
    limited = world.app.get("/echo", status=429)
    assert int(limited.headers["Retry-After"]) >= 1
    assert_is_problem(world.app.get("/openapi.json").json, limited)
    assert world.app.get("/echo", extra_environ={"REMOTE_ADDR": "192.0.2.1"}).json["client"] == "192.0.2.1"


def test_echo_names_its_mount(write_ini):
    ini = write_ini("""
        [composite:main]
        use = egg:svc#urlmap
        /debug = home

        [app:home]
        use = egg:svc#home
        svc.enforce_permissions = false
    """)
    app = TestApp(load(ini))
    echo = app.get("/debug/echo").json
    assert echo["mount"] == "/debug" and echo["path"] == "/debug/echo" and echo["remote_user"] is None
