"""Public permissions: @anonymous grants through production.ini, with their rate limits."""
import pytest
from webtest import TestApp

from tests.auth_fixtures import AuthWorld, basic
from tests.conftest import load
from tests.functional.test_auth_cli import admin, app_of  # noqa: F401 - the svc-admin fixture
from tests.live_server import ROOT, _override

RESOLVE = "/dns/resolve?name=a.test&type=A"


@pytest.fixture
def world(tmp_path, auth_conf, dns_upstream):
    """production.ini on the test DNS server, with small public rates."""
    with open(f"{ROOT}/production.ini") as shipped:
        text = _override(shipped.read(), "app:dns", {"svc.dns.nameservers": dns_upstream.address})
    ini = tmp_path / "production.ini"
    ini.write_text(text)
    conf = {**auth_conf, "svc.auth.anonymous_rate": "3 per minute", "svc.auth.signed_in_rate": "5 per minute"}
    world = AuthWorld(load(str(ini), **conf))
    world.app = TestApp(world.wsgi, extra_environ={"wsgi.url_scheme": "https", "HTTP_HOST": "localhost",
                                                   "REMOTE_ADDR": "192.0.2.10"})
    world.user("root", permissions=["admin"])
    world.admin = {"Authorization": basic("root", "correct horse")}
    return world


def grant(world, permission, status=201, **extra):
    body = {"subject": "@anonymous", "permission": permission, **extra}
    return world.app.post_json("/auth/admin/grants", body, headers=world.admin, status=status)


def test_a_public_permission_needs_no_sign_in_within_its_rate(world):
    world.app.get(RESOLVE, headers={"Accept": "application/json"}, status=401)
    grant(world, "dns")
    assert {"subject": "@anonymous", "permission": "dns"} in world.app.get(
        "/auth/admin/grants", headers=world.admin).json["grants"]
    for _ in range(3):
        assert world.app.get(RESOLVE).json["Answer"][0]["data"] == "192.0.2.1"
    limited = world.app.get(RESOLVE, status=429)
    assert limited.content_type == "application/problem+json"
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    # Another address has a count of its own, as has a signed-in user (a more generous one).
    world.app.get(RESOLVE, extra_environ={"REMOTE_ADDR": "192.0.2.11"}, status=200)
    world.user("bob")
    bob = {"Authorization": basic("bob", "correct horse")}
    for _ in range(5):
        world.app.get(RESOLVE, headers=bob, status=200)
    world.app.get(RESOLVE, headers=bob, status=429)
    # A user's own grant is not counted.
    world.user("carol", permissions=["dns"])
    for _ in range(7):
        world.app.get(RESOLVE, headers={"Authorization": basic("carol", "correct horse")}, status=200)
    # Revoked, it is closed at once.
    world.app.delete("/auth/admin/grants/@anonymous/dns", headers=world.admin, status=204)
    world.app.get(RESOLVE, extra_environ={"REMOTE_ADDR": "192.0.2.12"}, headers={"Accept": "application/json"},
                  status=401)


def test_fetch_is_made_public_only_with_force_and_admin_never(world):
    refused = grant(world, "fetch", status=400)
    assert "open proxy" in refused.json["detail"] and "force" in refused.json["detail"]
    grant(world, "fetch", force=True)
    grant(world, "admin", status=400, force=True)
    grant(world, "net", status=400)


def test_svc_admin_makes_a_permission_public(admin):
    assert admin("grant", "@anonymous", "dns") == (0, "granted dns to @anonymous\n", "")
    assert "@anonymous" in admin("grants")[1]
    status, _, err = admin("grant", "@anonymous", "fetch")
    assert status == 1 and "open proxy" in err and "--force" in err
    assert admin("grant", "@anonymous", "fetch", "--force")[0] == 0
    assert admin("grant", "@anonymous", "admin", "--force")[0] == 1
    app = app_of(admin)
    # the ini's need-dns filter (egg:svc#require) lets anonymous callers through now
    assert app.get("/dns/x", status=404).status_int == 404
