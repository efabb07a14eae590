"""The revocation broadcast: every change to who may do what tells every process to forget its caches.

Two signals, each a counter that only grows; a process empties its auth caches whenever their
sum differs from what it last saw, which it checks on every request (an mmap read and an int
add: well under a microsecond, bench/revocation.py).

- One host: a generation counter in a small file beside the database (``svc.auth.revocation_file``),
  mapped into memory by every worker and by svc-admin, bumped under flock by every change.
- Several instances (``svc.auth.redis_url``): each change is also published on a Redis channel; a
  listener thread in each worker counts what it hears, and counts a (re)connection too, since
  messages sent while it was away are lost. While Redis is unreachable other instances fall back
  on ``recheck_seconds``.
"""
import contextlib
import fcntl
import hashlib
import logging
import mmap
import os
import struct
import tempfile
import threading
import time

from sqlalchemy.engine import make_url

log = logging.getLogger(__name__)

CHANNEL = "svc.auth.revoked"
_COUNTER = struct.Struct("<Q")
RECONNECT_SECONDS = 1.0


def default_revocation_file(db_url):
    """Beside a SQLite database; for a server database, one file per database URL in the temp folder."""
    parsed = make_url(db_url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        if not parsed.database.startswith("file:"):
            return os.path.abspath(parsed.database) + ".revoked"
    digest = hashlib.sha256(db_url.encode()).hexdigest()[:16]
    return os.path.join(tempfile.gettempdir(), f"svc-auth-{digest}.revoked")


class GenerationFile:
    """A 64-bit counter in a file that every process on the host maps."""

    def __init__(self, path):
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        self.path = path
        with self._locked() as fd:
            if os.fstat(fd).st_size < _COUNTER.size:
                os.ftruncate(fd, _COUNTER.size)
        # Mapped from a descriptor of its own: mmap keeps a duplicate, which would hold a flock for ever.
        fd = os.open(self.path, os.O_RDWR)
        try:
            self._map = mmap.mmap(fd, _COUNTER.size)
        finally:
            os.close(fd)

    @contextlib.contextmanager
    def _locked(self):
        """The file, open and locked against other processes' bumps."""
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield fd
        finally:
            os.close(fd)  # closing releases the lock

    def read(self):
        return _COUNTER.unpack_from(self._map)[0]  # a torn read only costs one more cache flush

    def bump(self):
        with self._locked():
            _COUNTER.pack_into(self._map, 0, (self.read() + 1) % 2**64)


class Revocations:
    """``publish()`` after a change is stored; ``generation()`` on every request."""

    def __init__(self, generation_file, redis=None, unavailable=()):
        self.file = generation_file
        self.redis = redis
        self.unavailable = unavailable
        self.heard = 0  # changes (and reconnections) this process heard on the Redis channel
        self._listener = None
        os.register_at_fork(after_in_child=self._forked)

    def _forked(self):
        self._listener = None  # threads do not survive fork: each worker starts its own

    def generation(self):
        if self.redis is not None and self._listener is None:
            self._start_listening()
        return self.file.read() + self.heard

    def publish(self):
        self.file.bump()
        if self.redis is not None:
            try:
                self.redis.publish(CHANNEL, b"1")
            except self.unavailable as exc:  # the change is stored; other instances see it within recheck_seconds
                log.warning("revocation not broadcast to other instances: Redis is unavailable (%s)", exc)

    def _start_listening(self):
        self._listener = threading.Thread(target=self._listen, name="svc-auth-revocations", daemon=True)
        self._listener.start()

    def _listen(self):
        down = False
        while True:
            try:
                pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
                try:
                    pubsub.subscribe(CHANNEL)
                    self.heard += 1  # what was published while we were not listening is lost: forget all
                    if down:
                        log.warning("revocation broadcast: Redis is back")
                    down = False
                    while True:
                        if pubsub.get_message(timeout=RECONNECT_SECONDS) is not None:
                            self.heard += 1
                finally:
                    pubsub.close()
            except self.unavailable as exc:
                if not down:  # once per outage, not once per retry
                    log.warning("revocation broadcast: Redis is unavailable (%s); other instances' changes "
                                "reach this one within recheck_seconds until it is back", exc)
                down = True
                time.sleep(RECONNECT_SECONDS)
