import socket
import threading

import pytest

from svc.dns.errors import DnsError, LookupBusy, LookupTimeout, NameNotFound
from svc.dns.lookup import HostLookup, lookup_host
from svc.dns.problems import problem_of


def backend(results=None, error=None, gate=None):
    def lookup(name, family):
        if gate is not None:
            gate.wait(10)
        if error is not None:
            raise error
        return results

    return lookup


V4, V6 = socket.AF_INET, socket.AF_INET6


def test_addresses_are_deduplicated_in_resolver_order():
    results = [(V6, "2001:db8::1"), (V4, "192.0.2.1"), (V6, "2001:db8::1"), (V4, "192.0.2.2"), (V4, "192.0.2.1")]
    body = lookup_host(HostLookup(backend(results), 2, 1), "h.test")
    assert body["addresses"] == [
        {"address": "2001:db8::1", "family": 6},
        {"address": "192.0.2.1", "family": 4},
        {"address": "192.0.2.2", "family": 4},
    ]
    assert (body["address"], body["family"]) == ("2001:db8::1", 6)
    assert lookup_host(HostLookup(backend(results), 2, 1), "h.test", V4)["address"] == "192.0.2.1"


def test_strict_asks_the_backend_for_one_family():
    asked = []

    def lookup(name, family):
        asked.append(family)
        return [(V4, "192.0.2.1")]

    lookup_host(HostLookup(lookup, 2, 1), "h.test", V4, strict=True)
    lookup_host(HostLookup(lookup, 2, 1), "h.test", V4)
    assert asked == [V4, socket.AF_UNSPEC]


@pytest.mark.parametrize(
    "error, status, slug",
    [
        (socket.gaierror(socket.EAI_NONAME, "Name or service not known"), 404, "name-not-found"),
        (socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution"), 504, "resolver-timeout"),
        (socket.gaierror(socket.EAI_FAIL, "Non-recoverable failure"), 502, "resolver-failure"),
        (UnicodeError("label empty or too long"), 400, "invalid-request"),
    ],
)
def test_backend_failures_become_problems(error, status, slug):
    with pytest.raises(DnsError) as info:
        lookup_host(HostLookup(backend(error=error), 2, 1), "h.test")
    problem = problem_of(info.value)
    assert (problem.status, problem.slug) == (status, slug)


def test_no_address_at_all_is_not_found():
    with pytest.raises(NameNotFound):
        lookup_host(HostLookup(backend([]), 2, 1), "h.test")


def test_a_hung_backend_meets_the_deadline_and_keeps_its_worker():
    gate = threading.Event()
    lookup = HostLookup(backend([(V4, "192.0.2.1")], gate=gate), 1, 0.1)
    with pytest.raises(LookupTimeout, match="within 0.1 s"):
        lookup_host(lookup, "h.test")
    with pytest.raises(LookupBusy) as info:
        lookup_host(lookup, "other.test")
    problem = problem_of(info.value)
    assert problem.status == 503 and problem.headers == {"Retry-After": "1"}
    gate.set()
    assert lookup_host(lookup, "h.test")["address"] == "192.0.2.1"


def test_ip_literals_skip_the_backend():
    lookup = HostLookup(backend(error=AssertionError("asked")), 1, 1)
    assert lookup_host(lookup, "[2001:db8::1]:80")["address"] == "2001:db8::1"
