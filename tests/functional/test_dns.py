"""The dns piece through testing.ini, mounted at /dns, against the test DNS server."""
import base64
import csv
import http.client
import io
import json
import struct
import time

import dns.edns
import dns.flags
import dns.message
import dns.opcode
import dns.query
import dns.rcode
import dns.rdatatype
import dns.update
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from webob.request import BaseRequest
from webtest import TestApp

from svc.web.settings import SettingError
from tests.conftest import load
from tests.dns_fixtures import GatedLookup, serve
from tests.dns_server import WILDCARD_ADDRESS
from tests.functional.test_openapi import CHECKS
from tests.openapi import assert_conforms, assert_is_problem

PROBLEM = "application/problem+json"


@pytest.fixture
def fresh_app():
    """An app of its own, so its cache starts empty."""
    return TestApp(load("testing.ini"))


def b64(wire):
    return base64.urlsafe_b64encode(wire).rstrip(b"=").decode()


def doh_get(app, query, status=200, path="/dns", **headers):
    wire = query.to_wire() if isinstance(query, dns.message.Message) else query
    return app.get(path + "/dns-query", {"dns": b64(wire)}, headers=headers, status=status)


def doh_post(app, body, status=200, content_type="application/dns-message", **headers):
    if isinstance(body, dns.message.Message):
        body = body.to_wire()
    return app.post("/dns/dns-query", body, headers={"Content-Type": content_type, **headers}, status=status)


def direct(upstream, query):
    response, _ = dns.query.udp_with_fallback(query, "127.0.0.1", timeout=2, port=upstream.port)
    return response


def assert_problem(res, status, detail, slug="invalid-request"):
    assert res.status_int == status
    assert res.content_type == PROBLEM
    assert res.json["type"] == f"https://svc.invalid/problems/{slug}"
    assert detail in res.json["detail"], res.json["detail"]


class TestLookup:
    def test_a_name(self, testing_app):
        res = testing_app.get("/dns/lookup", {"host": "a.test"})
        assert res.json == {
            "host": "a.test",
            "name": "a.test",
            "address": "192.0.2.1",
            "family": 4,
            "addresses": [{"address": "192.0.2.1", "family": 4}],
        }

    @pytest.mark.parametrize(
        "host",
        ["http://a.test/", "https://user:pw@A.Test:8443/p?q#f", "a.test:53", "a.test.", "//a.test/x", " a.test "],
    )
    def test_urls_and_ports_are_stripped(self, testing_app, host):
        res = testing_app.get("/dns/lookup", {"host": host})
        assert res.json["name"] == "a.test" and res.json["address"] == "192.0.2.1"

    @pytest.mark.parametrize(
        "host, address, family",
        [
            ("192.0.2.200", "192.0.2.200", 4),
            ("2001:db8::1", "2001:db8::1", 6),
            ("[2001:db8::1]", "2001:db8::1", 6),
            ("[2001:db8::1]:443", "2001:db8::1", 6),
            ("http://[2001:db8::1]:8080/x", "2001:db8::1", 6),
            ("http://user@192.0.2.200:81/", "192.0.2.200", 4),
        ],
    )
    def test_ip_literals_need_no_resolver(self, testing_app, dns_upstream, host, address, family):
        res = testing_app.get("/dns/lookup", {"host": host})
        assert (res.json["address"], res.json["family"]) == (address, family)
        assert dns_upstream.queries == []

    def test_idn_is_encoded_with_idna_2008(self, testing_app):
        res = testing_app.get("/dns/lookup", {"host": "Bücher.test"})
        assert res.json["name"] == "xn--bcher-kva.test"
        assert res.json["address"] == "192.0.2.10"

    def test_cname_chain_is_followed(self, testing_app):
        assert testing_app.get("/dns/lookup", {"host": "chain1.test"}).json["address"] == "192.0.2.1"

    @pytest.mark.parametrize(
        "family, address",
        [("any", "192.0.2.2"), ("4", "192.0.2.2"), ("6", "2001:db8::2")],
    )
    def test_preferred_family_with_every_address_listed(self, testing_app, family, address):
        res = testing_app.get("/dns/lookup", {"host": "dual.test", "family": family})
        assert res.json["address"] == address
        assert res.json["addresses"] == [
            {"address": "192.0.2.2", "family": 4},
            {"address": "2001:db8::2", "family": 6},
        ]

    def test_strict_family_says_what_is_missing(self, testing_app):
        res = testing_app.get("/dns/lookup", {"host": "v6only.test", "family": "4", "strict": "1"}, status=404)
        assert res.json["detail"] == "v6only.test has no address: no IPv4 address"

    def test_falls_back_to_the_other_family(self, testing_app):
        res = testing_app.get("/dns/lookup", {"host": "v6only.test", "family": "4"})
        assert (res.json["address"], res.json["family"]) == ("2001:db8::6", 6)

    def test_strict_family_keeps_only_that_family(self, testing_app):
        res = testing_app.get("/dns/lookup", {"host": "dual.test", "family": "6", "strict": "true"})
        assert res.json["addresses"] == [{"address": "2001:db8::2", "family": 6}]

    @pytest.mark.parametrize(
        "params",
        [
            {"host": "v6only.test", "family": "4", "strict": "true"},
            {"host": "192.0.2.1", "family": "6", "strict": "1"},
            {"host": "nx.test"},
        ],
    )
    def test_no_address_is_404_name_not_found(self, testing_app, params):
        res = testing_app.get("/dns/lookup", params, status=404)
        assert_problem(res, 404, "", slug="name-not-found")

    def test_upstream_timeout_is_504(self, testing_app):
        res = testing_app.get("/dns/lookup", {"host": "silent.test"}, status=504)
        assert_problem(res, 504, "silent.test", slug="resolver-timeout")

    def test_lookup_deadline_is_504(self, dns_app):
        app = dns_app(timeout=2, lookup_backend="svc.dns.lookup:NameserverLookup", lookup_timeout=0.2)
        started = time.monotonic()
        res = app.get("/dns/lookup", {"host": "silent.test"}, status=504)
        assert time.monotonic() - started < 2
        assert_problem(res, 504, "within 0.2 s", slug="resolver-timeout")

    def test_system_backend_reads_the_hosts_file(self, dns_app):
        res = dns_app(lookup_backend="svc.dns.lookup:SystemLookup").get("/dns/lookup", {"host": "localhost"})
        assert res.json["address"] in ("127.0.0.1", "::1")
        assert {a["address"] for a in res.json["addresses"]} <= {"127.0.0.1", "::1"}


