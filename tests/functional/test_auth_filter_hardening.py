"""Confused deputies at the auth filter (issue 8, items 10, 11, 13 and 16), each case named after its attack."""
import json
from urllib.parse import quote

import pytest

from tests.auth_fixtures import AuthWorld, basic
from tests.conftest import load
from tests.fetch_fixtures import LOOPBACK_FETCH
from tests.functional.test_auth import BROWSER, PASSWORD, browser, cookie_value, signed_in

SESSION = "__Host-svc_auth"  # production.ini's secure cookie


@pytest.fixture
def testing(auth_conf):
    """testing.ini (every piece, loopback fetches, plain-http cookies) on a fresh auth database."""
    return AuthWorld(load("testing.ini", **auth_conf))


def whoami(world, cookie):
    return world.app.get("/auth/whoami", headers={"Cookie": cookie}, status="*")


class TestSessionCookieParsing:
    """Item 10: the Cookie header is read as browsers send it, ``; ``-separated name=value pairs."""

    @pytest.fixture
    def tickets(self, prod):
        prod.user("alice")
        prod.user("mallory")
        return {user: signed_in(prod, user)[1] for user in ("alice", "mallory")}

    @pytest.mark.parametrize(
        "template",
        [
            "{name}={alice}",
            "x=1; {name}={alice}",
            '{name}="{alice}"',
            "  {name} = {alice} ;x=1",
            "{name}={alice};x=1",
            "x=1,{name}={mallory}; {name}={alice}",
            "x=1, {name}={mallory}; {name}={alice}",
            "x={name}={mallory}; {name}={alice}",
            "x{name}={mallory}; {name}={alice}",
            "{lower}={mallory}; {name}={alice}",
            "x=1,{name}=garbage; {name}={alice}",
        ],
        ids=["plain", "second pair", "quoted value", "whitespace", "no space after semicolon", "comma-joined",
             "comma and space", "inside another value", "longer name", "other case", "comma-joined garbage"],
    )
    def test_only_a_real_pair_of_our_name_signs_in(self, prod, tickets, template):
        header = template.format(name=SESSION, lower=SESSION.lower(), **tickets)
        response = whoami(prod, header)
        assert response.status_int == 200 and response.json["user"] == "alice"
        assert "Set-Cookie" not in response.headers

    @pytest.mark.parametrize(
        "template",
        [
            "{name}={mallory}; {name}={alice}",
            "{name}={alice}; {name}={alice}",
            "{name}=garbage; {name}={alice}",
            "{name}={alice}; {name}=",
            '{name}="{mallory}"; {name}={alice}',
        ],
        ids=["two sessions", "the same twice", "injected garbage first", "injected empty last", "quoted twin"],
    )
    def test_two_values_of_the_session_cookie_are_no_session_and_delete_nothing(self, prod, tickets, template):
        response = whoami(prod, template.format(name=SESSION, **tickets))
        assert response.status_int == 401
        assert "Set-Cookie" not in response.headers
        assert whoami(prod, f"{SESSION}={tickets['alice']}").json["user"] == "alice"  # the session lives on

    def test_a_single_bad_value_of_ours_is_still_deleted(self, prod, tickets):
        response = whoami(prod, f"x=1; {SESSION}=garbage")
        assert response.status_int == 401 and cookie_value(response) == ""


# A foreign (non-svc) WSGI app that shows every header and identity key it received.

def echo_environ_app(environ, start_response):
    keys = {k: v for k, v in environ.items() if k.startswith("HTTP_") or k in ("REMOTE_USER", "AUTH_TYPE")}
    start_response("200 OK", [("Content-Type", "application/json")])
    return [json.dumps(keys).encode()]


def unauthorized_app(environ, start_response):
    start_response("401 Unauthorized", [("Content-Type", "text/plain")])
    return [b"who are you?"]


def echo_factory(global_config, **settings):
    return echo_environ_app


def unauthorized_factory(global_config, **settings):
    return unauthorized_app


