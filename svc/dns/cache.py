"""A shared answer cache: bounded, TTL-respecting, negative answers included (RFC 2308)."""
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

import dns.flags
import dns.message
import dns.rcode
import dns.rdatatype


def cache_lifetime(message, age=0):
    """Seconds ``message`` may still be reused, ``age`` seconds after it arrived.

    A positive answer lives as long as its smallest answer TTL; a negative one (NXDOMAIN or
    no data) for min(SOA TTL, SOA MINIMUM); anything else, or a negative answer without an SOA,
    not at all. The TTLs of ``message`` are expected to be lowered by ``age`` already.
    """
    rcode = message.rcode()
    if rcode == dns.rcode.NOERROR and message.answer:
        return min(rrset.ttl for rrset in message.answer)
    if rcode in (dns.rcode.NOERROR, dns.rcode.NXDOMAIN):
        for rrset in message.authority:
            if rrset.rdtype == dns.rdatatype.SOA and rrset:
                return max(0, min(rrset.ttl, rrset[0].minimum - age))
    return 0


@dataclass(frozen=True)
class CachedAnswer:
    message: dns.message.Message  # a fresh copy, TTLs lowered by ``age``
    age: int  # whole seconds since the answer arrived
    lifetime: int  # seconds it may still be reused
    fresh_until: float  # the clock reading at which ``age`` goes up by one


class ResolverCache:
    """Answers by question, shared by threads, least recently used first out.

    The answer is kept in wire form, so each hit parses its own copy that no other thread
    touches, with every TTL lowered by the answer's age.
    """

    def __init__(self, max_entries, max_ttl, clock=None):
        self.max_entries = max_entries
        self.max_ttl = max_ttl
        self._clock = clock or time.monotonic
        self._entries = OrderedDict()  # key -> (wire, stored_at, expires_at)
        self._lock = threading.Lock()

    def __len__(self):
        return len(self._entries)

    def get(self, key):
        """The cached answer for ``key`` or None when there is none or it expired."""
        now = self._clock()
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            wire, stored_at, expires_at = entry
            if now >= expires_at:
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
        age = int(now - stored_at)
        message = dns.message.from_wire(wire)
        for section in (message.answer, message.authority, message.additional):
            for rrset in section:
                rrset.ttl = max(0, rrset.ttl - age)
        return CachedAnswer(message, age, cache_lifetime(message, age), stored_at + age + 1)

    def put(self, key, message, wire):
        """Keep ``message``, whose wire form is ``wire``, for its lifetime (at most ``max_ttl``);
        no-op when it has none."""
        lifetime = min(cache_lifetime(message), self.max_ttl)
        if lifetime <= 0 or self.max_entries <= 0 or message.flags & dns.flags.TC:
            return
        now = self._clock()
        with self._lock:
            self._entries[key] = (wire, now, now + lifetime)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
