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
