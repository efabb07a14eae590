"""Name resolution for the fetch piece: one lookup per hop, every address returned.

A resolver is any object with ``resolve(host, port, timeout) -> tuple of ipaddress
addresses`` that raises :class:`LookupFailed` or :class:`LookupTimedOut`. Tests swap in
their own through the ``svc.fetch.resolver`` setting.
"""
import concurrent.futures
import ipaddress
import socket

from svc.web.getaddrinfo import DeadlinePassed, getaddrinfo_addresses, result_within


class LookupFailed(Exception):
    """The name has no usable address (the message says why)."""


class LookupTimedOut(Exception):
    """The lookup did not answer within its timeout."""


class SystemResolver:
    """The system's resolver (getaddrinfo: /etc/hosts, DNS, nsswitch), on a few worker
    threads under the fetch's deadline (see ``svc.web.getaddrinfo``)."""

    def __init__(self, workers=4):
        self._pool = concurrent.futures.ThreadPoolExecutor(workers, thread_name_prefix="svc-fetch-dns")

    def resolve(self, host, port, timeout):
        future = self._pool.submit(getaddrinfo_addresses, host, port)
        try:
            found = result_within(future, timeout)
        except DeadlinePassed:
            raise LookupTimedOut(f"looking up {host} took longer than {timeout:.3g}s") from None
        except socket.gaierror as exc:
            raise LookupFailed(f"{host} does not resolve: {exc.strerror}") from None
        addresses = []
        for _, text in found:
            address = ipaddress.ip_address(text.split("%")[0])
            if address not in addresses:
                addresses.append(address)
        if not addresses:
            raise LookupFailed(f"{host} has no IPv4 or IPv6 address")
        return tuple(addresses)
