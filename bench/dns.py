"""The dns piece through `pserve production.ini` (granian), against the test DNS server in its own process.

- cached DoH GET vs /hello on the same server, same run (goal: >= 0.6 of hello's req/s);
- uncached DoH GET (cache off) vs dnspython querying the same DNS server directly over UDP
  (goal: svc adds <= 1 ms at p50);
- bulk: 10,000 fresh names (SVC_BENCH_BULK_NAMES) through /dns/bulk (names per second).
"""
import os
import statistics
import tempfile
import time
import urllib.request

import dns.message
import dns.query

from bench.common import (
    TestDNSServer, add_user, auth_sandbox, pserve, ratio, seconds, server_settings, table, warm, workers, wrk,
)
from svc.dns.doh import encode_dns_param


def bulk_names():
    """Names in the bulk request: SVC_BENCH_BULK_NAMES, 10,000 by default."""
    return int(os.environ.get("SVC_BENCH_BULK_NAMES") or 10_000)


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
    body = "\n".join(f"host{i}.bench.test" for i in range(bulk_names())).encode()
    headers = {"Content-Type": "text/plain", "Authorization": authorization}
    request = urllib.request.Request(url + "/dns/bulk", data=body, headers=headers)
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=600) as response:
        rows = response.read().decode().splitlines()[1:]
    elapsed = time.perf_counter() - started
    failed = sum(1 for row in rows if not row.endswith(",198.51.100.7,"))
    return len(rows), failed, elapsed


def run():
    duration, count, threads = seconds(), workers(), server_settings().threads
    query = dns.message.make_query("a.test", "A")
    query.id = 0  # as RFC 8484 asks of GETs, so one URL stands for the question
    doh_path = "/dns/dns-query?dns=" + encode_dns_param(query.to_wire())
    with TestDNSServer() as upstream, tempfile.TemporaryDirectory() as folder:
        # production.ini's auth filter in front, and a user holding dns, signed in by Basic.
        conf = auth_sandbox(folder)
        _, basic = add_user(conf, "bench", "a long enough bench password", ["dns"])
        authorization = basic.partition(": ")[2]
        cached_ini = {
            "app:dns": {
                "svc.dns.nameservers": upstream.address,
                "svc.dns.lookup_backend": "svc.dns.lookup:NameserverLookup",
            }
        }
        uncached_ini = {"app:dns": {"svc.dns.nameservers": upstream.address, "svc.dns.cache_size": "0"}}
        os.makedirs(os.path.join(folder, "cached"))
        os.makedirs(os.path.join(folder, "uncached"))
        with pserve(os.path.join(folder, "cached"), sections=cached_ini, global_conf=conf, worker_count=count) as svc:
            # fills every worker's cache, and the filter's cache of verified Basic credentials
            warm(svc.url + doh_path, [basic])
            wrk(svc.url + doh_path, 8, 1, headers=[basic])
            hello = wrk(svc.url + "/hello?name=Booga", 8, duration, headers=[basic])
            cached = wrk(svc.url + doh_path, 8, duration, headers=[basic])
            names, failed, elapsed = bulk(svc.url, authorization)
        with pserve(os.path.join(folder, "uncached"), sections=uncached_ini, global_conf=conf, worker_count=count) as svc:
            warm(svc.url + doh_path, [basic])
            uncached = wrk(svc.url + doh_path, 1, duration, headers=[basic])
        direct_p50, direct_p99 = direct_udp_p50(upstream.port)

    table(
        f"dns: cached DoH GET vs /hello on the same server: pserve production.ini = granian, {count} workers x "
        f"{threads} threads, Basic auth, wrk c=8, {duration} s each",
        [("svc /hello", hello), ("svc /dns/dns-query GET, cached", cached)],
        [("/hello", hello)],
    )
    print(f"cached DoH / hello: {ratio(cached, hello):.2f} (goal >= 0.60)")
    print(f"\ndns: uncached DoH GET (svc.dns.cache_size = 0) vs dnspython UDP to the same DNS server, c=1, granian {count} workers")
    print(f"{'case':<52}{'p50 ms':>9}{'p99 ms':>9}")
    print(f"{'dnspython dns.query.udp, direct':<52}{direct_p50:>9.3f}{direct_p99:>9.3f}")
    print(f"{'svc /dns/dns-query GET, uncached':<52}{uncached['p50']:>9.3f}{uncached['p99']:>9.3f}")
    print(f"svc adds {uncached['p50'] - direct_p50:.3f} ms at p50 (goal <= 1 ms); {uncached['rps']:.0f} req/s")
    print(f"\ndns: bulk of {names} fresh names (NameserverLookup, bulk_concurrency from production.ini)")
    print(f"{names / elapsed:.0f} names/s, {elapsed:.2f} s in all, {failed} rows without the address")


if __name__ == "__main__":
    run()
