"""Hostile URLs under the DEFAULT destination policy.

The app is the fetch piece with nothing changed but a test resolver (HostileZone), a
recording engine, the local upstream's port among the allowed ports, and its name
upstream.test allowed, so that redirects can start from it. Every blocked case must be
refused before any socket is opened, and no hop may ever be allowed outside loopback.
"""
import ipaddress
import logging
from urllib.parse import quote

import pytest
from webtest import TestApp

from tests.conftest import load
from tests.fetch_fixtures import HostileZone, RecordingEngine

HOSTILE_INI = """
[app:main]
use = egg:svc#fetch
# no auth filter in front of this ini
svc.enforce_permissions = false
svc.fetch.allow = upstream.test
svc.fetch.ports = 80 443 8000 8080 8443 {port}
svc.fetch.resolver = tests.fetch_fixtures.HostileZone
svc.fetch.engine = tests.fetch_fixtures.RecordingEngine
"""

BLOCKED, INVALID, DNS = (403, "destination-blocked"), (400, "invalid-request"), (502, "dns-failure")
U = "http://upstream.test:{port}"


def redirect(to, code=302):
    return U + f"/redirect/{code}?to=" + quote(to, safe="")


CASES = [
    # Numeric host forms, judged by the address they stand for.
    ("decimal", "http://2130706433/", BLOCKED),
    ("hex dotted", "http://0x7f.1/", BLOCKED),
    ("short dotted", "http://127.1/", BLOCKED),
    ("octal dotted", "http://0177.0.0.1/", BLOCKED),
    ("hex whole", "http://0x7f000001/", BLOCKED),
    ("octal whole", "http://017700000001/", BLOCKED),
    ("trailing dot", "http://127.0.0.1./", BLOCKED),
    ("zero", "http://0/", BLOCKED),
    ("unspecified", "http://0.0.0.0:8080/", BLOCKED),
    ("ipv6 loopback", "http://[::1]/", BLOCKED),
    ("ipv6 loopback long", "http://[0:0:0:0:0:0:0:1]/", BLOCKED),
    ("ipv6 unspecified", "http://[::]/", BLOCKED),
    # IPv6 forms that embed an IPv4 address.
    ("ipv4-mapped", "http://[::ffff:127.0.0.1]/", BLOCKED),
    ("ipv4-mapped hex", "http://[::ffff:a9fe:a9fe]/", BLOCKED),
    ("ipv4-compatible", "http://[::127.0.0.1]/", BLOCKED),
    ("ipv4-translated", "http://[::ffff:0:10.0.0.1]/", BLOCKED),
    ("nat64", "http://[64:ff9b::169.254.169.254]/", BLOCKED),
    ("6to4", "http://[2002:7f00:1::]/", BLOCKED),
    ("teredo", "http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/", BLOCKED),
    ("mapped by name", "http://mapped.test/", BLOCKED),
    ("nat64 by name", "http://nat64.test/", BLOCKED),
    # Cloud metadata and private ranges.
    ("metadata", "http://169.254.169.254/latest/meta-data/", BLOCKED),
    ("metadata by name", "http://metadata.test/computeMetadata/v1/", BLOCKED),
    ("metadata ipv6 (aws)", "http://[fd00:ec2::254]/", BLOCKED),
    ("metadata aws ipv6 by name", "http://aws6.test/", BLOCKED),
    ("metadata alibaba (cgnat)", "http://100.100.100.200/", BLOCKED),
    ("metadata oracle", "http://192.0.0.192/", BLOCKED),
    ("rfc1918 10", "http://10.0.0.1/", BLOCKED),
    ("rfc1918 172", "http://172.16.5.4/", BLOCKED),
    ("rfc1918 192", "http://192.168.1.1:8080/", BLOCKED),
    ("private by name", "http://private.test/", BLOCKED),
    ("unique local", "http://[fc00::1]/", BLOCKED),
    ("link-local v6", "http://[fe80::1]/", BLOCKED),
    ("site-local v6", "http://[fec0::1]/", BLOCKED),
    ("multicast", "http://224.0.0.1/", BLOCKED),
    ("broadcast", "http://255.255.255.255/", BLOCKED),
    ("benchmarking", "http://198.18.0.1/", BLOCKED),
    ("documentation", "http://203.0.113.5/", BLOCKED),
    ("reserved", "http://240.0.0.1/", BLOCKED),
    ("ipv6 documentation", "http://[2001:db8::1]/", BLOCKED),
    ("loopback v6 by name", "http://loopback6.test/", BLOCKED),
    # A name with a public and a private record; a name that rebinds on the second lookup.
    ("mixed records", "http://mixed.test/", BLOCKED),
    ("mixed v6 records", "http://mixed6.test/", BLOCKED),
    ("rebinding", "http://rebind.test/", BLOCKED),
    # Ports, schemes, and parser tricks.
    ("ssh port", U.replace("{port}", "22") + "/", BLOCKED),
    ("port zero", U.replace("{port}", "0") + "/", INVALID),
    ("file", "file:///etc/passwd", INVALID),
    ("gopher", "gopher://upstream.test:70/_x", INVALID),
    ("dict", "dict://upstream.test:11211/stat", INVALID),
    ("scheme-relative", "//169.254.169.254/", INVALID),
    ("userinfo", "http://user:pass@upstream.test/", INVALID),
    ("userinfo hiding the host", U + "@169.254.169.254/", INVALID),
    ("encoded slash before @", "http://upstream.test%2F@169.254.169.254/", INVALID),
    ("backslash before @", "http://169.254.169.254\\@upstream.test/", INVALID),
    ("backslash in host", "http://upstream.test\\.169.254.169.254/", INVALID),
    ("fragment hiding the host", "http://169.254.169.254#@upstream.test/", BLOCKED),
    ("NUL in host", "http://upstream.test\x00.evil/", INVALID),
    ("CRLF in URL", "http://upstream.test/\r\nHost: 169.254.169.254", INVALID),
    ("zone id", "http://[fe80::1%25lo]/", INVALID),
    ("upper-case scheme", "HTTP://169.254.169.254/", BLOCKED),
    ("unknown name", "http://nowhere.test/", DNS),
]

