"""The auth filter's one handle on the store: identification, sessions and administration.

``AuthService.identification`` says who a request is (caches, throttle), ``.sessions`` signs
in and out (the form, an OpenID provider), ``.admin`` changes users, groups, grants and tokens;
``.audit`` records what each of them did. Every change is published as a revocation
(svc/auth/revocation.py): every worker on the host, and with Redis every instance, empties its
caches before its next request.
"""
import time

from limits.storage import MemoryStorage, RedisStorage, storage_from_string
from limits.strategies import MovingWindowRateLimiter
from pyramid.csrf import CookieCSRFStoragePolicy
from sqlalchemy.engine import make_url

from svc.auth import migrate
from svc.auth.administration import Administration
from svc.auth.audit import AuditLog
from svc.auth.fingerprint import check_and_record
from svc.auth.identification import Identification
from svc.auth.oidc import OpenIDSignIn
from svc.auth.passwords import Passwords
from svc.auth.public import PublicAccess
from svc.auth.sessions import Sessions
from svc.auth.store import Store, create_store_engine
from svc.auth.revocation import GenerationFile, Revocations, default_revocation_file
from svc.auth.throttle import DatabaseThrottle, SignInThrottle
from svc.auth.ticket import SessionTicket
from svc.web.settings import SettingError
from svc.web.shared_state import redis_client, unavailable_errors


class AuthService:
    def __init__(
        self, settings, store, passwords, throttle, revocations, public_limits, unavailable=(), clock=time.time
    ):
        self.settings = settings
        self.store = store
        self.ticket = SessionTicket(settings.secrets, settings.cookie_name, settings.secure, settings.cookie_domain)
        # The sign-in form's CSRF token lives in its own cookie: anonymous visitors have no session.
        self.csrf_policy = CookieCSRFStoragePolicy(
            cookie_name=("__Host-" if settings.secure else "") + "svc_csrf",
            secure=settings.secure,
            httponly=True,
            samesite="Lax",
        )
        self.revocations = revocations
        # Admin actions and sign-in events, in the auth database (svc/auth/audit.py).
        self.audit = AuditLog(store.engine, clock, settings.audit_log)
        self.identification = Identification(
            settings, store, passwords, self.ticket, throttle, revocations, self.audit, unavailable, clock
        )
        self.sessions = Sessions(settings, store, self.identification, self.ticket, self.changed, self.audit, clock)
        self.admin = Administration(settings, store, passwords, self.changed, self.audit, throttle, clock)
        self.oidc = OpenIDSignIn.from_settings(settings, clock)  # None unless svc.auth.oidc_issuer is set
        self.known_permissions = frozenset()  # filled by the filter from the apps below it
        self.public = PublicAccess(settings, store, public_limits, revocations)

    @classmethod
    def from_settings(cls, settings):
        engine = create_store_engine(settings.db_url)
        where = make_url(settings.db_url).render_as_string(hide_password=True)
        if settings.create_schema:
            migrate.upgrade(engine)
        else:
            current, head = migrate.current_revision(engine), migrate.head_revision()
            if current != head:
                raise SettingError(
                    f"the auth database {where} is at schema {current or 'none'}, not {head}: "
                    "run svc-admin <ini> migrate"
                )
        check_and_record(engine, settings.secrets, where)
        passwords = Passwords(
            settings.argon2_time_cost,
            settings.argon2_memory_cost,
            settings.argon2_parallelism,
            settings.max_password_bytes,
        )
        redis = redis_client(settings.redis_url) if settings.redis_url else None
        unavailable = unavailable_errors() if redis is not None else ()
        revocations = Revocations(
            GenerationFile(settings.revocation_file or default_revocation_file(settings.db_url)), redis, unavailable
        )
        rates = (settings.login_attempts, settings.login_attempts_per_address)
        if settings.throttle_storage:
            limits = storage_from_string(settings.throttle_storage)
            throttle = SignInThrottle(*rates, limits)
        elif redis is not None:
            limits = RedisStorage(settings.redis_url, connection_pool=redis.connection_pool)
            throttle = SignInThrottle(*rates, limits)
        else:
            # Public rate limits without Redis count per process (svc/auth/public.py says so).
            limits = MemoryStorage()
            throttle = DatabaseThrottle(*rates, engine)
        public_limits = MovingWindowRateLimiter(limits)
        return cls(settings, Store(engine), passwords, throttle, revocations, public_limits, unavailable)

    def changed(self):
        """A change was stored: every process forgets what its caches remember, this one at once."""
        self.revocations.publish()
        self.identification.forget()
        self.public.clear()
