"""The raw path helpers of svc.web.request."""
import pytest
from webob import Request

from svc.web.request import raw_path, undecodable_path


@pytest.mark.parametrize(
    "url, undecodable",
    [
        ("/hello/x", False),
        ("/hello/caf%C3%A9", False),
        ("/%F0%9F%A6%8A", False),
        ("/hello/%ff", True),
        ("/caf%E9", True),
        ("/%C3%28", True),
        ("/%ED%A0%80", True),  # a UTF-16 surrogate is not UTF-8
    ],
)
def test_undecodable_path(url, undecodable):
    assert undecodable_path(Request.blank(url).environ) is undecodable


def test_undecodable_script_name():
    environ = Request.blank("/x").environ
    environ["SCRIPT_NAME"] = "/\xff"
    assert undecodable_path(environ)


@pytest.mark.parametrize("url", ["/a/b", "/caf%C3%A9/x;y=1", "/a%20b/@:~!$&'()*+,;="])
def test_raw_path_is_what_webob_says_for_a_decodable_path(url):
    request = Request.blank(url)
    request.script_name = "/mount"
    assert raw_path(request.environ) == request.path


def test_raw_path_escapes_what_webob_cannot_decode():
    assert raw_path(Request.blank("/a/%ff%20b").environ) == "/a/%FF%20b"