LOOKUP_HOSTILE = [
    ({}, "host is required"),
    ({"host": ""}, "host is empty"),
    ({"host": "   "}, "host is empty"),
    ({"host": "a\x00b.test"}, "NUL"),
    ({"host": "a" * 64 + ".test"}, "label of 64 characters"),
    ({"host": ".".join(["a" * 63] * 4)[:254]}, "254 characters"),
    ({"host": "http://" + "b" * 64 + ".test/"}, "label of 64 characters"),
    ({"host": "ü" * 64 + ".test"}, "internationalized"),
    ({"host": "a\u200db.test"}, "internationalized"),
    ({"host": "a..test"}, "empty label"),
    ({"host": "a b.test"}, "not a valid host name"),
    ({"host": "a.test:99999"}, "Port out of range"),
    ({"host": "a.test:port"}, "not a valid host or URL"),
    ({"host": "http://[::1/"}, "not a valid host or URL"),
    ({"host": "http://"}, "names no host"),
    ({"host": "a.test", "family": "5"}, "family"),
    ({"host": "a.test", "strict": "maybe"}, "strict"),
]


@pytest.mark.parametrize("params, detail", LOOKUP_HOSTILE)
def test_hostile_lookup_is_400(testing_app, dns_upstream, params, detail):
    res = testing_app.get("/dns/lookup", params, status=400)
    assert_problem(res, 400, detail)
    assert dns_upstream.queries == []


def test_lookup_with_repeated_or_undecodable_query_is_400(testing_app):
    assert_problem(testing_app.get("/dns/lookup?host=a&host=b", status=400), 400, "once")
    assert_problem(testing_app.get("/dns/lookup?host=%FF", status=400), 400, "UTF-8")


class TestReverse:
    def test_ptr_names(self, fresh_app):
        res = fresh_app.get("/dns/reverse", {"ip": "192.0.2.2"})
        body = res.json
        assert sorted(body.pop("names")) == ["dual-alias.test.", "dual.test."]
        assert body == {"ip": "192.0.2.2", "name": "2.2.0.192.in-addr.arpa.", "ttl": 600}

    def test_no_ptr_is_404(self, testing_app):
        res = testing_app.get("/dns/reverse", {"ip": "192.0.2.98"}, status=404)
        assert_problem(res, 404, "no PTR record", slug="name-not-found")

    def test_upstream_timeout_is_504(self, testing_app):
        res = testing_app.get("/dns/reverse", {"ip": "192.0.2.99"}, status=504)
        assert_problem(res, 504, "did not answer", slug="resolver-timeout")

    def test_upstream_refusal_is_502(self, testing_app):
        res = testing_app.get("/dns/reverse", {"ip": "192.0.2.97"}, status=502)
        assert_problem(res, 502, "REFUSED", slug="resolver-failure")

    def test_ipv6_and_zone_ids(self, testing_app):
        res = testing_app.get("/dns/reverse", {"ip": "fe80::1%eth0"}, status=404)
        assert "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.e.f.ip6.arpa." in res.json["detail"]

    @pytest.mark.parametrize("ip", ["", "192.0.2", "192.0.2.256", "a.test", "::g", "1.2.3.4\x00", "[::1"])
    def test_malformed_ip_is_400(self, testing_app, ip):
        assert_problem(testing_app.get("/dns/reverse", {"ip": ip}, status=400), 400, "ip")


class TestResolve:
    def test_json_format(self, fresh_app):
        res = fresh_app.get("/dns/resolve", {"name": "a.test"})
        assert res.content_type == "application/json"
        assert res.headers["Cache-Control"] == "max-age=300"
        assert res.json == {
            "Status": 0,
            "TC": False,
            "RD": True,
            "RA": True,
            "AD": False,
            "CD": False,
            "Question": [{"name": "a.test.", "type": 1}],
            "Answer": [{"name": "a.test.", "type": 1, "TTL": 300, "data": "192.0.2.1"}],
        }

    @pytest.mark.parametrize("rdtype", ["aaaa", "AAAA", "Aaaa", "28", "TYPE28"])
    def test_type_by_mnemonic_in_any_case_or_number(self, fresh_app, rdtype):
        res = fresh_app.get("/dns/resolve", {"name": "dual.test", "type": rdtype})
        assert res.json["Answer"] == [{"name": "dual.test.", "type": 28, "TTL": 300, "data": "2001:db8::2"}]

    def test_cname_chain(self, testing_app):
        answer = testing_app.get("/dns/resolve", {"name": "chain1.test"}).json["Answer"]
        assert [(r["type"], r["data"]) for r in answer] == [
            (5, "chain2.test."),
            (5, "chain3.test."),
            (5, "a.test."),
            (1, "192.0.2.1"),
        ]

    def test_mx_and_srv(self, testing_app):
        assert testing_app.get("/dns/resolve", {"name": "mx.test", "type": "MX"}).json["Answer"][0]["data"] == "10 mail.test."
        srv = testing_app.get("/dns/resolve", {"name": "_sip._tcp.test", "type": "srv"}).json
        assert srv["Answer"][0]["data"] == "10 5 5060 a.test."

    def test_txt_too_big_for_udp_comes_over_tcp(self, fresh_app, dns_upstream):
        res = fresh_app.get("/dns/resolve", {"name": "bigtxt.test", "type": "TXT"})
        assert len(res.json["Answer"]) == 30 and res.json["TC"] is False
        transports = [q[2] for q in dns_upstream.queries]
        # A loaded machine may let the first UDP try time out and be asked again.
        assert transports[-1] == "tcp" and set(transports[:-1]) == {"udp"}

    def test_nxdomain_carries_the_soa_and_its_negative_ttl(self, fresh_app):
        res = fresh_app.get("/dns/resolve", {"name": "nowhere.test"})
        assert res.json["Status"] == 3
        assert res.json["Authority"][0]["type"] == 6
        assert "NXDOMAIN" in res.json["Comment"]
        assert res.headers["Cache-Control"] == "max-age=60"

    def test_no_data_is_negative_too(self, fresh_app):
        res = fresh_app.get("/dns/resolve", {"name": "a.test", "type": "AAAA"})
        assert res.json["Status"] == 0 and "Answer" not in res.json
        assert res.headers["Cache-Control"] == "max-age=60"

    def test_ttl_0_is_not_stored(self, testing_app):
        res = testing_app.get("/dns/resolve", {"name": "ttl0.test"})
        assert res.json["Answer"][0]["TTL"] == 0
        assert res.headers["Cache-Control"] == "no-store"

    def test_idn_name(self, testing_app):
        res = testing_app.get("/dns/resolve", {"name": "bücher.test"})
        assert res.json["Question"] == [{"name": "xn--bcher-kva.test.", "type": 1}]
        assert res.json["Answer"][0]["data"] == "192.0.2.10"

    def test_upstream_silence_is_servfail_with_a_comment(self, testing_app):
        res = testing_app.get("/dns/resolve", {"name": "silent.test"})
        assert res.json["Status"] == 2
        assert "did not answer within 0.5 s" in res.json["Comment"]
        assert res.headers["Cache-Control"] == "no-store"

    def test_cd_is_echoed(self, fresh_app):
        res = fresh_app.get("/dns/resolve", {"name": "a.test", "cd": "1", "do": "true"})
        assert res.json["CD"] is True

    def test_root_name(self, testing_app):
        res = testing_app.get("/dns/resolve", {"name": ".", "type": "NS"})
        assert res.json["Question"] == [{"name": ".", "type": 2}]


