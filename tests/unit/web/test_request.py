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


class TestRequestProperties:
    """Properties added with add_request_method(reify=True) live on one request class per app."""

    def app(self):
        from pyramid.response import Response

        from svc.config import configure
        from svc.web.request import bake_request_properties

        seen = []

        def view(request):
            seen.append((type(request), request.answer, request.answer))
            return Response("ok")

        config = configure({"svc.pieces": "home", "svc.enforce_permissions": "false"})
        config.add_request_method(lambda request: object(), "answer", reify=True)
        config.add_route("probe", "/probe")
        config.add_view(view, route_name="probe")
        return bake_request_properties(config.make_wsgi_app()), seen

    def test_one_class_for_every_request_and_reified_per_request(self):
        from webtest import TestApp

        app, seen = self.app()
        TestApp(app).get("/probe")
        TestApp(app).get("/probe")
        (first_class, a1, a2), (second_class, b1, b2) = seen
        assert first_class is second_class  # Pyramid alone makes a new class per request
        assert a1 is a2 and b1 is b2 and a1 is not b1

    def test_every_app_factory_bakes_them(self):
        from svc import main

        app = main({}, **{"svc.pieces": "home fetch", "svc.enforce_permissions": "false"})
        assert not app.request_extensions.descriptors
        assert {"nav", "fetch_via"} <= set(vars(app.request_factory))
