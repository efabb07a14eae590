"""Shared by the benchmarks: servers in child processes (waitress, granian, pserve), an upstream, wrk."""
import configparser
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

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


def seconds():
    """Seconds each wrk run lasts: SVC_BENCH_SECONDS (default 5; wrk counts whole seconds, so at least 1)."""
    return max(1, round(float(os.environ.get("SVC_BENCH_SECONDS", "5"))))


def workers():
    """Worker processes of the multi-process servers: SVC_BENCH_WORKERS, else production's default
    (one per core)."""
    return int(os.environ.get("SVC_BENCH_WORKERS") or os.cpu_count())


def server_settings(ini="production.ini"):
    """The parsed [server:main] settings of ``ini`` (egg:svc#granian's), so every server in a run
    gets the same threads, limits and timeouts."""
    from svc.web.server import parse_settings

    parser = configparser.ConfigParser(interpolation=None)
    parser.read(os.path.join(ROOT, ini))
    section = parser["server:main"]
    skip = {"use", *parser.defaults()}
    return parse_settings({key: section[key] for key in section if key not in skip})


def ini_copy(folder, ini="production.ini", sections=None, listen=None):
    """``ini``'s text written to ``folder``, with ``sections`` ({section: {key: value}}) set and,
    if given, its listen address; comments and everything else stay as shipped."""
    with open(os.path.join(ROOT, ini)) as shipped:
        text = shipped.read()
    sections = {key: dict(value) for key, value in (sections or {}).items()}
    if listen:
        sections.setdefault("server:main", {})["listen"] = listen
    for section, settings in sections.items():
        header = re.search(rf"(?m)^\[{re.escape(section)}\]\s*$", text)
        if header is None:
            raise ValueError(f"{ini} has no [{section}]")
        end = re.compile(r"(?m)^\[").search(text, header.end())
        end = end.start() if end else len(text)
        body = text[header.end():end]
        for key, value in settings.items():
            body, count = re.subn(rf"(?m)^{re.escape(key)}\s*=.*$", lambda _: f"{key} = {value}", body)
            if not count:
                body = f"\n{key} = {value}" + body
        text = text[: header.end()] + body + text[end:]
    path = os.path.join(folder, os.path.basename(ini))
    with open(path, "w") as copy:
        copy.write(text)
    return path


class _Process:
    """A server in a child process (and its workers), ready once it answers HTTP; stopped on exit."""

    def __init__(self, cmd, name, cwd=ROOT, env=None, port=None):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.name = name
        self.log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            [part.replace("{port}", str(self.port)) for part in cmd],
            cwd=cwd,
            env={**os.environ, **(env or {})},
            stdout=self.log,
            stderr=self.log,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{name} exited with {self.proc.returncode}:\n{self.output()}")
            try:  # granian's master listens before its workers run: wait for an HTTP answer
                urllib.request.urlopen(self.url + "/", timeout=2).close()
                return
            except urllib.error.HTTPError:
                return
            except OSError:
                time.sleep(0.1)
        self.__exit__()
        raise RuntimeError(f"{name} did not answer within 60 s:\n{self.output()}")

    def output(self):
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-4000:]

    def workers(self):
        """The processes that serve requests: the children if there are any, else the process."""
        import psutil

        parent = psutil.Process(self.proc.pid)
        return parent.children(recursive=True) or [parent]

    def rss_mib(self):
        """{pid: current RSS in MiB} of each serving process."""
        return {p.pid: p.memory_info().rss / 2**20 for p in self.workers()}

    def reset_peak_rss(self):
        """Start each serving process's peak RSS afresh from its current RSS (Linux's clear_refs)."""
        for process in self.workers():
            with open(f"/proc/{process.pid}/clear_refs", "w") as clear_refs:
                clear_refs.write("5")

    def peak_rss_mib(self):
        """{pid: peak RSS (VmHWM) in MiB} of each serving process."""
        peaks = {}
        for process in self.workers():
            with open(f"/proc/{process.pid}/status") as status:
                for line in status:
                    if line.startswith("VmHWM:"):
                        peaks[process.pid] = int(line.split()[1]) / 1024
        return peaks

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def waitress(target, global_conf=None, env=None):
    """``target`` (``module:app`` or ``ini:file``) on single-process waitress with production's threads."""
    assignments = [f"{k}={v}" for k, v in (global_conf or {}).items()]
    cmd = [sys.executable, "-m", "bench.serve", "waitress", target, "{port}", *assignments]
    return _Process(cmd, f"waitress {target}", env=env)


