import pytest

from svc.auth.identity import Identity
from svc.auth.require import PermissionDenied, RequirePermission, normalise_path, require


@pytest.mark.parametrize(
    "path, normal",
    [
        ("/fetch", "/fetch"),
        ("/x/../fetch", "/fetch"),
        ("/../../fetch", "/fetch"),
        ("//fetch", "/fetch"),
        ("/./fetch/", "/fetch"),
        ("/%2Ffetch", "/fetch"),
        ("/%252Ffetch", "/fetch"),
        ("/FETCH", "/fetch"),
        ("\\fetch", "/fetch"),
        ("", "/"),
    ],
)
def test_normalise_path(path, normal):
    assert normalise_path(path) == normal


def test_covers_whole_segments_only():
    gate = RequirePermission(None, "fetch", ("/fetch",))
    assert gate.covers("/fetch") and gate.covers("/fetch/") and gate.covers("/fetch/x")
    assert not gate.covers("/fetcher") and not gate.covers("/")
    assert RequirePermission(None, "fetch").covers("/anything")


ALICE = Identity("alice", frozenset(), frozenset({"fetch"}), "basic")
BOB = Identity("bob", frozenset(), frozenset(), "basic")


class TestDecorator:
    def test_environ_or_request_first(self):
        @require("fetch")
        def wsgi_app(environ, start_response):
            return "ran"

        @require("fetch")
        def helper(request):
            return "ran"

        class FakeRequest:
            environ = {"svc.identity": ALICE}

        assert wsgi_app({"svc.identity": ALICE}, None) == "ran"
        assert helper(FakeRequest()) == "ran"

    @pytest.mark.parametrize("identity", [None, BOB])
    def test_denied(self, identity):
        @require("fetch")
        def wsgi_app(environ, start_response):
            raise AssertionError("must not run")

        with pytest.raises(PermissionDenied) as info:
            wsgi_app({"svc.identity": identity}, None)
        assert info.value.permission == "fetch"

    def test_refuses_a_callable_without_environ(self):
        with pytest.raises(TypeError):
            require("fetch")(lambda x: x)("not an environ")
