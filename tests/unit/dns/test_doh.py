import dns.edns
import dns.message
import dns.rcode
import dns.rrset
import pytest

from svc.dns.cache import ENTRY_OVERHEAD
from svc.dns.doh import ReplyMemo, decode_dns_param, encode_dns_param, question_of, reply_key, reply_wire
from svc.dns.errors import DnsError
from svc.dns.problems import problem_of
from svc.dns.resolver import Answer


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
    with pytest.raises(DnsError) as info:
        decode_dns_param(value)
    assert problem_of(info.value).status == status


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


MIB = 1024 * 1024


class TestReplyMemo:
    def test_same_bytes_with_the_callers_id_until_the_age_ticks(self):
        clock = Clock()
        memo = ReplyMemo(10, MIB, clock)
        memo.put(b"question", b"\x00\x01reply", cached_answer(fresh_until=101.0))
        assert memo.get(b"question", 0xABCD) == (b"\xab\xcdreply", "max-age=300")
        clock.now = 101.0
        assert memo.get(b"question", 0xABCD) is None

    def test_only_cached_answers_that_may_be_reused(self):
        memo = ReplyMemo(10, MIB, Clock())
        memo.put(b"a", b"\x00\x01r", Answer(dns.message.Message(), 300))
        memo.put(b"b", b"\x00\x01r", cached_answer(fresh_until=101.0, lifetime=0))
        assert memo.get(b"a", 1) is None and memo.get(b"b", 1) is None

    def test_bounded_by_entries(self):
        memo = ReplyMemo(1, MIB, Clock())
        memo.put(b"a", b"\x00\x01r", cached_answer(101.0))
        memo.put(b"b", b"\x00\x01s", cached_answer(101.0))
        assert memo.get(b"a", 1) is None and memo.get(b"b", 1) is not None
        assert ReplyMemo(0, MIB, Clock()).get(b"b", 1) is None

    def test_bounded_by_bytes_first_in_first_out(self):
        reply = b"\x00\x01" + b"r" * 1000
        size = 1 + 1000 + ENTRY_OVERHEAD
        memo = ReplyMemo(100, 2 * size, Clock())
        for key in (b"a", b"b", b"c"):
            memo.put(key, reply, cached_answer(101.0))
        assert memo.get(b"a", 1) is None and memo.get(b"b", 1) and memo.get(b"c", 1)
        assert memo.bytes == 2 * size
        memo.put(b"d", b"\x00\x01" + b"r" * 2 * size, cached_answer(101.0))
        assert memo.get(b"d", 1) is None and len(memo) == 2

    def test_stale_entries_leave_when_the_next_arrives(self):
        clock = Clock()
        memo = ReplyMemo(100, MIB, clock)
        for key in (b"a", b"b", b"c"):
            memo.put(key, b"\x00\x01r", cached_answer(101.0))
        clock.now = 101.0
        memo.put(b"d", b"\x00\x01r", cached_answer(102.0))
        assert len(memo) == 1 and memo.bytes == 1 + 1 + ENTRY_OVERHEAD


def query_with(**kwargs):
    options = kwargs.pop("options", None)
    query = dns.message.make_query("A.test.", "A", options=options, **kwargs)
    return query, question_of(query)


class TestReplyKey:
    def test_options_svc_drops_make_no_new_key(self):
        plain = reply_key(*query_with(use_edns=0))
        for option in (
            dns.edns.GenericOption(65001, b"x"),
            dns.edns.GenericOption(65001, b"y"),
            dns.edns.CookieOption(b"12345678", b""),
            dns.edns.ECSOption("198.51.100.0", 24),
        ):
            assert reply_key(*query_with(use_edns=0, options=[option])) == plain
        assert reply_key(*query_with(use_edns=0, payload=512)) == plain

    def test_what_the_reply_shows_makes_a_key(self):
        keys = {
            reply_key(*query_with()),
            reply_key(*query_with(use_edns=0)),
            reply_key(*query_with(use_edns=0, want_dnssec=True)),
            reply_key(*query_with(use_edns=0, options=[dns.edns.GenericOption(dns.edns.OptionType.PADDING, b"")])),
            reply_key(*query_with(flags=0)),
            reply_key(dns.message.make_query("a.test.", "A"), question_of(dns.message.make_query("a.test.", "A"))),
            reply_key(dns.message.make_query("A.test.", "AAAA"), question_of(dns.message.make_query("A.test.", "AAAA"))),
        }
        assert len(keys) == 7

    def test_a_forwarded_client_subnet_makes_a_key(self):
        query = dns.message.make_query("a.test.", "A", use_edns=0, options=[dns.edns.ECSOption("198.51.100.0", 24)])
        assert reply_key(query, question_of(query, True)) != reply_key(query, question_of(query))


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
