"""Sign-in with OpenID Connect through production.ini, against a real provider on loopback.

The browser is WebTest (svc) plus requests (the provider's authorize endpoint, which approves at
once): start, authorize, callback, as a browser follows the redirects.
"""
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from webtest import TestApp

from svc.web.settings import SettingError
from tests.auth_fixtures import AuthWorld
from tests.conftest import load
from tests.oidc_provider import OpenIDProvider

BROWSER = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
SESSION_COOKIE = "__Host-svc_auth"
FLOW_COOKIE = "__Host-svc_oidc"


@pytest.fixture(scope="module")
def provider():
    provider = OpenIDProvider()
    yield provider
    provider.stop()


def oidc_conf(provider, **more):
    return {
        "svc.auth.oidc_issuer": provider.issuer,
        "svc.auth.oidc_client_id": provider.client_id,
        "svc.auth.oidc_client_secret": provider.client_secret,
        "svc.auth.oidc_display_name": "Example ID",
        "svc.auth.oidc_groups_claim": "groups",
        "svc.auth.oidc_group_map": "idp-ops=ops idp-admins=admins",
        "svc.auth.oidc_create_users": "true",
        **{"svc.auth." + key: value for key, value in more.items()},
    }


def make_world(provider, auth_conf, **more):
    provider.reset(preferred_username="carol", groups=["idp-ops", "unrelated"])
    world = AuthWorld(load("production.ini", **auth_conf, **oidc_conf(provider, **more)))
    for group, permission in (("ops", "dns"), ("admins", "admin")):
        world.service.admin.add_group(group)
        world.service.admin.grant("@" + group, permission)
    return world


@pytest.fixture
def world(provider, auth_conf):
    return make_world(provider, auth_conf)


def browser(world):
    return TestApp(world.wsgi, extra_environ={"wsgi.url_scheme": "https", "HTTP_HOST": "localhost"})


def start(app, came_from="/dns/"):
    """The first leg: svc sends the browser to the provider."""
    response = app.get("/auth/oidc/start", params={"came_from": came_from}, headers=BROWSER)
    assert response.status_int == 303, response.text
    return response.headers["Location"]


