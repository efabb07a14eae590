"""nginx with the shipped deploy/nginx config, in a temporary prefix, in front of svc instances.

Registered as a pytest plugin by tests/conftest.py. ``nginx_server([upstream_url, ...])`` renders
deploy/nginx/svc.conf and its snippets for loopback: every line it changes must be found (so a
change of the shipped file fails here, not silently), the rest is served as shipped. Certificates
for svc.example.org come from a trustme CA (``ca_file``); pid, logs and temp files stay in the
prefix. Skips when nginx is not installed.
"""
import os
import shutil
import socket
import subprocess
import time
import urllib.parse

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEPLOY = os.path.join(ROOT, "deploy", "nginx")
NAME = "svc.example.org"  # server_name of the shipped config
NGINX = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.path.exists(p)), None)
START_TIMEOUT = 30


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _replace(text, old, new, where):
    assert old in text, f"{where} no longer has {old!r}"
    return text.replace(old, new)


class NginxServer:
    """One nginx master in ``directory``: ``https_url``, ``doh_url``, ``http_url``, ``access_log()``."""

    def __init__(self, directory, upstreams, ca):
        self.directory = str(directory)
        self.ports = {"http": _free_port(), "https": _free_port(), "doh": _free_port()}
        self.https_url = f"https://{NAME}:{self.ports['https']}"
        self.doh_url = f"https://{NAME}:{self.ports['doh']}"
        self.http_url = f"http://{NAME}:{self.ports['http']}"
        self.ca_file = os.path.join(self.directory, "ca.pem")
        self.access_log_path = os.path.join(self.directory, "access.log")
        self.error_log_path = os.path.join(self.directory, "error.log")
        self.conf = os.path.join(self.directory, "nginx.conf")
        self.process = None
        self._write_certificates(ca)
        self._render(upstreams)

    def _write_certificates(self, ca):
        leaf = ca.issue_cert(NAME)
        self.certificate = os.path.join(self.directory, "fullchain.pem")
        self.key = os.path.join(self.directory, "privkey.pem")
        leaf.private_key_pem.write_to_path(self.key)
        leaf.cert_chain_pems[0].write_to_path(self.certificate)
        for blob in leaf.cert_chain_pems[1:]:
            blob.write_to_path(self.certificate, append=True)
        ca.cert_pem.write_to_path(self.ca_file)

    def _render(self, upstreams):
        with open(os.path.join(DEPLOY, "svc.conf")) as shipped:
            site = shipped.read()
        servers = "".join(f"server {urllib.parse.urlsplit(url).netloc};\n    " for url in upstreams)
        for old, new in [
            ("server 127.0.0.1:6543;\n    ", servers),
            ("listen 80;", f"listen 127.0.0.1:{self.ports['http']};"),
            ("listen 443 ssl http2;", f"listen 127.0.0.1:{self.ports['https']} ssl http2;"),
            ("listen 8443 ssl http2;", f"listen 127.0.0.1:{self.ports['doh']} ssl http2;"),
            ("/var/log/nginx/svc.access.log", self.access_log_path),
        ]:
            site = _replace(site, old, new, "deploy/nginx/svc.conf")
        for port in ("80", "443 ssl http2", "8443 ssl http2"):  # loopback only
            site = _replace(site, f"    listen [::]:{port};\n", "", "deploy/nginx/svc.conf")
        snippets = os.path.join(self.directory, "snippets")
        shutil.copytree(os.path.join(DEPLOY, "snippets"), snippets)
        tls_path = os.path.join(snippets, "svc-tls.conf")
        with open(tls_path) as file:
            tls = file.read()
        tls = _replace(tls, "/etc/ssl/svc/fullchain.pem", self.certificate, "snippets/svc-tls.conf")
        tls = _replace(tls, "/etc/ssl/svc/privkey.pem", self.key, "snippets/svc-tls.conf")
        with open(tls_path, "w") as file:
            file.write(tls)
        with open(os.path.join(self.directory, "svc.conf"), "w") as file:
            file.write(site)
        temp = "\n".join(
            f"    {kind}_temp_path {os.path.join(self.directory, kind)};"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        # What the distribution's nginx.conf gives around conf.d/*.conf, with everything in the prefix.
        main = f"""
            daemon off;
            pid {self.directory}/nginx.pid;
            error_log {self.error_log_path} info;
            {"user root;" if os.geteuid() == 0 else ""}
            worker_processes 1;
            events {{ worker_connections 512; }}
            http {{
                access_log off;
            {temp}
                include svc.conf;
            }}
        """
        with open(self.conf, "w") as file:
            file.write("\n".join(line.strip() for line in main.splitlines()) + "\n")

    def command(self, *args):
        return [NGINX, "-p", self.directory, "-c", self.conf, "-e", self.error_log_path, *args]

    def test_config(self):
        """``nginx -t``: (returncode, output)."""
        done = subprocess.run(self.command("-t"), capture_output=True, text=True, timeout=60)
        return done.returncode, done.stdout + done.stderr

    def start(self):
        self.process = subprocess.Popen(self.command(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"nginx exited with {self.process.returncode}:\n{self.error_log()}")
            try:
                for port in self.ports.values():
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"nginx did not listen within {START_TIMEOUT} s:\n{self.error_log()}")

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()  # nginx's fast shutdown
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def curl(self, *args):
        """curl's arguments that reach this nginx by name over loopback, trusting its test CA."""
        resolve = [arg for port in self.ports.values() for arg in ("--resolve", f"{NAME}:{port}:127.0.0.1")]
        return ["curl", "--silent", "--show-error", "--cacert", self.ca_file, *resolve, *args]

    def access_log(self):
        return _read(self.access_log_path)

    def error_log(self):
        return _read(self.error_log_path)


def _read(path):
    try:
        with open(path, errors="replace") as file:
            return file.read()
    except FileNotFoundError:
        return ""


@pytest.fixture(scope="session")
def nginx_server(tmp_path_factory):
    """A factory: ``nginx_server([upstream_url, ...], start=True)`` returns an NginxServer (started
    unless ``start`` is false); each is stopped at the end of the session."""
    if NGINX is None:
        pytest.skip("nginx is not installed (apt-get install nginx): the deploy/nginx tests are skipped")
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed (apt-get install curl): the deploy/nginx tests are skipped")
    import trustme

    ca = trustme.CA(organization_name="svc nginx tests")
    servers = []

    def make(upstreams, start=True):
        server = NginxServer(tmp_path_factory.mktemp("nginx"), upstreams, ca)
        servers.append(server)
        return server.start() if start else server

    yield make
    for server in servers:
        server.stop()
