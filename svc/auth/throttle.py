"""The sign-in throttle: failed sign-ins counted per (user, client) and per client network."""
import math
import time

from limits import parse as parse_rate
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from svc.auth.credentials import client_network
from svc.auth.errors import Throttled


class SignInThrottle:
    """``check`` before hashing, ``failed`` or ``succeeded`` after."""

    def __init__(self, per_user, per_network, storage_url, clock=time.time):
        self.rate = parse_rate(per_user)
        self.address_rate = parse_rate(per_network)
        self.limiter = MovingWindowRateLimiter(storage_from_string(storage_url))
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

    def succeeded(self, name, client):
        self.limiter.clear(self.rate, name, client)  # the client network's count stays: one account must not reset it
