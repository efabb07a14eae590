"""Names as people type them: host names, IP literals, whole URLs, IDN, and DNS query names."""
import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import dns.exception
import dns.name
import dns.rdatatype

from svc.web.hosts import InvalidHostName, check_lengths, host_name, idna_encode
from svc.web.problems import invalid_request

# Meta types that are not questions a resolver answers (zone transfers, EDNS, TSIG...).
REFUSED_TYPES = frozenset(
    {
        dns.rdatatype.OPT,
        dns.rdatatype.TKEY,
        dns.rdatatype.TSIG,
        dns.rdatatype.IXFR,
        dns.rdatatype.AXFR,
        dns.rdatatype.MAILB,
        dns.rdatatype.MAILA,
    }
)

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Host:
    """What to look up: an ASCII name (IDN already as A-labels), or an IP literal."""

    name: str
    ip: ipaddress.IPv4Address | ipaddress.IPv6Address | None = None


def parse_host(value, parameter="host"):
    """The host in ``value``: a name, an IP literal, ``host:port``, ``[v6]:port`` or a whole URL.

    The scheme, userinfo, port, path and query of a URL are dropped.
    """
    text = _check_text(value, parameter).strip()
    ip = parse_ip(text)
    if ip is not None:
        return Host(str(ip), ip)
    try:
        parts = urlsplit(text if "://" in text or text.startswith("//") else "//" + text)
        hostname = parts.hostname
        parts.port  # raises for a port that is not a number in 0..65535
    except ValueError as exc:
        raise invalid_request(f"{parameter} is not a valid host or URL: {exc}", parameter=parameter) from None
    if not hostname:
        raise invalid_request(f"{parameter} names no host: {value!r}", parameter=parameter)
    ip = parse_ip(hostname)
    if ip is not None:
        return Host(str(ip), ip)
    try:
        return Host(host_name(hostname))
    except InvalidHostName as exc:
        raise invalid_request(f"{parameter} {exc}", parameter=parameter) from None


def parse_ip(text):
    """An IPv4 or IPv6 address (brackets and a zone id allowed), or None."""
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def query_name(value, parameter="name"):
    """A ``dns.name.Name`` for a DNS question; IDN labels become A-labels, ``.`` is the root."""
    text = _check_text(value, parameter).strip()
    if text == ".":
        return dns.name.root
    if any(ch.isspace() for ch in text):
        raise invalid_request(f"{parameter} contains white space", parameter=parameter)
    try:
        ascii_text = idna_encode(text)
        check_lengths(ascii_text.rstrip("."))
    except InvalidHostName as exc:
        raise invalid_request(f"{parameter} {exc}", parameter=parameter) from None
    try:
        return dns.name.from_text(ascii_text)
    except dns.exception.DNSException as exc:
        raise invalid_request(f"{parameter} is not a valid DNS name: {exc}", parameter=parameter) from None


def query_type(value, parameter="type"):
    """A record type from a mnemonic in any case (``aaaa``, ``TYPE65``) or a number 1..65535."""
    text = value.strip()
    try:
        rdtype = dns.rdatatype.RdataType.make(int(text) if text.isdigit() else dns.rdatatype.from_text(text.upper()))
        if rdtype == dns.rdatatype.NONE:
            raise ValueError("type 0 is reserved")
    except (ValueError, dns.exception.DNSException):
        raise invalid_request(
            f"{parameter} {value!r} is not a record type (a name such as AAAA, or a number 1..65535)",
            parameter=parameter,
        ) from None
    if rdtype in REFUSED_TYPES:
        raise invalid_request(
            f"{parameter} {dns.rdatatype.to_text(rdtype)} is a meta type that is not resolved here",
            parameter=parameter,
        )
    return rdtype


def _check_text(value, parameter):
    """Refuse NUL and other control characters, which urlsplit would silently drop or keep."""
    if "\x00" in value:
        raise invalid_request(f"{parameter} contains a NUL byte", parameter=parameter)
    if not value.strip():
        raise invalid_request(f"{parameter} is empty", parameter=parameter)
    if _CONTROL.search(value.strip()):
        raise invalid_request(f"{parameter} contains a control character", parameter=parameter)
    return value
