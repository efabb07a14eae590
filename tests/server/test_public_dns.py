"""A public dns piece: with @anonymous holding dns, pserve production.ini (granian over TLS and
HTTP/2) answers `dig +https` and dnspython's DoH client with no credentials, until the rate is spent."""
import shutil
import ssl
import subprocess

import dns.message
import dns.query
import dns.rcode
import pytest
import requests

from svc.web.server import write_pkcs8_key

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("dig") is None, reason="dig is missing (apt-get install bind9-dnsutils)"),
]

RATE = 4  # per minute, per client address


@pytest.fixture
def server(tmp_path, live_server, dns_upstream):
    import trustme

    authority = trustme.CA()
    leaf = authority.issue_cert("localhost", "127.0.0.1")
    leaf.cert_chain_pems[0].write_to_path(str(tmp_path / "cert.pem"))
    write_pkcs8_key(leaf.private_key_pem.bytes(), str(tmp_path / "key.pem"))
    authority.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    svc = live_server(
        "production.ini",
        sections={
            "app:dns": {"svc.dns.nameservers": dns_upstream.address},
            "server:main": {"ssl_certificate": tmp_path / "cert.pem", "ssl_keyfile": tmp_path / "key.pem",
                            "workers": "1"},
        },
        **{"svc.auth.anonymous_rate": f"{RATE} per minute"},
    )
    svc.service().admin.grant("@anonymous", "dns")
    svc.ca = str(tmp_path / "ca.pem")
    return svc


def test_doh_clients_need_no_credentials_within_the_rate(server):
    done = subprocess.run(
        ["dig", "+short", "+tries=1", "+time=10", "@127.0.0.1", "-p", str(server.port), "+https=/dns/dns-query",
         f"+tls-ca={server.ca}", "a.test", "A"],
        capture_output=True, text=True,
    )
    assert done.stdout.strip() == "192.0.2.1", done.stdout + done.stderr + server.log()

    query = dns.message.make_query("a.test", "A")
    answer = dns.query.https(query, "127.0.0.1", port=server.port, path="/dns/dns-query", timeout=10,
                             verify=ssl.create_default_context(cafile=server.ca))
    assert answer.rcode() == dns.rcode.NOERROR and answer.answer[0][0].address == "192.0.2.1"

    url = f"https://127.0.0.1:{server.port}/dns/resolve?name=a.test"
    statuses = [requests.get(url, verify=server.ca, timeout=10).status_code for _ in range(RATE - 1)]
    assert statuses == [200] * (RATE - 2) + [429]  # dig and dnspython spent two
    limited = requests.get(url, verify=server.ca, timeout=10)
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1
    assert limited.headers["Content-Type"] == "application/problem+json"
