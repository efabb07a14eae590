"""Names as people type them: host names, IP literals, whole URLs, IDN, and DNS query names."""
import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import dns.exception
import dns.name
import dns.rdatatype
import idna

from svc.web.problems import invalid_request

MAX_LABEL = 63  # octets, RFC 1035 section 2.3.4
MAX_NAME = 253  # characters of the dotted form, which is 255 octets on the wire

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

_HOST_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")
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
    name = encode_idna(hostname, parameter)
    if not _HOST_NAME.match(name):
        raise invalid_request(
            f"{parameter} is not a valid host name: {hostname!r}", parameter=parameter
        )
    check_length(name.rstrip("."), parameter)
    return Host(name.rstrip("."))


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
    ascii_text = encode_idna(text, parameter)
    check_length(ascii_text.rstrip("."), parameter)
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


def encode_idna(text, parameter):
    """ASCII labels as they are; other labels mapped by UTS 46 and encoded as IDNA 2008 A-labels.

    Label by label, so service labels such as ``_sip`` (not valid IDNA) pass unchanged.
    """
    if text.isascii():
        return text
    try:
        mapped = idna.uts46_remap(text, std3_rules=False, transitional=False)
        labels = [label if label.isascii() else idna.alabel(label).decode("ascii") for label in mapped.split(".")]
    except idna.IDNAError as exc:
        raise invalid_request(
            f"{parameter} is not a valid internationalized name: {exc}", parameter=parameter
        ) from None
    return ".".join(labels)


def check_length(name, parameter):
    """Refuse an empty label, a label over 63 characters and a name over 253."""
    if len(name) > MAX_NAME:
        raise invalid_request(
            f"{parameter} is {len(name)} characters long; a DNS name has at most {MAX_NAME}",
            parameter=parameter,
        )
    for label in name.split("."):
        if not label:
            raise invalid_request(f"{parameter} has an empty label", parameter=parameter)
        if len(label) > MAX_LABEL:
            raise invalid_request(
                f"{parameter} has a label of {len(label)} characters; a label has at most {MAX_LABEL}",
                parameter=parameter,
            )


def _check_text(value, parameter):
    """Refuse NUL and other control characters, which urlsplit would silently drop or keep."""
    if "\x00" in value:
        raise invalid_request(f"{parameter} contains a NUL byte", parameter=parameter)
    if not value.strip():
        raise invalid_request(f"{parameter} is empty", parameter=parameter)
    if _CONTROL.search(value.strip()):
        raise invalid_request(f"{parameter} contains a control character", parameter=parameter)
    return value
