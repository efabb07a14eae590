"""Hello behind the auth filter against the same composition without it, in one run.

Goals: a cookie-signed-in user keeps at least 0.85 of the throughput, Basic with a warm cache
at least 0.80. Also reports what one sign-in costs with production's argon2 parameters.
"""
import configparser
import os
import re
import statistics
import tempfile
import time
import urllib.parse
import urllib.request

from bench.common import ROOT, add_user, auth_sandbox, pserve, seconds, server_settings, table, warm, workers, wrk
from svc.auth.passwords import Passwords

USER, PASSWORD = "bench", "a long enough bench password"
PATH = "/hello?name=Booga"


def _without_auth():
    """production.ini's sections with the auth filter taken out of the pipeline, and nothing else changed."""
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(os.path.join(ROOT, "production.ini"))
    pipeline = parser["pipeline:main"]["pipeline"].split()
    pipeline.remove("auth")
    return {"pipeline:main": {"pipeline": " ".join(pipeline)}}


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args):
        return None


# As production's reverse proxy says after terminating TLS (the front door trusts it from 127.0.0.1).
BEHIND_TLS = {"X-Forwarded-Proto": "https"}


def _sign_in(url):
    """Sign in through the form as a browser does; returns (the session cookie, seconds the POST took)."""
    opener = urllib.request.build_opener(_NoRedirect)
    with opener.open(urllib.request.Request(url + "/auth/login", headers=BEHIND_TLS)) as response:
        csrf_cookie = response.headers["Set-Cookie"].split(";")[0]
        token = re.search(r'name="csrf_token" value="([^"]+)"', response.read().decode()).group(1)
    body = urllib.parse.urlencode({"user": USER, "password": PASSWORD, "csrf_token": token}).encode()
    request = urllib.request.Request(url + "/auth/login", body, headers={"Cookie": csrf_cookie, **BEHIND_TLS})
    started = time.perf_counter()
    try:
        opener.open(request)
    except urllib.error.HTTPError as answer:  # the 303 that urllib will not follow here
        elapsed = time.perf_counter() - started
        cookies = answer.headers.get_all("Set-Cookie")
        return next(c.split(";")[0] for c in cookies if "svc_auth=" in c), elapsed
    raise RuntimeError("sign-in did not redirect")


def run():
    duration, count, threads = seconds(), workers(), server_settings().threads
    with tempfile.TemporaryDirectory() as folder:
        conf = auth_sandbox(folder)
        stored_hash, basic = add_user(conf, USER, PASSWORD)
        passwords = Passwords()  # production's argon2 parameters
        verify_ms = []
        for _ in range(5):
            started = time.perf_counter()
            passwords.verify(stored_hash, PASSWORD)
            verify_ms.append((time.perf_counter() - started) * 1000)

        os.makedirs(os.path.join(folder, "bare"))
        os.makedirs(os.path.join(folder, "guarded"))
        with pserve(os.path.join(folder, "bare"), sections=_without_auth(), global_conf=conf, worker_count=count) as bare, pserve(
            os.path.join(folder, "guarded"), global_conf=conf, worker_count=count
        ) as guarded:
            cookie, _ = _sign_in(guarded.url)
            logins = [_sign_in(guarded.url)[1] * 1000 for _ in range(10)]
            warm(guarded.url + PATH, [basic])  # every worker's Basic cache
            cases = [
                ("svc hello, no auth filter, c=8", bare.url, []),
                ("behind auth, anonymous, c=8", guarded.url, []),
                ("behind auth, cookie session, c=8", guarded.url, ["Cookie: " + cookie]),
                ("behind auth, Basic (warm cache), c=8", guarded.url, [basic]),
            ]
            # Two rounds, each case's better one kept: a neighbour's burst of CPU hurts one round only.
            best = {}
            for _ in range(2):
                for name, url, headers in cases:
                    result = wrk(url + PATH, 8, duration, headers=headers)
                    if name not in best or result["rps"] > best[name]["rps"]:
                        best[name] = result
            rows = [(name, best[name]) for name, _, _ in cases]
            reference = rows[0][1]
        table(
            f"auth: hello behind the auth filter vs the same composition without it; pserve production.ini = "
            f"granian, {count} workers x {threads} threads, {duration} s each",
            rows,
            [("ratio", reference)],
        )
        cookie_ratio = rows[2][1]["rps"] / reference["rps"]
        basic_ratio = rows[3][1]["rps"] / reference["rps"]
        print(
            f"cookie ratio {cookie_ratio:.2f} (goal >= 0.85); Basic ratio {basic_ratio:.2f} (goal >= 0.80)\n"
            f"one sign-in through the form: median {statistics.median(logins):.0f} ms "
            f"(argon2id t=3 m=64MiB p=4 verify alone, in this process: median {statistics.median(verify_ms):.0f} ms)"
        )


if __name__ == "__main__":
    run()
