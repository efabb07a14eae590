"""Two deploy/cluster.ini instances on PostgreSQL and Redis against one production.ini on SQLite,
both behind the shipped nginx (deploy/nginx/svc.conf, rendered as the tests render it).

Same hardware: the two instances share the workers of the one (SVC_BENCH_WORKERS, halved each).
Goal (issue 10): a cookie-session hello across two instances >= 0.9 of one instance. Also the
median of ten form sign-ins through nginx on each, with production's argon2 parameters.
Needs Debian's postgresql, redis-server and nginx; says which is missing and skips otherwise.
"""
import os
import re
import statistics
import tempfile
import time
import urllib.parse

from bench.common import add_user, auth_sandbox, pserve, seconds, server_settings, table, workers, wrk

USER, PASSWORD = "bench", "a long enough bench password"
PATH = "/hello?name=Booga"


def _missing():
    from tests.nginx_server import NGINX
    from tests.pg import _binaries
    from tests.redis_server import REDIS_SERVER

    return [package for package, found in (("postgresql", _binaries()), ("redis-server", os.path.exists(REDIS_SERVER)),
                                           ("nginx", NGINX)) if not found]


class _Front:
    """nginx's TLS listener by its name over loopback: wrk's URL and headers, and form sign-ins."""

    def __init__(self, nginx):
        import urllib3

        from tests.nginx_server import NAME

        self.url = f"https://127.0.0.1:{nginx.ports['https']}"
        self.host = f"Host: {NAME}"
        self.pool = urllib3.HTTPSConnectionPool("127.0.0.1", nginx.ports["https"], ca_certs=nginx.ca_file,
                                                server_hostname=NAME, assert_hostname=NAME, retries=False, timeout=60)
        self.name = NAME

    def sign_in(self):
        """(the session cookie, seconds the form POST took)."""
        page = self.pool.request("GET", "/auth/login", headers={"Host": self.name, "Accept": "text/html"})
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.data.decode()).group(1)
        csrf = next(c.split(";")[0] for c in page.headers.getlist("Set-Cookie") if "svc_csrf=" in c)
        started = time.perf_counter()
        answer = self.pool.request(
            "POST", "/auth/login", body=urllib.parse.urlencode({"user": USER, "password": PASSWORD, "csrf_token": token}),
            headers={"Host": self.name, "Cookie": csrf, "Sec-Fetch-Site": "same-origin",
                     "Content-Type": "application/x-www-form-urlencoded"},
        )
        elapsed = time.perf_counter() - started
        assert answer.status == 303, answer.data
        session = next(c.split(";")[0] for c in answer.headers.getlist("Set-Cookie") if "svc_auth=" in c)
        return session, elapsed

    def measure(self, duration):
        """(wrk's result for a cookie-session hello at c=8, median sign-in ms)."""
        cookie, _ = self.sign_in()
        logins = [self.sign_in()[1] * 1000 for _ in range(10)]
        headers = [self.host, "Cookie: " + cookie]
        return wrk(self.url + PATH, 8, duration, headers=headers), statistics.median(logins)


def run():
    missing = _missing()
    if missing:
        print(f"\ncluster: skipped, needs {', '.join(missing)} (apt-get install {' '.join(missing)})")
        return
    import trustme

    from svc.auth import migrate
    from tests.cluster import ClusterInstance
    from tests.nginx_server import NginxServer
    from tests.pg import LocalPostgres, PostgresServer, _binaries
    from tests.redis_server import RedisServer

    duration, count, threads = seconds(), workers(), server_settings().threads
    half = max(1, count // 2)
    ca = trustme.CA(organization_name="svc bench")
    postgres = LocalPostgres(_binaries())
    with tempfile.TemporaryDirectory() as folder:
        stack = [postgres.stop]
        try:
            databases = PostgresServer(postgres.start())
            stack.append(databases.close)
            redis = RedisServer(folder).start()
            stack.append(redis.kill)
            single_dir = os.path.join(folder, "single")
            os.makedirs(single_dir)
            conf = auth_sandbox(single_dir)
            add_user(conf, USER, PASSWORD)
            single = pserve(single_dir, global_conf=conf, worker_count=count).__enter__()
            stack.append(lambda: single.__exit__(None, None, None))
            secret = os.path.join(folder, "cluster-secret")
            migrate.write_secret_file(secret)
            database = databases.database(migrated=False)
            instances = [
                ClusterInstance(os.path.join(folder, name), database, redis.url, secret, ca_file="", workers=half)
                for name in ("a", "b")
            ]
            instances[0].admin("migrate")
            instances[0].admin("users", "add", USER, stdin=PASSWORD + "\n")
            for instance in instances:
                instance.start()
                stack.append(instance.kill)
            fronts = {}
            for name, upstreams in (("single", [single.url]), ("cluster", [i.url for i in instances])):
                directory = os.path.join(folder, "nginx-" + name)
                os.makedirs(directory)
                nginx = NginxServer(directory, upstreams, ca).start()
                stack.append(nginx.stop)
                fronts[name] = _Front(nginx)
            best = {}
            for _ in range(2):  # each case's better round: a neighbour's burst of CPU hurts one round only
                for name, front in fronts.items():
                    result, login = front.measure(duration)
                    if name not in best or result["rps"] > best[name][0]["rps"]:
                        best[name] = result, login
        finally:
            for stop in reversed(stack):
                stop()
    rows = [
        (f"one instance, SQLite, {count} workers: cookie hello c=8", best["single"][0]),
        (f"two instances, PostgreSQL + Redis, {half}+{half} workers", best["cluster"][0]),
    ]
    table(
        f"cluster: cookie-session hello through nginx (TLS), two deploy/cluster.ini instances vs one "
        f"production.ini; granian x {threads} threads, {duration} s each",
        rows,
        [("ratio", rows[0][1])],
    )
    print(
        f"cookie ratio {rows[1][1]['rps'] / rows[0][1]['rps']:.2f} (goal >= 0.9); one sign-in through the form, median: "
        f"{best['single'][1]:.0f} ms on one instance, {best['cluster'][1]:.0f} ms on two"
    )


if __name__ == "__main__":
    run()
