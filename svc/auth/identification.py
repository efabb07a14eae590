"""Who a request is: the session cookie, a Basic header or a Bearer token, checked against the store.

Verified sessions, tokens, Basic headers and permissions are kept in memory for a few seconds
(``svc.auth.recheck_seconds``; ``basic_cache_seconds`` for Basic), so a request costs no
database round trip. The caches are per process: ``forget()`` empties them when a change
is made (svc/auth/service.py says how other processes learn of it).
"""
import hashlib
import hmac
import logging
import secrets
import threading
import time

from webob import Request

from svc.auth.errors import BadCredentials, InvalidToken, SignInBusy, Throttled
from svc.auth.identity import Identity
from svc.auth.names import InvalidName, check_name
from svc.auth.ticket import Ticket

log = logging.getLogger(__name__)

CACHE_SIZE = 10000  # entries per cache: a flood of distinct credentials cannot grow memory further


class _Cache:
    """Values remembered for ``ttl`` seconds (0: not at all), at most CACHE_SIZE of them.

    Written here rather than taken from cachetools because it runs several times on every
    request: a plain dict read needs no lock under the GIL, where TTLCache needs one.
    """

    def __init__(self, ttl):
        self.ttl = ttl
        self._data = {}

    def get(self, key):
        entry = self._data.get(key)
        if entry is None:
            return None
        value, expires_at = entry
        if expires_at < time.monotonic():
            self._data.pop(key, None)
            return None
        return value

    def put(self, key, value):
        if not self.ttl:
            return
        if len(self._data) >= CACHE_SIZE:
            self._data.clear()  # bounded memory; the next requests fill it again
        self._data[key] = (value, time.monotonic() + self.ttl)

    def clear(self):
        self._data.clear()


class Identification:
    def __init__(self, settings, store, passwords, ticket, throttle, clock=time.time):
        self.settings = settings
        self.store = store
        self.passwords = passwords
        self.ticket = ticket
        self.throttle = throttle
        self.clock = clock
        # Per process: N workers hash at most N x max_concurrent_hashes passwords at once.
        self._hash_slots = threading.BoundedSemaphore(settings.max_concurrent_hashes)
        self.reissue_after = settings.idle_timeout / 10
        self._cache_key = secrets.token_bytes(32)
        self._basic = _Cache(settings.basic_cache_seconds)
        self._tickets = _Cache(settings.recheck_seconds)
        self._sessions = _Cache(settings.recheck_seconds)
        self._tokens = _Cache(settings.recheck_seconds)
        self._identities = _Cache(settings.recheck_seconds)

    def forget(self):
        """Empty every cache: the next requests read the store again."""
        for cache in (self._basic, self._tickets, self._sessions, self._tokens, self._identities):
            cache.clear()

    def from_cookie(self, environ):
        """``(Identity or None, Set-Cookie headers)``: a reissued ticket, or a deleted stale one."""
        raw = self.ticket.raw_value(environ.get("HTTP_COOKIE", ""))
        if raw is None:
            return None, []
        ticket = self._tickets.get(raw)
        if ticket is None:
            ticket = self.ticket.loads(raw)
            if ticket is not None:
                self._tickets.put(raw, ticket)  # verified once; its age is checked every time
        now = self.clock()
        age = now - ticket.issued_at if ticket else None
        session = self._session(ticket.session_key) if ticket and -60 <= age <= self.settings.idle_timeout else None
        if session is None or session[1] <= now:
            return None, self.ticket.clear(Request(environ))
        identity, expires_at = session
        if age < self.reissue_after:
            return identity, []
        # A fresh ticket keeps an active user signed in, never past the session's absolute end.
        fresh = Ticket(ticket.session_key, int(now))
        return identity, self.ticket.issue(Request(environ), fresh, int(expires_at - now))

    def cached_basic(self, header):
        """The Identity of a Basic header that verified lately, or None."""
        user_id = self._basic.get(self._keyed(header))
        return None if user_id is None else self._identity(user_id, "basic")

    def from_basic(self, header, credentials, client):
        """The Identity of Basic ``credentials``, verified now; raises SignInRefused."""
        principal = self.verify_password(credentials.user, credentials.password, client)
        self._basic.put(self._keyed(header), principal.user_id)
        return identity_of(principal, "basic")

    def from_bearer(self, token):
        cache_key = self._keyed(token)
        user_id = self._tokens.get(cache_key)
        if user_id is None:
            user_id = self.store.token_user(token)
            if user_id is None:
                raise InvalidToken()
            self._tokens.put(cache_key, user_id)
        identity = self._identity(user_id, "bearer")
        if identity is None:
            raise InvalidToken()
        return identity

    def verify_password(self, name, password, client):
        """The Principal of ``name``; unknown user and wrong password fail alike.

        Failures are throttled per (user, client) and per client network; past
        max_concurrent_hashes verifications at once, SignInBusy.
        """
        try:
            check_name(name)
        except InvalidName:  # no user has such a name, and a NUL in it breaks PostgreSQL
            log.warning("failed sign-in of %r from %s", name, client)
            raise BadCredentials() from None
        try:
            self.throttle.check(name, client)
        except Throttled:
            log.warning("sign-in of %r from %s throttled", name, client)
            raise
        found = None
        verified = False  # a password over the limit is refused before hashing: it costs us nothing
        if not self.passwords.too_long(password):
            if not self._hash_slots.acquire(blocking=False):  # refuse at once: a queue would hold workers
                log.warning("sign-in of %r from %s refused: every hashing slot is busy", name, client)
                raise SignInBusy()
            try:
                found = self.store.credentials(name)
                # An unknown user is checked against a dummy hash, as slowly as a known one.
                verified = self.passwords.verify(found[1] if found else None, password)
                if verified and self.passwords.needs_rehash(found[1]):
                    self.store.replace_password_hash(found[0], found[1], self.passwords.hash(password))
            finally:
                self._hash_slots.release()
        if not verified:
            self.throttle.failed(name, client)
            log.warning("failed sign-in of %r from %s", name, client)  # for fail2ban and the like
            raise BadCredentials()
        self.throttle.succeeded(name, client)
        principal = self.store.principal(found[0])
        if principal is None:  # removed while we were hashing
            raise BadCredentials()
        return principal

    def _keyed(self, secret):
        """A keyed hash, so the caches never hold a password or a token."""
        return hmac.new(self._cache_key, secret.encode("utf-8", "surrogatepass"), hashlib.sha256).digest()

    def _session(self, key):
        """``(Identity, expires_at)`` of a live session, or None."""
        session = self._sessions.get(key)
        if session is None:
            found = self.store.session(key)
            principal = self.store.principal(found[0]) if found else None
            if principal is None:
                return None
            session = (identity_of(principal, "cookie", key), found[1])
            self._sessions.put(key, session)
        return session

    def _identity(self, user_id, method):
        """The Identity of ``user_id`` signed in by ``method``, or None when the user is gone."""
        identity = self._identities.get((user_id, method))
        if identity is None:
            principal = self.store.principal(user_id)
            if principal is None:
                return None
            identity = identity_of(principal, method)
            self._identities.put((user_id, method), identity)
        return identity


def identity_of(principal, method, session_key=None):
    """The Identity a Principal signed in by ``method`` has."""
    return Identity(
        principal.name, principal.groups, principal.permissions, method, principal.user_id, session_key
    )
