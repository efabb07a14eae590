"""Attacks on the dns piece, each pinned by a test named after it (issue 8: items 2, 3 and 6)."""
import base64
import gc

import dns.edns
import dns.message
import dns.rcode
import psutil
import pytest
from webtest import TestApp

from tests.conftest import load

PROBLEM = "application/problem+json"
DNS_MESSAGE = "application/dns-message"


def b64(wire):
    return base64.urlsafe_b64encode(wire).rstrip(b"=").decode()


def doh(app, query, method, status=200):
    wire = query.to_wire()
    if method == "GET":
        return app.get("/dns/dns-query", {"dns": b64(wire)}, status=status)
    return app.post("/dns/dns-query", wire, headers={"Content-Type": DNS_MESSAGE}, status=status)


@pytest.fixture
def fresh_app():
    return TestApp(load("testing.ini"))


class TestAnswerTooBigForADNSMessage:
    """An upstream answer that re-encodes to over 65535 bytes (to_wire raises TooBig) was a 500."""

    QUESTION = ("uncompressible.test", "SRV")

    def test_resolve_is_a_502_problem(self, fresh_app):
        res = fresh_app.get("/dns/resolve", {"name": self.QUESTION[0], "type": self.QUESTION[1]}, status=502)
        assert res.content_type == PROBLEM
        assert res.json["type"] == "https://svc.invalid/problems/answer-too-large"
        assert "65535" in res.json["detail"]

    def test_dns_json_is_a_502_problem(self, fresh_app):
        res = fresh_app.get(
            "/dns/dns-query",
            {"name": self.QUESTION[0], "type": self.QUESTION[1]},
            headers={"Accept": "application/dns-json"},
            status=502,
        )
        assert res.content_type == PROBLEM and res.json["status"] == 502

    @pytest.mark.parametrize("method", ["GET", "POST"])
    def test_wire_format_is_servfail_with_an_extended_error(self, fresh_app, method):
        query = dns.message.make_query(*self.QUESTION, use_edns=0)
        res = doh(fresh_app, query, method)
        assert res.content_type == DNS_MESSAGE
        reply = dns.message.from_wire(res.body)
        assert query.is_response(reply)
        assert reply.rcode() == dns.rcode.SERVFAIL and not reply.answer
        (ede,) = [o for o in reply.options if o.otype == dns.edns.OptionType.EDE]
        assert "65535" in ede.text
        assert res.headers["Cache-Control"] == "no-store"

    @pytest.mark.parametrize("method", ["GET", "POST"])
    def test_wire_format_without_edns_is_servfail(self, fresh_app, method):
        query = dns.message.make_query(*self.QUESTION)
        reply = dns.message.from_wire(doh(fresh_app, query, method).body)
        assert reply.rcode() == dns.rcode.SERVFAIL and reply.edns < 0


class TestDoHReplyMemoFlood:
    """3,000 GETs for one cached 61 KB answer, each with a different unknown EDNS option, kept a
    reply each: 177 MiB for a single upstream query."""

    @staticmethod
    def get(app, option_data):
        option = dns.edns.GenericOption(65001, option_data)
        query = dns.message.make_query("huge.test", "TXT", use_edns=0, options=[option])
        query.id = 0
        return app.get("/dns/dns-query", {"dns": b64(query.to_wire())})

    @pytest.mark.slow
    def test_distinct_unknown_edns_options_grow_rss_by_under_32_mib(self, fresh_app, dns_upstream):
        first = dns.message.from_wire(self.get(fresh_app, b"warm").body)
        assert len(first.answer[0]) == 290 and len(first.to_wire()) > 60_000
        process = psutil.Process()
        gc.collect()
        before = process.memory_info().rss
        for i in range(3000):
            reply = self.get(fresh_app, i.to_bytes(4, "big")).body
        gc.collect()
        growth = process.memory_info().rss - before
        assert growth < 32 * 1024 * 1024, f"RSS grew by {growth / 2**20:.1f} MiB"
        assert dns.message.from_wire(reply).answer == first.answer
        # one upstream query: truncated over UDP, then answered over TCP
        assert [q[2] for q in dns_upstream.queries if q[2] == "tcp"] == ["tcp"]
