"""The fetch proxy against a naive urllib proxy and bare waitress, and a 1 GiB stream.

All servers run with production.ini's waitress settings, in the same run, against the
same upstream (bench/upstream.py). Goals: 1 KiB passthrough at least 2x the naive
proxy and at least 0.5 of bare hello; a 1 GiB stream at least 0.6 of a direct download,
with the proxy's peak RSS growing by less than 64 MiB. A bare waitress app streaming 1 GiB
from memory shows what the server itself can do.
"""
import subprocess
import sys
import time
from urllib.parse import quote

from bench.common import ROOT, Server, free_port, table, wrk


class Upstream:
    def __init__(self):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen([sys.executable, "-m", "bench.upstream", str(self.port)], cwd=ROOT)
        time.sleep(0.5)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.proc.terminate()
        self.proc.wait(10)


def download(url):
    """curl's own download speed in bytes/s, and the bytes received."""
    out = subprocess.run(
        ["curl", "-s", "-o", "/dev/null", "-w", "%{speed_download} %{size_download} %{http_code}", url],
        capture_output=True, text=True, check=True,
    ).stdout
    speed, size, code = out.split()
    if code != "200":
        raise RuntimeError(f"{url} answered {code}")
    return float(speed), int(size)


def run(seconds=5):
    with Upstream() as upstream, Server("bench.bare:hello") as bare, Server("bench.bare:naive_proxy") as naive, Server(
        "ini:bench/fetch.ini"
    ) as svc, Server("bench.bare:gibibyte") as ceiling:
        small = quote(upstream.url + "/small", safe="")
        for url in (bare.url + "/", naive.url + f"/?url={small}", svc.url + f"/fetch?url={small}"):
            wrk(url, 8, 1)  # warm up: imports, pools, caches
        big = quote(upstream.url + "/big", safe="")
        # Waitress keeps some 20 MiB per worker thread that has streamed a large body,
        # so the growth is that of the first stream, for svc and for the bare app alike.
        growth = {}
        speeds = {"direct": [], "through": [], "ceiling": []}
        for run_number in range(3):
            speeds["direct"].append(download(upstream.url + "/big")[0])
            for name, server, url in (("through", svc, f"/fetch?url={big}"), ("ceiling", ceiling, "/")):
                before = server.rss_mib()
                speed, size = download(server.url + url)
                assert size == 1 << 30, size
                speeds[name].append(speed)
                if run_number == 0:
                    growth[name] = server.peak_rss_mib() - before
        direct, through, alone = (max(speeds[k]) for k in ("direct", "through", "ceiling"))
        print("\nfetch: 1 GiB stream, curl as the client (best of 3, same run)")
        print(f"{'case':<44}{'MB/s':>10}{'ratio':>8}{'RSS +MiB':>10}")
        print(f"{'direct from the upstream':<44}{direct / 1e6:>10.0f}{1:>8.2f}{'':>10}")
        print(f"{'through svc fetch':<44}{through / 1e6:>10.0f}{through / direct:>8.2f}{growth['through']:>10.1f}")
        print(f"{'bare waitress, 1 GiB from memory':<44}{alone / 1e6:>10.0f}{alone / direct:>8.2f}{growth['ceiling']:>10.1f}")
        print(
            f"stream / direct: {through / direct:.2f} (goal >= 0.6); "
            f"stream / bare waitress: {through / alone:.2f}; "
            f"svc peak RSS growth: {growth['through']:.1f} MiB (goal < 64)"
        )

        rows = [
            ("bare waitress hello, c=8", wrk(bare.url + "/", 8, seconds)),
            ("naive urllib proxy, 1 KiB, c=8", wrk(naive.url + f"/?url={small}", 8, seconds)),
            ("svc fetch passthrough, 1 KiB, c=8", wrk(svc.url + f"/fetch?url={small}", 8, seconds)),
        ]
        table("fetch: 1 KiB passthrough (same waitress settings, same upstream)", rows, rows[0][1])
        hello, naive_result, fetch = (r[1]["rps"] for r in rows)
        print(
            f"fetch / naive: {fetch / naive_result:.2f} (goal >= 2.0); "
            f"fetch / hello: {fetch / hello:.2f} (goal >= 0.5)"
        )


if __name__ == "__main__":
    run()
