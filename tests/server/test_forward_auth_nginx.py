"""Forward auth for real: Debian's nginx, with deploy/forward-auth/'s snippets unchanged, in front of
a foreign app (python's http.server serving a folder), asks pserve production.ini's /auth/check."""
import os
import re
import shutil
import socket
import subprocess
import sys
import textwrap
import time
from urllib.parse import urljoin

import pytest
import requests

from tests.live_server import ROOT

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
SNIPPETS = os.path.join(ROOT, "deploy", "forward-auth")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not os.path.exists(NGINX), reason="nginx is missing (apt-get install nginx)"),
]

# The foreign app: http.server serving a folder, which also says whom nginx told it the caller is.
APP = """
import functools, http.server, sys
class Handler(http.server.SimpleHTTPRequestHandler):
    def end_headers(self):
        self.send_header("X-Seen-User", self.headers.get("X-Auth-Request-User", ""))
        super().end_headers()
http.server.test(functools.partial(Handler, directory=sys.argv[2]), port=int(sys.argv[1]), bind="127.0.0.1")
"""

NGINX_CONF = """
daemon off;
master_process off;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    upstream svc {{ server 127.0.0.1:{svc_port}; }}
    server {{
        listen 127.0.0.1:{port};
        include {snippets}/svc-locations.conf;
        location / {{
            include {snippets}/svc-protect.conf;
            proxy_pass http://127.0.0.1:{app_port};
        }}
    }}
}}
"""


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(port, process, what):
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{what} did not listen on {port}")


@pytest.fixture
def site(tmp_path, live_server):
    port, app_port = free_port(), free_port()
    svc = live_server(
        "production.ini",
        **{
            "svc.auth.secure": "false",  # plain http on loopback; production serves https
            "svc.auth.trusted_proxies": "127.0.0.1",
            "svc.auth.forward_rules": "*/ wiki",
            "svc.auth.allowed_redirect_hosts": "127.0.0.1",
        },
    )
    service = svc.service()
    service.admin.add_user("alice", "correct horse")
    service.admin.grant("alice", "wiki")
    service.admin.add_user("bob", "correct horse")
    folder = tmp_path / "site"
    folder.mkdir()
    (folder / "index.html").write_text("the foreign app\n")
    app = subprocess.Popen([sys.executable, "-c", APP, str(app_port), str(folder)],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    prefix = tmp_path / "nginx"
    prefix.mkdir()
    conf = prefix / "nginx.conf"
    conf.write_text(textwrap.dedent(NGINX_CONF).format(
        prefix=prefix, port=port, svc_port=svc.port, app_port=app_port, snippets=SNIPPETS
    ))
    nginx = subprocess.Popen([NGINX, "-p", str(prefix), "-c", str(conf)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(app_port, app, "the foreign app")
        wait_for(port, nginx, f"nginx ({(prefix / 'error.log').read_text() if (prefix / 'error.log').exists() else ''})")
        yield f"http://127.0.0.1:{port}"
    finally:
        for process in (nginx, app):
            process.terminate()
            process.wait(10)


def csrf_token(page):
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def sign_in(site, user):
    browser = requests.Session()
    browser.headers["Accept"] = "text/html"
    first = browser.get(site + "/index.html", allow_redirects=False)
    assert first.status_code == 302
    login = browser.get(urljoin(site, first.headers["Location"]))
    assert login.status_code == 200
    came_from = site + "/index.html"
    assert f'value="{came_from}"' in login.text
    answer = browser.post(
        site + "/auth/login",
        data={"csrf_token": csrf_token(login), "came_from": came_from, "user": user, "password": "correct horse"},
        headers={"Origin": site},
        allow_redirects=False,
    )
    assert answer.status_code == 303 and answer.headers["Location"] == came_from, answer.text
    return browser


def test_the_shipped_nginx_snippets_guard_a_foreign_app(site):
    anonymous = requests.get(site + "/index.html", headers={"Accept": "text/html"}, allow_redirects=False)
    assert anonymous.status_code == 302
    assert anonymous.headers["Location"] == site + "/auth/login?came_from=" + site + "/index.html"

    alice = sign_in(site, "alice")
    page = alice.get(site + "/index.html", headers={"X-Auth-Request-User": "mallory"})
    assert page.status_code == 200 and page.text == "the foreign app\n"
    assert page.headers["X-Seen-User"] == "alice"

    bob = sign_in(site, "bob")
    assert bob.get(site + "/index.html").status_code == 403

    whoami = alice.get(site + "/auth/whoami")
    out = alice.post(site + "/auth/logout", data={"csrf_token": csrf_token(whoami)}, headers={"Origin": site},
                     allow_redirects=False)
    assert out.status_code == 303
    assert alice.get(site + "/index.html", allow_redirects=False).status_code == 302
