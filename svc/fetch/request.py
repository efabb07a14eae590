"""What the caller asks for: the passthrough GET forms and the POST JSON, checked."""
import json
import math
import re
from dataclasses import dataclass, field
from urllib.parse import unquote, urlencode

from svc.fetch.errors import InvalidFetchRequest, RequestTooLarge
from svc.fetch.headers import caller_headers, has
from svc.fetch.target import BadTarget, parse_target

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
MEMBERS = (
    "url", "method", "headers", "data", "json", "timeout", "follow_redirects", "max_redirects", "envelope",
)


@dataclass(frozen=True)
class Timeouts:
    """Seconds: to connect, between two received bytes, and for the whole fetch."""

    connect: float
    read: float
    total: float


@dataclass(frozen=True)
class FetchRequest:
    target: object  # svc.fetch.target.Target
    timeouts: Timeouts
    max_redirects: int
    method: str = "GET"
    headers: list = field(default_factory=list)  # (name, value) pairs the caller set
    body: bytes | None = None
    follow_redirects: bool = True
    envelope: bool = False


def checked_target(url, settings, name="url"):
    try:
        return parse_target(url, settings.max_url_length)
    except BadTarget as exc:
        raise InvalidFetchRequest(f"{name}: {exc}", parameter=name) from None


def passthrough_request(url, method, settings, envelope=False):
    """The GET (or HEAD) forms: the URL alone, nothing of the caller's request forwarded."""
    return FetchRequest(
        target=checked_target(url, settings),
        timeouts=Timeouts(settings.connect_timeout, settings.read_timeout, settings.total_timeout),
        max_redirects=settings.max_redirects,
        method=method,
        envelope=envelope,
    )


_PATH_FORM = re.compile(r"/(https?:/.*)$", re.I)
_SLASHES = re.compile(r"/+")


def path_form_url(decoded_url, environ, query_string):
    """``/fetch/https://host/p?q=1``: the URL in the path, its query in ours.

    The server's raw request line (``REQUEST_URI``) keeps escapes such as ``%2F`` and
    ``%3F`` that PATH_INFO has decoded, so it is preferred when it says the same thing.
    A proxy may have merged the two slashes after the scheme; they are put back.
    """
    url = decoded_url
    raw_path = environ.get("REQUEST_URI", "").partition("?")[0]
    match = _PATH_FORM.search(raw_path)
    if match and _SLASHES.sub("/", unquote(match.group(1))) == _SLASHES.sub("/", decoded_url):
        url = match.group(1)
    url = re.sub(r"^(https?):/+", r"\1://", url, count=1, flags=re.I)
    return f"{url}?{query_string}" if query_string else url


def json_request(doc, settings):
    """Parse the POST body (already JSON-decoded) into a FetchRequest; InvalidFetchRequest for anything wrong."""
    if not isinstance(doc, dict):
        raise InvalidFetchRequest("the body must be a JSON object with at least a url")
    unknown = sorted(set(doc) - set(MEMBERS))
    if unknown:
        raise InvalidFetchRequest(f"unknown member {unknown[0]!r}; known members: {', '.join(MEMBERS)}")
    url = doc.get("url")
    if not isinstance(url, str):
        raise InvalidFetchRequest("url is required and must be a string", parameter="url")
    method = doc.get("method", "GET")
    if not isinstance(method, str) or method.upper() not in METHODS:
        raise InvalidFetchRequest(f"method must be one of {', '.join(METHODS)}", parameter="method")
    method = method.upper()
    headers = caller_headers(doc.get("headers"), settings.max_header_size)
    body, content_type = _body(doc, settings)
    if body is not None and method == "HEAD":
        raise InvalidFetchRequest("a HEAD request cannot carry data or json")
    if content_type and not has(headers, "Content-Type"):
        headers.append(("Content-Type", content_type))
    return FetchRequest(
        target=checked_target(url, settings),
        timeouts=_timeouts(doc.get("timeout"), settings),
        max_redirects=_max_redirects(doc.get("max_redirects"), settings),
        method=method,
        headers=headers,
        body=body,
        follow_redirects=_flag(doc, "follow_redirects", True),
        envelope=_flag(doc, "envelope", False),
    )


def _flag(doc, name, default):
    value = doc.get(name, default)
    if not isinstance(value, bool):
        raise InvalidFetchRequest(f"{name} must be true or false", parameter=name)
    return value


def _body(doc, settings):
    """The bytes to send and their default Content-Type, from ``data`` or ``json``."""
    if "data" in doc and "json" in doc:
        raise InvalidFetchRequest("give data or json, not both")
    if "json" in doc:
        body = json.dumps(doc["json"], ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        content_type = "application/json"
    elif "data" in doc:
        data = doc["data"]
        if isinstance(data, str):
            body, content_type = data.encode("utf-8"), None
        elif isinstance(data, dict):
            body, content_type = _form(data.items()), "application/x-www-form-urlencoded"
        elif isinstance(data, list) and all(isinstance(p, list) and len(p) == 2 for p in data):
            body, content_type = _form(data), "application/x-www-form-urlencoded"
        else:
            raise InvalidFetchRequest("data must be a string, an object, or a list of [key, value] pairs")
    else:
        return None, None
    if len(body) > settings.max_request_size:
        raise RequestTooLarge(f"the body to send is {len(body)} bytes; at most {settings.max_request_size} are accepted")
    return body, content_type


def _form(pairs):
    pairs = [tuple(pair) for pair in pairs]
    for key, value in pairs:
        if not isinstance(key, str) or not isinstance(value, str):
            raise InvalidFetchRequest("form data keys and values must be strings")
    return urlencode(pairs).encode("ascii")


def _seconds(value, name, maximum):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise InvalidFetchRequest(f"{name} must be a number of seconds above 0", parameter="timeout")
    if value > maximum:
        raise InvalidFetchRequest(f"{name} must be at most {maximum:g} seconds here", parameter="timeout")
    return float(value)


def _timeouts(value, settings):
    """A number is the whole fetch's deadline; an object sets connect, read and total."""
    connect, read, total = settings.connect_timeout, settings.read_timeout, settings.total_timeout
    if value is None:
        return Timeouts(connect, read, total)
    if isinstance(value, dict):
        unknown = sorted(set(value) - {"connect", "read", "total"})
        if unknown:
            raise InvalidFetchRequest(f"timeout has no member {unknown[0]!r}; use connect, read and total")
        return Timeouts(
            _seconds(value.get("connect", connect), "timeout.connect", connect),
            _seconds(value.get("read", read), "timeout.read", read),
            _seconds(value.get("total", total), "timeout.total", total),
        )
    total = _seconds(value, "timeout", total)
    return Timeouts(min(connect, total), min(read, total), total)


def _max_redirects(value, settings):
    if value is None:
        return settings.max_redirects
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= settings.max_redirects:
        raise InvalidFetchRequest(
            f"max_redirects must be an integer from 0 to {settings.max_redirects}", parameter="max_redirects"
        )
    return value