RESOLVE_HOSTILE = [
    ({}, "name is required"),
    ({"name": ""}, "name is empty"),
    ({"name": "a\x00.test"}, "NUL"),
    ({"name": "a" * 64 + ".test"}, "label of 64 characters"),
    ({"name": ("a" * 63 + ".") * 3 + "a" * 62}, "254 characters"),
    ({"name": "a b.test"}, "white space"),
    ({"name": "a..test"}, "empty label"),
    ({"name": "\u200d.test"}, "internationalized"),
    ({"name": "a.test", "type": "BOGUS"}, "not a record type"),
    ({"name": "a.test", "type": "0"}, "not a record type"),
    ({"name": "a.test", "type": "65536"}, "not a record type"),
    ({"name": "a.test", "type": "-1"}, "not a record type"),
    ({"name": "a.test", "type": ""}, "not a record type"),
    ({"name": "a.test", "type": "AXFR"}, "meta type"),
    ({"name": "a.test", "type": "OPT"}, "meta type"),
    ({"name": "a.test", "cd": "maybe"}, "cd"),
    ({"name": "a.test", "do": "2"}, "do"),
]


@pytest.mark.parametrize("params, detail", RESOLVE_HOSTILE)
def test_hostile_resolve_is_400(testing_app, dns_upstream, params, detail):
    assert_problem(testing_app.get("/dns/resolve", params, status=400), 400, detail)
    assert dns_upstream.queries == []


