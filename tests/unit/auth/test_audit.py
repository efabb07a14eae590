import json
import logging

import pytest

from svc.auth import migrate
from svc.auth.audit import Actor, AuditLog
from svc.auth.store import create_store_engine


@pytest.fixture
def audit(tmp_path):
    engine = create_store_engine(f"sqlite:///{tmp_path}/auth.sqlite")
    migrate.upgrade(engine)
    clock = [1000.0]
    log = AuditLog(engine, clock=lambda: clock[0])
    log.tick = lambda seconds: clock.__setitem__(0, clock[0] + seconds)
    yield log
    engine.dispose()


def test_an_entry_names_its_actor_subject_and_detail(audit):
    audit.record("add_member", Actor("root", "192.0.2.1"), "ops", user="alice")
    audit.record("remove_user", None, "bob")
    first, second = audit.entries()
    assert first == {"id": 1, "at": 1000, "event": "add_member", "actor": "root", "client": "192.0.2.1",
                     "subject": "ops", "detail": {"user": "alice"}}
    assert (second["event"], second["actor"], second["subject"], second["detail"]) == ("remove_user", None, "bob", {})


def test_since_after_limit_and_newest_first(audit):
    for n in range(5):
        audit.record("sign_in", subject=f"u{n}")
        audit.tick(10)
    assert [e["subject"] for e in audit.entries(since=1020)] == ["u2", "u3", "u4"]
    assert [e["subject"] for e in audit.entries(after=3, limit=1)] == ["u3"]
    assert [e["subject"] for e in audit.entries(limit=2, newest_first=True)] == ["u4", "u3"]
    assert [e["subject"] for e in audit.entries(subject="u1", event="sign_in")] == ["u1"]


def test_json_lines_only_when_asked(audit, caplog):
    with caplog.at_level(logging.INFO, logger="svc.audit"):
        audit.record("sign_in", subject="alice", client="::1")
        audit.to_log = True
        audit.record("sign_out", subject="alice")
    [line] = [json.loads(r.getMessage()) for r in caplog.records]
    assert line == {"id": 2, "at": 1000, "event": "sign_out", "actor": None, "client": None, "subject": "alice", "detail": {}}
