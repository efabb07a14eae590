"""The audit log: admin actions and security events, in the auth database, and optionally as JSON lines.

Events are named after what happened: an admin action (``grant``, ``remove_user``, ...:
svc/auth/administration.py) or a sign-in event (``sign_in``, ``sign_in_failed``,
``sign_in_locked``, ``sign_out``, ``unlock``). Every worker and svc-admin write to the same table, so the log is
complete however many processes run. Successful Basic and Bearer checks are not logged: a
client would write a row on every request; failed ones are, and the sign-in throttle bounds them.
"""
import json
import logging
import time
from dataclasses import dataclass

from sqlalchemy import insert, select

from svc.auth.models import AuditEntry
from svc.auth.names import NAME_LENGTH

json_log = logging.getLogger("svc.audit")

MAX_PAGE = 1000


@dataclass(frozen=True)
class Actor:
    """Who made a change: a signed-in admin (with their address) or svc-admin on the server."""

    name: str
    client: str | None = None


CLI = Actor("svc-admin")


class AuditLog:
    def __init__(self, engine, clock=time.time, to_log=False):
        self.engine = engine
        self.clock = clock
        self.to_log = to_log

    def record(self, event, actor=None, subject=None, client=None, **detail):
        """Store one event; ``client`` defaults to the actor's address."""
        row = {
            "at": int(self.clock()),
            "event": event,
            "actor": actor.name[:NAME_LENGTH] if actor else None,
            "client": client or (actor.client if actor else None),
            "subject": None if subject is None else str(subject)[: NAME_LENGTH + 1],
            "detail": json.dumps(detail, sort_keys=True),
        }
        with self.engine.begin() as conn:
            row["id"] = conn.execute(insert(AuditEntry).values(**row)).inserted_primary_key[0]
        if self.to_log:
            json_log.info("%s", json.dumps(_entry(row), sort_keys=True))

    def entries(self, since=None, after=None, limit=100, newest_first=False, event=None, subject=None):
        """Entries at or after ``since`` (Unix seconds) with an id above ``after``, at most ``limit``."""
        query = select(AuditEntry).limit(min(limit, MAX_PAGE))
        if since is not None:
            query = query.where(AuditEntry.at >= since)
        if after is not None:
            query = query.where(AuditEntry.id > after)
        if event is not None:
            query = query.where(AuditEntry.event == event)
        if subject is not None:
            query = query.where(AuditEntry.subject == subject)
        query = query.order_by(AuditEntry.id.desc() if newest_first else AuditEntry.id)
        with self.engine.connect() as conn:
            return [_entry(row._mapping) for row in conn.execute(query.with_only_columns(*AuditEntry.__table__.c))]


def _entry(row):
    return {
        "id": row["id"],
        "at": row["at"],
        "event": row["event"],
        "actor": row["actor"],
        "client": row["client"],
        "subject": row["subject"],
        "detail": json.loads(row["detail"]) if isinstance(row["detail"], str) else row["detail"],
    }
