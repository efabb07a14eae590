"""The dns piece on production.ini's composition, against the test DNS server in its own process.

- cached DoH GET vs /hello on the same server, same run (goal: >= 0.6 of hello's req/s);
- uncached DoH GET (cache off) vs dnspython querying the same DNS server directly over UDP
  (goal: svc adds <= 1 ms at p50);
- bulk: 10,000 fresh names through /dns/bulk (names per second).
"""
import configparser
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

import dns.message
import dns.query

from bench.common import ROOT, Server, add_user, auth_sandbox, table, wrk
from svc.dns.doh import encode_dns_param

BULK_NAMES = 10_000


class TestDNSServer:
    """``python -m tests.dns_server`` in a child process."""

    def __enter__(self):
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.dns_server", "0"], cwd=ROOT, stdout=subprocess.PIPE, text=True
        )
        self.address = self.proc.stdout.readline().strip()
        self.port = int(self.address.rpartition(":")[2])
        return self

    def __exit__(self, *exc):
        self.proc.terminate()
        self.proc.wait(10)


def production_ini(folder, name, **dns_settings):
    """production.ini with some [app:dns] settings replaced, written to ``folder``."""
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str
    parser.read(os.path.join(ROOT, "production.ini"))
    for key, value in dns_settings.items():
        parser["app:dns"][f"svc.dns.{key}"] = str(value)
    path = os.path.join(folder, name)
    with open(path, "w") as f:
        parser.write(f)
    return path


def direct_udp_p50(port, count=3000):
    """p50 in ms of dnspython asking the DNS server itself, one query at a time."""
    times = []
    for _ in range(count):
        query = dns.message.make_query("a.test", "A")
        started = time.perf_counter()
        dns.query.udp(query, "127.0.0.1", timeout=2, port=port)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), statistics.quantiles(times, n=100)[98]


def bulk(url, authorization):
    body = "\n".join(f"host{i}.bench.test" for i in range(BULK_NAMES)).encode()
    headers = {"Content-Type": "text/plain", "Authorization": authorization}
    request = urllib.request.Request(url + "/dns/bulk", data=body, headers=headers)
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=600) as response:
        rows = response.read().decode().splitlines()[1:]
    elapsed = time.perf_counter() - started
    failed = sum(1 for row in rows if not row.endswith(",198.51.100.7,"))
    return len(rows), failed, elapsed


def run(seconds=5):
    query = dns.message.make_query("a.test", "A")
    query.id = 0  # as RFC 8484 asks of GETs, so one URL stands for the question
    doh_path = "/dns/dns-query?dns=" + encode_dns_param(query.to_wire())
    with TestDNSServer() as upstream, tempfile.TemporaryDirectory() as folder:
        # production.ini's auth filter in front, and a user holding dns, signed in by Basic.
        conf = auth_sandbox(folder)
        _, basic = add_user(conf, "bench", "a long enough bench password", ["dns"])
        authorization = basic.partition(": ")[2]
        cached_ini = production_ini(
            folder,
            "cached.ini",
            nameservers=upstream.address,
            lookup_backend="svc.dns.lookup:NameserverLookup",
        )
        uncached_ini = production_ini(folder, "uncached.ini", nameservers=upstream.address, cache_size=0)
        with Server("ini:" + cached_ini, global_conf=conf) as svc:
            # fills the cache, and the filter's cache of verified Basic credentials
            urllib.request.urlopen(urllib.request.Request(svc.url + doh_path, headers={"Authorization": authorization})).read()
            hello = wrk(svc.url + "/hello?name=Booga", 8, seconds, headers=[basic])
            cached = wrk(svc.url + doh_path, 8, seconds, headers=[basic])
            names, failed, elapsed = bulk(svc.url, authorization)
            rss = svc.peak_rss_mib()
        with Server("ini:" + uncached_ini, global_conf=conf) as svc:
            uncached = wrk(svc.url + doh_path, 1, seconds, headers=[basic])
        direct_p50, direct_p99 = direct_udp_p50(upstream.port)

    table(
        "dns: cached DoH GET vs /hello, production.ini composition, same server, Basic auth, c=8",
        [("svc /hello", hello), ("svc /dns/dns-query GET, cached", cached)],
        hello,
    )
    print(f"ratio: {cached['rps'] / hello['rps']:.2f} (goal >= 0.60); svc peak RSS {rss:.0f} MiB")
    print("\ndns: uncached DoH GET (svc.dns.cache_size = 0) vs dnspython UDP to the same DNS server, c=1")
    print(f"{'case':<44}{'p50 ms':>9}{'p99 ms':>9}")
    print(f"{'dnspython dns.query.udp, direct':<44}{direct_p50:>9.3f}{direct_p99:>9.3f}")
    print(f"{'svc /dns/dns-query GET, uncached':<44}{uncached['p50']:>9.3f}{uncached['p99']:>9.3f}")
    print(f"svc adds {uncached['p50'] - direct_p50:.3f} ms at p50 (goal <= 1 ms); {uncached['rps']:.0f} req/s")
    print(f"\ndns: bulk of {names} fresh names (NameserverLookup, bulk_concurrency from production.ini)")
    print(f"{names / elapsed:.0f} names/s, {elapsed:.2f} s in all, {failed} rows without the address")


if __name__ == "__main__":
    run()
