"""What an admin's unlock needs of either sign-in throttle: who is locked, and clearing it."""
import pytest
from limits.storage import MemoryStorage

from svc.auth import migrate
from svc.auth.errors import Throttled
from svc.auth.store import create_store_engine
from svc.auth.throttle import DatabaseThrottle, SignInThrottle

RATES = ("3 per 15 minutes", "100 per 15 minutes")


@pytest.fixture(params=["limits", "database"])
def throttle(request, tmp_path):
    if request.param == "limits":
        yield SignInThrottle(*RATES, MemoryStorage())
        return
    engine = create_store_engine(f"sqlite:///{tmp_path}/auth.sqlite")
    migrate.upgrade(engine)
    yield DatabaseThrottle(*RATES, engine)
    engine.dispose()


def test_locked_once_the_users_count_is_spent(throttle):
    for _ in range(2):
        throttle.failed("alice", "192.0.2.1")
    assert not throttle.locked("alice", "192.0.2.1")
    throttle.failed("alice", "192.0.2.1")
    assert throttle.locked("alice", "192.0.2.1")
    assert not throttle.locked("alice", "192.0.2.2")
    assert not throttle.locked("bob", "192.0.2.1")


def test_unlock_clears_the_user_from_that_client_only(throttle):
    for client in ("192.0.2.1", "198.51.100.1"):
        for _ in range(3):
            throttle.failed("alice", client)
    throttle.unlock("alice", "192.0.2.1")
    assert not throttle.locked("alice", "192.0.2.1")
    throttle.check("alice", "192.0.2.1")
    assert throttle.locked("alice", "198.51.100.1")
    with pytest.raises(Throttled):
        throttle.check("alice", "198.51.100.1")