FILTER_INI = f"""
[DEFAULT]
svc.auth.secure = false

[app:home]
use = egg:svc#home

[app:auth]
use = egg:svc#auth

[app:fetch]
{LOOPBACK_FETCH}
[app:echo]
paste.app_factory = tests.functional.test_auth_filter_hardening:echo_factory

[app:unauthorized]
paste.app_factory = tests.functional.test_auth_filter_hardening:unauthorized_factory

[filter:auth]
use = egg:svc#auth
svc.auth.strip_headers = X-Custom-Identity X-Custom-Claim-*
svc.auth.pass_authorization = /trusting

[pipeline:main]
pipeline = auth mounts

[composite:mounts]
use = egg:svc#urlmap
/ = home
/auth = auth
/fetch = fetch
/echo = echo
/trusting = echo
/unauthorized = unauthorized
"""


@pytest.fixture
def foreign(write_ini, auth_conf):
    return AuthWorld(load(write_ini(FILTER_INI), **auth_conf))


class TestRelayedUpstream401:
    """Item 11: what fetch relays is the upstream's answer, never a reason for svc to challenge."""

    @pytest.mark.parametrize("challenge", [None, 'Basic realm="upstream"'])
    @pytest.mark.parametrize("caller", ["anonymous", "basic", "cookie"])
    def test_an_upstream_401_passes_through_unchanged(self, testing, upstream, challenge, caller):
        testing.user("alice")
        url = upstream.url("/status/401") + (f"?WWW-Authenticate={quote(challenge)}" if challenge else "")
        app, headers = testing.app, {}
        if caller == "basic":
            headers = {"Authorization": basic("alice", PASSWORD)}
        elif caller == "cookie":
            app, _ = signed_in(testing)
        response = app.get("/fetch", {"url": url}, headers={**headers, **BROWSER}, status=401)
        assert response.body == b"status 401\n" and response.content_type == "text/plain"
        assert response.headers.getall("WWW-Authenticate") == ([challenge] if challenge else [])
        assert "Location" not in response.headers

    def test_an_upstream_401_through_the_json_post(self, testing, upstream):
        testing.user("alice")
        response = testing.app.post_json(
            "/fetch", {"url": upstream.url("/status/401")}, headers={"Authorization": basic("alice", PASSWORD)}, status=401
        )
        assert response.body == b"status 401\n"

    def test_a_foreign_apps_plain_401_is_still_challenged(self, foreign):
        foreign.user("alice")
        response = foreign.app.get("/unauthorized/", status=401)
        assert response.content_type == "application/problem+json" and response.headers.getall("WWW-Authenticate")
        assert foreign.app.get("/unauthorized/", headers=BROWSER, status=302)
        signed = foreign.app.get("/unauthorized/", headers={"Authorization": basic("alice", PASSWORD)}, status=403)
        assert signed.json["type"] == "https://svc.invalid/problems/forbidden"

    def test_a_client_cannot_mark_its_request_as_relayed(self, foreign):
        response = foreign.app.get("/unauthorized/", extra_environ={"svc.relayed": True}, status=401)
        assert response.content_type == "application/problem+json"


CROSS_SITE = "https://svc.invalid/problems/cross-site-request"
GUARDED = "http://192.0.2.1/"  # the destination guard refuses it: a request that got that far fails differently