class TestDoH:
    @pytest.mark.parametrize("method", ["get", "post"])
    @pytest.mark.parametrize(
        "name, rdtype",
        [("a.test", "A"), ("chain1.test", "A"), ("mx.test", "MX"), ("nx.test", "A"), ("a.test", "AAAA")],
    )
    def test_same_answer_as_the_nameserver(self, testing_app, dns_upstream, method, name, rdtype):
        query = dns.message.make_query(name, rdtype, use_edns=0)
        res = doh_get(testing_app, query) if method == "get" else doh_post(testing_app, query)
        assert res.content_type == "application/dns-message"
        reply = dns.message.from_wire(res.body)
        expected = direct(dns_upstream, dns.message.make_query(name, rdtype, use_edns=0))
        assert query.is_response(reply)
        assert reply.rcode() == expected.rcode()
        assert reply.answer == expected.answer and reply.authority == expected.authority

    def test_echoes_the_id_and_question_as_sent(self, testing_app):
        query = dns.message.make_query("A.TeSt", "A")
        query.id = 0  # what RFC 8484 recommends for cacheable GETs
        reply = dns.message.from_wire(doh_get(testing_app, query).body)
        assert reply.id == 0
        assert reply.question[0].name.to_text() == "A.TeSt."
        assert reply.flags & dns.flags.QR and reply.flags & dns.flags.RD and reply.flags & dns.flags.RA

    def test_headers(self, fresh_app):
        res = doh_get(fresh_app, dns.message.make_query("a.test", "A"))
        assert res.headers["Cache-Control"] == "max-age=300"
        assert res.headers["Vary"] == "Accept"
        assert int(res.headers["Content-Length"]) == len(res.body)

    @pytest.mark.parametrize("payload", [None, 512, 1232])
    def test_never_truncated_to_the_clients_edns_size(self, fresh_app, dns_upstream, payload):
        query = dns.message.make_query("bigtxt.test", "TXT", use_edns=payload is not None, payload=payload or 512)
        res = doh_post(fresh_app, query)
        reply = dns.message.from_wire(res.body)
        assert not reply.flags & dns.flags.TC
        assert len(res.body) > 4096 and len(reply.answer[0]) == 30
        assert [q[2] for q in dns_upstream.queries] == ["udp", "tcp"]

    @pytest.mark.parametrize(
        "name, rdtype, cache_control",
        [
            ("a.test", "A", "max-age=300"),
            ("nx.test", "A", "max-age=60"),  # min(SOA TTL 3600, SOA MINIMUM 60)
            ("a.test", "TXT", "max-age=60"),  # no data: negative too
            ("ttl0.test", "A", "no-store"),
            ("chain1.test", "A", "max-age=300"),
            ("1.2.0.192.in-addr.arpa", "PTR", "max-age=600"),
            ("servfail.test", "A", "no-store"),
        ],
    )
    def test_cache_control(self, fresh_app, name, rdtype, cache_control):
        res = doh_get(fresh_app, dns.message.make_query(name, rdtype))
        assert res.headers["Cache-Control"] == cache_control

    def test_upstream_silence_is_200_servfail_within_the_timeout(self, testing_app):
        query = dns.message.make_query("silent.test", "A", use_edns=0)
        started = time.monotonic()
        res = doh_get(testing_app, query)
        elapsed = time.monotonic() - started
        reply = dns.message.from_wire(res.body)
        assert res.status_int == 200 and reply.rcode() == dns.rcode.SERVFAIL
        assert elapsed < 0.5 * 2 + 2  # timeout x (retries + 1), and some slack for a busy machine
        assert res.headers["Cache-Control"] == "no-store"
        (ede,) = [o for o in reply.options if o.otype == dns.edns.OptionType.EDE]
        assert ede.code == dns.edns.EDECode.NO_REACHABLE_AUTHORITY and "did not answer" in ede.text

    def test_dnssec_ok_bit_is_echoed(self, testing_app):
        query = dns.message.make_query("a.test", "A", want_dnssec=True)
        reply = dns.message.from_wire(doh_post(testing_app, query).body)
        assert reply.ednsflags & dns.flags.DO

    def test_padding_is_answered_with_padding(self, testing_app):
        query = dns.message.make_query("a.test", "A", use_edns=0, pad=128)
        res = doh_post(testing_app, query)
        assert len(res.body) % 468 == 0

    @pytest.mark.parametrize("accept", ["application/dns-json", "application/json"])
    def test_json_on_the_same_path(self, testing_app, accept):
        res = doh_get(testing_app, dns.message.make_query("a.test", "A"), Accept=accept)
        assert res.content_type == accept
        assert res.headers["Vary"] == "Accept"
        body = json.loads(res.body)
        assert body["Answer"][0]["data"] == "192.0.2.1"
        by_name = testing_app.get("/dns/dns-query", {"name": "a.test", "type": "A"}, headers={"Accept": accept})
        assert json.loads(by_name.body)["Answer"] == body["Answer"]

    def test_json_question_is_the_clients(self, testing_app):
        query = dns.message.make_query("dual.test", "AAAA")
        query.flags &= ~dns.flags.RD
        body = json.loads(doh_post(testing_app, query, Accept="application/dns-json").body)
        assert body["Question"] == [{"name": "dual.test.", "type": 28}]
        assert body["RD"] is False

    def test_unacceptable_accept_is_406(self, testing_app):
        res = doh_get(testing_app, dns.message.make_query("a.test", "A"), status=406, Accept="image/png")
        assert res.headers["Vary"] == "Accept"

    @pytest.mark.parametrize("method", ["put", "delete", "patch"])
    def test_other_methods_are_405_with_allow(self, testing_app, method):
        res = getattr(testing_app, method)("/dns/dns-query", status=405)
        assert res.headers["Allow"] == "GET, HEAD, POST"
        assert res.headers["Vary"] == "Accept"
        assert res.content_type == PROBLEM

    def test_head(self, testing_app):
        res = testing_app.head("/dns/dns-query", {"dns": b64(dns.message.make_query("a.test", "A").to_wire())})
        assert res.status_int == 200 and res.body == b""


def _header(flags=0x0100, qdcount=1, ancount=0):
    return struct.pack("!HHHHHH", 0x1234, flags, qdcount, ancount, 0, 0)


_A_QUESTION = b"\x01a\x04test\x00\x00\x01\x00\x01"
_GOOD = b64(_header() + _A_QUESTION)
_UPDATE = dns.update.UpdateMessage("test.")
_UPDATE.add("a", 300, "A", "192.0.2.99")

DOH_HOSTILE_WIRE = [
    (b"", "empty"),
    (b"\x12\x34\x01\x00\x00\x01", "shorter than the 12-byte header"),
    (_header()[:11], "shorter than the 12-byte header"),
    (_header(qdcount=0), "0 questions"),
    (_header(qdcount=2) + _A_QUESTION * 2, "2 questions"),
    (_header(flags=0x8180) + _A_QUESTION, "QR set"),
    (_UPDATE.to_wire(), "opcode UPDATE"),
    (_header(flags=dns.opcode.to_flags(dns.opcode.NOTIFY)) + _A_QUESTION, "opcode NOTIFY"),
    (_header(), "malformed"),  # says one question, has none
    (_header() + b"\x01a\x04test", "malformed"),  # question cut short
    (_header() + b"\x40" + b"a" * 64 + b"\x00\x00\x01\x00\x01", "malformed"),  # a 64-octet label
    (_header() + (b"\x32" + b"a" * 50) * 5 + b"\x00\x00\x01\x00\x01", "malformed"),  # a 256-octet name
    (_header() + b"\xc0\x0c\x00\x01\x00\x01", "malformed"),  # a compression loop
    (_header() + _A_QUESTION + b"junk", "malformed"),
    (_header(ancount=1) + _A_QUESTION, "malformed"),
    (_header() + b"\x01a\x04test\x00\x00\xfc\x00\x01", "AXFR is a meta type"),
    (_header() + b"\x01a\x04test\x00\x00\x29\x00\x01", "OPT is a meta type"),
]


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("wire, detail", DOH_HOSTILE_WIRE)
def test_hostile_doh_message_is_400(testing_app, dns_upstream, method, wire, detail):
    if method == "get" and not wire:
        res = testing_app.get("/dns/dns-query?dns=", status=400)
    elif method == "get":
        res = doh_get(testing_app, wire, status=400)
    else:
        res = doh_post(testing_app, wire, status=400)
    assert_problem(res, 400, detail)
    assert res.headers["Vary"] == "Accept"
    assert dns_upstream.queries == []


DOH_HOSTILE_PARAM = [
    ("dns=" + _GOOD[:-2] + "+/", "base64url without padding"),
    ("dns=" + _GOOD.replace("_", "/").replace("-", "+") + "+", "base64url without padding"),
    ("dns=" + _GOOD + "==", "base64url without padding"),
    ("dns=" + _GOOD + "%3D", "base64url without padding"),
    ("dns=" + _GOOD + "%20", "base64url without padding"),
    ("dns=AAAAA", "not valid base64url"),
    ("dns=" + _GOOD + "&dns=" + _GOOD, "once"),
    ("", "give dns="),
    ("name=a.test", "give dns="),
    ("dns=%FF", "UTF-8"),
]


