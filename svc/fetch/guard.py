"""The destination policy: which (address, port) the fetch piece may connect to.

The default denies are an explicit table, not ``ipaddress``'s ``is_private`` or
``is_global``, whose answers change between Python patch releases. An IPv6 address
that embeds an IPv4 address is judged by the IPv4 address it embeds.
"""
import ipaddress
import logging
import re
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import psutil

from svc.fetch.metrics import observe_decision
from svc.web.settings import as_list

log = logging.getLogger(__name__)

_V4 = ipaddress.IPv4Network
_V6 = ipaddress.IPv6Network

# Denied unless an explicit allow covers them: (network, why).
DEFAULT_DENIES = tuple(
    (ipaddress.ip_network(cidr), why)
    for cidr, why in (
        ("0.0.0.0/8", "unspecified"),
        ("10.0.0.0/8", "private, RFC 1918"),
        ("100.64.0.0/10", "carrier-grade NAT, RFC 6598"),
        ("127.0.0.0/8", "loopback"),
        ("169.254.0.0/16", "link-local, cloud metadata"),
        ("172.16.0.0/12", "private, RFC 1918"),
        ("192.0.0.0/24", "IETF protocol assignments"),
        ("192.0.2.0/24", "documentation, TEST-NET-1"),
        ("192.88.99.0/24", "6to4 relay anycast"),
        ("192.168.0.0/16", "private, RFC 1918"),
        ("198.18.0.0/15", "benchmarking"),
        ("198.51.100.0/24", "documentation, TEST-NET-2"),
        ("203.0.113.0/24", "documentation, TEST-NET-3"),
        ("224.0.0.0/4", "multicast"),
        ("255.255.255.255/32", "broadcast"),
        ("240.0.0.0/4", "reserved"),
        ("::/128", "unspecified"),
        ("::1/128", "loopback"),
        ("64:ff9b:1::/48", "local-use NAT64"),
        ("100::/64", "discard-only"),
        ("2001::/23", "IETF protocol assignments"),
        ("2001:db8::/32", "documentation"),
        ("3fff::/20", "documentation"),
        ("5f00::/16", "segment routing"),
        ("fc00::/7", "unique local, private"),
        ("fe80::/10", "link-local"),
        ("fec0::/10", "site-local"),
        ("ff00::/8", "multicast"),
    )
)

_MAPPED = _V6("::ffff:0:0/96")
_TRANSLATED = _V6("::ffff:0:0:0/96")
_COMPATIBLE = _V6("::/96")
_NAT64 = _V6("64:ff9b::/96")
_SIX_TO_FOUR = _V6("2002::/16")
_TEREDO = _V6("2001::/32")


class Refused(Exception):
    """An embedded-address form we refuse to judge (the reason is the message)."""


def embedded_ipv4(address):
    """The IPv4 address an IPv6 address carries, or None; raises Refused for Teredo."""
    if address.version != 6:
        return None
    value = int(address)
    if address in _MAPPED or address in _TRANSLATED or address in _NAT64:
        return ipaddress.IPv4Address(value & 0xFFFFFFFF)
    if address in _COMPATIBLE and value > 1:  # :: and ::1 are themselves, not IPv4
        return ipaddress.IPv4Address(value & 0xFFFFFFFF)
    if address in _SIX_TO_FOUR:
        return ipaddress.IPv4Address((value >> 80) & 0xFFFFFFFF)
    if address in _TEREDO:
        raise Refused("Teredo (2001::/32) hides both a server and a client address")
    return None


def default_deny_reason(address):
    """Why the default table denies ``address`` (an IPv4 or IPv6 address), or None."""
    for network, why in DEFAULT_DENIES:
        if address.version == network.version and address in network:
            return f"{why} ({network})"
    return None


_NAME = re.compile(r"^(\*?\.)?([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?\.)*[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$")


@dataclass(frozen=True)
class Rules:
    """Explicit allow or deny entries: networks, exact host names and ``.suffix`` names."""

    networks: tuple = ()
    names: frozenset = frozenset()
    suffixes: tuple = ()

    def match_name(self, host):
        return host in self.names or any(host.endswith(s) for s in self.suffixes)

    def longest_match(self, address):
        """The prefix length of the most specific network holding ``address``, or -1."""
        best = -1
        for network in self.networks:
            if network.version == address.version and address in network:
                best = max(best, network.prefixlen)
        return best


