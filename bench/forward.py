"""Forward auth: /auth/check for a cookie session against hello on the same server, in one run.

Goal: /check keeps at least 0.8 of hello's throughput (both behind the auth filter, production.ini).
"""
import tempfile

from bench.auth import PASSWORD, PATH, USER, _sign_in
from bench.common import Server, add_user, auth_sandbox, table, wrk

# What nginx's auth_request location sends (deploy/forward-auth/svc-locations.conf).
ASKED = ["X-Original-URI: /wiki/page", "X-Forwarded-Method: GET", "X-Forwarded-Host: wiki.example.com"]


def run(seconds=5):
    with tempfile.TemporaryDirectory() as folder:
        conf = auth_sandbox(folder)
        conf.update({"svc.auth.forward_rules": "*/ wiki", "svc.auth.trusted_proxies": "127.0.0.1"})
        add_user(conf, USER, PASSWORD, permissions=("wiki",))
        with Server("ini:production.ini", global_conf=conf) as server:
            cookie = "Cookie: " + _sign_in(server.url)[0]
            cases = [
                ("hello, cookie session, c=8", server.url + PATH, [cookie]),
                ("/auth/check, cookie session, c=8", server.url + "/auth/check", [cookie, *ASKED]),
            ]
            best = {}
            for _ in range(2):  # each case's better round: a neighbour's burst hurts one round only
                for name, url, headers in cases:
                    result = wrk(url, 8, seconds, headers=headers)
                    if name not in best or result["rps"] > best[name]["rps"]:
                        best[name] = result
            rows = [(name, best[name]) for name, _, _ in cases]
        table("forward auth: /auth/check vs hello on the same server", rows, rows[0][1])
        print(f"/check ratio {rows[1][1]['rps'] / rows[0][1]['rps']:.2f} (goal >= 0.8)")


if __name__ == "__main__":
    run()
