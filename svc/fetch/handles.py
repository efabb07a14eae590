"""The curl engine's idle handles (each a CurlMulti with its connections), kept for reuse.

Per process: N worker processes keep N pools, each of at most ``svc.fetch.pool_size`` handles.
"""
import threading
import time


class HandlePool:
    """Idle handles, last in first out; a reaper thread closes those idle too long.

    The reaper runs only while some handle is idle, so an unused engine holds no thread.
    """

    def __init__(self, size, idle_timeout, factory, clock=time.monotonic):
        self.size = size
        self.clock = clock
        self.idle_timeout = idle_timeout
        self._factory = factory
        self._idle = []  # (handle, idle since)
        self._lock = threading.Lock()
        self._reaper = None

    def get(self):
        with self._lock:
            if self._idle:
                return self._idle.pop()[0]
        return self._factory()

    def put(self, handle):
        with self._lock:
            if len(self._idle) < self.size:
                self._idle.append((handle, self.clock()))
                if self._reaper is None:
                    self._reaper = threading.Thread(target=self._reap, name="svc-fetch-reaper", daemon=True)
                    self._reaper.start()
                return
        handle.close()

    def close_idle(self, older_than):
        now = self.clock()
        with self._lock:
            stale = [h for h, since in self._idle if now - since >= older_than]
            self._idle = [(h, since) for h, since in self._idle if now - since < older_than]
        for handle in stale:
            handle.close()

    def _reap(self):
        while True:
            time.sleep(max(self.idle_timeout / 4, 0.05))
            self.close_idle(self.idle_timeout)
            with self._lock:
                if not self._idle:
                    self._reaper = None
                    return
