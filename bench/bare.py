"""The references: bare WSGI apps with no framework at all."""
import urllib.request
from urllib.parse import parse_qs


def hello(environ, start_response):
    body = b"Hello WWW, hey Booga"
    start_response("200 OK", [("Content-Type", "text/plain; charset=UTF-8"), ("Content-Length", "20")])
    return [body]


def naive_proxy(environ, start_response):
    """The reference proxy: a new ``urllib.request.urlopen`` per request, body read whole."""
    url = parse_qs(environ["QUERY_STRING"])["url"][0]
    with urllib.request.urlopen(url) as upstream:
        body = upstream.read()
        content_type = upstream.headers.get("Content-Type", "application/octet-stream")
        start_response(
            f"{upstream.status} {upstream.reason}",
            [("Content-Type", content_type), ("Content-Length", str(len(body)))],
        )
    return [body]


_BLOCK = b"z" * (256 * 1024)


def gibibyte(environ, start_response):
    """1 GiB from memory in 256 KiB blocks: what waitress itself can stream."""
    start_response("200 OK", [("Content-Type", "application/octet-stream"), ("Content-Length", str(1 << 30))])
    return (_BLOCK for _ in range((1 << 30) // len(_BLOCK)))
