"""Every route of every piece is in the piece's OpenAPI document, alone and beside the others."""
import re

import pytest

from svc.config import PIECES, configure

# {name:regex} and *subpath are how Pyramid writes what OpenAPI writes {name}.
_PLACEHOLDER = re.compile(r"\{(\w+)(:[^{}]*(\{[^{}]*\}[^{}]*)*)?\}")
_STAR = re.compile(r"\*(\w+)$")


def documented_form(pattern):
    path = _STAR.sub(r"{\1}", _PLACEHOLDER.sub(r"{\1}", pattern))
    return path if path.startswith("/") else "/" + path


@pytest.mark.parametrize("pieces", [*PIECES, " ".join(PIECES)])
def test_each_route_is_in_the_document(pieces):
    registry = configure({"svc.pieces": pieces}).registry
    routes = {
        documented_form(entry["introspectable"]["pattern"])
        for entry in registry.introspector.get_category("routes")
    }
    assert routes - set(registry.svc_openapi["paths"]) == set()


def test_path_parameters_are_named_as_in_the_route():
    registry = configure({"svc.pieces": "fetch"}).registry
    item = registry.svc_openapi["paths"]["/{target}"]
    assert [p["name"] for p in item["get"]["parameters"] if p["in"] == "path"] == ["target"]
