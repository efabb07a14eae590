"""Undecodable paths and queries (issue 8, item 5): a 400 problem+json, never a 500 or a traceback.

Two layers answer: the access-log filter, outermost in every shipped ini, refuses a path that is
not UTF-8 before anything decodes it; Pyramid's exception view and the shared parameter helper
answer for a piece mounted without that filter. tests/server/test_bad_encoding.py sends the same
requests to a real `pserve`.
"""
import logging

import pytest
from webtest import TestApp

from tests.conftest import load

PROBLEM = "application/problem+json"

# Paths whose bytes are not UTF-8, under every mount and outside them.
UNDECODABLE_PATHS = [
    "/anything/%ff",
    "/hello/%ff",
    "/%ff",
    "/url/%ff",
    "/url/parse/%c3%28",
    "/fetch/%ff",
    "/fetch/http://example.test/%ff",
    "/dns/%ff",
    "/net/%ff",
    "/auth/%ff",
    "/auth/login/%80",
]

# Queries whose values are not UTF-8, on every route that reads its query.
UNDECODABLE_QUERIES = [
    "/hello?name=%ff",
    "/hello?%ff=x",
    "/url/parse?url=%ff",
    "/url/join?base=%ff&ref=x",
    "/fetch?url=%ff",
    "/dns/lookup?host=%ff",
    "/dns/resolve?name=%ff",
    "/dns/dns-query?name=%ff",
    "/auth/login?came_from=%ff",
]

# The forms for people show the same 400 on the page.
UNDECODABLE_FORM_QUERIES = ["/url/?url=%ff", "/fetch/?inspect=%ff", "/dns/?host=%ff"]


def assert_no_traceback(caplog):
    assert not [r for r in caplog.records if r.exc_info or "Traceback" in r.getMessage()], caplog.text


@pytest.fixture(params=["testing.ini", "production.ini"])
def app(request, auth_conf):
    """Each ini's whole pipeline, called by a user holding every permission."""
    from tests.auth_fixtures import granted_basic

    wsgi = load(request.param, **auth_conf)
    return TestApp(
        wsgi,
        extra_environ={
            "HTTP_AUTHORIZATION": granted_basic(wsgi),
            "wsgi.url_scheme": "https",
            "HTTP_HOST": "localhost",
        },
    )


@pytest.fixture
def bare_app(write_ini):
    """The pieces under svc's urlmap with no access-log or auth filter in front: Pyramid alone answers."""
    ini = write_ini(
        """
        [composite:main]
        use = egg:svc#urlmap
        / = home
        /url = urls
        /dns = dns

        [app:home]
        use = egg:svc#home
        svc.enforce_permissions = false

        [app:urls]
        use = egg:svc#urls
        svc.enforce_permissions = false

        [app:dns]
        use = egg:svc#dns
        svc.enforce_permissions = false
        svc.dns.nameservers = 127.0.0.1:9
        """
    )
    return TestApp(load(ini))


@pytest.mark.parametrize("path", UNDECODABLE_PATHS + UNDECODABLE_QUERIES)
def test_undecodable_path_or_query_is_a_400_problem(app, path, caplog):
    caplog.set_level(logging.INFO)
    res = app.get(path, status="*", headers={"Accept": "application/json"})
    assert res.status_int == 400, res.text
    assert res.content_type == PROBLEM
    assert "not valid UTF-8" in res.json["detail"]
    assert_no_traceback(caplog)


@pytest.mark.parametrize("path", UNDECODABLE_FORM_QUERIES)
def test_undecodable_query_on_a_form_page_is_a_400_on_the_page(app, path, caplog):
    res = app.get(path, status="*", headers={"Accept": "text/html"})
    assert res.status_int == 400, res.text
    assert "not valid UTF-8" in res.text
    assert_no_traceback(caplog)


@pytest.mark.parametrize("path", ["/hello/%ff", "/url/%ff", "/dns/lookup/%ff", "/%ff"])
def test_undecodable_path_without_the_outer_filter_is_pyramids_400(bare_app, path, caplog):
    res = bare_app.get(path, status="*", headers={"Accept": "application/json"})
    assert res.status_int == 400, res.text
    assert res.content_type == PROBLEM
    assert res.json["instance"] == path.replace("%ff", "%FF")
    assert_no_traceback(caplog)


def test_undecodable_path_for_a_browser_is_the_html_problem_page(bare_app):
    res = bare_app.get("/hello/%ff", status=400, headers={"Accept": "text/html"})
    assert res.content_type == "text/html"


@pytest.mark.parametrize("path", ["/hello?name=%ff", "/url/parse?url=%ff", "/dns/resolve?name=%ff"])
def test_undecodable_query_without_the_outer_filter_is_a_400(bare_app, path, caplog):
    res = bare_app.get(path, status="*", headers={"Accept": "application/json"})
    assert res.status_int == 400, res.text
    assert res.content_type == PROBLEM
    assert_no_traceback(caplog)


def test_auth_filter_without_the_outer_filter_answers_for_an_undecodable_path(write_ini, caplog):
    ini = write_ini(
        """
        [pipeline:main]
        pipeline = auth home

        [filter:auth]
        use = egg:svc#auth
        svc.auth.login_path = /login

        [app:home]
        use = egg:svc#home
        """
    )
    app = TestApp(load(ini))
    res = app.get("/%ff", status="*", headers={"Authorization": "Basic !!!"})
    assert res.status_int == 400, res.text
    assert res.json["instance"] == "/%FF"
    assert_no_traceback(caplog)


def test_a_latin1_query_is_still_relayed_by_path_form_fetch(testing_app, upstream):
    """fetch passes its own query on untouched, so only a query svc reads must be UTF-8."""
    res = testing_app.get(f"/fetch/{upstream.named}/echo?q=caf%E9", status="*")
    assert res.status_int == 200, res.text
    assert res.json["query"] == "q=caf%E9"


def test_a_utf8_path_is_still_served(testing_app):
    assert testing_app.get("/hello/caf%C3%A9").text == "Hello WWW, hey café"


def test_undecodable_path_is_refused_with_the_access_log_off(testing_app, caplog):
    caplog.set_level(logging.WARNING, logger="svc.access")
    res = testing_app.get("/anything/%ff", status="*")
    assert res.status_int == 400
    assert res.content_type == PROBLEM
