import dns.rdatatype
import pytest

from svc.dns.names import Host, parse_host, query_name, query_type
from svc.dns.errors import InvalidQuery


@pytest.mark.parametrize(
    "value, name",
    [
        ("example.com", "example.com"),
        ("EXAMPLE.com.", "example.com"),
        ("https://bob:pw@Example.com:8443/a?b#c", "example.com"),
        ("example.com:80", "example.com"),
        ("//example.com/path", "example.com"),
        ("Bücher.example", "xn--bcher-kva.example"),
        ("http://Bücher.example/", "xn--bcher-kva.example"),
        ("_sip._tcp.bücher.example", "_sip._tcp.xn--bcher-kva.example"),
        ("faß.de", "xn--fa-hia.de"),  # IDNA 2008, not 2003's fass.de
        ("ＥＸＡＭＰＬＥ.com", "example.com"),  # UTS 46 maps full-width letters
    ],
)
def test_parse_host_names(value, name):
    assert parse_host(value) == Host(name)


@pytest.mark.parametrize(
    "value, ip",
    [("192.0.2.1", "192.0.2.1"), ("[2001:db8::1]", "2001:db8::1"), ("[::1]:8080", "::1"), ("fe80::1%eth0", "fe80::1%eth0")],
)
def test_parse_host_literals(value, ip):
    host = parse_host(value)
    assert host.name == ip and str(host.ip) == ip


@pytest.mark.parametrize(
    "value",
    ["", " ", "a\x00", "a\tb", "a" * 64, ".".join(["a" * 50] * 5), "a..b", "a b", "x:99999", "http://", "a\\b.test"],
)
def test_parse_host_refuses(value):
    with pytest.raises(InvalidQuery):
        parse_host(value)


def test_name_of_253_characters_is_fine():
    name = ".".join(["a" * 63] * 3 + ["a" * 61])
    assert len(name) == 253
    assert parse_host(name).name == name
    assert query_name(name).to_text() == name + "."


@pytest.mark.parametrize(
    "value, rdtype",
    [("A", 1), ("aaaa", 28), ("Mx", 15), ("TYPE65", 65), ("65", 65), ("65535", 65535), ("any", 255), (" txt ", 16)],
)
def test_query_type(value, rdtype):
    assert query_type(value) == rdtype


@pytest.mark.parametrize("value", ["", "0", "65536", "-1", "1.5", "A A", "NOPE", "AXFR", "ixfr", "OPT", "TSIG"])
def test_query_type_refuses(value):
    with pytest.raises(InvalidQuery):
        query_type(value)


def test_query_name_root_and_escapes():
    assert query_name(".").to_text() == "."
    assert query_name("a\\.b.test").labels[0] == b"a.b"
    assert query_name("bücher.test").to_text() == "xn--bcher-kva.test."
    assert dns.rdatatype.to_text(query_type("srv")) == "SRV"
