"""Each benchmark runs end to end, briefly, and prints its table: never a judgement of speed."""
import os
import re
import shutil
import subprocess
import sys

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.bulky  # two minutes of wrk runs: make test-all, not make test

# What each benchmark's table header starts with.
TABLES = {
    "hello": ["hello: pserve production.ini = granian, 1 workers"],
    "fetch": ["fetch: 1 KiB passthrough from", "fetch: a 8 MiB stream from"],
    "dns": ["dns: cached DoH GET vs /hello on the same server", "dns: bulk of 50 fresh names"],
    "auth": ["auth: hello behind the auth filter vs the same composition without it"],
    "metrics": ["metrics: hello with metrics on vs off"],
    "cluster": ["cluster: cookie-session hello through nginx (TLS), two deploy/cluster.ini instances"],
}
BRIEF = {
    "SVC_BENCH_SECONDS": "0.2",  # wrk counts whole seconds, so 1 s per run
    "SVC_BENCH_WORKERS": "1",
    "SVC_BENCH_STREAM_BYTES": str(8 << 20),
    "SVC_BENCH_BULK_NAMES": "50",
}


@pytest.mark.timeout(300)
@pytest.mark.parametrize("name", sorted(TABLES))
def test_the_benchmark_prints_its_table(name):
    for tool in ("wrk", "curl"):
        if shutil.which(tool) is None:
            pytest.skip(f"the benchmarks need {tool} (apt-get install {tool})")
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    done = subprocess.run(
        [sys.executable, "-m", "bench", name], cwd=ROOT, env={**env, **BRIEF}, capture_output=True, text=True, timeout=280
    )
    assert done.returncode == 0, done.stdout + done.stderr
    skipped = re.search(r"^\w+: skipped, .*$", done.stdout, re.M)
    if skipped:
        pytest.skip(skipped.group(0))
    for title in TABLES[name]:
        assert title in done.stdout, done.stdout
    assert "req/s" in done.stdout
