"""Forward auth through production.ini: /auth/check as nginx, Traefik and Caddy ask it."""
import pytest
from webtest import TestApp

from tests.auth_fixtures import AuthWorld, basic
from tests.conftest import load

RULES = "wiki.example.com/ wiki  wiki.example.com/admin admin"
BROWSER = {"Accept": "text/html,*/*;q=0.8"}


def asked(uri="/page", host="wiki.example.com", method="GET", **headers):
    """What nginx's auth_request location sends (the shipped snippet)."""
    return {"X-Original-URI": uri, "X-Forwarded-Host": host, "X-Forwarded-Method": method, **headers}


@pytest.fixture
def world(auth_conf):
    conf = {
        **auth_conf,
        "svc.auth.forward_rules": RULES,
        "svc.auth.trusted_proxies": "127.0.0.1",
        "svc.auth.allowed_redirect_hosts": "wiki.example.com",
    }
    world = AuthWorld(load("production.ini", **conf))
    world.app = TestApp(
        world.wsgi, extra_environ={"wsgi.url_scheme": "https", "HTTP_HOST": "localhost", "REMOTE_ADDR": "127.0.0.1"}
    )
    world.user("alice", permissions=["wiki"], groups=())
    world.service.admin.add_group("editors")
    world.service.admin.add_member("editors", "alice")
    world.user("bob")
    return world


class TestCheck:
    def test_anonymous_gets_a_bare_401_even_from_a_browser(self, world):
        response = world.app.get("/auth/check", headers={**asked(), **BROWSER}, status=401)
        assert response.body == b""
        assert "Location" not in response.headers and "WWW-Authenticate" not in response.headers

    def test_a_signed_in_cookie_with_the_permission_passes_with_identity_headers(self, world):
        world.sign_in(world.app, "alice")
        response = world.app.get("/auth/check", headers=asked(**{"X-Auth-Request-User": "mallory"}), status=200)
        assert response.body == b""
        assert response.headers["X-Auth-Request-User"] == "alice"
        assert response.headers["X-Auth-Request-Groups"] == "editors"
        assert "X-Auth-Request-Email" not in response.headers

    def test_basic_and_bearer_identify_as_the_filter_does(self, world):
        token, _ = world.service.admin.create_token("alice")
        for authorization in (basic("alice", "correct horse"), "Bearer " + token):
            response = world.app.get("/auth/check", headers=asked(Authorization=authorization), status=200)
            assert response.headers["X-Auth-Request-User"] == "alice"

    def test_a_caller_without_the_permission_gets_403(self, world):
        world.app.get("/auth/check", headers=asked(Authorization=basic("bob", "correct horse")), status=403)
        alice = basic("alice", "correct horse")
        response = world.app.get("/auth/check", headers=asked("/ADMIN/../admin/x", Authorization=alice), status=403)
        assert response.body == b""

    def test_a_host_no_rule_names_is_refused(self, world):
        alice = basic("alice", "correct horse")
        world.app.get("/auth/check", headers=asked(host="other.example.com", Authorization=alice), status=403)

    def test_the_original_request_counts_only_from_a_trusted_proxy(self, world):
        alice = basic("alice", "correct horse")
        world.app.get("/auth/check", headers=asked(Authorization=alice), extra_environ={"REMOTE_ADDR": "10.1.1.1"},
                      status=403)

    def test_a_cached_identity_costs_no_database_query(self, world):
        world.sign_in(world.app, "alice")
        world.app.get("/auth/check", headers=asked(), status=200)

        def no_database(*args):
            raise AssertionError("the database was asked")

        for method in ("session", "principal", "token_user", "credentials"):
            setattr(world.service.store, method, no_database)
        assert world.app.get("/auth/check", headers=asked(), status=200).headers["X-Auth-Request-User"] == "alice"

    def test_header_names_are_settings(self, auth_conf):
        conf = {**auth_conf, "svc.auth.forward_rules": RULES, "svc.auth.trusted_proxies": "127.0.0.1",
                "svc.auth.forward_user_header": "Remote-User", "svc.auth.forward_groups_header": "Remote-Groups",
                "svc.auth.forward_email_header": "Remote-Email"}
        world = AuthWorld(load("production.ini", **conf))
        world.user("ann@example.com", permissions=["wiki"])
        response = TestApp(world.wsgi).get(
            "/auth/check", headers=asked(Authorization=basic("ann@example.com", "correct horse")),
            extra_environ={"REMOTE_ADDR": "127.0.0.1"},
        )
        assert response.headers["Remote-User"] == response.headers["Remote-Email"] == "ann@example.com"
        assert response.headers["Remote-Groups"] == ""


class TestSignInThroughTheProxy:
    def test_came_from_may_be_an_allowed_absolute_url(self, world):
        page = world.app.get("/auth/login", params={"came_from": "https://wiki.example.com/page?x=1"}, headers=BROWSER)
        assert 'value="https://wiki.example.com/page?x=1"' in page.text
        response = world.sign_in(world.app, "alice", came_from="https://wiki.example.com/page?x=1")
        assert response.status_int == 303
        assert response.headers["Location"] == "https://wiki.example.com/page?x=1"

    def test_any_other_absolute_url_goes_home(self, world):
        response = world.sign_in(world.app, "alice", came_from="https://evil.example/")
        assert response.headers["Location"] == "https://localhost/"


def test_a_parent_domain_cookie_drops_the_host_prefix(auth_conf):
    world = AuthWorld(load("production.ini", **auth_conf, **{"svc.auth.cookie_domain": "localhost.test"}))
    world.user("alice")
    response = world.sign_in(world.app, "alice")
    header = next(h for h in response.headers.getall("Set-Cookie") if "svc_auth=" in h)
    assert header.startswith("__Secure-svc_auth=") and "Domain=localhost.test" in header


def test_a_permission_the_rules_name_may_be_granted(world):
    world.user("root", permissions=["admin"])
    admin = {"Authorization": basic("root", "correct horse")}
    world.app.post_json("/auth/admin/grants", {"subject": "bob", "permission": "wiki-admin"}, headers=admin, status=400)
    world.app.post_json("/auth/admin/grants", {"subject": "bob", "permission": "wiki"}, headers=admin, status=201)
