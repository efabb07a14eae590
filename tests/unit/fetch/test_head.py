"""The response head as the curl engine reads it from libcurl's header lines."""
import pytest

from svc.fetch.head import parse_head


def lines(*texts):
    return [t.encode("latin-1") for t in texts]


@pytest.mark.parametrize(
    "received, head",
    [
        (
            lines("HTTP/1.1 200 OK\r\n", "Content-Type: text/plain\r\n", "X-A:  1 \r\n", "\r\n"),
            (200, [("Content-Type", "text/plain"), ("X-A", "1")]),
        ),
        (
            lines("HTTP/1.1 100 Continue\r\n", "\r\n", "HTTP/1.1 201 Created\r\n", "Location: /x\r\n", "\r\n"),
            (201, [("Location", "/x")]),
        ),
        (lines("HTTP/1.1 200 OK\r\n", "X-Folded: a\r\n", "  b\r\n", "\r\n"), (200, [("X-Folded", "a b")])),
        (lines("HTTP/1.0 204 No Content\n", "X-B: 2\n", "\n"), (204, [("X-B", "2")])),
        (lines("HTTP/1.1 200 OK\r\n", "\r\n", "X-Trailer: t\r\n", "\r\n"), (200, [])),
        (lines("HTTP/1.1 200 OK\r\n", " X-Spaced : no\r\n", "Bad line\r\n", "\r\n"), (200, [])),
    ],
    ids=["plain", "after an interim 100", "folded", "bare LF", "trailers not read", "malformed lines dropped"],
)
def test_the_final_head(received, head):
    assert parse_head(received) == head


@pytest.mark.parametrize(
    "received",
    [
        [],
        lines("HTTP/1.1 200 OK\r\n", "Content-Type: text/plain\r\n"),
        lines("HTTP/1.1 100 Continue\r\n", "\r\n"),
        lines("HTTP/1.1 103 Early Hints\r\n", "Link: </a.css>\r\n", "\r\n", "HTTP/1.1 200 OK\r\n"),
    ],
    ids=["nothing", "unfinished", "interim only", "final unfinished"],
)
def test_no_head_until_the_final_one_is_complete(received):
    assert parse_head(received) is None
