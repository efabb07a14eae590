"""Instances of deploy/cluster.ini on loopback, for tests/server/test_cluster.py and bench/cluster.py.

``ClusterInstance`` serves deploy/cluster.ini as shipped but for what must change on loopback: the
database, Redis, secret and proxy addresses and the listen port (every line rendered must be found,
so the file cannot drift from its users), a revocation file per instance (as on two hosts, so only
Redis carries a change from one to the other), and ``settings`` for [DEFAULT]. Its production.ini is
a copy that lets fetch reach loopback and trust ``ca_file`` (the nginx test CA).
"""
import ipaddress
import os
import signal
import socket
import subprocess
import sys

from svc.fetch.resolver import SystemResolver
from tests.live_server import PSERVE, _override, wait_listening
from tests.nginx_server import NAME

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SVC_ADMIN = os.path.join(os.path.dirname(sys.executable), "svc-admin")


class NginxName(SystemResolver):
    """The instances' fetch resolver: nginx's name is loopback, as the sysadmin's DNS would say."""

    def resolve(self, host, port, timeout):
        if host == NAME:
            return (ipaddress.ip_address("127.0.0.1"),)
        return super().resolve(host, port, timeout)


def _render(text, changes, where):
    """``text`` with each old line replaced; an old line not found once fails."""
    for old, new in changes:
        assert text.count(old) == 1, f"{where} no longer has exactly one {old!r}"
        text = text.replace(old, new)
    return text


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ClusterInstance:
    """``pserve cluster.ini`` in a folder of its own (cluster.ini in deploy/, beside ../production.ini)."""

    def __init__(self, directory, database_url, redis_url, secret_file, ca_file, workers=2, settings=None):
        self.directory = str(directory)
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        os.makedirs(os.path.join(self.directory, "deploy"))
        with open(os.path.join(ROOT, "production.ini")) as shipped:
            production = shipped.read()
        production = _override(production, "app:fetch", {
            "svc.fetch.allow": "127.0.0.1", "svc.fetch.ports": "1-65535", "svc.fetch.ca_bundle": ca_file,
            "svc.fetch.resolver": f"{__name__}:NginxName",
        })
        with open(os.path.join(self.directory, "production.ini"), "w") as copy:
            copy.write(production)
        with open(os.path.join(ROOT, "deploy", "cluster.ini")) as shipped:
            cluster = shipped.read()
        cluster = _render(cluster, [
            ("svc.auth.db_url = postgresql+psycopg://svc@db.internal/svc", f"svc.auth.db_url = {database_url}"),
            ("svc.auth.secret_file = /etc/svc/auth-secret", f"svc.auth.secret_file = {secret_file}"),
            ("svc.auth.redis_url = redis://redis.internal:6379/0", f"svc.auth.redis_url = {redis_url}"),
            ("svc.auth.trusted_proxies = 10.0.0.5", "svc.auth.trusted_proxies = 127.0.0.1"),
            ("listen = 0.0.0.0:6543", f"listen = 127.0.0.1:{self.port}"),
            ("trusted_proxy = 10.0.0.5", "trusted_proxy = 127.0.0.1"),
        ], "deploy/cluster.ini")
        own = {"svc.auth.revocation_file": os.path.join(self.directory, "revoked"), **(settings or {})}
        cluster = _override(cluster, "DEFAULT", own)
        cluster = _override(cluster, "server:main", {"workers": str(workers)})
        self.ini = os.path.join(self.directory, "deploy", "cluster.ini")
        with open(self.ini, "w") as copy:
            copy.write(cluster)
        self.log_path = os.path.join(self.directory, "pserve.log")
        self.process = None

    def admin(self, *argv, stdin=""):
        """svc-admin on this instance's ini; the completed process, checked."""
        done = subprocess.run([SVC_ADMIN, self.ini, *argv], input=stdin, capture_output=True, text=True,
                              timeout=120, env=_env(), cwd=self.directory)
        assert done.returncode == 0, f"svc-admin {' '.join(argv)}: {done.stdout}{done.stderr}"
        return done

    def start(self):
        with open(self.log_path, "ab") as log:
            # A session of its own: kill() ends pserve and its granian workers together, as a host going down.
            self.process = subprocess.Popen([PSERVE, self.ini], stdout=log, stderr=subprocess.STDOUT,
                                            cwd=self.directory, env=_env(), start_new_session=True)
        return wait_listening(self, give_up=self.kill)

    def kill(self):
        if self.process is not None and self.process.returncode is None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.process.wait()

    def log(self):
        with open(self.log_path, errors="replace") as log:
            return log.read()


def _env():
    """This checkout importable (the resolver above), and no proxy variable."""
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [ROOT, env.get("PYTHONPATH")]))
    return env
