"""The nameservers svc forwards to: UDP first, TCP when the answer is truncated, with retries."""
import time
from dataclasses import dataclass

import dns.edns
import dns.exception
import dns.inet
import dns.message
import dns.query
import dns.rcode
import dns.resolver

from svc.web.settings import as_list


MAX_MESSAGE = 65535  # a DNS message's length field is 16 bits


class UpstreamError(Exception):
    """No nameserver gave a usable answer."""

    ede = dns.edns.EDECode.NETWORK_ERROR  # the RFC 8914 extended error a SERVFAIL of ours carries


class UpstreamTimeout(UpstreamError):
    """Every nameserver let every try time out."""

    ede = dns.edns.EDECode.NO_REACHABLE_AUTHORITY


class AnswerTooLarge(UpstreamError):
    """The answer cannot be sent as one DNS message: over 65535 bytes once encoded by the rules
    (an upstream may compress names that RFC 3597 and RFC 2782 say must not be compressed)."""

    ede = dns.edns.EDECode.OTHER


@dataclass(frozen=True)
class Nameserver:
    address: str
    port: int = 53

    @classmethod
    def parse(cls, text):
        """``192.0.2.53``, ``192.0.2.53:5353``, ``2001:db8::53`` or ``[2001:db8::53]:5353``."""
        host, port = text, 53
        if text.startswith("["):
            host, sep, rest = text[1:].partition("]")
            if not sep or (rest and not rest.startswith(":")):
                raise ValueError(f"{text!r} is not host[:port]")
            if rest:
                port = int(rest[1:])
        elif text.count(":") == 1:
            host, _, port_text = text.partition(":")
            port = int(port_text)
        if not dns.inet.is_address(host):
            raise ValueError(f"{host!r} is not an IP address (nameservers are given by address)")
        if not 0 < port < 65536:
            raise ValueError(f"port {port} is not in 1..65535")
        return cls(host, port)

    def __str__(self):
        host = f"[{self.address}]" if ":" in self.address else self.address
        return f"{host}:{self.port}"


def as_nameservers(value):
    """``host[:port]`` entries separated by spaces or commas; none means the system's resolv.conf."""
    return tuple(Nameserver.parse(entry) for entry in as_list(value))


def system_nameservers():
    """The nameservers of /etc/resolv.conf, as dnspython reads them."""
    try:
        resolver = dns.resolver.Resolver(configure=True)
    except dns.resolver.NoResolverConfiguration:
        return ()
    return tuple(Nameserver(address, resolver.port) for address in resolver.nameservers)


class Upstream:
    """Sends a query to the nameservers in turn until one answers.

    ``timeout`` is seconds to wait for one nameserver on one try (UDP and any TCP retry together);
    ``retries`` is how many more rounds over all the nameservers follow the first. So a query
    gives up after at most ``timeout * (retries + 1) * len(nameservers)`` seconds.
    """

    def __init__(self, nameservers, timeout, retries):
        if not nameservers:
            raise ValueError("no nameservers to forward to")
        self.nameservers = tuple(nameservers)
        self.timeout = timeout
        self.retries = retries

    def query(self, request):
        """The first NOERROR or NXDOMAIN answer; else the last answer; else UpstreamError."""
        last_answer = None
        failures = []
        for _ in range(self.retries + 1):
            for nameserver in self.nameservers:
                try:
                    answer = self._ask(request, nameserver)
                except dns.exception.Timeout:
                    failures.append(f"{nameserver} did not answer within {self.timeout:g} s")
                    continue
                except (OSError, EOFError, dns.exception.DNSException) as exc:
                    failures.append(f"{nameserver} failed: {exc or type(exc).__name__}")
                    continue
                if answer.rcode() in (dns.rcode.NOERROR, dns.rcode.NXDOMAIN):
                    return answer
                last_answer = answer
        if last_answer is not None:
            return last_answer
        error = UpstreamTimeout if all("did not answer" in f for f in failures) else UpstreamError
        raise error("; ".join(dict.fromkeys(failures)))

    def _ask(self, request, nameserver):
        deadline = time.monotonic() + self.timeout
        try:
            return dns.query.udp(
                request,
                nameserver.address,
                timeout=self.timeout,
                port=nameserver.port,
                ignore_unexpected=True,
                ignore_errors=True,
                raise_on_truncation=True,
            )
        except dns.message.Truncated:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise dns.exception.Timeout from None
            return dns.query.tcp(request, nameserver.address, timeout=remaining, port=nameserver.port)


def nameservers_answer(nameservers):
    """A readiness probe: one question (the root's NS) to the nameservers, within its timeout."""

    def probe(timeout):
        Upstream(nameservers, timeout / len(nameservers), 0).query(dns.message.make_query(".", "NS"))

    return probe
