"""fetch and dns read international host names the same way: UTS 46 with IDNA 2008."""
import pytest

from svc.dns.names import parse_host as dns_parse_host
from svc.fetch.target import BadTarget, parse_target
from svc.web.hosts import InvalidHostName, host_name
from svc.web.problems import Problem

NAMES = [
    ("faß.de", "xn--fa-hia.de"),  # IDNA 2003 would map ß to ss: another domain
    ("FASS.de", "fass.de"),
    ("Bücher.Example", "xn--bcher-kva.example"),
    ("BÜCHER.example", "xn--bcher-kva.example"),
    ("münchen.de.", "xn--mnchen-3ya.de"),
    ("example.com.", "example.com"),
    ("日本語.jp", "xn--wgv71a119e.jp"),
    ("xn--fa-hia.de", "xn--fa-hia.de"),
    ("_sip._tcp.example", "_sip._tcp.example"),
    ("a" * 63 + ".example", "a" * 63 + ".example"),
    ("☃.net", None),  # symbols are not IDNA 2008
    ("💩.la", None),
    ("a\u200db.example", None),  # a joiner outside the scripts that need one
    ("a" * 64 + ".example", None),
    ("ü" * 64 + ".example", None),
    ("a..example", None),
    ("example.com..", None),
    ("-a.example", None),
    ("a_b-.example", None),
]


def fetch_host(name):
    try:
        return parse_target(f"http://{name}/").host
    except BadTarget:
        return None


def dns_host(name):
    try:
        return dns_parse_host(name).name
    except Problem as exc:
        assert exc.status == 400
        return None


def shared_host(name):
    try:
        return host_name(name)
    except InvalidHostName:
        return None


@pytest.mark.parametrize("name, expected", NAMES)
def test_fetch_and_dns_agree(name, expected):
    assert (fetch_host(name), dns_host(name), shared_host(name)) == (expected, expected, expected)
