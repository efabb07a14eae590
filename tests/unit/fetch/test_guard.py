import ipaddress

import pytest

from svc.fetch.guard import DestinationPolicy, as_ports, as_rules, default_deny_reason, embedded_ipv4

ip = ipaddress.ip_address


class NoListeners(frozenset):
    pass


def policy(allow="", deny="", ports="80 443", listen=NoListeners()):
    return DestinationPolicy(allow=as_rules(allow), deny=as_rules(deny), ports=as_ports(ports), listen=listen)


class TestDefaultTable:
    @pytest.mark.parametrize(
        "address",
        [
            "0.0.0.0", "0.1.2.3", "10.0.0.1", "100.64.0.1", "100.127.255.254", "127.0.0.1", "127.255.255.255",
            "169.254.169.254", "172.16.0.1", "172.31.255.255", "192.0.0.192", "192.0.2.1", "192.88.99.1",
            "192.168.1.1", "198.18.0.1", "198.19.255.255", "198.51.100.7", "203.0.113.9", "224.0.0.1",
            "239.255.255.250", "240.0.0.1", "255.255.255.255",
            "::", "::1", "fc00::1", "fd00:ec2::254", "fe80::1", "febf::1", "fec0::1", "ff02::1",
            "2001:db8::1", "3fff::1", "100::1", "64:ff9b:1::1", "2001:2::1",
        ],
    )
    def test_denied(self, address):
        assert default_deny_reason(ip(address))

    @pytest.mark.parametrize(
        "address", ["8.8.8.8", "1.1.1.1", "93.184.216.34", "100.63.255.255", "172.32.0.1", "2606:4700::1111"]
    )
    def test_public(self, address):
        assert default_deny_reason(ip(address)) is None
        assert policy().judge_address(ip(address), 80).allowed


class TestEmbeddedIPv4:
    @pytest.mark.parametrize(
        "address, inner",
        [
            ("::ffff:127.0.0.1", "127.0.0.1"),
            ("::ffff:0:a9fe:a9fe", "169.254.169.254"),
            ("::10.0.0.1", "10.0.0.1"),
            ("64:ff9b::7f00:1", "127.0.0.1"),
            ("2002:c0a8:0101::1", "192.168.1.1"),
            ("2002:0808:0808::", "8.8.8.8"),
        ],
    )
    def test_judged_by_the_embedded_address(self, address, inner):
        assert embedded_ipv4(ip(address)) == ip(inner)

    def test_loopback_and_unspecified_are_themselves(self):
        assert embedded_ipv4(ip("::1")) is None and embedded_ipv4(ip("::")) is None

    def test_teredo_is_denied_outright(self):
        verdict = policy().judge_address(ip("2001:0:4136:e378:8000:63bf:3fff:fdd2"), 80)
        assert not verdict.allowed and "Teredo" in verdict.reason

    def test_mapped_public_is_allowed(self):
        assert policy().judge_address(ip("::ffff:8.8.8.8"), 80).allowed


class TestExplicitRules:
    def test_allow_overrides_default_deny(self):
        assert policy(allow="127.0.0.1").judge_address(ip("127.0.0.1"), 80).allowed
        assert not policy(allow="127.0.0.1").judge_address(ip("127.0.0.2"), 80).allowed

    def test_allow_covers_the_mapped_form(self):
        assert policy(allow="127.0.0.1").judge_address(ip("::ffff:127.0.0.1"), 80).allowed

    def test_most_specific_wins_and_a_tie_denies(self):
        rules = policy(allow="127.0.0.1", deny="0.0.0.0/0 ::/0")
        assert rules.judge_address(ip("127.0.0.1"), 80).allowed
        assert not rules.judge_address(ip("8.8.8.8"), 80).allowed
        assert not policy(allow="10.0.0.0/8", deny="10.0.0.0/8").judge_address(ip("10.1.1.1"), 80).allowed
        assert not policy(allow="10.0.0.0/8", deny="10.9.0.0/16").judge_address(ip("10.9.1.1"), 80).allowed

    def test_host_name_allow_and_suffix_deny(self):
        rules = policy(allow="intranet.example", deny=".evil.example")
        assert rules.judge("intranet.example", [ip("10.0.0.5")], 80).allowed
        assert rules.check_name("a.b.evil.example", 80) is not None
        assert rules.check_name("evil.example.com", 80) is None

    def test_one_denied_address_denies_the_answer(self):
        verdict = policy().judge("mixed.example", [ip("93.184.216.34"), ip("10.0.0.1")], 80)
        assert not verdict.allowed and "10.0.0.1" in verdict.reason

    def test_own_listen_address_beats_allow(self):
        rules = policy(allow="127.0.0.1", listen=frozenset({(ip("127.0.0.1"), 6543)}))
        assert not rules.judge_address(ip("127.0.0.1"), 6543).allowed
        assert rules.judge_address(ip("127.0.0.1"), 8080).allowed

    def test_ports(self):
        rules = policy(ports="80 8000-8999")
        assert rules.check_port("h", 8500) is None
        assert rules.check_port("h", 443) is not None
        assert str(rules.ports) == "80, 8000-8999"

    def test_one_log_line_per_decision(self, caplog):
        with caplog.at_level("INFO", logger="svc.fetch.guard"):
            policy().judge("metadata.example", [ip("169.254.169.254")], 80)
        (line,) = [r.getMessage() for r in caplog.records]
        assert "deny" in line and "host=metadata.example" in line and "169.254.169.254" in line
        assert "link-local" in line


class TestSettingParsers:
    @pytest.mark.parametrize("text", ["10.0.0.0/33", "a..b", "1.2.3.4.5", "bad/name", "-x-", "a@b"])
    def test_bad_rules(self, text):
        with pytest.raises(ValueError):
            as_rules(text)

    @pytest.mark.parametrize("text", ["0", "65536", "90-80", "http", ""])
    def test_bad_ports(self, text):
        with pytest.raises(ValueError):
            as_ports(text)
