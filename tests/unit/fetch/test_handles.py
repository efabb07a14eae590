"""The curl engine's pool of idle handles, on a clock the test turns."""
from svc.fetch.handles import HandlePool


class FakeHandle:
    closed = False

    def close(self):
        self.closed = True


def test_idle_handles_are_reused_last_in_first_out_and_closed_when_stale():
    now = [100.0]
    pool = HandlePool(2, idle_timeout=3600, factory=FakeHandle, clock=lambda: now[0])
    first, second, third = FakeHandle(), FakeHandle(), FakeHandle()
    pool.put(first)
    now[0] += 10
    pool.put(second)
    pool.put(third)  # beyond the pool's size: closed at once
    assert third.closed
    pool.close_idle(older_than=5)
    assert first.closed and not second.closed
    assert pool.get() is second
    assert isinstance(pool.get(), FakeHandle)  # empty: a new one from the factory
