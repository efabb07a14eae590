"""egg:svc#granian terminating TLS with HTTP/2, and h2c: `dig +https` and `dig +http-plain`
ask the DoH endpoint directly (a trustme certificate; the dns piece alone, no auth filter)."""
import os
import shutil
import subprocess
import sys
import time

import pytest

from svc.web.server import write_pkcs8_key
from tests.server.test_pserve_production import Pserve, free_port

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("dig") is None, reason="dig is missing (apt-get install bind9-dnsutils)"),
]

INI = """
[app:main]
use = egg:svc#dns
svc.enforce_permissions = false
svc.dns.nameservers = {nameserver}

[server:main]
use = egg:svc#granian
listen = 127.0.0.1:{port}
workers = 1
{tls}

[loggers]
keys = root

[handlers]
keys = console

[formatters]
keys = generic

[logger_root]
level = INFO
handlers = console

[handler_console]
class = StreamHandler
args = (sys.stderr,)
formatter = generic

[formatter_generic]
format = %(levelname)s [%(name)s] %(message)s
"""


@pytest.fixture(scope="module")
def nameserver():
    from tests import dns_server

    server = dns_server.start()
    yield server.address
    server.stop()


def serve(folder, nameserver, tls):
    port = free_port()
    ini = os.path.join(folder, "doh.ini")
    with open(ini, "w") as out:
        out.write(INI.format(nameserver=nameserver, port=port, tls=tls))
    return Pserve(ini, port, {})


def dig(*args):
    done = subprocess.run(["dig", "+short", "+tries=1", "+time=10", *args], capture_output=True, text=True)
    return done.stdout + done.stderr


def test_dig_https_over_tls_and_http2(tmp_path, nameserver):
    import trustme

    authority = trustme.CA()
    leaf = authority.issue_cert("localhost", "127.0.0.1")
    leaf.cert_chain_pems[0].write_to_path(str(tmp_path / "cert.pem"))
    write_pkcs8_key(leaf.private_key_pem.bytes(), str(tmp_path / "key.pem"))
    authority.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    tls = f"ssl_certificate = {tmp_path}/cert.pem\nssl_keyfile = {tmp_path}/key.pem"
    server = serve(str(tmp_path), nameserver, tls)
    try:
        out = dig("@127.0.0.1", "-p", str(server.port), "+https=/dns-query", f"+tls-ca={tmp_path}/ca.pem", "a.test", "A")
        assert out.strip() == "192.0.2.1", out + server.logs()
    finally:
        assert server.stop() == 0


def test_dig_http_plain_is_h2c(tmp_path, nameserver):
    server = serve(str(tmp_path), nameserver, "")
    try:
        out = dig("@127.0.0.1", "-p", str(server.port), "+http-plain=/dns-query", "a.test", "A")
        assert out.strip() == "192.0.2.1", out + server.logs()
    finally:
        assert server.stop() == 0
