"""Whether an unsafe request that carries a session cookie was sent by svc's own pages.

A browser attaches the cookie to requests that other sites start, so a cookie alone proves
nothing (cross-site request forgery). Browsers also say where a request comes from: the
``Origin`` header (every POST, PUT, PATCH and DELETE) and ``Sec-Fetch-Site``. A script on
svc's own pages may send the form's CSRF token in ``X-CSRF-Token`` instead.
"""
import hmac
from urllib.parse import urlsplit

from webob import Request

from svc.auth.credentials import is_trusted

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
CSRF_HEADER = "HTTP_X_CSRF_TOKEN"
DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_tuple(scheme, netloc):
    """``(scheme, host, port)`` with the default port filled in, or None when it cannot be read."""
    scheme = scheme.strip().lower()
    if scheme not in DEFAULT_PORTS or not netloc:
        return None
    try:
        parts = urlsplit(f"{scheme}://{netloc.strip()}")
        port = parts.port or DEFAULT_PORTS[scheme]
    except ValueError:
        return None
    if not parts.hostname or parts.path or parts.query or parts.username is not None:
        return None
    return scheme, parts.hostname, port


def own_origin(environ, trusted_proxies):
    """The origin the client addressed; X-Forwarded-Host and -Proto count only from a trusted proxy."""
    scheme = environ.get("wsgi.url_scheme", "http")
    host = environ.get("HTTP_HOST") or f"{environ.get('SERVER_NAME', '')}:{environ.get('SERVER_PORT', '')}"
    if trusted_proxies and is_trusted(environ.get("REMOTE_ADDR", ""), trusted_proxies):
        scheme = _first(environ.get("HTTP_X_FORWARDED_PROTO")) or scheme
        host = _first(environ.get("HTTP_X_FORWARDED_HOST")) or host
    return origin_tuple(scheme, host)


def _first(value):
    """The first hop's value: the one the client's request named."""
    return value.split(",")[0].strip() if value else ""


def is_same_origin(environ, trusted_proxies, csrf_policy):
    """True when the browser says the request came from svc's own origin, or it carries the CSRF token."""
    origin = environ.get("HTTP_ORIGIN")
    if origin is not None and origin != "null":
        parts = urlsplit(origin)
        if origin_tuple(parts.scheme, parts.netloc) == own_origin(environ, trusted_proxies):
            return True
    if environ.get("HTTP_SEC_FETCH_SITE", "").strip().lower() in ("same-origin", "none"):
        return True  # none: the user typed the address or used a bookmark
    supplied = environ.get(CSRF_HEADER)
    if supplied:
        expected = csrf_policy.cookie_profile.bind(Request(environ)).get_value()
        return bool(expected) and hmac.compare_digest(expected.encode(), supplied.encode("utf-8", "surrogateescape"))
    return False