def authorize(location):
    """The provider approves and sends the browser back: the callback's path and query."""
    answer = requests.get(location, allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text
    back = urlsplit(answer.headers["Location"])
    assert (back.scheme, back.netloc, back.path) == ("https", "localhost", "/auth/oidc/callback")
    return back.path + "?" + back.query


def sign_in(app, came_from="/dns/"):
    return app.get(authorize(start(app, came_from)), headers=BROWSER, status="*")


def sets_cookie(response, name):
    return any(h.startswith(name + "=") and not h.startswith(name + "=;")
               for h in response.headers.getall("Set-Cookie"))


def assert_refused(app, response, status, words):
    """A clear HTML page, no session, and the flow's cookie gone."""
    assert response.status_int == status, response.text
    assert response.content_type == "text/html"
    assert words in response.text
    assert not sets_cookie(response, SESSION_COOKIE)
    assert app.cookies.get(FLOW_COOKIE) is None
    assert app.get("/auth/whoami", status=401).json["status"] == 401


class TestSignIn:
    def test_lands_on_came_from_signed_in_with_the_mapped_groups(self, world, provider):
        app = browser(world)
        location = start(app, "/dns/?name=example.org")
        query = parse_qs(urlsplit(location).query)
        assert location.startswith(provider.issuer + "/authorize?")
        assert query["code_challenge_method"] == ["S256"] and query["code_challenge"][0]
        assert query["nonce"][0] and query["state"][0]
        assert query["scope"] == ["openid profile email"]
        assert query["redirect_uri"] == ["https://localhost/auth/oidc/callback"]
        response = app.get(authorize(location), headers=BROWSER)
        assert response.status_int == 303
        assert response.headers["Location"] == "https://localhost/dns/?name=example.org"
        assert sets_cookie(response, SESSION_COOKIE)
        assert app.cookies.get(FLOW_COOKIE) is None  # one flow, one callback
        assert app.get("/auth/whoami").json == {
            "user": "carol", "groups": ["ops"], "permissions": ["dns"], "method": "cookie"
        }
        assert app.get("/dns/resolve", params={"name": "localhost"}, status="*").status_int != 401

    def test_the_session_is_svc_own_so_revocation_ends_it(self, world):
        app = browser(world)
        assert sign_in(app).status_int == 303
        world.service.admin.revoke_sessions("carol")
        assert app.get("/auth/whoami", status=401).json["status"] == 401

    def test_groups_follow_the_claim_at_every_sign_in(self, world, provider):
        assert sign_in(browser(world)).status_int == 303
        provider.claims["groups"] = ["idp-admins"]
        app = browser(world)
        assert sign_in(app).status_int == 303
        assert app.get("/auth/whoami").json["groups"] == ["admins"]
        assert app.get("/auth/whoami").json["permissions"] == ["admin"]

    def test_groups_an_admin_gave_outside_the_map_are_kept(self, world):
        assert sign_in(browser(world)).status_int == 303
        world.service.admin.add_group("wiki")
        world.service.admin.add_member("wiki", "carol")
        app = browser(world)
        assert sign_in(app).status_int == 303
        assert app.get("/auth/whoami").json["groups"] == ["ops", "wiki"]

    def test_an_existing_user_signs_in_as_themselves(self, provider, auth_conf):
        world = make_world(provider, auth_conf, oidc_create_users="false")
        world.user("carol")
        app = browser(world)
        assert sign_in(app).status_int == 303
        assert app.get("/auth/whoami").json["user"] == "carol"

    def test_an_unknown_user_is_refused_when_users_are_not_created(self, provider, auth_conf):
        world = make_world(provider, auth_conf, oidc_create_users="false")
        app = browser(world)
        assert_refused(app, sign_in(app), 403, "no svc user named carol")

    @pytest.mark.parametrize("came_from", ["//evil.example/", "https://evil.example/", "/\\evil.example"])
    def test_came_from_is_validated_as_the_form_validates_it(self, world, came_from):
        response = sign_in(browser(world), came_from)
        assert response.headers["Location"] == "https://localhost/"

    def test_es256_tokens_are_accepted(self, auth_conf):
        provider = OpenIDProvider(alg="ES256")
        try:
            world = make_world(provider, auth_conf)
            app = browser(world)
            assert sign_in(app).status_int == 303
            assert app.get("/auth/whoami").json["user"] == "carol"
        finally:
            provider.stop()


class TestRefused:
    def test_a_wrong_state(self, world):
        app = browser(world)
        callback = authorize(start(app))
        path, query = callback.split("?")
        params = parse_qs(query)
        response = app.get(path, params={"code": params["code"][0], "state": "forged"}, headers=BROWSER, status="*")
        assert_refused(app, response, 400, "does not match")

    def test_a_callback_without_a_flow(self, world):
        app = browser(world)
        response = app.get("/auth/oidc/callback?code=x&state=y", headers=BROWSER, status="*")
        assert_refused(app, response, 400, "start again")

    def test_a_replayed_code(self, world):
        first = browser(world)
        callback = authorize(start(first))
        assert first.get(callback, headers=BROWSER).status_int == 303
        # Another browser starts its own flow, then brings the used code with its own state.
        app = browser(world)
        state = parse_qs(urlsplit(start(app)).query)["state"][0]
        code = parse_qs(urlsplit(callback).query)["code"][0]
        response = app.get("/auth/oidc/callback", params={"code": code, "state": state}, headers=BROWSER, status="*")
        assert_refused(app, response, 400, "refused the code")

    @pytest.mark.parametrize(
        "fault, words",
        [
            ("other-key", "signature"),
            ("audience", "aud"),
            ("expired", "expired"),
            ("nonce", "nonce"),
            ("issuer", "iss"),
        ],
    )
    def test_a_bad_id_token(self, world, provider, fault, words):
        provider.fault = fault
        app = browser(world)
        assert_refused(app, sign_in(app), 400, words)

    def test_the_provider_says_no(self, world):
        app = browser(world)
        start(app)
        state = app.cookies  # the flow is pending; the provider answers with an error instead of a code
        assert state
        response = app.get("/auth/oidc/callback?error=access_denied&error_description=nope", headers=BROWSER,
                           status="*")
        assert_refused(app, response, 400, "access_denied")

    def test_a_provider_that_is_down_is_a_502_page(self, auth_conf):
        world = AuthWorld(load("production.ini", **auth_conf, **{
            "svc.auth.oidc_issuer": "http://127.0.0.1:9",
            "svc.auth.oidc_client_id": "svc",
        }))
        response = browser(world).get("/auth/oidc/start", headers=BROWSER, status="*")
        assert response.status_int == 502 and response.content_type == "text/html"
        assert "discovery" in response.text

    def test_an_unknown_user_name_claim(self, world, provider):
        provider.claims.pop("preferred_username")
        app = browser(world)
        assert_refused(app, sign_in(app), 400, "preferred_username")

    def test_a_user_name_svc_cannot_hold(self, world, provider):
        provider.claims["preferred_username"] = "bad name!"
        app = browser(world)
        assert_refused(app, sign_in(app), 400, "not a valid svc user name")


class TestSignInPage:
    def test_offers_the_provider_beside_the_form(self, world):
        page = browser(world).get("/auth/login", params={"came_from": "/dns/"}, headers=BROWSER)
        link = page.html.find("a", class_="oidc")
        assert link.get_text(strip=True) == "Sign in with Example ID"
        assert link["href"] == "/auth/oidc/start?came_from=%2Fdns%2F"
        assert page.html.find("input", attrs={"name": "password"}) is not None

    def test_without_a_provider_there_is_no_button_and_no_flow(self, prod):
        page = prod.app.get("/auth/login", headers=BROWSER)
        assert page.html.find("a", class_="oidc") is None
        assert prod.app.get("/auth/oidc/start", status=404).json["status"] == 404

    def test_the_password_form_can_be_turned_off(self, provider, auth_conf):
        world = make_world(provider, auth_conf, password_sign_in="false")
        world.user("alice")
        app = browser(world)
        page = app.get("/auth/login", headers=BROWSER)
        assert page.html.find("input", attrs={"name": "password"}) is None
        assert page.html.find("a", class_="oidc") is not None
        response = app.post(
            "/auth/login",
            {"user": "alice", "password": "correct horse", "csrf_token": "token"},
            headers={**BROWSER, "Sec-Fetch-Site": "same-origin", "Cookie": "__Host-svc_csrf=token"},
            status="*",
        )
        assert response.status_int == 403 and "password" in response.text
        assert not sets_cookie(response, SESSION_COOKIE)

    def test_a_malformed_setting_stops_start_up_naming_it(self, auth_conf):
        with pytest.raises(SettingError, match="svc.auth.oidc_scopes"):
            load("production.ini", **auth_conf, **{
                "svc.auth.oidc_issuer": "https://id.example.com", "svc.auth.oidc_client_id": "svc",
                "svc.auth.oidc_scopes": "profile",
            })
