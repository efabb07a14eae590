import base64
import ipaddress

import pytest

from svc.auth.credentials import (
    BasicCredentials,
    BearerToken,
    MalformedCredentials,
    client_ip,
    client_network,
    parse_authorization,
)


def b64(raw):
    return base64.b64encode(raw).decode()


class TestParseAuthorization:
    @pytest.mark.parametrize(
        "header, expected",
        [
            ("Basic " + b64(b"alice:pw"), BasicCredentials("alice", "pw")),
            ("basic " + b64(b"alice:pw"), BasicCredentials("alice", "pw")),
            ("BASIC   " + b64(b"alice:p:w"), BasicCredentials("alice", "p:w")),
            ("Basic " + b64("josé:pw".encode()), BasicCredentials("josé", "pw")),
            ("Basic " + b64("josé:pw".encode("latin-1")), BasicCredentials("josé", "pw")),
            ("Basic " + b64(b"alice:"), BasicCredentials("alice", "")),
            ("Bearer svc_abc-DEF_123", BearerToken("svc_abc-DEF_123")),
            ("bearer svc_abc", BearerToken("svc_abc")),
            ("Digest username=alice", None),
            ("Negotiate abc", None),
        ],
    )
    def test_readable(self, header, expected):
        assert parse_authorization(header) == expected

    @pytest.mark.parametrize(
        "header, reason",
        [
            ("Basic", "empty"),
            ("Basic ", "empty"),
            ("Basic !!!notbase64", "not base64"),
            ("Basic YWxpY2U", "not base64"),  # missing padding
            ("Basic " + b64(b"alicepw"), "no colon"),
            ("Basic " + b64(b":pw"), "empty user"),
            ("Bearer", "empty"),
            ("Bearer a b", "spaces"),
        ],
    )
    def test_malformed(self, header, reason):
        with pytest.raises(MalformedCredentials, match=reason):
            parse_authorization(header)


class TestClientIp:
    PROXIES = (ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("127.0.0.1/32"))

    @pytest.mark.parametrize(
        "peer, forwarded, proxies, expected",
        [
            ("203.0.113.5", "198.51.100.1", (), "203.0.113.5"),  # no trusted proxy: the header is ignored
            ("203.0.113.5", "198.51.100.1", PROXIES, "203.0.113.5"),  # the peer is not a trusted proxy
            ("127.0.0.1", "198.51.100.1", PROXIES, "198.51.100.1"),
            ("127.0.0.1", "6.6.6.6, 198.51.100.1, 10.1.1.1", PROXIES, "198.51.100.1"),  # spoofed left part
            ("127.0.0.1", "", PROXIES, "127.0.0.1"),
            ("127.0.0.1", "10.0.0.2, 10.0.0.3", PROXIES, "10.0.0.2"),
        ],
    )
    def test_forwarded_only_from_trusted_proxies(self, peer, forwarded, proxies, expected):
        environ = {"REMOTE_ADDR": peer, "HTTP_X_FORWARDED_FOR": forwarded}
        assert client_ip(environ, proxies) == expected


@pytest.mark.parametrize(
    "client, expected",
    [
        ("198.51.100.7", "198.51.100.7"),
        ("2001:db8:0:1::1", "2001:db8:0:1::/64"),  # one IPv6 client holds a whole /64
        ("2001:db8:0:1:ffff::9", "2001:db8:0:1::/64"),
        ("::ffff:198.51.100.7", "198.51.100.7"),
        ("", ""),
        ("not-an-address", "not-an-address"),
    ],
)
def test_client_network(client, expected):
    assert client_network(client) == expected
