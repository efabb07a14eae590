"""Host lookups: the classic "give me an address for this host" with a deadline.

A lookup backend is named by the ``svc.dns.lookup_backend`` setting: a factory called once with
the piece's ``DNSResolver``, returning ``lookup(name, family) -> [(family, address), ...]`` in
resolver order. ``family`` is ``socket.AF_UNSPEC``, ``AF_INET`` or ``AF_INET6``. A backend
signals failure the way getaddrinfo does (``socket.gaierror``) or with a ``Problem``.
"""
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import dns.name
import dns.rcode
import dns.rdatatype
import dns.reversename

from svc.dns.names import parse_host, parse_ip
from svc.dns.resolver import Question
from svc.dns.upstream import UpstreamTimeout
from svc.web.getaddrinfo import DeadlinePassed, getaddrinfo_addresses, result_within
from svc.web.problems import Problem, invalid_request

FAMILIES = {"4": socket.AF_INET, "6": socket.AF_INET6, "any": socket.AF_UNSPEC}
FAMILY_NUMBERS = {socket.AF_INET: 4, socket.AF_INET6: 6}
_NO_ADDRESS = {socket.AF_INET: "no IPv4 address", socket.AF_INET6: "no IPv6 address", socket.AF_UNSPEC: "no address"}


class NameNotFound(Problem):
    def __init__(self, name, detail=None):
        super().__init__(
            404, detail or f"{name} has no address", slug="name-not-found", title="Name not found", name=name
        )


class LookupTimeout(Problem):
    def __init__(self, name, detail):
        super().__init__(504, detail, slug="resolver-timeout", title="Resolver timeout", name=name)


class LookupBusy(Problem):
    def __init__(self, seconds):
        super().__init__(
            503,
            f"every lookup worker stayed busy for {seconds:g} s; try again later",
            slug="resolver-busy",
            title="Resolver busy",
            headers={"Retry-After": "1"},
        )


class LookupFailed(Problem):
    def __init__(self, name, reason):
        super().__init__(
            502, f"the resolver failed for {name}: {reason}", slug="resolver-failure", title="Resolver failure"
        )


class SystemLookup:
    """``socket.getaddrinfo``: the system's view, with /etc/hosts and nsswitch."""

    def __init__(self, resolver):
        pass

    def __call__(self, name, family):
        return getaddrinfo_addresses(name, None, family)


class NameserverLookup:
    """A and AAAA through the piece's own nameservers and cache (no /etc/hosts)."""

    def __init__(self, resolver):
        self.resolver = resolver

    def __call__(self, name, family):
        wanted = [(socket.AF_INET, dns.rdatatype.A), (socket.AF_INET6, dns.rdatatype.AAAA)]
        qname = dns.name.from_text(name)
        addresses = []
        rcodes = set()
        for af, rdtype in wanted:
            if family not in (socket.AF_UNSPEC, af):
                continue
            answer = self.resolver.resolve(Question(qname, rdtype))
            if isinstance(answer.error, UpstreamTimeout):
                raise socket.gaierror(socket.EAI_AGAIN, str(answer.error))
            if answer.error is not None:
                raise socket.gaierror(socket.EAI_FAIL, str(answer.error))
            rcodes.add(answer.message.rcode())
            for rrset in answer.message.answer:
                if rrset.rdtype == rdtype:
                    addresses.extend((af, rdata.address) for rdata in rrset)
        if not addresses and rcodes - {dns.rcode.NOERROR, dns.rcode.NXDOMAIN}:
            raise socket.gaierror(socket.EAI_FAIL, dns.rcode.to_text(max(rcodes)))
        if not addresses:
            reason = "no such name" if dns.rcode.NXDOMAIN in rcodes else _NO_ADDRESS[family]
            raise socket.gaierror(socket.EAI_NONAME, reason)
        return addresses


@dataclass(frozen=True)
class Address:
    address: str
    family: int  # 4 or 6

    def as_dict(self):
        return {"address": self.address, "family": self.family}