@pytest.mark.parametrize("query_string, detail", DOH_HOSTILE_PARAM)
def test_hostile_doh_parameter_is_400(testing_app, query_string, detail):
    assert_problem(testing_app.get("/dns/dns-query?" + query_string, status=400), 400, detail)


class TestDoHSizesAndTypes:
    def test_post_over_65535_bytes_is_413(self, testing_app):
        res = doh_post(testing_app, b"\x00" * 65536, status=413)
        assert_problem(res, 413, "65536 bytes", slug="request-too-large")

    def test_declared_length_over_65535_is_refused_before_reading(self, testing_app):
        class Unreadable:
            def read(self, *args):
                raise AssertionError("the body was read")

            readline = readlines = read

        request = BaseRequest.blank("/dns/dns-query", method="POST", content_type="application/dns-message")
        request.environ["wsgi.input"] = Unreadable()
        request.environ["CONTENT_LENGTH"] = "1000000"
        res = request.get_response(testing_app.app)
        assert res.status_int == 413 and res.content_type == PROBLEM
        assert "1000000 bytes" in res.json["detail"]

    def test_get_over_65535_bytes_is_413(self, testing_app):
        res = testing_app.get("/dns/dns-query?dns=" + "A" * 87384, status=413)
        assert_problem(res, 413, "at most 65535", slug="request-too-large")

    @pytest.mark.parametrize(
        "content_type", ["text/plain", "application/octet-stream", "application/dns-json", ""]
    )
    def test_wrong_content_type_is_415(self, testing_app, content_type):
        wire = dns.message.make_query("a.test", "A").to_wire()
        res = doh_post(testing_app, wire, status=415, content_type=content_type)
        assert_problem(res, 415, "application/dns-message", slug="unsupported-media-type")
        assert res.headers["Accept-Post"] == "application/dns-message"


TURNED_CLOCK = [0.0]


def turned_clock():
    """The dns piece's clock in tests that turn it (svc.dns.clock)."""
    return TURNED_CLOCK[0]


class TestCache:
    @pytest.mark.parametrize("name", ["a.test", "nx.test", "chain1.test"])
    def test_a_hit_never_reaches_the_upstream(self, fresh_app, dns_upstream, name):
        for _ in range(3):
            doh_get(fresh_app, dns.message.make_query(name, "A"))
            fresh_app.get("/dns/resolve", {"name": name})
        assert dns_upstream.count(name) == 1

    def test_repeated_queries_get_their_own_ids_and_ageing_ttls(self, dns_upstream):
        clock = TURNED_CLOCK
        clock[0] = 1000.0
        app = TestApp(load("testing.ini", **{"svc.dns.clock": f"{__name__}:turned_clock"}))
        replies = []
        for query_id, advance in [(1, 0), (2, 0.2), (3, 0.2), (4, 1.0), (0, 5.0)]:
            clock[0] += advance
            query = dns.message.make_query("a.test", "A")
            query.id = query_id
            res = doh_get(app, query)
            reply = dns.message.from_wire(res.body)
            assert query.is_response(reply)
            replies.append((reply.answer[0].ttl, res.headers["Cache-Control"]))
        assert replies == [
            (300, "max-age=300"),
            (300, "max-age=300"),
            (300, "max-age=300"),
            (299, "max-age=299"),
            (294, "max-age=294"),
        ]
        assert dns_upstream.count("a.test") == 1

    def test_the_question_is_the_key(self, fresh_app, dns_upstream):
        doh_get(fresh_app, dns.message.make_query("dual.test", "A"))
        doh_get(fresh_app, dns.message.make_query("DUAL.test", "A"))
        doh_get(fresh_app, dns.message.make_query("dual.test", "AAAA"))
        doh_get(fresh_app, dns.message.make_query("dual.test", "A", want_dnssec=True))
        assert dns_upstream.count("dual.test", "A") == 2
        assert dns_upstream.count("dual.test", "AAAA") == 1

    @pytest.mark.parametrize("name", ["ttl0.test", "silent.test", "servfail.test"])
    def test_what_must_not_be_kept_is_asked_again(self, fresh_app, dns_upstream, name):
        fresh_app.get("/dns/resolve", {"name": name})
        fresh_app.get("/dns/resolve", {"name": name})
        assert dns_upstream.count(name) >= 2

    def test_client_subnet_is_not_forwarded_by_default(self, fresh_app, dns_upstream):
        query = dns.message.make_query("a.test", "A", use_edns=0, options=[dns.edns.ECSOption("198.51.100.0", 24)])
        doh_post(fresh_app, query)
        assert [q[3] for q in dns_upstream.queries] == [None]

    def test_client_subnet_is_forwarded_when_enabled(self, dns_app, dns_upstream):
        app = dns_app(forward_client_subnet="true")
        for subnet in ("198.51.100.0", "203.0.113.0", "198.51.100.0"):
            query = dns.message.make_query("a.test", "A", use_edns=0, options=[dns.edns.ECSOption(subnet, 24)])
            doh_post(app, query)
        assert [q[3] for q in dns_upstream.queries] == [
            "ECS 198.51.100.0/24 scope/0",
            "ECS 203.0.113.0/24 scope/0",
        ]

    def test_cache_size_0_turns_it_off(self, dns_app, dns_upstream):
        app = dns_app(cache_size=0)
        app.get("/dns/resolve", {"name": "a.test"})
        app.get("/dns/resolve", {"name": "a.test"})
        assert dns_upstream.count("a.test") == 2


def test_wildcard_names_of_the_test_zone(testing_app):
    assert testing_app.get("/dns/lookup", {"host": "x1.bench.test"}).json["address"] == WILDCARD_ADDRESS


def csv_rows(body):
    return list(csv.reader(io.StringIO(body.decode("utf-8"))))


