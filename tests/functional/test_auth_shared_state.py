"""Auth promises across processes: two apps loaded from one ini on one database stand for two
workers of a host (each has its own caches), and svc-admin is a third process."""
import io

import pytest
from webtest import TestApp

from svc.auth.cli import main as svc_admin
from tests.auth_fixtures import AuthWorld, basic
from tests.conftest import ROOT, load
from tests.live_server import _override
from tests.functional.test_auth import BROWSER, PASSWORD, SAME_ORIGIN, signed_in, with_cookie

BASIC = {"Authorization": basic("alice", PASSWORD)}


@pytest.fixture
def workers(auth_conf):
    """Two workers of one host: the same ini and database, separate processes' worth of state."""
    return AuthWorld(load("production.ini", **auth_conf)), AuthWorld(load("production.ini", **auth_conf))


def https(world):
    return TestApp(world.wsgi, extra_environ={"wsgi.url_scheme": "https", "HTTP_HOST": "localhost"})


class TestRevocationAcrossWorkers:
    def test_sign_out_on_one_worker_is_refused_on_the_other_at_once(self, workers):
        a, b = workers
        a.user("alice")
        app, ticket = signed_in(a)
        assert https(b).get("/auth/whoami", headers=with_cookie(ticket)).json["user"] == "alice"  # b caches it
        page = app.get("/auth/whoami", headers=BROWSER)
        page.forms[0].submit(headers=SAME_ORIGIN)
        https(b).get("/auth/whoami", headers=with_cookie(ticket), status=401)

    @pytest.mark.parametrize(
        "change",
        [
            lambda admin: admin.set_password("alice", "another good passphrase"),
            lambda admin: admin.remove_user("alice"),
            lambda admin: admin.revoke("alice", "admin"),
            lambda admin: admin.add_member("readers", "alice"),
        ],
        ids=["password", "removal", "grant", "membership"],
    )
    def test_admin_changes_on_one_worker_take_effect_on_the_other_at_once(self, workers, change):
        a, b = workers
        a.user("alice", permissions=["admin"])
        a.service.admin.add_group("readers")
        for _ in range(2):  # b caches the verified header, then the identity it names
            before = https(b).get("/auth/whoami", headers=BASIC).json
        change(a.service.admin)
        after = https(b).get("/auth/whoami", headers=BASIC, status="*")
        assert after.status_int == 401 or after.json != before

    def test_a_revoked_token_is_refused_by_the_other_worker_at_once(self, workers):
        a, b = workers
        a.user("alice")
        token, info = a.service.admin.create_token("alice")
        bearer = {"Authorization": "Bearer " + token}
        https(b).get("/auth/whoami", headers=bearer, status=200)
        a.service.admin.revoke_token(info.id)
        https(b).get("/auth/whoami", headers=bearer, status=401)


class TestSvcAdminIsAnotherProcess:
    @pytest.fixture
    def ini(self, tmp_path, auth_conf):
        path = tmp_path / "production.ini"
        path.write_text(_override(open(f"{ROOT}/production.ini").read(), "DEFAULT", auth_conf))
        return str(path)

    def test_a_password_changed_with_svc_admin_is_effective_at_once(self, ini, auth_conf, monkeypatch):
        world = AuthWorld(load("production.ini", **auth_conf))
        world.user("alice")
        https(world).get("/auth/whoami", headers=BASIC, status=200)
        monkeypatch.setattr("sys.stdin", io.StringIO("another good passphrase\n"))
        assert svc_admin([ini, "users", "passwd", "alice"]) == 0
        https(world).get("/auth/whoami", headers=BASIC, status=401)


class TestThrottleAcrossWorkers:
    def test_failures_on_both_workers_add_up(self, workers):
        a, b = workers
        a.user("alice")
        for world in (a, b, a, b, a):
            https(world).get("/auth/whoami", headers={"Authorization": basic("alice", "guess")}, status=401)
        https(b).get("/auth/whoami", headers=BASIC, status=429)
        https(a).get("/auth/whoami", headers=BASIC, status=429)
