"""Undecodable paths and queries sent to a real `pserve production.ini` (issue 8, item 5).

The 500s were found in the server, where waitress logged 95 lines per request: here each
request must get a 400 problem+json and leave no traceback or error in the server's log.
"""
import http.client
import json

import pytest

from tests.functional.test_bad_encoding import (
    UNDECODABLE_FORM_QUERIES,
    UNDECODABLE_PATHS,
    UNDECODABLE_QUERIES,
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(live_server):
    return live_server("production.ini")


@pytest.fixture(scope="module")
def authorization(server):
    return server.granted_basic()


def get(server, path, headers):
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        return response.status, response.getheader("Content-Type"), response.read()
    finally:
        connection.close()


def assert_clean_log(server):
    log = server.log()
    assert "Traceback" not in log and " ERROR " not in log, log


@pytest.mark.parametrize("authorized", [False, True], ids=["anonymous", "signed-in"])
@pytest.mark.parametrize("path", UNDECODABLE_PATHS + UNDECODABLE_QUERIES)
def test_undecodable_request_is_a_400_problem(server, authorization, path, authorized):
    headers = {"Accept": "application/json"}
    if authorized:
        headers["Authorization"] = authorization
    status, content_type, body = get(server, path, headers)
    if not authorized and status == 401:
        return  # a protected route challenges an anonymous caller before reading its query
    assert status == 400, body
    assert content_type == "application/problem+json"
    assert "not valid UTF-8" in json.loads(body)["detail"]
    assert_clean_log(server)


@pytest.mark.parametrize("path", UNDECODABLE_FORM_QUERIES)
def test_undecodable_query_on_a_form_page_is_a_400_page(server, authorization, path):
    status, content_type, body = get(server, path, {"Accept": "text/html", "Authorization": authorization})
    assert status == 400, body
    assert content_type.startswith("text/html")
    assert_clean_log(server)
