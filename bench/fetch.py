"""The fetch proxy through `pserve production.ini` (granian, auth filter, access log on) against a
naive urlopen-per-request proxy, and a big stream against a direct download, in one run.

The upstream stands in for a public host: nginx from Debian on loopback serving a static 1 KiB
file and a sparse file of SVC_BENCH_STREAM_BYTES (1 GiB by default), or bench/upstream.py when
nginx is missing. svc's fetch allows that loopback upstream, and svc.fetch.max_concurrent_per_user
is raised because all of wrk's connections are one caller (one Basic user holding fetch).

Goals: 1 KiB passthrough at least 2.5x the naive proxy on waitress and 1.5x the naive proxy on
granian with the same workers; the stream at least 0.8 of a direct download, with each worker's
RSS growing by less than 32 MiB.
"""
import os
import subprocess
import tempfile
from urllib.parse import quote

from bench.common import (
    Upstream, add_user, auth_sandbox, granian, pserve, ratio, seconds, server_settings, table, waitress, warm, workers, wrk,
)

FETCH = {
    "app:fetch": {
        "svc.fetch.allow": "127.0.0.1",
        "svc.fetch.ports": "1024-65535",
        # wrk's connections are all one caller here; production's cap would throttle the load itself.
        "svc.fetch.max_concurrent_per_user": "64",
        # a 1 GiB stream on a loaded machine may take longer than production's 60 s
        "svc.fetch.total_timeout": "600",
    }
}


def stream_bytes():
    return int(os.environ.get("SVC_BENCH_STREAM_BYTES") or 1 << 30)


def download(url, headers=()):
    """curl's own download speed in bytes/s, and the bytes received."""
    cmd = ["curl", "-s", "-o", "/dev/null", "-w", "%{speed_download} %{size_download} %{http_code}", url]
    for header in headers:
        cmd[1:1] = ["-H", header]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    speed, size, code = out.split()
    if code != "200":
        raise RuntimeError(f"{url} answered {code}")
    return float(speed), int(size)


def stream(upstream, svc, basic):
    """Best of 3 downloads each way, and the largest RSS growth of any svc worker over them."""
    big = upstream.url + "/big"
    through = svc.url + "/fetch?url=" + quote(big, safe="")
    before = svc.rss_mib()
    svc.reset_peak_rss()  # start-up's peak is not the stream's
    direct, proxied = [], []
    for _ in range(3):
        direct.append(download(big)[0])
        speed, size = download(through, [basic])
        if size != upstream.big_size:
            raise RuntimeError(f"the stream through svc brought {size} bytes, not {upstream.big_size}")
        proxied.append(speed)
    peaks = svc.peak_rss_mib()
    growth = max(peaks[pid] - rss for pid, rss in before.items() if pid in peaks)
    return max(direct), max(proxied), growth


def run():
    duration, count, threads = seconds(), workers(), server_settings().threads
    with tempfile.TemporaryDirectory() as folder, Upstream(stream_bytes()) as upstream:
        conf = auth_sandbox(folder)
        _, basic = add_user(conf, "bench", "a long enough bench password", ["fetch"])
        small = quote(upstream.url + "/small", safe="")
        with pserve(folder, sections=FETCH, global_conf=conf, worker_count=count) as svc:
            svc_url = svc.url + f"/fetch?url={small}"
            warm(svc_url, [basic])
            wrk(svc_url, 8, 1, headers=[basic])  # warm up every worker: imports, pools, caches
            direct, proxied, growth = stream(upstream, svc, basic)
            now = wrk(svc_url, 8, duration, headers=[basic])
        with waitress("bench.bare:naive_proxy") as naive_waitress, granian("bench.bare:naive_proxy", count) as naive_granian:
            naive = [
                (f"naive urlopen proxy, waitress 1 process x {threads}", wrk(naive_waitress.url + f"/?url={small}", 8, duration)),
                (f"naive urlopen proxy, granian {count} workers", wrk(naive_granian.url + f"/?url={small}", 8, duration)),
            ]
        with waitress("ini:" + _ini(folder), global_conf=conf) as old:
            warm(old.url + f"/fetch?url={small}", [basic])
            before = wrk(old.url + f"/fetch?url={small}", 8, duration, headers=[basic])

    rows = naive + [
        ("svc production.ini on waitress 1 process (before)", before),
        (f"svc pserve production.ini, granian {count} workers", now),
    ]
    table(
        f"fetch: 1 KiB passthrough from {upstream.server} on loopback; pserve production.ini = granian, "
        f"{count} workers x {threads} threads, auth (Basic) and access log on; wrk c=8, {duration} s each",
        rows,
        [("/naive wtr", naive[0][1]), ("/naive gr", naive[1][1])],
    )
    print(
        f"svc / naive on waitress: {ratio(now, naive[0][1]):.2f} (goal >= 2.5); "
        f"svc / naive on granian: {ratio(now, naive[1][1]):.2f} (goal >= 1.5)"
    )
    size = upstream.big_size
    print(f"\nfetch: a {size / 2**20:.0f} MiB stream from {upstream.server}, curl as the client (best of 3, same run)")
    print(f"{'case':<52}{'MB/s':>10}{'ratio':>8}{'RSS +MiB':>10}")
    print(f"{'direct from the upstream':<52}{direct / 1e6:>10.0f}{1:>8.2f}{'':>10}")
    print(f"{f'through svc fetch, granian {count} workers':<52}{proxied / 1e6:>10.0f}{proxied / direct:>8.2f}{growth:>10.1f}")
    print(f"stream / direct: {proxied / direct:.2f} (goal >= 0.8); largest RSS growth of a worker: {growth:.1f} MiB (goal < 32)")


def _ini(folder):
    """production.ini with the fetch overrides, for the single-process waitress row."""
    from bench.common import ini_copy

    sub = os.path.join(folder, "waitress")
    os.makedirs(sub, exist_ok=True)
    return ini_copy(sub, "production.ini", FETCH)


if __name__ == "__main__":
    run()
