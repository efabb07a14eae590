import dns.edns
import dns.message
import dns.rcode
import dns.rrset
import pytest

from svc.dns.doh import ReplyMemo, decode_dns_param, encode_dns_param, reply_wire
from svc.dns.resolver import Answer
from svc.web.problems import Problem


def test_rfc_8484_example():
    # RFC 8484 section 4.1.1: www.example.com A, ID 0
    wire = decode_dns_param("AAABAAABAAAAAAAAA3d3dwdleGFtcGxlA2NvbQAAAQAB")
    query = dns.message.from_wire(wire)
    assert query.id == 0 and str(query.question[0].name) == "www.example.com."
    assert encode_dns_param(wire) == "AAABAAABAAAAAAAAA3d3dwdleGFtcGxlA2NvbQAAAQAB"


@pytest.mark.parametrize(
    "value, status",
    [("AAAB+AAB", 400), ("AAAB/AAB", 400), ("AAABAA==", 400), ("AAA=", 400), ("A", 400), ("AAAA A", 400), ("A" * 87384, 413)],
)
def test_decode_refuses(value, status):
    with pytest.raises(Problem) as info:
        decode_dns_param(value)
    assert info.value.status == status


def test_every_length_round_trips():
    for size in range(0, 40):
        wire = bytes(range(size))
        assert decode_dns_param(encode_dns_param(wire)) == wire


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def cached_answer(fresh_until, lifetime=300):
    return Answer(dns.message.Message(), lifetime, fresh_until=fresh_until)


class TestReplyMemo:
    def test_same_bytes_with_the_callers_id_until_the_age_ticks(self):
        clock = Clock()
        memo = ReplyMemo(10, clock)
        memo.put(b"\x00\x01question", b"\x00\x01reply", cached_answer(fresh_until=101.0))
        assert memo.get(b"\xab\xcdquestion") == (b"\xab\xcdreply", "max-age=300")
        clock.now = 101.0
        assert memo.get(b"\xab\xcdquestion") is None

    def test_only_cached_answers_that_may_be_reused(self):
        memo = ReplyMemo(10, Clock())
        memo.put(b"\x00\x01a", b"\x00\x01r", Answer(dns.message.Message(), 300))
        memo.put(b"\x00\x01b", b"\x00\x01r", cached_answer(fresh_until=101.0, lifetime=0))
        assert memo.get(b"\x00\x01a") is None and memo.get(b"\x00\x01b") is None

    def test_bounded(self):
        memo = ReplyMemo(1, Clock())
        memo.put(b"\x00\x01a", b"\x00\x01r", cached_answer(101.0))
        memo.put(b"\x00\x01b", b"\x00\x01s", cached_answer(101.0))
        assert memo.get(b"\x00\x01a") is None and memo.get(b"\x00\x01b") is not None
        assert ReplyMemo(0, Clock()).get(b"\x00\x01b") is None


def test_a_reply_that_outgrows_65535_bytes_is_servfail_saying_why():
    """The cached answer fits, but not beside the client's longer question (to_wire raised TooBig)."""
    upstream = dns.message.make_response(dns.message.make_query("a.test.", "TXT"))
    rdatas = [f'"{i:03d}{"x" * 197}"' for i in range(307)]
    upstream.answer.append(dns.rrset.from_text_list("a.test.", 300, "IN", "TXT", rdatas))
    assert 65000 < len(upstream.to_wire()) <= 65535
    long_name = ".".join(["q" * 63] * 3) + ".test."
    query = dns.message.make_query(long_name, "TXT", use_edns=0)
    reply = dns.message.from_wire(reply_wire(query, Answer(upstream, 300)))
    assert query.is_response(reply)
    assert reply.rcode() == dns.rcode.SERVFAIL and not reply.answer
    (ede,) = reply.options
    assert ede.code == dns.edns.EDECode.OTHER and "65535" in ede.text