def as_rules(value):
    """A list of CIDRs, addresses and host names (``.example.com`` also matches subdomains)."""
    words = as_list(value)
    networks, names, suffixes = [], set(), []
    for word in (w.strip().lower() for w in words):
        if not word:
            continue
        try:
            networks.append(ipaddress.ip_network(word.strip("[]"), strict=False))
            continue
        except ValueError:
            pass
        if not _NAME.match(word) or word.replace(".", "").isdigit():
            raise ValueError(f"{word!r} is neither a CIDR, an address nor a host name")
        if word.startswith(("*.", ".")):
            suffixes.append("." + word.lstrip("*."))
        else:
            names.add(word)
    return Rules(tuple(networks), frozenset(names), tuple(suffixes))


class Ports:
    """Allowed ports: single numbers and ranges such as ``8000-8999``."""

    def __init__(self, ranges):
        self.ranges = tuple(sorted(ranges))

    def __contains__(self, port):
        return any(low <= port <= high for low, high in self.ranges)

    def __str__(self):
        return ", ".join(str(low) if low == high else f"{low}-{high}" for low, high in self.ranges)


def as_ports(value):
    """Port numbers and ranges separated by spaces or commas: ``80 443 8000-8999``."""
    if isinstance(value, Ports):
        return value
    ranges = []
    for word in as_list(value):
        low, _, high = word.partition("-")
        low, high = int(low), int(high or low)
        if not 0 < low <= high < 65536:
            raise ValueError(f"{word!r} is not a port or a port range within 1-65535")
        ranges.append((low, high))
    if not ranges:
        raise ValueError("expected at least one port")
    return Ports(ranges)


@dataclass(frozen=True)
class EgressProxy:
    """The HTTP proxy every fetch goes through (``svc.fetch.proxy``): its URL for libcurl, and
    the one address and port a socket may then be opened to."""

    url: str
    address: object  # an ipaddress address
    port: int


def as_proxy(value):
    """``http://[user:password@]address:port``, the address an IP literal: the proxy's address
    is given, never looked up, so no answer can move it. Empty: no proxy."""
    text = str(value).strip()
    if not text:
        return None
    parts = urlsplit(text)
    if parts.scheme.lower() != "http" or parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ValueError("expected http://address:port (an HTTP proxy that svc reaches in clear)")
    try:
        address = ipaddress.ip_address(parts.hostname or "")
        port = parts.port
    except ValueError:
        raise ValueError("expected an IP address, not a name, and a port: http://192.0.2.8:3128") from None
    if port is None:
        raise ValueError("expected a port: http://192.0.2.8:3128")
    return EgressProxy(text, address, port)


class ListenAddresses:
    """The (address, port) pairs this process listens on, so a fetch cannot loop back into svc.

    Read from the process's own sockets (the server may start listening after the app
    loads), and cached for ``ttl`` seconds.
    """

    def __init__(self, ttl=5.0):
        self._ttl = ttl
        self._lock = threading.Lock()
        self._expires = 0.0
        self._pairs = frozenset()

    def __contains__(self, address_port):
        return address_port in self._current()

    def _current(self):
        now = time.monotonic()
        with self._lock:
            if now >= self._expires:
                self._pairs = self._read()
                self._expires = now + self._ttl
            return self._pairs

    @staticmethod
    def _read():
        pairs = set()
        local = None
        for conn in psutil.Process().net_connections(kind="inet"):
            if conn.status != psutil.CONN_LISTEN:
                continue
            address = ipaddress.ip_address(conn.laddr.ip.split("%")[0])
            if address.is_unspecified:  # listening on every interface
                if local is None:
                    local = _local_addresses()
                pairs.update((a, conn.laddr.port) for a in local)
            else:
                pairs.add((embedded_ipv4(address) or address, conn.laddr.port))
        return frozenset(pairs)