def granian(target, worker_count=None):
    """A bare WSGI ``module:app`` on granian with production's server settings and ``worker_count``."""
    cmd = [sys.executable, "-m", "bench.serve", "granian", target, "{port}", str(worker_count or workers())]
    return _Process(cmd, f"granian {target}")


def pserve(folder, ini="production.ini", sections=None, global_conf=None, worker_count=None):
    """``pserve`` on a copy of ``ini`` in ``folder`` (its listen line and ``sections`` changed), as
    production runs it; ``global_conf`` goes on pserve's command line."""
    port = free_port()
    sections = {key: dict(value) for key, value in (sections or {}).items()}
    sections.setdefault("server:main", {})["workers"] = str(worker_count or workers())
    path = ini_copy(folder, ini, sections, listen=f"127.0.0.1:{port}")
    pserve_bin = os.path.join(os.path.dirname(sys.executable), "pserve")
    env = {"PYTHONPATH": os.pathsep.join(filter(None, [ROOT, os.environ.get("PYTHONPATH")]))}
    assignments = [f"{k}={v}" for k, v in (global_conf or {}).items()]
    return _Process([pserve_bin, path, *assignments], f"pserve {ini}", cwd=folder, env=env, port=port)


class Upstream:
    """A stand-in for a public host on loopback: nginx from Debian serving /small (1 KiB) and /big
    (``big_size`` bytes, a sparse file), or bench/upstream.py when there is no nginx."""

    def __init__(self, big_size=1 << 30):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.folder = tempfile.TemporaryDirectory()
        self.big_size = big_size
        nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)
        if nginx:
            self.server = "nginx"
            self._start_nginx(nginx)
        else:
            self.server = "bench/upstream.py"
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "bench.upstream", str(self.port), str(big_size)], cwd=ROOT
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.url + "/small", timeout=2).read()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"the upstream ({self.server}) did not start")

    def _start_nginx(self, nginx):
        root = self.folder.name
        with open(os.path.join(root, "small"), "wb") as small:
            small.write(b"x" * 1024)
        with open(os.path.join(root, "big"), "wb") as big:
            big.truncate(self.big_size)
        conf = os.path.join(root, "nginx.conf")
        with open(conf, "w") as out:
            out.write(
                f"""daemon off;
worker_processes 1;
pid {root}/nginx.pid;
error_log {root}/error.log;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {root}; proxy_temp_path {root}; fastcgi_temp_path {root};
    uwsgi_temp_path {root}; scgi_temp_path {root};
    default_type application/octet-stream;
    sendfile on;
    keepalive_requests 1000000;
    server {{ listen 127.0.0.1:{self.port}; root {root}; }}
}}
"""
            )
        self.proc = subprocess.Popen([nginx, "-c", conf, "-p", root], stderr=subprocess.DEVNULL)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.proc.terminate()
        self.proc.wait(10)
        self.folder.cleanup()


class TestDNSServer:
    """``python -m tests.dns_server`` (the tests' zone, a.test and *.bench.test) in a child process."""

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


def warm(url, headers=(), requests=20):
    """Sequential requests, each on a new connection so every worker gets some: the workers' caches
    (a verified Basic header) fill one at a time, not in a burst that finds every hashing slot busy."""
    request = urllib.request.Request(url, headers=dict(header.split(": ", 1) for header in headers))
    for _ in range(requests):
        urllib.request.urlopen(request, timeout=30).read()


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


def table(title, rows, references):
    """Print rows of wrk results, each one's throughput as a ratio of every reference:
    ``references`` is a list of (column heading, result)."""
    print(f"\n{title}")
    heads = "".join(f"{heading:>12}" for heading, _ in references)
    print(f"{'case':<52}{'req/s':>10}{heads}{'p50 ms':>9}{'p99 ms':>9}")
    for name, result in rows:
        ratios = "".join(f"{ratio(result, reference):>12.2f}" for _, reference in references)
        note = ""
        if result["non2xx"] or result["socket_errors"]:
            note = f"  (non-2xx {result['non2xx']} {result['socket_errors']})"
        print(f"{name:<52}{result['rps']:>10.0f}{ratios}{result['p50']:>9.3f}{result['p99']:>9.3f}{note}")


def ratio(result, reference):
    return result["rps"] / reference["rps"] if reference["rps"] else float("nan")
