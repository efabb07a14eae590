"""Hello through `pserve production.ini` (granian, auth filter, access log on) against bare WSGI
hellos: on single-process waitress with the same threads, and on granian with the same workers.

Goals: at least 3.0x bare waitress; at least 0.35 of bare granian; p99 at most 1 ms at c=1.
The row of production.ini on single-process waitress shows where svc came from.
"""
import tempfile

from bench.common import auth_sandbox, granian, pserve, ratio, seconds, server_settings, table, waitress, workers, wrk

PATH = "/hello?name=Booga"


def run():
    duration, count, threads = seconds(), workers(), server_settings().threads
    with tempfile.TemporaryDirectory() as folder:
        sandbox = auth_sandbox(folder)
        with waitress("bench.bare:hello") as bare_waitress, granian("bench.bare:hello", count) as bare_granian:
            bare = [
                (f"bare WSGI hello, waitress 1 process x {threads} threads", wrk(bare_waitress.url + PATH, 8, duration)),
                (f"bare WSGI hello, granian {count} workers", wrk(bare_granian.url + PATH, 8, duration)),
            ]
        with waitress("ini:production.ini", global_conf=sandbox) as old:
            before = wrk(old.url + PATH, 8, duration)
        with pserve(folder, global_conf=sandbox, worker_count=count) as svc:
            wrk(svc.url + PATH, 8, 1)  # warm up every worker
            now = wrk(svc.url + PATH, 8, duration)
            single = wrk(svc.url + PATH, 1, duration)
    rows = bare + [
        (f"svc production.ini on waitress 1 process (before)", before),
        (f"svc pserve production.ini, granian {count} workers", now),
        (f"svc pserve production.ini, granian, c=1", single),
    ]
    table(
        f"hello: pserve production.ini = granian, {count} workers x {threads} threads, auth filter and "
        f"access log on; wrk c=8 unless said, {duration} s each",
        rows,
        [("/waitress", bare[0][1]), ("/granian", bare[1][1])],
    )
    print(
        f"svc / bare waitress: {ratio(now, bare[0][1]):.2f} (goal >= 3.0); "
        f"svc / bare granian: {ratio(now, bare[1][1]):.2f} (goal >= 0.35); "
        f"svc p99 at c=1: {single['p99']:.3f} ms (goal <= 1 ms)"
    )


if __name__ == "__main__":
    run()
