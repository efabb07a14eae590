"""Who a request is: the session cookie, a Basic header or a Bearer token, checked against the store.

Verified sessions, tokens, Basic headers and permissions are kept in memory for a few seconds
(``svc.auth.recheck_seconds``; ``basic_cache_seconds`` for Basic), so a request costs no
database round trip. The caches are per process; each request first compares the
revocation generation (svc/auth/revocation.py) and empties them when it moved.
"""
import functools
import hashlib
import hmac
import logging
import secrets
import threading
import time

from sqlalchemy.exc import DBAPIError
from webob import Request

from svc.auth.errors import BadCredentials, InvalidToken, SignInBusy, SignInUnavailable, Throttled
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


def fails_closed(method):
    """The database or Redis unreachable becomes SignInUnavailable (503), never a 500.

    Only what the caches cannot answer reaches them, so cached sessions keep working.
    """

    @functools.wraps(method)
    def checked(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except (DBAPIError, *self.unavailable) as exc:
            log.error("sign-in unavailable: %s", exc.__class__.__name__, exc_info=True)
            raise SignInUnavailable() from exc

    return checked


class Identification:
    def __init__(
        self, settings, store, passwords, ticket, throttle, revocations, audit, unavailable=(), clock=time.time
    ):
        self.settings = settings
        self.store = store
        self.passwords = passwords
        self.ticket = ticket
        self.throttle = throttle
        self.revocations = revocations
        self.audit = audit
        self.unavailable = unavailable  # what Redis raises when it is down (svc/web/shared_state.py)
        self._generation = revocations.generation()
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

    def _current(self):
        """The revocation generation, after emptying the caches if another process changed something."""
        generation = self.revocations.generation()
        if generation != self._generation:
            self._generation = generation
            self.forget()
        return generation

    def _put(self, cache, key, value, generation):
        """Remember what was read from the store under ``generation``, unless a change came meanwhile."""
        if self.revocations.generation() == generation:
            cache.put(key, value)

    @fails_closed
    def from_cookie(self, environ):
        """``(Identity or None, Set-Cookie headers)``: a reissued ticket, or a deleted stale one."""
        raw = self.ticket.raw_value(environ.get("HTTP_COOKIE", ""))
        if raw is None:
            return None, []
        generation = self._current()
        ticket = self._tickets.get(raw)
        if ticket is None:
            ticket = self.ticket.loads(raw)
            if ticket is not None:
                self._tickets.put(raw, ticket)  # verified once; its age is checked every time
        if ticket is None and self.ticket.signed_elsewhere(raw):
            return None, []  # another secret's (a sibling instance not yet rotated): still someone's, never deleted
        if ticket is None:
            return None, self.ticket.clear(Request(environ))
        now = self.clock()
        age = now - ticket.issued_at
        session = self._session(ticket.session_key, generation) if -60 <= age <= self.settings.idle_timeout else None
        if session is None or session[1] <= now:
            return None, self.ticket.clear(Request(environ))
        identity, expires_at = session
        if age < self.reissue_after:
            return identity, []
        # A fresh ticket keeps an active user signed in, never past the session's absolute end.
        fresh = Ticket(ticket.session_key, int(now))
        return identity, self.ticket.issue(Request(environ), fresh, int(expires_at - now))

    @fails_closed
    def cached_basic(self, header):
        """The Identity of a Basic header that verified lately, or None."""
        generation = self._current()
        user_id = self._basic.get(self._keyed(header))
        return None if user_id is None else self._identity(user_id, "basic", generation)

    @fails_closed
    def from_basic(self, header, credentials, client):
        """The Identity of Basic ``credentials``, verified now; raises SignInRefused."""
        generation = self._current()
        principal = self.verify_password(credentials.user, credentials.password, client)
        self._put(self._basic, self._keyed(header), principal.user_id, generation)
        return identity_of(principal, "basic")

    @fails_closed
    def from_bearer(self, token):
        generation = self._current()
        cache_key = self._keyed(token)
        user_id = self._tokens.get(cache_key)
        if user_id is None:
            user_id = self.store.token_user(token)
            if user_id is None:
                raise InvalidToken()
            self._put(self._tokens, cache_key, user_id, generation)
        identity = self._identity(user_id, "bearer", generation)
        if identity is None:
            raise InvalidToken()
        return identity

    @fails_closed
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
            self.audit.record("sign_in_failed", subject=name, client=client)
            if self.throttle.locked(name, client):
                # Once, when the lock starts: a locked sign-in is refused above, before this.
                self.audit.record("sign_in_locked", subject=name, client=client)
            raise BadCredentials()
        self.throttle.succeeded(name, client)
        principal = self.store.principal(found[0])
        if principal is None:  # removed while we were hashing
            raise BadCredentials()
        return principal

    def _keyed(self, secret):
        """A keyed hash, so the caches never hold a password or a token."""
        return hmac.new(self._cache_key, secret.encode("utf-8", "surrogatepass"), hashlib.sha256).digest()

    def _session(self, key, generation):
        """``(Identity, expires_at)`` of a live session, or None."""
        session = self._sessions.get(key)
        if session is None:
            found = self.store.session(key)
            principal = self.store.principal(found[0]) if found else None
            if principal is None:
                return None
            session = (identity_of(principal, "cookie", key), found[1])
            self._put(self._sessions, key, session, generation)
        return session

    def _identity(self, user_id, method, generation):
        """The Identity of ``user_id`` signed in by ``method``, or None when the user is gone."""
        identity = self._identities.get((user_id, method))
        if identity is None:
            principal = self.store.principal(user_id)
            if principal is None:
                return None
            identity = identity_of(principal, method)
            self._put(self._identities, (user_id, method), identity, generation)
        return identity


def identity_of(principal, method, session_key=None):
    """The Identity a Principal signed in by ``method`` has."""
    return Identity(
        principal.name, principal.groups, principal.permissions, method, principal.user_id, session_key
    )
