"""The auth piece's Prometheus metrics, counted where the filter and the sign-in form call the
service (svc.web.metrics explains the multiprocess rules)."""
from contextlib import contextmanager

from prometheus_client import Counter
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import func, select

from svc.auth.models import Session
from svc.auth.service import InvalidToken, SignInBusy, Throttled

SIGN_INS = Counter("svc_auth_sign_ins_total", "Sign-in attempts by method and outcome", ("method", "outcome"))
THROTTLED = Counter("svc_auth_throttled_total", "Sign-ins refused by the failed-attempt throttle", ("method",))
HASH_CAP = Counter("svc_auth_hash_cap_reached_total", "Sign-ins answered 503: every hashing slot was taken", ("method",))


@contextmanager
def sign_in(method):
    """Counts the sign-in attempt run inside, by the exception it ends with (none: ok)."""
    try:
        yield
    except Throttled:
        SIGN_INS.labels(method, "throttled").inc()
        THROTTLED.labels(method).inc()
        raise
    except SignInBusy:
        SIGN_INS.labels(method, "busy").inc()
        HASH_CAP.labels(method).inc()
        raise
    except InvalidToken:
        SIGN_INS.labels(method, "invalid_token").inc()
        raise
    except Exception:
        SIGN_INS.labels(method, "refused").inc()
        raise
    SIGN_INS.labels(method, "ok").inc()


class ActiveSessions:
    """``svc_auth_active_sessions``: browser sessions not yet expired, one indexed count at scrape
    time (the database is shared, so every worker and instance would say the same)."""

    def __init__(self, service):
        self.service = service

    def collect(self):
        now = int(self.service.clock())
        with self.service.store.engine.connect() as connection:
            count = connection.execute(select(func.count()).select_from(Session).where(Session.expires_at > now)).scalar()
        yield GaugeMetricFamily("svc_auth_active_sessions", "Browser sessions not yet expired", value=count)