class TestBulk:
    def test_text_plain_rows_in_input_order(self, testing_app):
        body = "dual.test\n\n# a comment\nnx.test\r\n192.0.2.5\nhttp://[2001:db8::9]:80/\nbad name\nv6only.test\n"
        res = testing_app.post("/dns/bulk", body.encode(), headers={"Content-Type": "text/plain"})
        assert res.content_type == "text/csv"
        assert res.charset == "utf-8"
        rows = csv_rows(res.body)
        assert rows[0] == ["name", "family", "address", "error"]
        assert rows[1] == ["dual.test", "4", "192.0.2.2", ""]
        assert rows[2][:3] == ["nx.test", "", ""] and "no address" in rows[2][3]
        assert rows[3] == ["192.0.2.5", "4", "192.0.2.5", ""]
        assert rows[4] == ["http://[2001:db8::9]:80/", "6", "2001:db8::9", ""]
        assert rows[5][0] == "bad name" and "not a valid host name" in rows[5][3]
        assert rows[6] == ["v6only.test", "6", "2001:db8::6", ""]
        assert len(rows) == 7

    def test_multipart_file_upload_with_a_family(self, testing_app):
        res = testing_app.post(
            "/dns/bulk",
            {"family": "6"},
            upload_files=[("file", "names.txt", b"dual.test\na.test\n")],
        )
        assert csv_rows(res.body)[1:] == [["dual.test", "6", "2001:db8::2", ""], ["a.test", "4", "192.0.2.1", ""]]

    def test_strict_family_from_the_query_string(self, testing_app):
        res = testing_app.post(
            "/dns/bulk?family=6&strict=true", b"dual.test\na.test\n", headers={"Content-Type": "text/plain"}
        )
        rows = csv_rows(res.body)
        assert rows[1] == ["dual.test", "6", "2001:db8::2", ""]
        assert rows[2][:3] == ["a.test", "", ""] and rows[2][3]

    def test_a_thousand_names_some_invalid(self, testing_app):
        names = [f"n{i}.bench.test" if i % 10 else f"bad_{i} name" for i in range(1000)]
        names[500] = "silent.test"
        res = testing_app.post("/dns/bulk", "\n".join(names).encode(), headers={"Content-Type": "text/plain"})
        rows = csv_rows(res.body)
        assert len(rows) == 1001
        assert [row[0] for row in rows[1:]] == names
        for name, row in zip(names, rows[1:]):
            if name.startswith("bad"):
                assert row[1:3] == ["", ""] and "not a valid host name" in row[3]
            elif name == "silent.test":
                assert "could not answer" in row[3]
            else:
                assert row[1:] == ["4", WILDCARD_ADDRESS, ""]

    HOSTILE_LINES = [
        (b"\xff\xfeab.test", "\\xff\\xfeab.test", "not valid UTF-8"),
        (b"a\x00b.test", "a\\x00b.test", "NUL"),
        (b"=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")", "names no host"),
        (b"+1.test", "'+1.test", "not a valid host"),
        (b"@sum.test", "'@sum.test", "sum.test has no address"),  # an empty userinfo, stripped
        (b"a" * 64 + b".test", "a" * 64 + ".test", "label of 64 characters"),
        (b"a,b\"c.test", "a,b\"c.test", "not a valid host"),
        (b"a\tb.test", "a\\x09b.test", "control character"),
        (b"a.te\x7fst", "a.te\\x7fst", "control character"),
    ]

    @pytest.mark.parametrize("line, shown, error", HOSTILE_LINES)
    def test_a_bad_line_is_an_error_row_and_the_stream_goes_on(self, testing_app, line, shown, error):
        res = testing_app.post("/dns/bulk", line + b"\na.test\n", headers={"Content-Type": "text/plain"})
        rows = csv_rows(res.body)
        assert rows[1][0] == shown and error in rows[1][3]
        assert rows[2] == ["a.test", "4", "192.0.2.1", ""]

    @pytest.mark.parametrize(
        "body, headers, status, detail",
        [
            (b"a.test\n" * 2001, {"Content-Type": "text/plain"}, 413, "2001 names given; at most 2000"),
            (b"", {"Content-Type": "text/plain"}, 400, "no names given"),
            (b"\n# only a comment\n  \n", {"Content-Type": "text/plain"}, 400, "no names given"),
            (b"a.test", {"Content-Type": "application/json"}, 415, "text/plain"),
            (b"a.test", {}, 415, "not application/x-www-form-urlencoded"),
            (b"--x\r\n", {"Content-Type": "multipart/form-data; boundary=x"}, 400, "no file field"),
        ],
    )
    def test_refused_before_any_lookup(self, testing_app, dns_upstream, body, headers, status, detail):
        res = testing_app.post("/dns/bulk", body, headers=headers, status=status)
        assert res.content_type == PROBLEM and detail in res.json["detail"]
        assert dns_upstream.queries == []

    def test_multipart_without_the_file_field(self, testing_app):
        res = testing_app.post("/dns/bulk", {"other": "a.test"}, upload_files=[("other", "x.txt", b"a")], status=400)
        assert "no file field" in res.json["detail"]

    def test_multipart_names_field_when_no_file_was_chosen(self, testing_app):
        res = testing_app.post("/dns/bulk", {"names": "a.test\r\ndual.test"}, upload_files=[("file", "", b"")])
        assert [row[0] for row in csv_rows(res.body)[1:]] == ["a.test", "dual.test"]

    def test_an_empty_form_is_400_for_programs(self, testing_app):
        res = testing_app.post("/dns/bulk", {"names": ""}, upload_files=[("file", "", b"")], status=400)
        assert res.content_type == PROBLEM and "no names given" in res.json["detail"]

    def test_declared_length_over_the_limit_is_refused_before_reading(self, testing_app):
        request = BaseRequest.blank("/dns/bulk", method="POST", content_type="text/plain")
        request.environ["wsgi.input"] = None
        request.environ["CONTENT_LENGTH"] = str(2 * 1024 * 1024 + 1)
        res = request.get_response(testing_app.app)
        assert res.status_int == 413 and "at most 2097152" in res.json["detail"]

    def test_other_methods_are_405(self, testing_app):
        assert testing_app.get("/dns/bulk", status=405).headers["Allow"] == "POST"


@pytest.fixture(scope="module")
def svc_url():
    """testing.ini served by a real waitress."""
    with serve(load("testing.ini")) as url:
        yield url


