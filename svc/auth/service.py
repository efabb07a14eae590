"""Everything the filter, the sign-in pages, the admin API and svc-admin do with the store.

Verified sessions, tokens, Basic headers and permissions are kept in memory for a few
seconds (``svc.auth.recheck_seconds``), so a request costs no database round trip. Every
change made through this object empties those caches at once; a change made by another
process (svc-admin) is seen within ``recheck_seconds``.
"""
import hashlib
import hmac
import logging
import math
import secrets
import threading
import time

from limits import parse as parse_rate
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
from pyramid.csrf import CookieCSRFStoragePolicy
from sqlalchemy.engine import make_url
from webob import Request

from svc.auth import migrate
from svc.auth.audit import AuditLog
from svc.auth.credentials import client_network
from svc.auth.identity import Identity
from svc.auth.password_policy import check_new_password
from svc.auth.passwords import Passwords, UnsupportedHash, check_importable, parse_htpasswd
from svc.auth.store import InvalidName, Store, StoreError, check_name, create_store_engine
from svc.auth.ticket import SessionTicket, Ticket
from svc.web.settings import SettingError

log = logging.getLogger(__name__)

CACHE_SIZE = 10000  # entries per cache: a flood of distinct credentials cannot grow memory further


class SignInRefused(Exception):
    """Credentials that do not sign anyone in; the message is the same for every cause."""


class BadCredentials(SignInRefused):
    def __init__(self):
        super().__init__("The user name or password is wrong")


class InvalidToken(SignInRefused):
    def __init__(self):
        super().__init__("The token is unknown, revoked or expired")


class Throttled(SignInRefused):
    def __init__(self, retry_after):
        self.retry_after = retry_after
        super().__init__(f"Too many failed sign-ins; try again in {retry_after} seconds")


class SignInBusy(Exception):
    """Every password-hashing slot is taken; the caller should retry, nothing was checked."""

    def __init__(self, retry_after=1):
        self.retry_after = retry_after
        super().__init__(f"Too many sign-ins are being checked at once; try again in {retry_after} seconds")


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


