"""Per-caller fetch slots: one caller cannot hold every worker thread with slow fetches."""
import threading

from svc.fetch import errors

# Seconds a refused caller is told to wait: a slot frees when one of its fetches ends.
RETRY_AFTER = 1


class CallerSlots:
    """At most ``limit`` fetches at once per caller (a user name, or an anonymous caller's address).

    The count is per process: with N worker processes a caller may hold N x ``limit`` fetches
    in all, but never more than ``limit`` of one process's threads, which is what keeps the
    other callers served. M instances multiply it by M again, for the same reason.
    """

    def __init__(self, limit):
        self.limit = limit
        self._held = {}
        self._lock = threading.Lock()

    def take(self, caller):
        """A function that gives the slot back (once, however often called); or raise TooManyFetches."""
        with self._lock:
            held = self._held.get(caller, 0)
            if held >= self.limit:
                raise errors.TooManyFetches(
                    f"you have {held} fetches running, the most one caller may have at once; retry when one ends",
                    retry_after=RETRY_AFTER,
                )
            self._held[caller] = held + 1
        given_back = []

        def give_back():
            with self._lock:
                if given_back:
                    return
                given_back.append(True)
                if self._held[caller] == 1:
                    del self._held[caller]
                else:
                    self._held[caller] -= 1

        return give_back


class SlotHoldingBody:
    """A response body that gives the caller's slot back when the server closes it."""

    def __init__(self, body, give_back):
        self._body = body
        self._give_back = give_back

    def __iter__(self):
        return iter(self._body)

    def close(self):
        try:
            close = getattr(self._body, "close", None)
            if close is not None:
                close()
        finally:
            self._give_back()
