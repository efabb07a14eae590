"""Each piece's OpenAPI document, held against real responses and fuzzed by schemathesis."""
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from webtest import TestApp

from tests.conftest import load
from tests.openapi import assert_conforms, assert_is_problem

APP = load("testing.ini")
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture(scope="module")
def app():
    return TestApp(APP)


@pytest.mark.parametrize("mount", ["", "/url"])
def test_document_is_openapi_31_with_servers_from_the_mount(app, mount):
    doc = app.get(mount + "/openapi.json").json
    assert doc["openapi"] == "3.1.0"
    assert doc["servers"] == [{"url": "http://localhost" + mount}]


RESPONSES = [
    ("", "/hello?name=x", "/hello"),
    ("", "/hello", "/hello"),
    ("", "/hello/x", "/hello/x"),
    ("", "/", "/"),
    ("/url", "/parse?url=http://u:p@h:1/p;q?a=1#f", "/parse"),
    ("/url", "/parse?url=http://h:99999", "/parse"),
    ("/url", "/parse", "/parse"),
    ("/url", "/join?base=http://a/b&ref=c", "/join"),
    ("/url", "/join?base=http://a/b", "/join"),
    ("/url", "/", "/"),
]


@pytest.mark.parametrize("mount, url, path", RESPONSES)
def test_real_responses_conform(app, mount, url, path):
    doc = app.get(mount + "/openapi.json").json
    res = app.get(mount + url, status="*")
    assert_conforms(doc, res, path)


@pytest.mark.parametrize("url", ["/url/parse", "/url/nowhere", "/healthz"])
def test_routing_errors_are_problems(app, url):
    doc = app.get("/url/openapi.json").json
    assert_is_problem(doc, app.delete(url, status="*"))


_FUZZ = settings(
    max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True
)
home_schema = schemathesis.openapi.from_wsgi("/openapi.json", APP)
urls_schema = schemathesis.openapi.from_wsgi("/url/openapi.json", APP)


@pytest.mark.slow
@home_schema.parametrize()
@_FUZZ
def test_schemathesis_home(case):
    case.call_and_validate(checks=CHECKS)


@pytest.mark.slow
@urls_schema.parametrize()
@_FUZZ
def test_schemathesis_urls(case):
    case.call_and_validate(checks=CHECKS)