def _local_addresses():
    addresses = {ipaddress.ip_address("127.0.0.1"), ipaddress.ip_address("::1")}
    addresses |= {ipaddress.ip_address("0.0.0.0"), ipaddress.ip_address("::")}
    for entries in psutil.net_if_addrs().values():
        for entry in entries:
            try:
                addresses.add(ipaddress.ip_address(entry.address.split("%")[0]))
            except ValueError:
                pass  # a MAC address
    return addresses


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    reason: str


_ALLOWED_BY_ADDRESS = Verdict(True, "address allowed by svc.fetch.allow")
_ALLOWED_BY_NAME = Verdict(True, "host allowed by svc.fetch.allow")
_PUBLIC = Verdict(True, "public address")


class DestinationPolicy:
    """Judges every address a host resolves to; one log line per decision.

    Order: an explicit deny or allow entry, the most specific one winning (a tie
    denies); then the service's own listen addresses and its egress proxy; then the default table.
    """

    def __init__(self, allow=Rules(), deny=Rules(), ports=Ports([(80, 80), (443, 443)]), listen=None, proxy=None):
        self.allow = allow
        self.deny = deny
        self.ports = ports
        self.listen = ListenAddresses() if listen is None else listen
        # svc's egress proxy is a way out, not a destination (its own pages, its cache manager).
        self.proxy = (proxy.address, proxy.port) if proxy is not None else None

    def check_port(self, host, port):
        if port not in self.ports:
            return self._decide(host, "-", port, Verdict(False, f"port {port} is not allowed"))
        return None

    def check_name(self, host, port):
        """A verdict from the host name alone (deny entries first), or None."""
        if self.deny.match_name(host):
            return self._decide(host, "-", port, Verdict(False, "host denied by svc.fetch.deny"))
        return None

    def judge(self, host, addresses, port):
        """One verdict for the whole answer: denied if any address is denied."""
        name_allowed = self.allow.match_name(host)
        reasons = []
        for address in addresses:
            verdict = self.judge_address(address, port, name_allowed)
            if not verdict.allowed:
                return self._decide(host, address, port, verdict)
            if verdict.reason not in reasons:
                reasons.append(verdict.reason)
        return self._decide(host, _Joined(addresses), port, Verdict(True, ", ".join(reasons)))

    def judge_address(self, address, port, name_allowed=False):
        try:
            inner = embedded_ipv4(address)
        except Refused as exc:
            return Verdict(False, str(exc))
        judged = inner or address
        denied_by = self.deny.longest_match(address)
        allowed_by = self.allow.longest_match(address)
        if inner is not None:
            denied_by = max(denied_by, self.deny.longest_match(inner))
            allowed_by = max(allowed_by, self.allow.longest_match(inner))
        if denied_by >= 0 and denied_by >= allowed_by:
            return Verdict(False, f"{_shown(address, inner)} is denied by svc.fetch.deny")
        if (judged, port) in self.listen:
            return Verdict(False, f"{_shown(address, inner)} port {port} is this service's own listen address")
        if (judged, port) == self.proxy:
            return Verdict(False, f"{_shown(address, inner)} port {port} is svc's egress proxy")
        if allowed_by >= 0:
            return _ALLOWED_BY_ADDRESS
        if name_allowed:
            return _ALLOWED_BY_NAME
        why = default_deny_reason(judged)
        if why:
            return Verdict(False, f"{_shown(address, inner)} is {why}")
        return _PUBLIC

    @staticmethod
    def _decide(host, address, port, verdict):
        decision = "allow" if verdict.allowed else "deny"
        observe_decision(verdict)
        log.info(
            "fetch destination %s: host=%s address=%s port=%s reason=%s", decision, host, address, port, verdict.reason,
            extra={"decision": decision, "host": host, "address": address, "port": port, "reason": verdict.reason},
        )
        return verdict


class _Joined:
    """Addresses for a log line, formatted only if the line is written."""

    def __init__(self, addresses):
        self.addresses = addresses

    def __str__(self):
        return " ".join(map(str, self.addresses))


def _shown(address, inner):
    return f"{address} (embeds {inner})" if inner else str(address)