class NoWorkerInTime(Exception):
    """No worker of a bulk's share freed up before the bulk's deadline."""


class HostLookup:
    """Runs the backend in a bounded pool under a deadline, since getaddrinfo has no timeout.

    At most ``workers`` lookups run at once; a lookup that overstays ``timeout`` seconds is
    answered with a timeout but keeps its worker until the backend returns. Bulk lookups hold at
    most ``bulk_workers`` of them (default half), so single lookups always keep the rest.
    Per process: N worker processes run N pools.
    """

    def __init__(self, backend, workers, timeout, bulk_workers=None, clock=time.monotonic):
        self.backend = backend
        self.timeout = timeout
        self.clock = clock
        self._slots = threading.BoundedSemaphore(workers)
        self._bulk_slots = threading.BoundedSemaphore(bulk_workers or max(1, workers // 2))
        self._executor = ThreadPoolExecutor(workers, thread_name_prefix="svc-dns-lookup")

    def submit(self, name, family):
        """A future of the backend's answer; LookupBusy when no worker frees up in time."""
        if not self._slots.acquire(timeout=self.timeout):
            raise LookupBusy(self.timeout)
        return self._run((self._slots,), name, family)

    def bulk_share(self, size):
        """A share of the pool for one bulk request: at most ``size`` of its lookups at once."""
        return BulkShare(self, size)

    def _run(self, held, name, family):
        """Run the backend on a worker; ``held`` semaphores are released when it returns."""
        try:
            future = self._executor.submit(self.backend, name, family)
        except BaseException:
            _release(held)
            raise
        future.add_done_callback(lambda _: _release(held))
        return future

    def addresses(self, name, future, started, until=None):
        """The de-duplicated addresses ``future`` gives for ``name``, in resolver order.

        Waits at most until ``timeout`` seconds after ``started``, and never past ``until``
        (both readings of ``clock``); failures are Problems: 404 for no such name, 502, 503 and 504.
        """
        deadline = started + self.timeout if until is None else min(started + self.timeout, until)
        try:
            results = result_within(future, deadline - self.clock())
        except DeadlinePassed:
            raise LookupTimeout(name, f"no answer for {name} within {self.timeout:g} s") from None
        except socket.gaierror as exc:
            raise _gaierror_problem(name, exc) from None
        except UnicodeError as exc:  # getaddrinfo's own IDNA 2003 codec refusing a name
            raise invalid_request(f"host is not a valid name: {exc}") from None
        seen = dict.fromkeys(
            Address(address, FAMILY_NUMBERS[af]) for af, address in results if af in FAMILY_NUMBERS
        )
        if not seen:
            raise NameNotFound(name)
        return list(seen)


class BulkShare:
    """One bulk request's part of the lookup pool.

    A lookup holds its place in the share, in the pool's bulk workers and in the pool until the
    backend returns, past its deadline too: a getaddrinfo stuck for minutes counts against the
    bulk that started it, never against other callers' lookups.
    """

    def __init__(self, lookup, size):
        self._lookup = lookup
        self._slots = threading.BoundedSemaphore(size)

    def submit(self, name, family, until):
        """A future of the backend's answer; NoWorkerInTime when none frees up before ``until``."""
        lookup = self._lookup
        held = []
        for slots in (self._slots, lookup._bulk_slots, lookup._slots):
            if not slots.acquire(timeout=max(0.0, until - lookup.clock())):
                _release(held)
                raise NoWorkerInTime(name)
            held.append(slots)
        return lookup._run(held, name, family)


def _release(semaphores):
    for semaphore in semaphores:
        semaphore.release()


def _gaierror_problem(name, exc):
    code = exc.args[0] if exc.args else None
    reason = exc.args[1] if len(exc.args) > 1 else str(exc)
    if code in (socket.EAI_NONAME, getattr(socket, "EAI_NODATA", None), getattr(socket, "EAI_ADDRFAMILY", None)):
        return NameNotFound(name, f"{name} has no address: {reason}")
    if code == socket.EAI_AGAIN:
        return LookupTimeout(name, f"the resolver could not answer for {name} now: {reason}")
    return LookupFailed(name, reason)


def parse_family(value):
    try:
        return FAMILIES[value.strip().lower()]
    except KeyError:
        raise invalid_request(f"family {value!r} is not one of 4, 6, any", parameter="family") from None


@dataclass(frozen=True)
class PendingLookup:
    raw_host: str
    name: str
    ip_version: int | None  # set when the host is an IP literal, which needs no lookup
    future: object
    started: float


def start_lookup(lookup, raw_host, family=socket.AF_UNSPEC, strict=False, submit=None):
    """Parse ``raw_host`` (400 when malformed) and hand it to a lookup worker through ``submit``
    (``lookup.submit`` unless a bulk gives its share's)."""
    host = parse_host(raw_host)
    if host.ip is not None:
        if strict and FAMILIES[str(host.ip.version)] != family:
            raise NameNotFound(host.name, f"{host.name} is an IPv{host.ip.version} address")
        return PendingLookup(raw_host, host.name, host.ip.version, None, lookup.clock())
    started = lookup.clock()
    future = (submit or lookup.submit)(host.name, family if strict else socket.AF_UNSPEC)
    return PendingLookup(raw_host, host.name, None, future, started)


def finish_lookup(lookup, pending, family=socket.AF_UNSPEC, strict=False, until=None):
    """Every address of a started lookup, and ``address``: the first of the preferred family.

    Without ``strict`` the other family stands in when the preferred one has no address.
    """
    if pending.ip_version is not None:
        addresses = [Address(pending.name, pending.ip_version)]
    else:
        addresses = lookup.addresses(pending.name, pending.future, pending.started, until)
    preferred = [a for a in addresses if family == socket.AF_UNSPEC or FAMILIES[str(a.family)] == family]
    chosen = (preferred or addresses)[0]
    return {
        "host": pending.raw_host,
        "name": pending.name,
        "address": chosen.address,
        "family": chosen.family,
        "addresses": [a.as_dict() for a in (preferred if strict else addresses)],
    }


def lookup_host(lookup, raw_host, family=socket.AF_UNSPEC, strict=False):
    """The lookup result for ``raw_host``, a name, IP literal or URL."""
    return finish_lookup(lookup, start_lookup(lookup, raw_host, family, strict), family, strict)


def reverse_names(resolver, raw_ip):
    """The PTR names of an IPv4 or IPv6 address, through the piece's nameservers and cache."""
    if "\x00" in raw_ip:
        raise invalid_request("ip contains a NUL byte", parameter="ip")
    ip = parse_ip(raw_ip.strip())
    if ip is None:
        raise invalid_request(f"ip {raw_ip!r} is not an IPv4 or IPv6 address", parameter="ip")
    address = str(ip).partition("%")[0]  # a zone id is local to this host, not part of DNS
    ptr_name = dns.reversename.from_address(address)
    answer = resolver.resolve(Question(ptr_name, dns.rdatatype.PTR))
    if isinstance(answer.error, UpstreamTimeout):
        raise LookupTimeout(ptr_name.to_text(), str(answer.error))
    if answer.error is not None:
        raise LookupFailed(ptr_name.to_text(), str(answer.error))
    rcode = answer.message.rcode()
    if rcode not in (dns.rcode.NOERROR, dns.rcode.NXDOMAIN):
        raise LookupFailed(ptr_name.to_text(), f"the nameserver answered {dns.rcode.to_text(rcode)}")
    records = [rrset for rrset in answer.message.answer if rrset.rdtype == dns.rdatatype.PTR]
    if not records:
        raise NameNotFound(ptr_name.to_text(), f"{address} has no PTR record ({ptr_name})")
    return {
        "ip": address,
        "name": ptr_name.to_text(),
        "names": list(dict.fromkeys(rdata.target.to_text() for rrset in records for rdata in rrset)),
        "ttl": min(rrset.ttl for rrset in records),
    }