class TestOverRealHTTP:
    """svc on a real waitress, and clients nobody here wrote."""

    @pytest.mark.parametrize("post", [True, False])
    @pytest.mark.parametrize(
        "name, rdtype",
        [
            ("a.test", "A"),
            ("dual.test", "AAAA"),
            ("chain1.test", "A"),
            ("mx.test", "MX"),
            ("bigtxt.test", "TXT"),
            ("nx.test", "A"),
            ("a.test", "MX"),
            ("xn--bcher-kva.test", "A"),
            ("1.2.0.192.in-addr.arpa", "PTR"),
        ],
    )
    def test_dnspython_doh_client_gets_what_the_nameserver_says(self, svc_url, dns_upstream, post, name, rdtype):
        query = dns.message.make_query(name, rdtype, use_edns=0, payload=1232)
        reply = dns.query.https(query, svc_url + "/dns/dns-query", post=post, timeout=10)
        expected = direct(dns_upstream, dns.message.make_query(name, rdtype, use_edns=0, payload=1232))
        assert query.is_response(reply)
        assert reply.rcode() == expected.rcode()
        assert reply.answer == expected.answer
        assert reply.authority == expected.authority
        assert not reply.flags & dns.flags.TC

    def test_dnspython_doh_client_gets_servfail_for_silence(self, svc_url):
        query = dns.message.make_query("silent.test", "A")
        reply = dns.query.https(query, svc_url + "/dns/dns-query", post=False, timeout=10)
        assert reply.rcode() == dns.rcode.SERVFAIL

    def test_bulk_streams_the_first_row_before_the_last_lookup_ends(self, dns_app_ini):
        GatedLookup.first_row_read.clear()
        GatedLookup.gate_saw_first_row = None
        names = [f"h{i}.test" for i in range(999)] + ["gate.test"]
        names[3] = "missing.test"
        with serve(load(dns_app_ini(lookup_backend="tests.dns_fixtures:GatedLookup"))) as url:
            host, port = url.removeprefix("http://").split(":")
            conn = http.client.HTTPConnection(host, int(port), timeout=30)
            conn.request("POST", "/dns/bulk", "\n".join(names).encode(), {"Content-Type": "text/plain"})
            res = conn.getresponse()
            assert res.status == 200 and res.getheader("Content-Type") == "text/csv; charset=utf-8"
            assert res.getheader("Transfer-Encoding") == "chunked"
            assert res.readline() == b"name,family,address,error\r\n"
            assert res.readline() == b"h0.test,4,192.0.2.77,\r\n"
            GatedLookup.first_row_read.set()
            rest = csv_rows(res.read())
            conn.close()
        assert GatedLookup.gate_saw_first_row is True
        assert len(rest) == 999
        assert rest[2][0] == "missing.test" and "no address" in rest[2][3]
        assert rest[-1] == ["gate.test", "4", "192.0.2.77", ""]


class TestPage:
    @pytest.mark.parametrize(
        "params, shown",
        [
            ({"host": "dual.test", "family": "6"}, "2001:db8::2"),
            ({"ip": "192.0.2.1"}, "a.test."),
            ({"name": "mx.test", "type": "MX"}, "10 mail.test."),
        ],
    )
    def test_forms_show_the_api_results(self, testing_app, params, shown):
        res = testing_app.get("/dns/", params, headers={"Accept": "text/html"})
        assert shown in " ".join(table.text for table in res.html.select("table"))

    def test_errors_show_with_the_values_kept(self, testing_app):
        res = testing_app.get("/dns/", {"host": "a" * 64 + ".test"}, headers={"Accept": "text/html"}, status=400)
        assert "label of 64 characters" in res.html.select_one("p.problem").text
        assert res.html.select_one('input[name="host"]')["value"] == "a" * 64 + ".test"
        res = testing_app.get("/dns/", {"host": "nx.test"}, headers={"Accept": "text/html"}, status=404)
        assert "no address" in res.html.select_one("p.problem").text

    def test_bulk_form_posts_a_file(self, testing_app):
        res = testing_app.get("/dns/", headers={"Accept": "text/html"})
        form = res.forms[3]
        assert form.action == "/dns/bulk" and form.enctype == "multipart/form-data"
        form["file"] = ("names.txt", b"a.test\n")
        assert csv_rows(form.submit().body)[1] == ["a.test", "4", "192.0.2.1", ""]

    def test_bulk_form_takes_typed_names(self, testing_app):
        form = testing_app.get("/dns/", headers={"Accept": "text/html"}).forms[3]
        assert "one per line" in form.html.select_one("label:has(textarea)").text
        form["names"] = "a.test\ndual.test\n"
        assert [row[0] for row in csv_rows(form.submit().body)[1:]] == ["a.test", "dual.test"]

    def test_bulk_form_with_no_input_is_400_on_the_page(self, testing_app):
        form = testing_app.get("/dns/", headers={"Accept": "text/html"}).forms[3]
        res = form.submit(headers={"Accept": "text/html"}, status=400)
        assert res.content_type == "text/html"
        assert "no names given" in res.html.select_one("p.problem").text
        assert res.html.select_one("textarea[name=names]") is not None

    def test_lookup_is_a_table_of_addresses(self, testing_app):
        res = testing_app.get("/dns/", {"host": "dual.test"}, headers={"Accept": "text/html"})
        rows = [[c.text.strip() for c in tr.select("td")] for tr in res.html.select("table.addresses tbody tr")]
        assert ["6", "2001:db8::2"] in rows and ["4", "192.0.2.2"] in rows
        assert "{" not in res.html.select_one("main").text

    def test_resolve_is_a_table_of_records(self, testing_app):
        res = testing_app.get("/dns/", {"name": "mx.test", "type": "MX"}, headers={"Accept": "text/html"})
        rows = [[c.text.strip() for c in tr.select("td")] for tr in res.html.select("table.records tbody tr")]
        assert rows and rows[0][1:2] == ["MX"] and rows[0][3] == "10 mail.test."
        assert "NOERROR" in res.html.select_one("table.result").text
        assert "{" not in res.html.select_one("main").text


