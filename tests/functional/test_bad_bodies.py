"""Bodies that cannot be parsed (issue 8, item 9): a 400 or 415 problem on every POST, never a 500.

schemathesis found `multipart/form-data` without a boundary on POST /auth/login and /auth/logout
through a live server; tests/server/test_live_fuzz.py runs it against every mount.
"""
import logging

import pytest

from tests.auth_fixtures import AuthWorld, basic, make_auth_dir
from tests.conftest import load
from tests.functional.test_bad_encoding import assert_no_traceback

# Every POST of every piece, as production.ini mounts them.
POSTS = [
    "/fetch",
    "/dns/dns-query",
    "/dns/bulk",
    "/auth/login",
    "/auth/logout",
    "/auth/admin/users",
    "/auth/admin/groups",
    "/auth/admin/grants",
    "/auth/admin/tokens",
    "/auth/admin/htpasswd",
]

# (Content-Type, body): each one a way a body fails to parse.
BAD_BODIES = {
    "multipart-without-boundary": ("multipart/form-data", b"user=a&password=b"),
    "multipart-empty-boundary": ("multipart/form-data; boundary=", b"--\r\n"),
    "multipart-unclosed": ("multipart/form-data; boundary=b", b'--b\r\nContent-Disposition: form-data; name="a"'),
    "multipart-latin1": ("multipart/form-data; boundary=b; charset=latin-1", b"--b--\r\n"),
    "form-unknown-charset": ("application/x-www-form-urlencoded; charset=bogus", b"user=a"),
    "form-not-utf8": ("application/x-www-form-urlencoded", b"user=%ff&csrf_token=%fe"),
    # A URL production refuses without a lookup: the test sends nothing anywhere.
    "json-unknown-charset": ("application/json; charset=bogus", b'{"url": "http://127.0.0.1:9/"}'),
    "json-truncated": ("application/json", b'{"url": '),
    "json-not-utf8": ("application/json", b'{"url": "\xff"}'),
    "dns-message-garbage": ("application/dns-message", b"\xff" * 7),
    "no-type": ("", b"\x00\x01"),
    "garbage-type": ("/;;=;", b"x"),
}


@pytest.fixture(scope="module")
def prod(tmp_path_factory):
    """production.ini on its own database, with a user holding every permission."""
    world = AuthWorld(load("production.ini", **make_auth_dir(str(tmp_path_factory.mktemp("auth")))))
    world.user("poster", permissions=("fetch", "dns", "net", "admin"))
    return world


@pytest.mark.parametrize("kind", BAD_BODIES)
@pytest.mark.parametrize("path", POSTS)
def test_unparsable_body_is_a_4xx_problem(prod, path, kind, caplog):
    caplog.set_level(logging.INFO)
    content_type, body = BAD_BODIES[kind]
    res = prod.app.post(
        path,
        body,
        headers={"Content-Type": content_type, "Accept": "application/json", "Authorization": basic("poster", "correct horse")},
        status="*",
    )
    assert 400 <= res.status_int < 500, res.text
    assert res.content_type == "application/problem+json", res.text
    assert_no_traceback(caplog)


@pytest.mark.parametrize("path", ["/auth/login", "/auth/logout"])
def test_multipart_without_boundary_on_the_sign_in_forms_is_a_400(prod, path, caplog):
    """What schemathesis found: Pyramid's CSRF check read the form and WebOb raised ValueError."""
    res = prod.app.post(
        path, b"user=a", headers={"Content-Type": "multipart/form-data", "Accept": "application/json"}, status="*"
    )
    assert res.status_int == 400, res.text
    assert res.content_type == "application/problem+json"
    assert "form body does not parse" in res.json["detail"]
    assert_no_traceback(caplog)


def test_form_in_another_charset_is_a_415(prod):
    res = prod.app.post(
        "/auth/login",
        b"user=a",
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=latin-1", "Accept": "application/json"},
        status="*",
    )
    assert res.status_int == 415, res.text
    assert res.headers["Accept-Post"] == "application/x-www-form-urlencoded, multipart/form-data"


def test_json_charset_parameter_is_ignored_as_rfc_8259_says(testing_app, upstream):
    res = testing_app.post(
        "/fetch",
        f'{{"url": "{upstream.url("/echo")}", "envelope": true}}'.encode(),
        headers={"Content-Type": "application/json; charset=bogus"},
        status="*",
    )
    assert res.status_int == 200, res.text
