"""Shared by the benchmarks: serve an app on waitress in a child process, load it with wrk."""
import configparser
import os
import re
import socket
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def auth_sandbox(folder):
    """global_conf giving an ini's auth filter a fresh secret and migrated database in ``folder``."""
    from svc.auth import migrate

    secret_file = os.path.join(folder, "secret")
    migrate.write_secret_file(secret_file)
    db_url = "sqlite:///" + os.path.join(folder, "auth.sqlite")
    migrate.upgrade_database(db_url)
    return {"svc.auth.db_url": db_url, "svc.auth.secret_file": secret_file}


def add_user(conf, name, password, permissions=()):
    """Add a user holding ``permissions`` to the store of an ``auth_sandbox``; return the hash
    stored (production's argon2 parameters) and the user's Basic Authorization header."""
    import base64

    from svc.auth.passwords import Passwords
    from svc.auth.store import Store, create_store_engine

    engine = create_store_engine(conf["svc.auth.db_url"])
    store = Store(engine)
    password_hash = Passwords().hash(password)
    store.add_user(name, password_hash)
    for permission in permissions:
        store.grant(name, permission)
    engine.dispose()
    return password_hash, "Authorization: Basic " + base64.b64encode(f"{name}:{password}".encode()).decode()


def waitress_settings(ini="production.ini"):
    """The [server:main] settings of ``ini``, so every app in a run gets the same server."""
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(os.path.join(ROOT, ini))
    section = parser["server:main"]
    skip = {"use", "listen", *parser.defaults()}
    return {key: section[key] for key in section if key not in skip}


class Server:
    """``python -m bench.serve TARGET PORT`` in a child process, stopped on exit."""

    def __init__(self, target, env=None, global_conf=None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        assignments = [f"{name}={value}" for name, value in (global_conf or {}).items()]
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bench.serve", target, str(self.port), *assignments],
            cwd=ROOT,
            env={**os.environ, **(env or {})},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"server for {target} exited with {self.proc.returncode}")
                time.sleep(0.05)
        raise RuntimeError(f"server for {target} did not start")

    def peak_rss_mib(self):
        with open(f"/proc/{self.proc.pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        return float("nan")

    def rss_mib(self):
        with open(f"/proc/{self.proc.pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        return float("nan")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.proc.terminate()
        self.proc.wait(10)


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


def _ms(text):
    value, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * _UNITS[unit]


def wrk(url, connections=8, seconds=5, threads=1, script=None, headers=()):
    """Run wrk; return requests/s, p50 and p99 latency in milliseconds, and error count."""
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", url]
    if script:
        cmd[1:1] = ["-s", script]
    for header in headers:
        cmd[1:1] = ["-H", header]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)", out)
    return {
        "rps": rps,
        "p50": p50,
        "p99": p99,
        "non2xx": int(errors.group(1)) if errors else 0,
        "socket_errors": socket_errors.group(1) if socket_errors else "",
    }


def table(title, rows, reference):
    """Print rows of wrk results with each one's throughput as a ratio of ``reference``."""
    print(f"\n{title}")
    print(f"{'case':<44}{'req/s':>10}{'ratio':>8}{'p50 ms':>9}{'p99 ms':>9}")
    for name, result in rows:
        ratio = result["rps"] / reference["rps"] if reference["rps"] else float("nan")
        note = ""
        if result["non2xx"] or result["socket_errors"]:
            note = f"  (non-2xx {result['non2xx']} {result['socket_errors']})"
        print(f"{name:<44}{result['rps']:>10.0f}{ratio:>8.2f}{result['p50']:>9.3f}{result['p99']:>9.3f}{note}")
