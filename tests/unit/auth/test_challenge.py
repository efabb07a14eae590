import pytest
from webob import Request

from svc.auth.challenge import is_browser, safe_came_from


@pytest.mark.parametrize(
    "value", ["/", "/url/", "/auth/whoami?x=1&y=%2F", "/a/b#frag", "/%2F%2Fevil", "/é"]
)
def test_came_from_keeps_paths_on_this_site(value):
    assert safe_came_from(value) == value


@pytest.mark.parametrize(
    "value",
    [
        "//evil",
        "//evil.example/x",
        "/\\evil",
        "\\\\evil",
        "https://evil",
        "http:/evil",
        "javascript:alert(1)",
        "%2F%2Fevil",
        "/\r\nSet-Cookie: x=1",
        "/\t/evil",
        "/x\x00",
        "evil",
        "",
        None,
        "/" + "a" * 3000,
    ],
)
def test_came_from_refuses_everything_else(value):
    assert safe_came_from(value) == "/"


@pytest.mark.parametrize(
    "headers, browser",
    [
        ({"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}, True),
        ({"Accept": "text/html", "Sec-Fetch-Mode": "navigate"}, True),
        ({"Accept": "text/html", "X-Requested-With": "XMLHttpRequest"}, False),
        ({"Accept": "text/html", "Sec-Fetch-Mode": "cors"}, False),
        ({"Accept": "application/json"}, False),
        ({"Accept": "*/*"}, False),
        ({}, False),
    ],
)
def test_is_browser(headers, browser):
    assert is_browser(Request.blank("/", headers=headers)) is browser
