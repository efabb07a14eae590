import ipaddress

import pytest

from svc.auth.challenge import safe_came_from
from svc.auth.forward import as_forward_rules, original_request, rule_for
from svc.auth.ticket import SessionTicket

PROXIES = (ipaddress.ip_network("10.0.0.1/32"),)
RULES = as_forward_rules(
    """
    */ staff
    wiki.example.com/ wiki
    wiki.example.com/admin wiki-admin
    """
)


@pytest.mark.parametrize(
    "host, path, permission",
    [
        ("wiki.example.com", "/", "wiki"),
        ("wiki.example.com", "/page", "wiki"),
        ("wiki.example.com", "/admin", "wiki-admin"),
        ("wiki.example.com", "/admin/users", "wiki-admin"),
        ("wiki.example.com", "/administrator", "wiki"),
        ("other.example.com", "/admin", "staff"),
    ],
)
def test_the_most_specific_rule_wins(host, path, permission):
    assert rule_for(RULES, host, path).permission == permission


@pytest.mark.parametrize("text", ["wiki.example.com/", "wiki.example.com wiki", "/x wiki", "a.example/ Wiki"])
def test_malformed_rules_are_refused(text):
    with pytest.raises(ValueError):
        as_forward_rules(text)


def test_original_request_is_read_from_a_trusted_proxy_only():
    environ = {
        "REMOTE_ADDR": "10.0.0.1",
        "HTTP_HOST": "svc.internal",
        "HTTP_X_FORWARDED_HOST": "Wiki.Example.com:8443",
        "HTTP_X_ORIGINAL_URI": "/a/../Admin/%2e%2e/admin/x?q=1",
        "HTTP_X_FORWARDED_METHOD": "post",
    }
    assert original_request(environ, PROXIES) == ("POST", "wiki.example.com", "/admin/x")
    assert original_request({**environ, "REMOTE_ADDR": "10.0.0.2"}, PROXIES) is None
    # The front door keeps the peer when X-Forwarded-For has replaced REMOTE_ADDR.
    assert original_request({**environ, "REMOTE_ADDR": "192.0.2.9", "svc.peer_addr": "10.0.0.1"}, PROXIES)
    # Traefik and Caddy name the URI in X-Forwarded-Uri.
    traefik = {"REMOTE_ADDR": "10.0.0.1", "HTTP_HOST": "wiki.example.com", "HTTP_X_FORWARDED_URI": "/p"}
    assert original_request(traefik, PROXIES) == ("GET", "wiki.example.com", "/p")


@pytest.mark.parametrize(
    "value, expected",
    [
        ("https://wiki.example.com/page?x=1", "https://wiki.example.com/page?x=1"),
        ("http://app.corp.example:8080/", "http://app.corp.example:8080/"),
        ("https://evil.example/", "/"),
        ("https://wiki.example.com.evil.example/", "/"),
        ("https://corp.example.evil/", "/"),
        ("https://user@wiki.example.com/", "/"),
        ("javascript://wiki.example.com/%0aalert(1)", "/"),
        ("//wiki.example.com/", "/"),
        ("https://wiki.example.com:99999/", "/"),
        ("/local", "/local"),
    ],
)
def test_came_from_may_name_an_allowed_host(value, expected):
    assert safe_came_from(value, allowed_hosts=("wiki.example.com", ".corp.example")) == expected


def test_came_from_is_local_only_by_default():
    assert safe_came_from("https://wiki.example.com/") == "/"


def test_a_parent_domain_cookie_is_secure_but_not_host_only():
    from webob import Request

    ticket = SessionTicket("s" * 40, "svc_auth", secure=True, domain="example.com")
    assert ticket.cookie_name == "__Secure-svc_auth"
    headers = ticket.clear(Request.blank("https://wiki.example.com/"))
    assert all("Domain=example.com" in value for _, value in headers)
    assert SessionTicket("s" * 40, "svc_auth", secure=True).cookie_name == "__Host-svc_auth"


def test_two_original_uris_that_differ_are_not_believed():
    environ = {"REMOTE_ADDR": "10.0.0.1", "HTTP_HOST": "wiki.example.com", "HTTP_X_FORWARDED_URI": "/admin"}
    # A client's own X-Original-URI, passed on by a proxy that sets X-Forwarded-Uri, changes nothing.
    assert original_request({**environ, "HTTP_X_ORIGINAL_URI": "/"}, PROXIES) is None
    assert original_request({**environ, "HTTP_X_ORIGINAL_URI": "/admin"}, PROXIES)[2] == "/admin"
