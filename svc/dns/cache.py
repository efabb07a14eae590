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


# Bytes counted for one entry besides its wire form: an estimate of its dict slot, tuple and key.
ENTRY_OVERHEAD = 256
# Expired entries are swept out at most this often (seconds), so they never crowd out live ones.
SWEEP_INTERVAL = 1.0


class ResolverCache:
    """Answers by question, shared by threads, least recently used first out.

    Bounded by ``max_entries`` and by ``max_bytes`` (wire forms plus ENTRY_OVERHEAD each);
    expired entries are swept out. The answer is kept in wire form, so each hit parses its own
    copy that no other thread touches, with every TTL lowered by the answer's age.

    Per process: N worker processes hold N caches, each within these bounds.
    """

    def __init__(self, max_entries, max_ttl, max_bytes, clock=None):
        self.max_entries = max_entries
        self.max_ttl = max_ttl
        self.max_bytes = max_bytes
        self.bytes = 0  # what the entries count for now
        self._clock = clock or time.monotonic
        self._entries = OrderedDict()  # key -> (wire, stored_at, expires_at)
        self._lock = threading.Lock()
        self._next_sweep = self._clock()

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
                self._drop(key)
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
        no-op when it has none or would not fit at all."""
        lifetime = min(cache_lifetime(message), self.max_ttl)
        size = len(wire) + ENTRY_OVERHEAD
        if lifetime <= 0 or self.max_entries <= 0 or size > self.max_bytes or message.flags & dns.flags.TC:
            return
        now = self._clock()
        with self._lock:
            if now >= self._next_sweep:
                for stale in [k for k, (_, _, expires_at) in self._entries.items() if now >= expires_at]:
                    self._drop(stale)
                self._next_sweep = now + SWEEP_INTERVAL
            if key in self._entries:
                self._drop(key)
            self._entries[key] = (wire, now, now + lifetime)
            self.bytes += size
            while len(self._entries) > self.max_entries or self.bytes > self.max_bytes:
                self._drop(next(iter(self._entries)))

    def _drop(self, key):
        wire, _, _ = self._entries.pop(key)
        self.bytes -= len(wire) + ENTRY_OVERHEAD