# Redirects from the (allowed) upstream: the first hop connects, the second must not.
REDIRECT_CASES = [
    ("to metadata", redirect("http://169.254.169.254/latest/meta-data/"), BLOCKED),
    ("to metadata by name", redirect("http://metadata.test/", 301), BLOCKED),
    ("to loopback literal", redirect("http://127.0.0.1:{port}/echo", 307), BLOCKED),
    ("to ipv6 loopback", redirect("http://[::1]:{port}/echo", 308), BLOCKED),
    ("to a decimal host", redirect("http://2130706433:{port}/echo", 303), BLOCKED),
    ("to file", redirect("file:///etc/passwd"), BLOCKED),
    ("to gopher", redirect("gopher://127.0.0.1:6379/_FLUSHALL"), BLOCKED),
    ("to userinfo", redirect("http://a:b@upstream.test:{port}/echo"), BLOCKED),
    ("to a closed port", redirect("http://upstream.test:25/"), BLOCKED),
    ("to the rebinding name", redirect("http://rebind.test/"), BLOCKED),
]


@pytest.fixture(scope="module")
def hostile_app(upstream, tmp_path_factory):
    path = tmp_path_factory.mktemp("hostile") / "hostile.ini"
    path.write_text(HOSTILE_INI.format(port=upstream.port))
    return TestApp(load(str(path)))


@pytest.fixture
def recorded():
    RecordingEngine.hops.clear()
    HostileZone.lookups.clear()
    yield RecordingEngine.hops


def _fetch(app, url, upstream):
    return app.get("/", {"url": url.replace("{port}", str(upstream.port))}, status="*")


def _assert_problem(res, expected):
    status, slug = expected
    assert res.status_int == status, res.text
    assert res.json["type"] == f"https://svc.invalid/problems/{slug}"


def _assert_only_loopback(hops, caplog):
    for hop in hops:
        assert all(ipaddress.ip_address(a).is_loopback for a in hop.addresses), hop
    for record in caplog.records:
        message = record.getMessage()
        if "fetch destination allow" in message:
            assert "address=127.0.0.1 " in message, message


@pytest.mark.parametrize("name, url, expected", CASES, ids=[c[0] for c in CASES])
def test_refused_before_any_socket(hostile_app, upstream, recorded, sockets, caplog, name, url, expected):
    with caplog.at_level(logging.INFO, logger="svc.fetch"):
        res = _fetch(hostile_app, url, upstream)
    _assert_problem(res, expected)
    assert sockets.created == 0
    assert recorded == []
    assert all(count == 1 for count in HostileZone.lookups.values())
    _assert_only_loopback(recorded, caplog)


@pytest.mark.parametrize("name, url, expected", REDIRECT_CASES, ids=[c[0] for c in REDIRECT_CASES])
def test_redirects_are_vetted_on_every_hop(hostile_app, upstream, recorded, sockets, caplog, name, url, expected):
    with caplog.at_level(logging.INFO, logger="svc.fetch"):
        res = _fetch(hostile_app, url, upstream)
    _assert_problem(res, expected)
    assert len(recorded) == 1 and recorded[0].target.host == "upstream.test"
    assert sockets.created <= 1  # the first hop's, or none when a pooled connection was reused
    assert res.json["redirects"][0]["status"] in (301, 302, 303, 307, 308)
    _assert_only_loopback(recorded, caplog)


def test_the_recorder_sees_the_engine_sockets(upstream, tmp_path, recorded, sockets):
    """The allowed upstream is reachable, and its connection is counted: the checks above mean something."""
    path = tmp_path / "hostile.ini"
    path.write_text(HOSTILE_INI.format(port=upstream.port))
    res = _fetch(TestApp(load(str(path))), U + "/echo", upstream)
    assert res.status_int == 200 and len(recorded) == 1
    assert sockets.created == 1


def test_one_decision_log_line_per_hop(hostile_app, upstream, recorded, caplog):
    with caplog.at_level(logging.INFO, logger="svc.fetch.guard"):
        _fetch(hostile_app, redirect("http://metadata.test/"), upstream)
    lines = [r.getMessage() for r in caplog.records if r.name == "svc.fetch.guard"]
    assert len(lines) == 2
    assert lines[0].startswith("fetch destination allow: host=upstream.test address=127.0.0.1")
    assert lines[1].startswith("fetch destination deny: host=metadata.test address=169.254.169.254")
    assert "link-local" in lines[1]
