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
