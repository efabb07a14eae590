"""CORS for the fetch piece: only origins in ``svc.fetch.cors_origins`` (none by default).

Credentials are never allowed: a page on another origin may use svc as a fetcher, not
as its visitor.
"""
import re
from urllib.parse import urlsplit

from svc.web.negotiation import add_vary
from svc.web.settings import as_list

ROUTE_PREFIX = "fetch."
PREFLIGHT_MAX_AGE = "600"
_ORIGIN = re.compile(r"^https?://[^/?#@\s]+$")


def as_origins(value):
    """Origins such as ``https://app.example.com``, or ``*`` for any origin."""
    origins = []
    for word in as_list(value):
        if word != "*" and not _ORIGIN.match(word):
            raise ValueError(f"{word!r} is not an origin such as https://app.example.com")
        if word != "*":
            parts = urlsplit(word)
            word = f"{parts.scheme}://{parts.netloc}".lower()
        origins.append(word)
    return frozenset(origins)


def allowed_origin(request):
    """The value for Access-Control-Allow-Origin, or None."""
    origin = request.headers.get("Origin")
    allowed = request.fetch_settings.cors_origins
    if not origin or not allowed:
        return None
    if "*" in allowed:
        return "*"
    return origin if origin.lower() in allowed else None


def add_cors_headers(event):
    """NewResponse subscriber: error responses need the headers too, or the page cannot read them."""
    request, response = event.request, event.response
    route = request.matched_route
    if route is None or not route.name.startswith(ROUTE_PREFIX):
        return
    origin = allowed_origin(request)
    if origin is None:
        return
    response.headers["Access-Control-Allow-Origin"] = origin
    if origin != "*":
        add_vary(response, "Origin")
    if request.method != "OPTIONS":
        exposed = sorted({name for name in response.headers.keys()} - {"Content-Type"})
        if exposed:
            response.headers["Access-Control-Expose-Headers"] = ", ".join(exposed)


def preflight(request, methods):
    """The answer to an OPTIONS preflight; without CORS headers when the origin is not allowed."""
    response = request.response
    response.status = 204
    response.headers.pop("Content-Type", None)
    if allowed_origin(request) is not None:
        response.headers["Access-Control-Allow-Methods"] = methods
        requested = request.headers.get("Access-Control-Request-Headers")
        if requested:
            response.headers["Access-Control-Allow-Headers"] = requested
        response.headers["Access-Control-Max-Age"] = PREFLIGHT_MAX_AGE
    return response
