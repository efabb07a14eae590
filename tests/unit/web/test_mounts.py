"""apps_below: what a filter learns from the apps under it, through filters and urlmaps."""
from rutter.urlmap import URLMap

from svc.web.mounts import MountedURLMap, apps_below


def leaf(environ, start_response):
    return []


class Filter:
    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        return self.app(environ, start_response)


def test_through_filters_and_nested_urlmaps_with_their_prefixes_and_domains():
    inner = URLMap()
    inner["/deep"] = leaf
    outer = URLMap()
    outer["/"] = Filter(leaf)
    outer["/a"] = inner
    outer["http://example.test/b"] = leaf
    found = [(domain, prefix) for domain, prefix, app in apps_below(Filter(MountedURLMap(outer, ())))
             if app is leaf]
    assert set(found) == {(None, ""), (None, "/a/deep"), ("example.test", "/b")} and len(found) == 3


def test_a_leaf_is_only_itself():
    assert list(apps_below(leaf, "/x")) == [(None, "/x", leaf)]


import pytest  # noqa: E402
from webob import Request  # noqa: E402


def named(name):
    def app(environ, start_response):
        start_response("200 OK", [])
        return [f"{name} {environ['SCRIPT_NAME']}|{environ['PATH_INFO']}".encode()]

    return app


def mounts(with_domain):
    urlmap = URLMap(not_found_app=named("none"))
    for prefix in ("/", "/fetch", "/dns", "/a/b", "/dnsx"):
        urlmap[prefix] = named(prefix)
    if with_domain:
        urlmap["http://example.test/dns"] = named("domain")
    return urlmap


@pytest.mark.parametrize("with_domain", [False, True])
@pytest.mark.parametrize(
    "path",
    ["/", "", "/fetch", "/fetch/", "/fetchx", "/dns/dns-query", "/dnsx/y", "/a/b", "/a/bc", "/a//b/c", "//fetch",
     "/fetch//x", "/caf\xc3\xa9", "x"],
)
@pytest.mark.parametrize("script_name", ["", "/outer"])
def test_dispatch_is_rutters(path, with_domain, script_name):
    def answer(app):
        environ = Request.blank("/", environ={"HTTP_HOST": "example.test"}).environ
        environ.update(PATH_INFO=path, SCRIPT_NAME=script_name)
        try:
            return b"".join(app(environ, lambda status, headers, exc_info=None: None))
        except ValueError as exc:  # rutter refuses a path that starts with neither / nor a scheme
            return repr(exc)

    assert answer(MountedURLMap(mounts(with_domain), ())) == answer(mounts(with_domain))