class TestCrossSiteWrites:
    """Item 13: a cookie session's unsafe request must come from svc's own origin."""

    @pytest.fixture
    def session(self, testing):
        testing.user("alice", permissions=["fetch", "dns", "admin"])
        app, _ = signed_in(testing)
        return app

    def test_a_text_plain_post_to_fetch_from_a_foreign_origin_is_refused_before_the_guard(self, session):
        response = session.post(
            "/fetch", json.dumps({"url": GUARDED}),
            headers={"Content-Type": "text/plain", "Origin": "https://evil.example"}, status=403,
        )
        assert response.json["type"] == CROSS_SITE and response.content_type == "application/problem+json"

    @pytest.mark.parametrize(
        "headers",
        [{}, {"Origin": "https://evil.example"}, {"Origin": "null"}, {"Origin": "http://localhost"},
         {"Origin": "https://localhost:8443"}, {"Sec-Fetch-Site": "cross-site"}, {"Sec-Fetch-Site": "same-site"},
         {"X-CSRF-Token": "forged"}, {"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}],
        ids=["no origin", "foreign origin", "null origin", "other scheme", "other port", "cross-site", "same-site",
             "forged token", "foreign origin and cross-site"],
    )
    @pytest.mark.parametrize(
        "method, path, content_type",
        [("POST", "/fetch", "application/json"), ("POST", "/dns/bulk", "text/plain"),
         ("POST", "/dns/dns-query", "application/dns-message"), ("POST", "/auth/admin/groups", "application/json"),
         ("DELETE", "/auth/admin/users/alice", None), ("PUT", "/auth/admin/groups/ops/members/alice", None)],
    )
    def test_unsafe_requests_without_proof_of_origin_are_refused(self, session, headers, method, path, content_type):
        if content_type:
            headers = {**headers, "Content-Type": content_type}
        send = getattr(session, method.lower())
        response = send(path, params=b'{"url": "%s"}' % GUARDED.encode(), headers=headers, status=403)
        assert response.json["type"] == CROSS_SITE

    @pytest.mark.parametrize(
        "headers",
        [{"Origin": "https://localhost"}, {"Origin": "https://LOCALHOST:443"}, {"Sec-Fetch-Site": "same-origin"},
         {"Sec-Fetch-Site": "none"}, "csrf token"],
    )
    def test_same_origin_requests_pass(self, session, upstream, headers):
        if headers == "csrf token":
            session.get("/auth/login")  # the CSRF cookie
            headers = {"X-CSRF-Token": session.cookies["svc_csrf"]}
        response = session.post_json("/fetch", {"url": upstream.url("/echo")}, headers=headers)
        assert response.json["path"] == "/echo"

    def test_safe_methods_are_not_checked(self, session):
        assert session.get("/auth/whoami", headers={"Origin": "https://evil.example"}).json["user"] == "alice"

    @pytest.mark.parametrize("origin", [None, "https://evil.example"])
    def test_basic_and_bearer_callers_need_no_origin(self, testing, upstream, origin):
        testing.user("bob")
        token, _ = testing.service.admin.create_token("bob")
        extra = {"Origin": origin} if origin else {}
        for authorization in (basic("bob", PASSWORD), "Bearer " + token):
            response = testing.app.post_json(
                "/fetch", {"url": upstream.url("/echo")}, headers={"Authorization": authorization, **extra}
            )
            assert response.json["path"] == "/echo"

    @pytest.mark.parametrize("trusted, status", [("127.0.0.1", 200), ("", 403)])
    def test_the_origin_behind_a_trusted_proxy(self, auth_conf, upstream, trusted, status):
        world = AuthWorld(load("testing.ini", **auth_conf, **{"svc.auth.trusted_proxies": trusted}))
        world.user("alice")
        app = browser(world, REMOTE_ADDR="127.0.0.1", HTTP_HOST="127.0.0.1:6543", **{"wsgi.url_scheme": "http"})
        assert world.sign_in(app, "alice").status_int == 303
        proxied = {"X-Forwarded-Host": "svc.example", "X-Forwarded-Proto": "https", "Origin": "https://svc.example"}
        app.post_json("/fetch", {"url": upstream.url("/echo")}, headers=proxied, status=status)

    def test_the_sign_out_form_keeps_working_in_a_browser(self, testing):
        testing.user("alice")
        app, _ = signed_in(testing)
        form = app.get("/auth/whoami", headers=BROWSER).forms[0]
        form.submit(headers={**BROWSER, "Origin": "https://localhost"}, status=303)
        app.get("/auth/whoami", status=401)

    def test_a_cross_site_sign_out_is_refused(self, testing):
        testing.user("alice")
        app, _ = signed_in(testing)
        form = app.get("/auth/whoami", headers=BROWSER).forms[0]
        form.submit(headers={**BROWSER, "Origin": "https://evil.example"}, status=403)
        app.get("/auth/whoami", status=200)


class TestJsonEndpointsNeedJson:
    """Item 13: the JSON endpoints refuse other media types with a 415 problem, whoever calls."""

    @pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", None])
    @pytest.mark.parametrize("path", ["/fetch", "/auth/admin/users"])
    def test_a_json_body_sent_as_another_type(self, testing, content_type, path):
        testing.user("root", permissions=["admin"])
        headers = {"Authorization": basic("root", PASSWORD)}
        if content_type:
            headers["Content-Type"] = content_type
        response = testing.app.post(path, json.dumps({"url": GUARDED, "name": "x"}), headers=headers, status=415)
        assert response.json["type"] == "https://svc.invalid/problems/unsupported-media-type"

    def test_json_with_a_charset_is_json(self, testing, upstream):
        response = testing.app.post(
            "/fetch", json.dumps({"url": upstream.url("/echo")}), headers={"Content-Type": "application/json; charset=utf-8"}
        )
        assert response.json["path"] == "/echo"


IDENTITY_HEADERS = [
    "Remote-Groups", "Remote-Email", "Remote-Name", "X-Auth-Request-User", "X-Auth-Request-Email",
    "X-Auth-Request-Groups", "X-Auth-Request-Preferred-Username", "X-Auth-Request-Access-Token",
    "X-Forwarded-Preferred-Username", "X-Custom-Identity", "X-Custom-Claim-Role",
]


def environ_key(header):
    return "HTTP_" + header.upper().replace("-", "_")


class TestIdentityHeaders:
    """Item 16: what a mounted app receives of the caller's identity comes from the filter alone."""

    @pytest.mark.parametrize("header", IDENTITY_HEADERS)
    def test_identity_headers_from_clients_never_reach_an_app(self, foreign, header):
        foreign.user("alice")
        for extra in ({}, {"Authorization": basic("alice", PASSWORD)}):
            received = foreign.app.get("/echo/", headers={header: "root", **extra}).json
            assert environ_key(header) not in received

    def test_other_headers_pass(self, foreign):
        received = foreign.app.get("/echo/", headers={"X-Custom-Other": "1", "Remote-Addr-Hint": "2"}).json
        assert received["HTTP_X_CUSTOM_OTHER"] == "1" and received["HTTP_REMOTE_ADDR_HINT"] == "2"

    @pytest.mark.parametrize("scheme", ["basic", "bearer", "digest"])
    def test_the_callers_authorization_never_reaches_a_foreign_app(self, foreign, scheme):
        foreign.user("alice")
        token, _ = foreign.service.admin.create_token("alice")
        authorization = {"basic": basic("alice", PASSWORD), "bearer": "Bearer " + token,
                         "digest": 'Digest username="alice"'}[scheme]
        received = foreign.app.get("/echo/", headers={"Authorization": authorization}).json
        assert "HTTP_AUTHORIZATION" not in received
        assert received.get("REMOTE_USER") == (None if scheme == "digest" else "alice")

    def test_a_mount_that_opts_in_receives_it(self, foreign):
        foreign.user("alice")
        authorization = basic("alice", PASSWORD)
        received = foreign.app.get("/trusting/x", headers={"Authorization": authorization}).json
        assert received["HTTP_AUTHORIZATION"] == authorization and received["REMOTE_USER"] == "alice"
        assert "HTTP_AUTHORIZATION" not in foreign.app.get("/echo/x", headers={"Authorization": authorization}).json

    @pytest.mark.parametrize(
        "path", ["/echo/../trusting/", "/trusting/../echo/", "/trusting2/", "/TRUSTING/", "/echo/trusting/",
                 "/echo/%2E%2E/trusting/"],
    )
    def test_path_tricks_never_hand_it_to_another_mount(self, foreign, path):
        response = foreign.app.get(path, headers={"Authorization": 'Digest username="x"'}, status="*")
        if response.status_int == 200 and response.content_type == "application/json":
            assert "HTTP_AUTHORIZATION" not in response.json

    def test_svc_pieces_still_know_the_caller(self, foreign):
        foreign.user("alice")
        assert foreign.app.get("/auth/whoami", headers={"Authorization": basic("alice", PASSWORD)}).json["user"] == "alice"


@pytest.mark.parametrize("key, value", [("svc.auth.pass_authorization", "legacy")])
def test_a_malformed_setting_fails_at_start_up_naming_its_key(auth_conf, key, value):
    from svc.web.settings import SettingError

    with pytest.raises(SettingError, match=key.replace(".", r"\.")):
        load("production.ini", **auth_conf, **{key: value})
