"""Hello through the production composition against a bare WSGI hello on the same waitress.

Goals: throughput at least 0.70 of bare waitress; p99 at most 1 ms at concurrency 1.
"""
import tempfile

from bench.common import Server, auth_sandbox, table, wrk


def run(seconds=5):
    with tempfile.TemporaryDirectory() as folder:
        sandbox = auth_sandbox(folder)
        with Server("bench.bare:hello") as bare, Server("ini:production.ini", global_conf=sandbox) as svc, Server(
            "ini:production.ini", global_conf=sandbox, env={"SVC_BENCH_NO_ACCESS_LOG": "1"}
        ) as quiet:
            measure(bare, svc, quiet, seconds)


def measure(bare, svc, quiet, seconds):
    path = "/hello?name=Booga"
    rows = []
    for connections in (8, 1):
        rows.append((f"bare waitress hello, c={connections}", wrk(bare.url + path, connections, seconds)))
        rows.append((f"svc production.ini /hello, c={connections}", wrk(svc.url + path, connections, seconds)))
    rows.append(("svc production.ini, access log off, c=8", wrk(quiet.url + path, 8, seconds)))
    table("hello: production composition vs bare waitress (same server settings)", rows, rows[0][1])
    print(
        f"ratio at c=8: {rows[1][1]['rps'] / rows[0][1]['rps']:.2f} (goal >= 0.70); "
        f"svc p99 at c=1: {rows[3][1]['p99']:.3f} ms (goal <= 1 ms)"
    )


if __name__ == "__main__":
    run()
