"""One secret, checked: every instance and svc-admin records which secrets it holds in the database.

A fingerprint is an HMAC of a fixed label under a secret: it tells two secrets apart and gives
nothing away. At start-up a process compares its fingerprints with those recorded by the last
one that started; when none match, its cookies and theirs cannot verify each other, so it
refuses to start. A rotation (svc-admin rotate-secret) keeps the old secret beside the new
one, so the two overlap until every instance has restarted.
"""
import hashlib
import hmac
import time

from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError

from svc.auth.models import SecretFingerprint
from svc.web.settings import SettingError

LABEL = b"svc.auth secret fingerprint v1"


def fingerprint(secret):
    return hmac.new(secret.encode("utf-8"), LABEL, hashlib.sha256).hexdigest()[:32]


def check_and_record(engine, secrets, where, clock=time.time):
    """Record the fingerprints of ``secrets``; raise SettingError when none matches the recorded ones."""
    mine = {fingerprint(secret) for secret in secrets}
    for attempt in range(2):  # a sibling starting at the same moment may record the same rows first
        try:
            with engine.begin() as conn:
                recorded = set(conn.execute(select(SecretFingerprint.fingerprint)).scalars())
                if recorded and not recorded & mine:
                    raise SettingError(
                        f"the svc.auth secret differs from the one recorded in the auth database {where} "
                        "by the instances (or the server) that used it before: set svc.auth.secret_file to "
                        "their secret file, or give this instance its own database; to change the secret "
                        "everywhere, use svc-admin <ini> rotate-secret (README, secret rotation)"
                    )
                if recorded != mine:
                    conn.execute(delete(SecretFingerprint))
                    now = int(clock())
                    conn.execute(insert(SecretFingerprint), [{"fingerprint": f, "recorded_at": now} for f in sorted(mine)])
            return
        except IntegrityError:
            if attempt:
                raise
