"""The sign-in throttle: failed sign-ins counted per (user, client) and per client network.

Which one counts (svc/auth/service.py): Redis through limits when svc.auth.redis_url is set,
the auth database otherwise; an explicit svc.auth.throttle_storage (memory://) is per process.
"""
import math
import time

from limits import parse as parse_rate
from limits.strategies import MovingWindowRateLimiter
from sqlalchemy import delete, func, insert, select

from svc.auth.credentials import client_network
from svc.auth.errors import Throttled
from svc.auth.models import SignInFailure


class SignInThrottle:
    """``check`` before hashing, ``failed`` or ``succeeded`` after; ``locked`` and ``unlock`` for admins."""

    def __init__(self, per_user, per_network, storage, clock=time.time):
        self.rate = parse_rate(per_user)
        self.address_rate = parse_rate(per_network)
        self.limiter = MovingWindowRateLimiter(storage)
        self.clock = clock

    def _counters(self, name, client):
        # "@network" starts no user name (svc/auth/names.py), so the two counters' keys never meet.
        return ((self.rate, (name, client)), (self.address_rate, ("@network", client_network(client))))

    def check(self, name, client):
        """Raises Throttled when either counter is spent."""
        exhausted = [(rate, keys) for rate, keys in self._counters(name, client) if not self.limiter.test(rate, *keys)]
        if exhausted:
            reset_at = max(self.limiter.get_window_stats(rate, *keys)[0] for rate, keys in exhausted)
            raise Throttled(max(1, math.ceil(reset_at - self.clock())))

    def failed(self, name, client):
        for rate, keys in self._counters(name, client):
            self.limiter.hit(rate, *keys)

    def locked(self, name, client):
        """Whether ``name`` may not sign in from ``client`` now (their own count is spent)."""
        return not self.limiter.test(self.rate, name, client)

    def unlock(self, name, client):
        """Forget ``name``'s failures from ``client``; the client network's count stays: one account must not reset it."""
        self.limiter.clear(self.rate, name, client)

    succeeded = unlock  # a right password clears what an admin's unlock clears


class DatabaseThrottle:
    """The same counts as SignInThrottle, kept in the auth database, so every worker of a host
    (and every instance on a shared PostgreSQL) counts the same failures.

    Hand-written because limits has no SQL or file storage; its memory storage counts per process
    (N workers would allow N x the attempts) and its Redis storage needs a Redis.
    """

    def __init__(self, per_user, per_network, engine, clock=time.time):
        self.rate = parse_rate(per_user)
        self.address_rate = parse_rate(per_network)
        self.engine = engine
        self.clock = clock
        self.longest = max(self.rate.get_expiry(), self.address_rate.get_expiry())

    def _counters(self, name, client):
        # "@" starts no user name (svc/auth/names.py) and neither holds a space: the keys never meet.
        return ((self.rate, f"{name} {client}"), (self.address_rate, f"@network {client_network(client)}"))

    def check(self, name, client):
        now = int(self.clock() * 1000)  # milliseconds, so windows of a few seconds count right
        retry_after = 0
        with self.engine.connect() as conn:
            for rate, key in self._counters(name, client):
                since = now - rate.get_expiry() * 1000
                count = conn.execute(
                    select(func.count()).where(SignInFailure.key == key, SignInFailure.at > since)
                ).scalar()
                if count >= rate.amount:
                    # the moving window frees a slot when its oldest failure leaves it
                    oldest = conn.execute(
                        select(SignInFailure.at)
                        .where(SignInFailure.key == key, SignInFailure.at > since)
                        .order_by(SignInFailure.at.desc())
                        .offset(rate.amount - 1)
                        .limit(1)
                    ).scalar()
                    retry_after = max(retry_after, oldest + rate.get_expiry() * 1000 - now)
        if retry_after:
            raise Throttled(max(1, math.ceil(retry_after / 1000)))

    def failed(self, name, client):
        now = int(self.clock() * 1000)
        with self.engine.begin() as conn:
            conn.execute(delete(SignInFailure).where(SignInFailure.at <= now - self.longest * 1000))  # keeps the table small
            conn.execute(insert(SignInFailure), [{"key": key, "at": now} for _, key in self._counters(name, client)])

    def locked(self, name, client):
        """Whether ``name`` may not sign in from ``client`` now (their own count is spent)."""
        since = int(self.clock() * 1000) - self.rate.get_expiry() * 1000
        with self.engine.connect() as conn:
            count = conn.execute(
                select(func.count()).where(SignInFailure.key == self._counters(name, client)[0][1], SignInFailure.at > since)
            ).scalar()
        return count >= self.rate.amount

    def unlock(self, name, client):
        """Forget ``name``'s failures from ``client``; the client network's count stays: one account must not reset it."""
        with self.engine.begin() as conn:
            conn.execute(delete(SignInFailure).where(SignInFailure.key == self._counters(name, client)[0][1]))

    succeeded = unlock  # a right password clears what an admin's unlock clears
