"""schemathesis against a live `pserve production.ini`, every mount (issue 8, item 9).

WebTest builds a well-formed environ, so fuzzing through it missed what the server sees
(a multipart Content-Type without a boundary was a 500 only there). Here the schemathesis
command line sends real HTTP with its default checks, every phase and every generation mode
(negative data, malformed and undeclared content types, undeclared methods), signed in as a
user who holds every permission. Hermetic: DNS goes to the test server, fetch reaches nothing.
"""
import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT, TESTING_GLOBAL_CONF

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

SCHEMATHESIS = os.path.join(os.path.dirname(sys.executable), "schemathesis")
MOUNTS = {"home": "", "urls": "/url", "fetch": "/fetch", "dns": "/dns", "net": "/net", "auth": "/auth"}
# Bounded so that the whole run takes well under two minutes on a quiet machine.
MAX_EXAMPLES = 15
# Every default check but two, which judge how precise the documents' schemas are, not whether
# svc fails: a schema-valid name such as "" or "-" is rightly refused (a 400), and the admin
# API accepts members in forms its schema is stricter about.
EXCLUDED_CHECKS = "positive_data_acceptance,negative_data_rejection"


@pytest.fixture(scope="module")
def server(live_server):
    return live_server(
        "production.ini",
        sections={
            # Every destination is refused, so no fuzzed URL leaves loopback; names come from the test zone.
            "app:fetch": {
                "svc.fetch.deny": "0.0.0.0/0 ::/0",
                "svc.fetch.resolver": "tests.fetch_fixtures.TestZone",
            },
            # Questions and lookups go to the test DNS server (tests/dns_server.py), never resolv.conf.
            "app:dns": {
                "svc.dns.nameservers": TESTING_GLOBAL_CONF["dns_nameserver"],
                "svc.dns.lookup_backend": "svc.dns.lookup:NameserverLookup",
                "svc.dns.timeout": "0.5",
                "svc.dns.lookup_timeout": "2",
                "svc.dns.bulk_max_lines": "50",
            },
        },
    )


@pytest.fixture(scope="module")
def authorization(server):
    return server.granted_basic()


@pytest.mark.parametrize("mount", MOUNTS.values(), ids=MOUNTS.keys())
def test_schemathesis_finds_nothing(server, authorization, mount, tmp_path):
    run = subprocess.run(
        [
            SCHEMATHESIS, "run", f"{server.url}{mount}/openapi.json",
            "--header", f"Authorization: {authorization}",
            "--max-examples", str(MAX_EXAMPLES),
            "--seed", "1",
            "--request-timeout", "30",
            "--exclude-checks", EXCLUDED_CHECKS,
            "--suppress-health-check", "all",
            "--report-dir", str(tmp_path),
        ],
        capture_output=True, text=True, cwd=tmp_path,
        env={**os.environ, "NO_COLOR": "1", "PYTHONPATH": ROOT, "SCHEMATHESIS_HOOKS": "tests.server.schemathesis_hooks"},
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Traceback" not in server.log(), server.log()
