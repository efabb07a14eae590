"""Questions answered from the cache, or else by the upstream nameservers."""
from dataclasses import dataclass

import dns.edns
import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdataclass

from svc.dns.cache import cache_lifetime
from svc.dns.metrics import observe_cache, observe_upstream
from svc.dns.upstream import MAX_MESSAGE, AnswerTooLarge, UpstreamError

# What svc advertises upstream: the DNS Flag Day 2020 size that avoids IP fragmentation.
UPSTREAM_EDNS_PAYLOAD = 1232


@dataclass(frozen=True)
class Question:
    name: dns.name.Name
    rdtype: int
    rdclass: int = dns.rdataclass.IN
    dnssec_ok: bool = False  # the DO bit: ask for DNSSEC records
    checking_disabled: bool = False  # the CD bit: do not validate
    client_subnet: dns.edns.ECSOption | None = None  # EDNS client subnet to forward

    def cache_key(self):
        subnet = self.client_subnet.to_wire() if self.client_subnet else None
        return (self.name, self.rdtype, self.rdclass, self.dnssec_ok, self.checking_disabled, subnet)

    def to_query(self):
        """The query sent upstream: recursion desired, EDNS, a fresh random ID."""
        options = [self.client_subnet] if self.client_subnet else None
        query = dns.message.make_query(
            self.name,
            self.rdtype,
            self.rdclass,
            use_edns=0,
            want_dnssec=self.dnssec_ok,
            payload=UPSTREAM_EDNS_PAYLOAD,
            options=options,
        )
        if self.checking_disabled:
            query.flags |= dns.flags.CD
        return query


@dataclass(frozen=True)
class Answer:
    message: dns.message.Message  # the upstream's answer, TTLs lowered by its age in the cache
    lifetime: int  # seconds a client may reuse it
    error: UpstreamError | None = None  # why ``message`` is a SERVFAIL of ours
    fresh_until: float | None = None  # for a cached answer: when its TTLs go down by one more


class DNSResolver:
    """The cache first; on a miss the upstream, whose answer then goes into the cache."""

    def __init__(self, upstream, cache):
        self.upstream = upstream
        self.cache = cache

    def resolve(self, question):
        key = question.cache_key()
        cached = self.cache.get(key)
        observe_cache(cached is not None)
        if cached is not None:
            return Answer(cached.message, cached.lifetime, fresh_until=cached.fresh_until)
        query = question.to_query()
        try:
            message = self.upstream.query(query)
            wire = _wire(message)
        except UpstreamError as exc:
            observe_upstream(exc)
            return servfail(query, exc)
        observe_upstream(None)
        self.cache.put(key, message, wire)
        return Answer(message, cache_lifetime(message))


def servfail(query, error):
    """A SERVFAIL of ours to ``query``, saying why in ``error``; never cached."""
    failure = dns.message.make_response(query, recursion_available=True)
    failure.set_rcode(dns.rcode.SERVFAIL)
    return Answer(failure, 0, error=error)


def _wire(message):
    """``message`` encoded as svc keeps and sends it; AnswerTooLarge when that is over 65535 bytes."""
    try:
        return message.to_wire(max_size=MAX_MESSAGE)
    except dns.exception.TooBig:
        raise AnswerTooLarge(f"the answer is over {MAX_MESSAGE} bytes, too large for one DNS message") from None