class TestMounts:
    @pytest.mark.parametrize("path", ["/dns/", "/dns/openapi.json", "/dns/lookup?host=192.0.2.1"])
    def test_mounted_in_every_ini(self, every_ini_app, path):
        assert every_ini_app.get(path).status_int == 200

    def test_remounted_piece_keeps_its_links(self, write_ini, dns_upstream):
        app = TestApp(
            load(
                write_ini(
                    f"""
                    [app:dns]
                    use = egg:svc#dns
                    svc.dns.nameservers = {dns_upstream.address}
                    svc.enforce_permissions = false
                    [composite:main]
                    use = egg:svc#urlmap
                    /tools/resolver = dns
                    """
                )
            )
        )
        page = app.get("/tools/resolver/", headers={"Accept": "text/html"})
        assert {f.action for f in page.forms.values()} == {"/tools/resolver/", "/tools/resolver/bulk"}
        assert app.get("/tools/resolver/openapi.json").json["servers"] == [{"url": "http://localhost/tools/resolver"}]
        reply = dns.message.from_wire(doh_get(app, dns.message.make_query("a.test", "A"), path="/tools/resolver").body)
        assert reply.answer[0][0].address == "192.0.2.1"
        app.get("/dns/lookup?host=a.test", status=404)

    def test_pieces_sharing_one_app(self, write_ini, dns_upstream):
        app = TestApp(
            load(
                write_ini(
                    f"""
                    [app:main]
                    use = egg:svc#main
                    svc.pieces = home dns net
                    svc.enforce_permissions = false
                    svc.dns.nameservers = {dns_upstream.address}
                    svc.dns.lookup_backend = svc.dns.lookup:NameserverLookup
                    """
                )
            )
        )
        assert app.get("/dns/lookup", {"host": "a.test"}).json["address"] == "192.0.2.1"
        assert app.get("/net/mac").json["mac"]
        assert {"/dns/dns-query", "/dns/bulk", "/net/interfaces"} <= set(app.get("/openapi.json").json["paths"])
        assert app.get("/hello?name=x", headers={"Accept": "text/plain"}).headers.get("Vary") is None

    @pytest.mark.parametrize(
        "setting, key",
        [
            ("svc.dns.nameservers = dns.example", "svc.dns.nameservers"),
            ("svc.dns.nameservers = 192.0.2.53:0", "svc.dns.nameservers"),
            ("svc.dns.nameservers = [2001:db8::1", "svc.dns.nameservers"),
            ("svc.dns.timeout = 0", "svc.dns.timeout"),
            ("svc.dns.retries = -1", "svc.dns.retries"),
            ("svc.dns.cache_size = many", "svc.dns.cache_size"),
            ("svc.dns.forward_client_subnet = perhaps", "svc.dns.forward_client_subnet"),
            ("svc.dns.lookup_backend = no.such.module:Lookup", "svc.dns.lookup_backend"),
            ("svc.dns.lookup_backend = svc.dns.lookup:NoSuchLookup", "svc.dns.lookup_backend"),
            ("svc.dns.lookup_workers = 0", "svc.dns.lookup_workers"),
            ("svc.dns.lookup_workers = 1", "svc.dns.lookup_workers"),
            ("svc.dns.bulk_workers = 16", "svc.dns.bulk_workers"),
            ("svc.dns.bulk_deadline = 0", "svc.dns.bulk_deadline"),
            ("svc.dns.bulk_max_bytes = lots", "svc.dns.bulk_max_bytes"),
            ("svc.dns.cache_max_bytes = lots", "svc.dns.cache_max_bytes"),
            ("svc.dns.reply_memo_max_bytes = 1 TB", "svc.dns.reply_memo_max_bytes"),
            ("svc.dns.nameserver = 192.0.2.53", "svc.dns.nameserver"),
            ("svc.net.anything = 1", "svc.net.anything"),
        ],
    )
    def test_bad_settings_fail_at_start_up_naming_the_key(self, write_ini, setting, key):
        path = write_ini(f"[app:main]\nuse = egg:svc#main\nsvc.pieces = dns net\n{setting}\n")
        with pytest.raises(SettingError) as info:
            load(path)
        assert key in str(info.value)


def _doh(query):
    return "/dns-query?dns=" + b64(dns.message.make_query(*query).to_wire())


CONFORMING = [
    "/lookup?host=a.test",
    "/lookup?host=nx.test",
    "/lookup?host=" + "a" * 64,
    "/reverse?ip=192.0.2.1",
    "/reverse?ip=x",
    "/resolve?name=chain1.test",
    "/resolve?name=nx.test",
    "/resolve?name=silent.test",
    "/resolve?name=a.test&type=WAT",
    "/",
    "/?host=a.test",
    _doh(("a.test", "A")),
    "/dns-query?dns=+",
]


@pytest.mark.parametrize("url", CONFORMING)
def test_real_responses_conform_to_the_openapi_document(testing_app, url):
    doc = testing_app.get("/dns/openapi.json").json
    res = testing_app.get("/dns" + url, status="*", headers={"Accept": "application/json, text/html;q=0.9, */*;q=0.1"})
    assert_conforms(doc, res, url.partition("?")[0])


def test_json_dns_query_and_bulk_conform(testing_app):
    doc = testing_app.get("/dns/openapi.json").json
    res = testing_app.get("/dns" + _doh(("a.test", "A")), headers={"Accept": "application/dns-json"})
    assert_conforms(doc, res, "/dns-query")
    res = testing_app.post("/dns/bulk", b"a.test", headers={"Content-Type": "text/plain"})
    assert_conforms(doc, res, "/bulk", method="POST")
    assert_is_problem(doc, testing_app.post("/dns/bulk", b"", headers={"Content-Type": "text/plain"}, status=400))


APP = load("testing.ini")
# A DoH body is raw bytes, as schemathesis sends application/octet-stream.
schemathesis.serializer.alias("application/dns-message", "application/octet-stream")
dns_schema = schemathesis.openapi.from_wsgi("/dns/openapi.json", APP)


@pytest.mark.slow
@dns_schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_schemathesis_dns(case):
    case.call_and_validate(checks=CHECKS)
