"""getaddrinfo with a deadline, for every piece that asks the system's resolver.

getaddrinfo cannot be interrupted, so it runs on a worker thread and the caller stops waiting
at its deadline: a stuck lookup then holds a worker, not a request.
"""
import concurrent.futures
import socket


class DeadlinePassed(Exception):
    """The worker did not answer within the time given."""


def getaddrinfo_addresses(host, port=None, family=socket.AF_UNSPEC):
    """``(family, address)`` for each IPv4 and IPv6 stream address of ``host``, in resolver order,
    once each; raises ``socket.gaierror`` as getaddrinfo does."""
    infos = socket.getaddrinfo(host, port, family, socket.SOCK_STREAM)
    return list(dict.fromkeys((info[0], info[4][0]) for info in infos if info[0] in (socket.AF_INET, socket.AF_INET6)))


def result_within(future, seconds):
    """The future's result, waiting at most ``seconds``; DeadlinePassed (and the future cancelled) after."""
    try:
        return future.result(timeout=max(0.0, seconds))
    except concurrent.futures.TimeoutError:
        future.cancel()
        raise DeadlinePassed() from None
