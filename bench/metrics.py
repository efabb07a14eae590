"""What /metrics costs: hello through production.ini with egg:svc#ops counting every request,
against the same ini with ``metrics = false``, on the same waitress (bench/serve.py).

Goal: metrics on at least 0.90 of metrics off, at c=8.
"""
import os
import tempfile

from bench.common import ROOT, Server, auth_sandbox, table, wrk


def run(seconds=5):
    with tempfile.TemporaryDirectory() as folder:
        sandbox = auth_sandbox(folder)
        with open(os.path.join(ROOT, "production.ini")) as shipped:
            text = shipped.read()
        assert text.count("\nmetrics = true\n") == 1, "production.ini no longer has one metrics = true"
        off = os.path.join(folder, "metrics-off.ini")
        with open(off, "w") as copy:
            copy.write(text.replace("\nmetrics = true\n", "\nmetrics = false\n"))
        with Server("ini:production.ini", global_conf=sandbox) as on, Server(f"ini:{off}", global_conf=sandbox) as bare:
            path = "/hello?name=Booga"
            rows = [
                ("svc production.ini /hello, metrics off, c=8", wrk(bare.url + path, 8, seconds)),
                ("svc production.ini /hello, metrics on, c=8", wrk(on.url + path, 8, seconds)),
            ]
            table("hello: metrics on vs off (production.ini on waitress, same settings)", rows, rows[0][1])
            print(f"ratio: {rows[1][1]['rps'] / rows[0][1]['rps']:.2f} (goal >= 0.90)")


if __name__ == "__main__":
    run()
