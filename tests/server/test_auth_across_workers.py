"""Auth promises across real processes: `pserve production.ini` with 2 granian workers (and, with
Redis, two such instances sharing a SQLite file and a redis-server). Each request opens its own
connection, so both workers answer some of every batch."""
import base64
import re
import subprocess
import sys
import os
import time

import pytest
import requests

from tests.live_server import _override

pytestmark = pytest.mark.slow

PASSWORD = "correct horse battery"
PROXIED = {"X-Forwarded-Proto": "https", "Connection": "close"}  # the trusted proxy says https: Secure cookies work
BATCH = 12  # requests per check, over fresh connections: both workers answer some


def basic(user, password):
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def whoami(server, headers):
    return requests.get(server.url + "/auth/whoami", headers={**PROXIED, "Accept": "application/json", **headers}, timeout=30)


def statuses(server, headers):
    return {whoami(server, headers).status_code for _ in range(BATCH)}


def sign_in(server, user):
    page = requests.get(server.url + "/auth/login", headers={**PROXIED, "Accept": "text/html"}, timeout=30)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    csrf = page.cookies.get("__Host-svc_csrf")
    response = requests.post(
        server.url + "/auth/login", data={"user": user, "password": PASSWORD, "csrf_token": token},
        headers={**PROXIED, "Cookie": f"__Host-svc_csrf={csrf}", "Sec-Fetch-Site": "same-origin"},
        allow_redirects=False, timeout=30,
    )
    assert response.status_code == 303, response.text
    return {"Cookie": f"__Host-svc_auth={response.cookies['__Host-svc_auth']}; __Host-svc_csrf={csrf}"}, token


def sign_out(server, cookie, token):
    response = requests.post(
        server.url + "/auth/logout", data={"csrf_token": token},
        headers={**PROXIED, **cookie, "Sec-Fetch-Site": "same-origin"}, allow_redirects=False, timeout=30,
    )
    assert response.status_code == 303, response.text


def svc_admin(server, *argv, stdin=""):
    """svc-admin, a process of its own, on the server's database and secret."""
    ini = os.path.join(server.directory, "admin.ini")
    with open(ini, "w") as file:
        file.write(_override(open(server.ini).read(), "DEFAULT", server.global_conf))
    command = [os.path.join(os.path.dirname(sys.executable), "svc-admin"), ini, *argv]
    return subprocess.run(command, input=stdin, capture_output=True, text=True, timeout=60)


@pytest.fixture(scope="module")
def two_workers(live_server):
    server = live_server("production.ini", sections={"server:main": {"workers": "2"}})
    server.service().admin.add_user("alice", PASSWORD)
    return server


class TestTwoWorkers:
    def test_sign_out_on_one_worker_is_refused_on_the_other_at_once(self, two_workers):
        cookie, token = sign_in(two_workers, "alice")
        assert statuses(two_workers, cookie) == {200}  # both workers now cache the session
        sign_out(two_workers, cookie, token)
        assert statuses(two_workers, cookie) == {401}

    def test_a_password_changed_with_svc_admin_is_effective_at_once(self, two_workers):
        two_workers.service().admin.add_user("bob", PASSWORD)
        assert statuses(two_workers, basic("bob", PASSWORD)) == {200}
        done = svc_admin(two_workers, "users", "passwd", "bob", stdin="a brand new passphrase\n")
        assert done.returncode == 0, done.stderr
        # Four tries of the old password, under the throttle's five, over fresh connections to both workers.
        assert {whoami(two_workers, basic("bob", PASSWORD)).status_code for _ in range(4)} == {401}
        assert statuses(two_workers, basic("bob", "a brand new passphrase")) == {200}

    def test_the_throttle_counts_across_both_workers(self, two_workers):
        two_workers.service().admin.add_user("carol", PASSWORD)
        for _ in range(5):
            assert whoami(two_workers, basic("carol", "guess")).status_code == 401
        refused = whoami(two_workers, basic("carol", PASSWORD))
        assert refused.status_code == 429 and refused.headers["Retry-After"]


@pytest.fixture(scope="module")
def instances(live_server, redis_server, tmp_path_factory):
    """Two instances on one SQLite file and one Redis, each with its own revocation file (as on two hosts)."""
    first = live_server("production.ini", **{"svc.auth.redis_url": redis_server.url,
                                              "svc.auth.revocation_file": str(tmp_path_factory.mktemp("a") / "revoked")})
    shared = {**first.global_conf, "svc.auth.revocation_file": str(tmp_path_factory.mktemp("b") / "revoked")}
    second = live_server("production.ini", **shared)
    first.service().admin.add_user("alice", PASSWORD)
    return first, second


class TestTwoInstancesWithRedis:
    def test_sign_out_on_a_is_refused_on_b_within_a_second(self, instances):
        a, b = instances
        cookie, token = sign_in(a, "alice")
        assert statuses(b, cookie) == {200}
        sign_out(a, cookie, token)
        time.sleep(1)
        assert statuses(b, cookie) == {401}

    def test_a_password_change_on_a_is_refused_on_b_within_a_second(self, instances):
        a, b = instances
        a.service().admin.add_user("dave", PASSWORD)
        assert statuses(b, basic("dave", PASSWORD)) == {200}
        admin = basic("root", PASSWORD)
        if whoami(a, admin).status_code != 200:
            a.service().admin.add_user("root", PASSWORD)
            a.service().admin.grant("root", "admin")
        response = requests.put(a.url + "/auth/admin/users/dave/password", headers={**PROXIED, **admin},
                                json={"password": "a brand new passphrase"}, timeout=30)
        assert response.status_code == 204, response.text
        time.sleep(1)
        assert {whoami(b, basic("dave", PASSWORD)).status_code for _ in range(4)} == {401}

    def test_the_throttle_counts_across_both(self, instances):
        a, b = instances
        a.service().admin.add_user("erin", PASSWORD)
        for server in (a, b, a, b, a):
            assert whoami(server, basic("erin", "guess")).status_code == 401
        assert whoami(b, basic("erin", PASSWORD)).status_code == 429
