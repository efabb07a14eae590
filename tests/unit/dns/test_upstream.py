import socket
import time

import dns.message
import dns.rcode
import pytest

from svc.dns.upstream import Nameserver, Upstream, UpstreamTimeout


@pytest.mark.parametrize(
    "text, expected",
    [
        ("192.0.2.53", Nameserver("192.0.2.53", 53)),
        ("192.0.2.53:5353", Nameserver("192.0.2.53", 5353)),
        ("2001:db8::53", Nameserver("2001:db8::53", 53)),
        ("[2001:db8::53]", Nameserver("2001:db8::53", 53)),
        ("[2001:db8::53]:5353", Nameserver("2001:db8::53", 5353)),
    ],
)
def test_nameserver_parse(text, expected):
    assert Nameserver.parse(text) == expected


@pytest.mark.parametrize(
    "text", ["dns.example", "192.0.2.53:0", "192.0.2.53:65536", "192.0.2.53:x", "[2001:db8::53", "[::1]x", "1.2.3"]
)
def test_nameserver_parse_refuses(text):
    with pytest.raises(ValueError):
        Nameserver.parse(text)


def test_nameserver_str():
    assert str(Nameserver("2001:db8::53", 53)) == "[2001:db8::53]:53"
    assert str(Nameserver("192.0.2.53", 5353)) == "192.0.2.53:5353"


@pytest.fixture
def black_hole():
    """A UDP port that takes queries and never answers."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    yield Nameserver("127.0.0.1", sock.getsockname()[1])
    sock.close()


def upstream_of(dns_upstream):
    return Nameserver("127.0.0.1", dns_upstream.port)


def test_the_next_nameserver_answers_when_one_is_silent(black_hole, dns_upstream):
    upstream = Upstream([black_hole, upstream_of(dns_upstream)], timeout=0.2, retries=0)
    answer = upstream.query(dns.message.make_query("a.test", "A"))
    assert answer.answer[0][0].address == "192.0.2.1"


def test_servfail_moves_on_and_is_returned_when_nobody_does_better(dns_upstream):
    server = upstream_of(dns_upstream)
    upstream = Upstream([server, server], timeout=1, retries=1)
    answer = upstream.query(dns.message.make_query("servfail.test", "A"))
    assert answer.rcode() == dns.rcode.SERVFAIL
    assert dns_upstream.count("servfail.test") == 4


def test_silence_everywhere_is_a_timeout_after_every_try(black_hole):
    upstream = Upstream([black_hole], timeout=0.1, retries=2)
    started = time.monotonic()
    with pytest.raises(UpstreamTimeout, match="did not answer within 0.1 s"):
        upstream.query(dns.message.make_query("a.test", "A"))
    assert time.monotonic() - started >= 0.3


def test_truncated_udp_is_asked_again_over_tcp(dns_upstream):
    upstream = Upstream([upstream_of(dns_upstream)], timeout=1, retries=0)
    answer = upstream.query(dns.message.make_query("bigtxt.test", "TXT", use_edns=0, payload=512))
    assert len(answer.answer[0]) == 30
    assert [q[2] for q in dns_upstream.queries] == ["udp", "tcp"]


def test_no_nameservers():
    with pytest.raises(ValueError):
        Upstream([], 1, 0)
