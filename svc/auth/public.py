"""Public permissions: those granted to ``@anonymous`` hold for every caller, within a rate limit.

``svc-admin grant @anonymous dns`` makes the dns piece public, as Google's and Cloudflare's DNS
APIs are. A caller who needs the public grant (anonymous, or signed in without a grant of their
own) is counted: anonymous callers per client address (an IPv6 client by its /64) at
``svc.auth.anonymous_rate``, signed-in ones per user at the more generous
``svc.auth.signed_in_rate``. The counters live in ``svc.auth.throttle_storage`` when it is set,
else in Redis with ``svc.auth.redis_url`` (shared by every process and instance), else per process
(N workers allow N x the rate).
"""
import math
import time

from limits import parse as parse_rate

from svc.auth.credentials import client_ip, client_network
from svc.auth.identity import SERVICE_KEY, identity_of
from svc.auth.names import ANONYMOUS, InvalidValue

ANONYMOUS_SUBJECT = "@" + ANONYMOUS
# Public, these turn svc into an open proxy (fetch) or show the host to anyone (net): --force.
RISKY_IN_PUBLIC = frozenset({"fetch", "net"})
COUNTED_KEY = "svc.auth.public_counted"  # a request is counted once, however often it is checked


class RateLimited(Exception):
    """A caller of a public permission is past their rate; ``retry_after`` in whole seconds."""

    def __init__(self, retry_after, anonymous):
        self.retry_after = retry_after
        who = "this address" if anonymous else "this user"
        super().__init__(f"Too many requests from {who} to public parts; try again in {retry_after} seconds")


class PublicRefused(InvalidValue):
    """A grant to @anonymous that would open what must stay closed."""


def check_public_grant(subject, permission, force=False):
    """Refuse ``admin`` for @anonymous always, and fetch or net unless ``force``."""
    if subject != ANONYMOUS_SUBJECT:
        return
    if permission == "admin":
        raise PublicRefused("admin cannot be public: anyone could change users and grants")
    if permission in RISKY_IN_PUBLIC and not force:
        raise PublicRefused(
            f"a public {permission} lets anyone use this server ({'an open proxy' if permission == 'fetch' else 'host details'}); "
            "grant it with --force (svc-admin) or \"force\": true (admin API) if that is meant"
        )


class PublicAccess:
    """The public permissions (read again after a revocation, or every ``recheck_seconds``) and their rate limits."""

    def __init__(self, settings, store, limiter, revocations, clock=time.monotonic):
        self.store = store
        self.limiter = limiter
        self.revocations = revocations
        self.trusted_proxies = settings.trusted_proxies
        self.anonymous_rate = parse_rate(settings.anonymous_rate)
        self.signed_in_rate = parse_rate(settings.signed_in_rate)
        self.ttl = settings.recheck_seconds
        self.clock = clock
        self._permissions = None
        self._read_at = 0.0
        self._generation = None

    def permissions(self):
        now, generation = self.clock(), self.revocations.generation()
        if self._permissions is None or generation != self._generation or now - self._read_at >= self.ttl:
            self._permissions = self.store.public_permissions()
            self._read_at, self._generation = now, generation
        return self._permissions

    def clear(self):
        self._permissions = None

    def admits(self, environ, permission):
        """True when ``permission`` is public; raises RateLimited past the caller's rate."""
        if permission not in self.permissions():
            return False
        self.count(environ)
        return True

    def count(self, environ):
        """Count the caller's request to public parts once; raises RateLimited past their rate."""
        if environ.get(COUNTED_KEY):
            return
        environ[COUNTED_KEY] = True
        identity = identity_of(environ)
        if identity is None:
            rate, key = self.anonymous_rate, client_network(client_ip(environ, self.trusted_proxies))
        else:
            rate, key = self.signed_in_rate, f"user:{identity.user_id}"
        if not self.limiter.hit(rate, "@public", key):
            reset_at = self.limiter.get_window_stats(rate, "@public", key)[0]
            raise RateLimited(max(1, math.ceil(reset_at - time.time())), identity is None)


def permits(environ, permission):
    """Whether the caller may use ``permission``: their own grant, or a public one within its rate."""
    identity = identity_of(environ)
    if identity is not None and identity.permits(permission):
        return True
    service = environ.get(SERVICE_KEY)
    return service is not None and service.public.admits(environ, permission)
