"""The per-request revocation check (svc/auth/revocation.py): its p50 and p99, in microseconds.

A micro-benchmark: no server, one process; the goal is p50 <= 100 us (issue 10). Then the same
with the Redis listener running: on SVC_BENCH_REDIS_URL, else on a redis-server of its own
(Debian's, as the tests start it), else that row is skipped.
"""
import contextlib
import os
import tempfile
import time

SAMPLES = 200_000


def _measure(revocations):
    seen = revocations.generation()
    timings = []
    clock = time.perf_counter_ns
    for _ in range(SAMPLES):
        started = clock()
        if revocations.generation() != seen:  # what Identification._current does per request
            seen = revocations.generation()
        timings.append(clock() - started)
    timings.sort()
    return timings[len(timings) // 2] / 1000, timings[len(timings) * 99 // 100] / 1000


def run():
    from svc.auth.revocation import GenerationFile, Revocations

    from tests.redis_server import REDIS_SERVER, RedisServer

    with tempfile.TemporaryDirectory() as folder, contextlib.ExitStack() as stack:
        rows = [("generation file only", Revocations(GenerationFile(os.path.join(folder, "g"))))]
        url = os.environ.get("SVC_BENCH_REDIS_URL")
        if not url and os.path.exists(REDIS_SERVER):
            server = RedisServer(folder).start()
            stack.callback(server.kill)
            url = server.url
        if url:
            from svc.web.shared_state import redis_client, unavailable_errors

            rows.append(("file + Redis listener", Revocations(GenerationFile(os.path.join(folder, "r")), redis_client(url), unavailable_errors())))
        print(f"revocation check per request, {SAMPLES} samples, 1 process (goal: p50 <= 100 us)")
        print(f"{'signal':<24} {'p50 us':>8} {'p99 us':>8}")
        for name, revocations in rows:
            p50, p99 = _measure(revocations)
            print(f"{name:<24} {p50:>8.2f} {p99:>8.2f}")
        if not url:
            print("file + Redis listener: skipped (apt-get install redis-server, or set SVC_BENCH_REDIS_URL)")


if __name__ == "__main__":
    run()