class AuthService:
    def __init__(self, settings, store, passwords, clock=time.time):
        self.settings = settings
        self.store = store
        self.passwords = passwords
        self.clock = clock
        self.ticket = SessionTicket(settings.secret, settings.cookie_name, settings.secure)
        # The sign-in form's CSRF token lives in its own cookie: anonymous visitors have no session.
        self.csrf_policy = CookieCSRFStoragePolicy(
            cookie_name=("__Host-" if settings.secure else "") + "svc_csrf",
            secure=settings.secure,
            httponly=True,
            samesite="Lax",
        )
        self.rate = parse_rate(settings.login_attempts)
        self.address_rate = parse_rate(settings.login_attempts_per_address)
        self.limiter = MovingWindowRateLimiter(storage_from_string(settings.throttle_storage))
        # Per process: N workers hash at most N x max_concurrent_hashes passwords at once.
        self._hash_slots = threading.BoundedSemaphore(settings.max_concurrent_hashes)
        self.reissue_after = settings.idle_timeout / 10
        self._cache_key = secrets.token_bytes(32)
        self._basic = _Cache(settings.basic_cache_seconds)
        self._tickets = _Cache(settings.recheck_seconds)
        self._sessions = _Cache(settings.recheck_seconds)
        self._tokens = _Cache(settings.recheck_seconds)
        self._identities = _Cache(settings.recheck_seconds)
        self.known_permissions = frozenset()  # filled by the filter from the apps below it
        self.audit = AuditLog(store.engine, clock, settings.audit_log)

    @classmethod
    def from_settings(cls, settings):
        engine = create_store_engine(settings.db_url)
        if settings.create_schema:
            migrate.upgrade(engine)
        else:
            current, head = migrate.current_revision(engine), migrate.head_revision()
            if current != head:
                where = make_url(settings.db_url).render_as_string(hide_password=True)
                raise SettingError(
                    f"the auth database {where} is at schema {current or 'none'}, not {head}: "
                    "run svc-admin <ini> migrate"
                )
        passwords = Passwords(
            settings.argon2_time_cost,
            settings.argon2_memory_cost,
            settings.argon2_parallelism,
            settings.max_password_bytes,
        )
        return cls(settings, Store(engine), passwords)

    # identification

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
        return _identity(principal, "basic")

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
        # "@network" starts no user name (check_name), so the two counters' keys never meet.
        throttles = ((self.rate, (name, client)), (self.address_rate, ("@network", client_network(client))))
        exhausted = [(rate, keys) for rate, keys in throttles if not self.limiter.test(rate, *keys)]
        if exhausted:
            reset_at = max(self.limiter.get_window_stats(rate, *keys)[0] for rate, keys in exhausted)
            log.warning("sign-in of %r from %s throttled", name, client)
            raise Throttled(max(1, math.ceil(reset_at - time.time())))
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
            for rate, keys in throttles:
                self.limiter.hit(rate, *keys)
            log.warning("failed sign-in of %r from %s", name, client)  # for fail2ban and the like
            self.audit.record("sign_in_failed", subject=name, client=client)
            if not all(self.limiter.test(rate, *keys) for rate, keys in throttles):
                self.audit.record("sign_in_locked", subject=name, client=client)  # once, when the lock starts
            raise BadCredentials()
        self.limiter.clear(self.rate, name, client)  # the client network's count stays: one account must not reset it
        principal = self.store.principal(found[0])
        if principal is None:  # removed while we were hashing
            raise BadCredentials()
        return principal

    # sign-in and sign-out

    def login(self, request, name, password, client):
        """Verify, end any session the browser came with, and start a new one: ``(Identity, headers)``."""
        principal = self.verify_password(name, password, client)
        previous = self.ticket.read(request)
        if previous is not None:
            self.store.end_session(previous.session_key)
        key = self.store.create_session(principal.user_id, self.settings.lifetime)
        self._sessions.clear()
        self.audit.record("sign_in", subject=principal.name, client=client)
        headers = self.ticket.issue(request, Ticket(key, int(self.clock())), int(self.settings.lifetime))
        return _identity(principal, "cookie", key), headers

    def logout(self, request, identity):
        if identity is not None and identity.session_key:
            self.store.end_session(identity.session_key)
            self.changed()
            self.audit.record("sign_out", subject=identity.name)
        return self.ticket.clear(request)

    # administration: each change empties the caches, so it takes effect at once

    def changed(self):
        for cache in (self._basic, self._tickets, self._sessions, self._tokens, self._identities):
            cache.clear()

    def check_password(self, password, name):
        """``password`` when it passes the policy for ``name``; raises InvalidPassword."""
        return check_new_password(
            password, name, min_length=self.settings.min_password_length, max_bytes=self.passwords.max_bytes
        )

    def add_user(self, name, password=None, actor=None):
        """A user with ``password``, or with none (tokens only) when it is None; "" is refused."""
        check_name(name)
        hashed = None if password is None else self.passwords.hash(self.check_password(password, name))
        self.store.add_user(name, hashed)
        self.changed()
        self.audit.record("add_user", actor, name, password=password is not None)

    def set_password(self, name, password, actor=None, keep_session=None):
        """Set ``name``'s password and end their sessions, all but ``keep_session`` (a session key)."""
        hashed = self.passwords.hash(self.check_password(password, name))
        self.store.set_password_hash(name, hashed, keep_session)
        self.changed()
        self.audit.record("set_password", actor, name)

    def create_token(self, user, label="", lifetime=None, actor=None):
        result = self.store.create_token(user, label, lifetime)
        self.changed()
        self.audit.record("create_token", actor, user, token=result[1].id, label=result[1].label)
        return result

    def write(self, operation, *args, actor=None):
        """Run a store ``operation`` (remove_user, grant, ...) and make it take effect now."""
        result = getattr(self.store, operation)(*args)
        self.changed()
        self.audit.record_operation(operation, args, actor)
        return result

    def locked_clients(self, name):
        """The client addresses from which ``name`` may not sign in now, after too many failures."""
        since = self.clock() - self.rate.get_expiry()
        clients = {e["client"] for e in self.audit.entries(since=since, event="sign_in_locked", subject=name)}
        return sorted(c for c in clients if c and not self.limiter.test(self.rate, name, c))

    def unlock(self, name, actor=None):
        """Clear ``name``'s sign-in locks; the per-network count stays (it is about an address)."""
        clients = self.locked_clients(name)
        for client in clients:
            self.limiter.clear(self.rate, name, client)
        self.audit.record("unlock", actor, name, clients=clients)
        return clients

    def import_htpasswd(self, text, actor=None):
        """Add or update users from htpasswd ``text``; returns what was imported and what was refused."""
        report = {"added": [], "updated": [], "unchanged": [], "refused": []}
        existing = {u["name"] for u in self.store.users()}
        for line, user, stored_hash in parse_htpasswd(text):
            try:
                check_name(user)
                check_importable(stored_hash, self.settings.allow_legacy_hashes)
            except (StoreError, UnsupportedHash) as exc:
                report["refused"].append({"line": line, "user": user, "reason": str(exc)})
                continue
            if user not in existing:
                self.store.add_user(user, stored_hash)
                existing.add(user)
                report["added"].append(user)
            elif self.store.credentials(user)[1] != stored_hash:
                self.store.set_password_hash(user, stored_hash)
                report["updated"].append(user)
            else:
                report["unchanged"].append(user)
        self.changed()
        self.audit.record("import_htpasswd", actor, None, **{k: v for k, v in report.items() if k != "unchanged"})
        return report

    # cached lookups

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
            session = (_identity(principal, "cookie", key), found[1])
            self._sessions.put(key, session)
        return session

    def _identity(self, user_id, method):
        """The Identity of ``user_id`` signed in by ``method``, or None when the user is gone."""
        identity = self._identities.get((user_id, method))
        if identity is None:
            principal = self.store.principal(user_id)
            if principal is None:
                return None
            identity = _identity(principal, method)
            self._identities.put((user_id, method), identity)
        return identity

def _identity(principal, method, session_key=None):
    return Identity(
        principal.name, principal.groups, principal.permissions, method, principal.user_id, session_key
    )

