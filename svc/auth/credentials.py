"""Reading the Authorization header and the client's address, with no hashing at all."""
import base64
import binascii
import ipaddress
from dataclasses import dataclass


class MalformedCredentials(ValueError):
    """The Authorization header cannot be read; the message says why."""


@dataclass(frozen=True)
class BasicCredentials:
    user: str
    password: str


@dataclass(frozen=True)
class BearerToken:
    token: str


def parse_authorization(value):
    """BasicCredentials, BearerToken, or None for a scheme the filter leaves to the app."""
    scheme, _, rest = value.strip().partition(" ")
    scheme = scheme.lower()  # RFC 9110: the scheme is case-insensitive
    rest = rest.strip()
    if scheme == "basic":
        return _basic(rest)
    if scheme == "bearer":
        if not rest or any(c.isspace() for c in rest):
            raise MalformedCredentials("the Bearer token is empty or has spaces")
        return BearerToken(rest)
    return None


def _basic(encoded):
    if not encoded:
        raise MalformedCredentials("the Basic credentials are empty")
    try:
        raw = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise MalformedCredentials("the Basic credentials are not base64") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")  # what clients sent before RFC 7617's charset=UTF-8
    user, colon, password = text.partition(":")
    if not colon:
        raise MalformedCredentials("the Basic credentials have no colon between user and password")
    if not user:
        raise MalformedCredentials("the Basic credentials have an empty user name")
    return BasicCredentials(user, password)


def client_ip(environ, trusted_proxies):
    """The client's address: X-Forwarded-For is believed only when the peer is a trusted proxy."""
    peer = environ.get("REMOTE_ADDR", "")
    if not trusted_proxies or not is_trusted(peer, trusted_proxies):
        return peer
    hops = [hop.strip() for hop in environ.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    for hop in reversed(hops):  # the rightmost address no trusted proxy added is the client
        if not is_trusted(hop, trusted_proxies):
            return hop
    return hops[0] if hops else peer


def client_network(address):
    """What one client holds: its IPv4 address, or its IPv6 /64 (a host's usual share)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 4:
        return str(ip)
    if ip.ipv4_mapped:
        return str(ip.ipv4_mapped)
    return str(ipaddress.IPv6Network((int(ip) >> 64 << 64, 64)))


def is_trusted(address, networks):
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)
