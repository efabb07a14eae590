"""What /metrics costs: hello through `pserve production.ini` with egg:svc#ops counting every
request, against the same ini with ``metrics = false``, on the same server and workers.

Goal: metrics on at least 0.90 of metrics off, at c=8.
"""
import os
import tempfile

from bench.common import auth_sandbox, pserve, ratio, seconds, server_settings, table, workers, wrk

PATH = "/hello?name=Booga"


def run():
    duration, count, threads = seconds(), workers(), server_settings().threads
    with tempfile.TemporaryDirectory() as folder:
        sandbox = auth_sandbox(folder)
        rows = []
        for name, metrics in (("off", "false"), ("on", "true")):
            sub = os.path.join(folder, name)
            os.makedirs(sub)
            with pserve(sub, sections={"filter:ops": {"metrics": metrics}}, global_conf=sandbox, worker_count=count) as svc:
                wrk(svc.url + PATH, 8, 1)  # warm up every worker
                rows.append((f"svc pserve production.ini /hello, metrics {name}, c=8", wrk(svc.url + PATH, 8, duration)))
    table(
        f"metrics: hello with metrics on vs off; pserve production.ini = granian, {count} workers x {threads} threads, "
        f"{duration} s each",
        rows,
        [("ratio", rows[0][1])],
    )
    print(f"metrics on / off: {ratio(rows[1][1], rows[0][1]):.2f} (goal >= 0.90)")


if __name__ == "__main__":
    run()
