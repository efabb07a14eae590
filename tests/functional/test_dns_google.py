"""/dns/resolve against Google's JSON API parameters, and against the test zone asked directly."""
import dns.flags
import dns.message
import dns.query
import dns.rdatatype
import pytest
from webtest import TestApp

from tests.conftest import load
from tests.openapi import assert_conforms

# (name, type, do, cd): each asked of /resolve and of the test DNS server itself.
TABLE = [
    ("a.test", "A", False, False),
    ("dual.test", "AAAA", False, False),
    ("chain1.test", "A", False, False),
    ("mx.test", "MX", False, False),
    ("_sip._tcp.test", "SRV", False, False),
    ("nowhere.test", "A", False, False),
    ("a.test", "AAAA", False, False),
    ("signed.test", "A", True, False),
    ("signed.test", "A", False, False),
    ("signed.test", "A", True, True),
    ("a.test", "A", True, True),
    ("servfail.test", "A", False, False),
]


def direct(address, name, rdtype, do, cd):
    host, port = address.rsplit(":", 1)
    query = dns.message.make_query(name, rdtype, use_edns=0, want_dnssec=do)
    if cd:
        query.flags |= dns.flags.CD
    return dns.query.udp(query, host, port=int(port), timeout=5)


def records(section):
    return [
        {"name": rrset.name.to_text(), "type": int(rrset.rdtype), "TTL": rrset.ttl, "data": rdata.to_text()}
        for rrset in section
        for rdata in rrset
    ]


@pytest.mark.parametrize("name, rdtype, do, cd", TABLE)
def test_resolve_answers_as_the_zone_does(dns_upstream, name, rdtype, do, cd):
    app = TestApp(load("testing.ini"))  # an empty cache: TTLs as the zone gives them
    got = app.get("/dns/resolve", {"name": name, "type": rdtype, "do": int(do), "cd": int(cd)}).json
    want = direct(dns_upstream.address, name, rdtype, do, cd)
    assert got["Status"] == want.rcode()
    assert got["AD"] == bool(want.flags & dns.flags.AD)
    assert got["CD"] == bool(want.flags & dns.flags.CD) == cd
    assert got.get("Answer", []) == records(want.answer)
    assert got.get("Authority", []) == records(want.authority)
    assert got["Question"] == [{"name": name + ".", "type": int(dns.rdatatype.from_text(rdtype))}]


def test_ad_is_set_only_when_asked_for(testing_app, dns_upstream):
    assert testing_app.get("/dns/resolve", {"name": "signed.test", "do": "1"}).json["AD"] is True
    assert testing_app.get("/dns/resolve", {"name": "signed.test"}).json["AD"] is False


def test_ct_dns_message_answers_in_wire_format(testing_app, dns_upstream):
    response = testing_app.get("/dns/resolve", {"name": "a.test", "ct": "application/dns-message", "cd": "1"})
    assert response.content_type == "application/dns-message"
    reply = dns.message.from_wire(response.body)
    assert reply.id == 0 and reply.flags & dns.flags.QR and reply.flags & dns.flags.CD
    assert reply.answer[0][0].address == "192.0.2.1"
    assert_conforms(testing_app.get("/dns/openapi.json").json, response, "/resolve")
    for ct in ("application/json", "application/x-javascript", ""):
        assert testing_app.get("/dns/resolve", {"name": "a.test", "ct": ct}).json["Answer"]
    bad = testing_app.get("/dns/resolve", {"name": "a.test", "ct": "text/html"}, status=400)
    assert "ct" in bad.json["detail"]


def test_random_padding_is_accepted_and_ignored(testing_app, dns_upstream):
    padded = testing_app.get("/dns/resolve", {"name": "a.test", "random_padding": "x" * 97}).json
    assert padded["Answer"][0]["data"] == "192.0.2.1"


class TestClientSubnet:
    def test_refused_when_forwarding_is_off(self, testing_app, dns_upstream):
        res = testing_app.get("/dns/resolve", {"name": "a.test", "edns_client_subnet": "198.51.100.0/24"}, status=400)
        assert "svc.dns.forward_client_subnet" in res.json["detail"]
        assert dns_upstream.queries == []

    def test_none_may_always_be_asked_for(self, testing_app, dns_upstream):
        res = testing_app.get("/dns/resolve", {"name": "a.test", "edns_client_subnet": "0.0.0.0/0"})
        assert res.json["Answer"] and "edns_client_subnet" not in res.json
        assert all(q[3] is None for q in dns_upstream.queries)  # asked without a subnet, if at all

    def test_forwarded_when_on_and_cut_to_24(self, dns_app, dns_upstream):
        app = dns_app(forward_client_subnet="true")
        res = app.get("/dns/resolve", {"name": "a.test", "edns_client_subnet": "198.51.100.77/32"})
        assert res.json["edns_client_subnet"] == "198.51.100.0/0"
        app.get("/dns/resolve", {"name": "a.test", "edns_client_subnet": "2001:db8:1:2:3::1"})
        assert [q[3] for q in dns_upstream.queries] == ["ECS 198.51.100.0/24 scope/0", "ECS 2001:db8:1::/56 scope/0"]
        assert_conforms(app.get("/dns/openapi.json").json, res, "/resolve")

    @pytest.mark.parametrize("value", ["nonsense", "300.1.1.1", "192.0.2.0/33", "192.0.2.0/24/1"])
    def test_malformed_is_400(self, dns_app, dns_upstream, value):
        app = dns_app(forward_client_subnet="true")
        res = app.get("/dns/resolve", {"name": "a.test", "edns_client_subnet": value}, status=400)
        assert "edns_client_subnet" in res.json["detail"]
