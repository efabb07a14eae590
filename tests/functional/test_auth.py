"""The auth piece through production.ini (temporary database), and in front of foreign apps."""
import base64
import json
import re

import bcrypt
import pytest
from webtest import TestApp

from svc.auth.ticket import SessionTicket, Ticket
from svc.web.settings import SettingError
from tests.auth_fixtures import AuthWorld, basic
from tests.conftest import load
from tests.openapi import assert_conforms, assert_is_problem

BROWSER = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
SAME_ORIGIN = {"Sec-Fetch-Site": "same-origin"}  # what a browser adds to a form posted from svc's own page
PASSWORD = "correct horse"


def cookie_value(response, name="__Host-svc_auth"):
    for header in response.headers.getall("Set-Cookie"):
        if header.startswith(name + "="):
            return header.split(";")[0].split("=", 1)[1]
    return None


def with_cookie(value, name="__Host-svc_auth"):
    return {"Cookie": f"{name}={value}"}


def browser(world, **environ):
    """A fresh TestApp (its own cookie jar) talking https to ``world``."""
    return TestApp(world.wsgi, extra_environ={"wsgi.url_scheme": "https", "HTTP_HOST": "localhost", **environ})


def signed_in(world, user="alice"):
    """A fresh TestApp whose cookie jar holds a session of ``user``."""
    app = browser(world)
    response = world.sign_in(app, user)
    assert response.status_int == 303, response.text
    return app, cookie_value(response)


class TestFormSignIn:
    def test_sign_in_sets_a_hardened_cookie_and_returns_to_came_from(self, prod):
        prod.user("alice")
        response = prod.sign_in(prod.app, "alice", came_from="/url/?x=1")
        assert response.status_int == 303
        assert response.headers["Location"] == "https://localhost/url/?x=1"
        header = next(h for h in response.headers.getall("Set-Cookie") if h.startswith("__Host-svc_auth="))
        attributes = {part.strip().split("=")[0].lower() for part in header.split(";")[1:]}
        assert {"secure", "httponly", "path", "max-age", "samesite"} <= attributes
        assert "domain" not in attributes
        assert "SameSite=Lax" in header and "Path=/;" in header and "Max-Age=43200" in header
        assert prod.app.get("/auth/whoami").json == {
            "user": "alice", "groups": [], "permissions": [], "method": "cookie"
        }

    def test_whoami_page_and_sign_out_end_the_session_at_once(self, prod):
        prod.user("alice")
        app, ticket = signed_in(prod)
        page = app.get("/auth/whoami", headers=BROWSER)
        assert "alice" in page.html.select_one("table.result").text
        response = page.forms[0].submit(headers=SAME_ORIGIN)
        assert response.status_int == 303 and response.headers["Location"].endswith("/auth/login?signed_out=1")
        assert cookie_value(response) == ""
        app.reset()
        replay = app.get("/auth/whoami", headers=with_cookie(ticket), status=401)
        assert replay.headers.getall("WWW-Authenticate")

    def test_get_never_accepts_credentials_and_logout_is_post_only(self, prod):
        prod.user("alice")
        response = prod.app.get("/auth/login", {"user": "alice", "password": PASSWORD}, headers=BROWSER)
        assert cookie_value(response) is None
        prod.app.get("/auth/whoami", status=401)
        prod.app.get("/auth/logout", status=405)

    def test_failed_sign_in_shows_the_form_again(self, prod):
        prod.user("alice")
        response = prod.sign_in(prod.app, "alice", "wrong")
        assert response.status_int == 400
        assert "The user name or password is wrong" in response.html.select_one("p.problem").text
        assert response.html.select_one("form.login")

    def test_plain_http_with_secure_cookies_is_explained(self, prod):
        page = TestApp(prod.wsgi).get("/auth/login", headers=BROWSER)
        assert "Sign-in needs HTTPS here" in page.html.select_one("p.problem").text
        assert prod.app.get("/auth/login", headers=BROWSER).html.select_one("p.problem") is None

    def test_failed_sign_ins_are_logged_for_the_sysadmin(self, prod, caplog):
        prod.user("alice")
        with caplog.at_level("WARNING", logger="svc.auth"):
            prod.app.get("/auth/whoami", headers={"Authorization": basic("alice", "guess")},
                         extra_environ={"REMOTE_ADDR": "198.51.100.7"}, status=401)
        assert ["failed sign-in of 'alice' from 198.51.100.7"] == [r.getMessage() for r in caplog.records]
        assert "guess" not in caplog.text

    def test_the_index_page_of_the_piece(self, prod):
        prod.user("alice")
        assert prod.app.get("/auth/", headers=BROWSER).html.select_one("form.login")
        signed_in(prod)
        app, _ = signed_in(prod)
        assert app.get("/auth/").headers["Location"].endswith("/auth/whoami")


class TestBasicAndBearer:
    def test_basic_is_verified_once_then_cached(self, prod, monkeypatch):
        prod.user("alice")
        calls = []
        verify = prod.service.passwords.verify
        monkeypatch.setattr(prod.service.passwords, "verify", lambda *a: calls.append(1) or verify(*a))
        for _ in range(3):
            body = prod.app.get("/auth/whoami", headers={"Authorization": basic("alice", PASSWORD)}).json
            assert body["method"] == "basic"
        assert len(calls) == 1

    def test_bearer_token_until_revoked(self, prod):
        prod.user("alice", permissions=["admin"])
        token, info = prod.service.create_token("alice", "ci")
        bearer = {"Authorization": "Bearer " + token}
        assert prod.app.get("/auth/whoami", headers=bearer).json["method"] == "bearer"
        prod.app.delete(f"/auth/admin/tokens/{info.id}", headers=bearer, status=204)
        response = prod.app.get("/auth/whoami", headers=bearer, status=401)
        assert 'Bearer realm="svc", error="invalid_token"' in response.headers.getall("WWW-Authenticate")

    def test_a_bcrypt_hash_is_upgraded_to_argon2id_at_sign_in(self, prod):
        stored = "$2y$" + bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(4)).decode()[4:]
        prod.service.import_htpasswd(f"carol:{stored}\n")
        prod.app.get("/auth/whoami", headers={"Authorization": basic("carol", PASSWORD)})
        assert prod.service.store.credentials("carol")[1].startswith("$argon2id$")
        prod.service.changed()
        prod.app.get("/auth/whoami", headers={"Authorization": basic("carol", PASSWORD)})

    def test_changed_argon2_parameters_rehash_at_sign_in(self, prod):
        prod.user("alice")
        old = prod.service.store.credentials("alice")[1]
        prod.service.passwords.hasher = type(prod.service.passwords.hasher)(time_cost=2, memory_cost=16, parallelism=1)
        prod.app.get("/auth/whoami", headers={"Authorization": basic("alice", PASSWORD)})
        new = prod.service.store.credentials("alice")[1]
        assert new != old and "m=16,t=2" in new


class TestPermissions:
    """The admin API is a Pyramid view with permission="admin": the security policy at work."""

    def test_anonymous_program_gets_a_challenge_for_both_schemes(self, prod):
        response = prod.app.get("/auth/admin/users", status=401)
        assert response.headers.getall("WWW-Authenticate") == [
            'Basic realm="svc", charset="UTF-8"', 'Bearer realm="svc"'
        ]
        assert response.json["type"] == "https://svc.invalid/problems/unauthorized"

    def test_anonymous_browser_is_sent_to_the_form_and_back(self, prod):
        prod.user("root", permissions=["admin"])
        response = prod.app.get("/auth/admin/users?x=1", headers=BROWSER, status=302)
        assert response.headers["Location"] == (
            "https://localhost/auth/login?came_from=%2Fauth%2Fadmin%2Fusers%3Fx%3D1&needs=admin"
        )
        form = response.follow(headers=BROWSER).forms[0]
        assert form["came_from"].value == "/auth/admin/users?x=1"
        form["user"], form["password"] = "root", PASSWORD
        back = form.submit(headers=BROWSER, status=303)
        assert back.headers["Location"] == "https://localhost/auth/admin/users?x=1"
        assert back.follow().json["users"][0]["name"] == "root"

    @pytest.mark.parametrize("headers", [{}, BROWSER, {**BROWSER, "X-Requested-With": "XMLHttpRequest"}])
    def test_signed_in_without_the_permission_is_403_never_a_loop(self, prod, headers):
        prod.user("alice")
        app, _ = signed_in(prod)
        response = app.get("/auth/admin/users", headers=headers, status=403)
        assert "alice" in response.text and "admin" in response.text

    def test_grants_through_groups_take_effect_at_once(self, prod):
        prod.user("root", permissions=["admin"])
        prod.user("alice")
        root = {"Authorization": basic("root", PASSWORD)}
        alice = {"Authorization": basic("alice", PASSWORD)}
        prod.app.get("/auth/admin/users", headers=alice, status=403)
        prod.app.post_json("/auth/admin/groups", {"name": "ops"}, headers=root, status=201)
        prod.app.put("/auth/admin/groups/ops/members/alice", headers=root, status=204)
        prod.app.post_json("/auth/admin/grants", {"subject": "@ops", "permission": "admin"}, headers=root, status=201)
        assert prod.app.get("/auth/whoami", headers=alice).json["groups"] == ["ops"]
        prod.app.get("/auth/admin/users", headers=alice, status=200)
        prod.app.delete("/auth/admin/grants/@ops/admin", headers=root, status=204)
        prod.app.get("/auth/admin/users", headers=alice, status=403)

    @pytest.mark.parametrize("method", ["head", "delete", "options"])
    def test_other_methods_on_protected_views_need_sign_in(self, prod, method):
        res = getattr(prod.app, method)("/auth/admin/users/x", status=401)
        assert "Allow" not in res.headers and res.headers.getall("WWW-Authenticate")

    @pytest.mark.parametrize("path", ["/dns/lookup", "/net/mac", "/fetch", "/url/parse"])
    def test_a_method_no_view_takes_says_405_only_to_those_allowed(self, prod, path):
        prod.user("reader", permissions=["dns", "net", "fetch"])
        prod.user("nobody")
        anonymous = prod.app.options(path, status="*")
        allowed = prod.app.options(path, headers={"Authorization": basic("reader", PASSWORD)}, status="*")
        refused = prod.app.options(path, headers={"Authorization": basic("nobody", PASSWORD)}, status="*")
        if path == "/url/parse":  # public: no permission to hide its methods behind
            assert anonymous.status_int == allowed.status_int == refused.status_int == 405
        elif path == "/fetch":  # answers CORS preflights to anyone
            assert anonymous.status_int == allowed.status_int == refused.status_int == 204
        else:
            assert (anonymous.status_int, allowed.status_int, refused.status_int) == (401, 405, 403)
            assert allowed.headers["Allow"] and "Allow" not in refused.headers


# Foreign WSGI apps, none of them Pyramid, behind the filter.

CLOSED = []


def legacy_app(environ, start_response):
    """Answers 401 (with no WWW-Authenticate) to anyone the filter did not sign in."""
    user = environ.get("REMOTE_USER")
    if not user:
        start_response("401 Unauthorized", [("Content-Type", "text/plain")])
        return _Closing([b"who are you?"], "legacy")
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [f"hello {user} via {environ['AUTH_TYPE']}".encode()]


class _Closing(list):
    def __init__(self, chunks, name):
        super().__init__(chunks)
        self.name = name

    def close(self):
        CLOSED.append(self.name)


def streaming_app(environ, start_response):
    """A generator: it calls start_response only when first iterated, then streams."""
    try:
        if not environ.get("REMOTE_USER"):
            start_response("401 Unauthorized", [("Content-Type", "text/plain")])
            yield b"no"
            yield b" entry"
            return
        start_response("200 OK", [("Content-Type", "text/plain")])
        for chunk in (b"streamed ", environ["REMOTE_USER"].encode()):
            yield chunk
    finally:
        CLOSED.append("streaming")


def own_challenge_app(environ, start_response):
    start_response("401 Unauthorized", [("Content-Type", "text/plain"), ("WWW-Authenticate", 'Digest realm="own"')])
    return [b"my own scheme"]


def echo_app(environ, start_response):
    """Shows what identity reached it: the filter's and any header a client tried to slip in."""
    keys = sorted(k for k in environ if "USER" in k or "GROUPS" in k or "EMAIL" in k)
    identity = environ.get("svc.identity")
    body = {
        "path": environ["PATH_INFO"],
        "keys": {k: environ[k] for k in keys},
        "identity": identity.as_json() if identity else None,
    }
    start_response("200 OK", [("Content-Type", "application/json")])
    return [json.dumps(body).encode()]


def _decorated(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"decorated ok"]


def factory_of(app):
    return lambda global_config, **settings: app


legacy_factory = factory_of(legacy_app)
streaming_factory = factory_of(streaming_app)
own_challenge_factory = factory_of(own_challenge_app)
echo_factory = factory_of(echo_app)


def protected_factory(global_config, **settings):
    """An svc app with one view that declares permission="fetch", as the fetch piece's views do."""
    from svc.config import configure

    config = configure({**settings, "svc.pieces": "home"}, global_config)
    config.add_route("secret", "/secret")
    config.add_view(
        lambda request: {"for": request.authenticated_userid},
        route_name="secret", permission="fetch", renderer="json", request_method="GET",
    )
    return config.make_wsgi_app()


def decorated_factory(global_config, **settings):
    from svc.auth.require import require

    return require("fetch")(_decorated)


FOREIGN_INI = """
[DEFAULT]
svc.auth.secure = false

[app:home]
use = egg:svc#home

[app:auth]
use = egg:svc#auth

[app:legacy]
paste.app_factory = tests.functional.test_auth:legacy_factory

[app:streaming]
paste.app_factory = tests.functional.test_auth:streaming_factory

[app:own]
paste.app_factory = tests.functional.test_auth:own_challenge_factory

[app:decorated]
paste.app_factory = tests.functional.test_auth:decorated_factory

[app:echo]
paste.app_factory = tests.functional.test_auth:echo_factory

[app:protected]
paste.app_factory = tests.functional.test_auth:protected_factory

[app:unenforced]
paste.app_factory = tests.functional.test_auth:protected_factory
svc.enforce_permissions = false

[filter:auth]
use = egg:svc#auth

[filter:need-fetch]
use = egg:svc#require
permission = fetch

[filter:fetch-paths]
use = egg:svc#require
permission = fetch
paths = /fetch /deep/area

[pipeline:gated]
pipeline = need-fetch echo

[pipeline:main]
pipeline = auth fetch-paths mounts

[composite:mounts]
use = egg:svc#urlmap
/ = home
/auth = auth
/legacy = legacy
/streaming = streaming
/own = own
/decorated = decorated
/gated = gated
/echo = echo
/fetch = echo
/deep = echo
/protected = protected
/unenforced = unenforced
"""


@pytest.fixture
def foreign(write_ini, auth_conf):
    CLOSED.clear()
    return AuthWorld(load(write_ini(FOREIGN_INI), **auth_conf))


def cookie_app(world, user):
    app = TestApp(world.wsgi)
    response = world.sign_in(app, user)
    assert response.status_int == 303
    return app


class TestForeignApp:
    def test_all_three_sign_in_methods(self, foreign):
        foreign.user("alice")
        token, _ = foreign.service.create_token("alice")
        assert foreign.app.get("/legacy/", headers={"Authorization": basic("alice", PASSWORD)}).text == "hello alice via Basic"
        assert foreign.app.get("/legacy/", headers={"Authorization": "Bearer " + token}).text == "hello alice via Bearer"
        assert cookie_app(foreign, "alice").get("/legacy/").text == "hello alice via cookie"

    def test_its_401_becomes_a_challenge_and_its_body_is_closed(self, foreign):
        response = foreign.app.get("/legacy/x", status=401)
        assert response.content_type == "application/problem+json"
        assert len(response.headers.getall("WWW-Authenticate")) == 2
        assert CLOSED == ["legacy"]
        browser = foreign.app.get("/legacy/x?a=b", headers=BROWSER, status=302)
        assert browser.headers["Location"] == "https://localhost/auth/login?came_from=%2Flegacy%2Fx%3Fa%3Db"

    def test_an_app_that_streams_its_401(self, foreign):
        response = foreign.app.get("/streaming/", status=401)
        assert response.content_type == "application/problem+json" and b"entry" not in response.body
        assert CLOSED == ["streaming"]
        foreign.user("alice")
        CLOSED.clear()
        response = foreign.app.get("/streaming/", headers={"Authorization": basic("alice", PASSWORD)})
        assert response.text == "streamed alice" and CLOSED == ["streaming"]

    def test_its_own_challenge_passes_through(self, foreign):
        response = foreign.app.get("/own/", status=401)
        assert response.headers.getall("WWW-Authenticate") == ['Digest realm="own"']
        assert response.text == "my own scheme"

    @pytest.mark.parametrize("mount", ["/decorated/", "/gated/"])
    def test_require_decorator_and_filter(self, foreign, mount):
        foreign.user("alice")
        foreign.user("bob", permissions=["fetch"])
        assert foreign.app.get(mount, status=401).headers.getall("WWW-Authenticate")
        assert foreign.app.get(mount, headers=BROWSER, status=302)
        denied = foreign.app.get(mount, headers={"Authorization": basic("alice", PASSWORD)}, status=403)
        assert "fetch" in denied.json["detail"]
        assert cookie_app(foreign, "alice").get(mount, status=403)
        foreign.app.get(mount, headers={"Authorization": basic("bob", PASSWORD)}, status=200)
        cookie_app(foreign, "bob").get(mount, status=200)

    def test_a_pyramid_view_with_a_permission(self, foreign):
        foreign.user("alice")
        foreign.user("bob", permissions=["fetch"])
        assert len(foreign.app.get("/protected/secret", status=401).headers.getall("WWW-Authenticate")) == 2
        foreign.app.head("/protected/secret", status=401)
        login = foreign.app.get("/protected/secret", headers=BROWSER, status=302).headers["Location"]
        assert login.endswith("/auth/login?came_from=%2Fprotected%2Fsecret&needs=fetch")
        page = cookie_app(foreign, "alice").get("/protected/secret", headers=BROWSER, status=403)
        assert page.content_type == "text/html" and "lacks the permission fetch" in page.text
        bob = foreign.app.get("/protected/secret", headers={"Authorization": basic("bob", PASSWORD)})
        assert bob.json == {"for": "bob"}
        foreign.app.get("/protected/hello?name=x", status=200)  # views without a permission stay public

    def test_svc_enforce_permissions_off_ignores_permissions(self, foreign):
        assert foreign.app.get("/unenforced/secret").json == {"for": None}

    def test_the_index_sees_through_the_filters(self, foreign):
        page = foreign.app.get("/", headers=BROWSER)
        rows = {tr.select_one("a")["href"]: tr.text for tr in page.html.select("table.mounts tbody tr")}
        assert "auth" in rows["/auth/"] and "not an svc app" in rows["/gated/"]


SPOOFED = [
    "Remote-User", "X-Remote-User", "X-Forwarded-User", "X-Forwarded-Groups", "X-Forwarded-Email",
    "Remote_User", "X_Remote_User", "X_Forwarded_User", "X_Forwarded_Groups", "X_Forwarded_Email",
]


class TestHostile:
    @pytest.mark.parametrize("header", SPOOFED)
    def test_spoofed_identity_headers_never_reach_the_app(self, foreign, header):
        body = foreign.app.get("/echo/", headers={header: "root"}).json
        assert body == {"path": "/", "keys": {}, "identity": None}
        foreign.app.get("/legacy/", headers={header: "root"}, status=401)
        foreign.user("alice")
        signed = foreign.app.get("/echo/", headers={header: "root", "Authorization": basic("alice", PASSWORD)}).json
        assert signed["keys"] == {"REMOTE_USER": "alice"}

    def test_spoofed_environ_remote_user_is_dropped(self, foreign):
        assert foreign.app.get("/echo/", extra_environ={"REMOTE_USER": "root"}).json["keys"] == {}

    @pytest.mark.parametrize(
        "path", ["/fetch", "/fetch/", "/x/../fetch", "/FETCH", "/Fetch/x", "//fetch", "/%2Ffetch", "/%252Ffetch",
                 "/./fetch", "/deep/area", "/deep/x/../area/y", "/DEEP/AREA/"],
    )
    def test_path_tricks_against_require(self, foreign, path):
        response = foreign.app.get(path, status="*")
        assert response.status_int == 401, (path, response.status, response.text)

    def test_require_leaves_other_paths_alone(self, foreign):
        assert foreign.app.get("/deep/other").json["path"] == "/other"
        assert foreign.app.get("/echo/fetch").json["path"] == "/fetch"

    @pytest.mark.parametrize("method", ["head", "options", "post", "delete"])
    @pytest.mark.parametrize("path", ["/gated/", "/fetch/x", "/decorated/"])
    def test_every_method_on_protected_paths_needs_sign_in(self, foreign, method, path):
        assert getattr(foreign.app, method)(path, status="*").status_int == 401

    @pytest.mark.parametrize(
        "header, status",
        [
            ("Basic !!!", 400),
            ("Basic " + base64.b64encode(b"alice" + PASSWORD.encode()).decode(), 400),
            ("Basic ", 400),
            ("Basic", 400),
            ("Basic " + base64.b64encode(b":" + PASSWORD.encode()).decode(), 400),
            ("Bearer", 400),
            ("basic " + base64.b64encode(f"alice:{PASSWORD}".encode()).decode(), 200),
            ("Basic " + base64.b64encode(f"jos\xe9:{PASSWORD}".encode("latin-1")).decode(), 200),
        ],
    )
    def test_malformed_basic(self, prod, header, status):
        prod.user("alice")
        prod.user("josé")
        response = prod.app.get("/auth/whoami", headers={"Authorization": header}, status=status)
        if status == 400:
            assert response.json["type"] == "https://svc.invalid/problems/malformed-credentials"

    def test_a_100_kb_authorization_header_is_refused_before_any_hashing(self, prod, monkeypatch):
        monkeypatch.setattr(prod.service.passwords, "verify", lambda *a: pytest.fail("hashed"))
        header = "Basic " + base64.b64encode(b"alice:" + b"x" * 75000).decode()
        assert len(header) > 100_000
        response = prod.app.get("/hello?name=x", headers={"Authorization": header}, status=431)
        assert response.json["status"] == 431

    def test_a_10000_byte_password_is_refused_without_hashing(self, prod, monkeypatch):
        prod.user("alice")
        monkeypatch.setattr(prod.service.passwords, "verify", lambda *a: pytest.fail("hashed"))
        prod.app.get("/auth/whoami", headers={"Authorization": basic("alice", "x" * 10_000)}, status=431)
        response = prod.sign_in(browser(prod), "alice", "x" * 10_000)
        assert response.status_int == 400 and "The user name or password is wrong" in response.text
        with pytest.raises(Exception, match="longer than 1024 bytes"):
            prod.service.set_password("alice", "x" * 10_000)

    def test_unknown_user_and_wrong_password_look_alike(self, prod):
        prod.user("alice")

        def attempt(app, user):
            r = app.get("/auth/whoami", headers={"Authorization": basic(user, "wrong")}, status="*")
            # Every answer has its own X-Request-ID; everything else must match.
            return r.status, sorted((k, v) for k, v in r.headers.items() if k != "X-Request-ID"), r.body

        assert attempt(prod.app, "alice") == attempt(prod.app, "nobody")
        forms = []
        for user in ("alice", "nobody"):
            response = prod.sign_in(browser(prod), user, "wrong")
            assert "The user name or password is wrong" in response.text
            body = re.sub(r'name="csrf_token" value="[^"]+"', "", response.text)
            body = body.replace(f'value="{user}"', 'value=""')  # the form keeps what was typed
            forms.append((response.status, sorted(k for k, _ in response.headers.items()), body))
        assert forms[0] == forms[1] and forms[0][0] == "400 Bad Request"

    @pytest.mark.parametrize(
        "came_from", ["//evil", "/\\evil", "https://evil", "javascript:alert(1)", "%2F%2Fevil",
                      "/x\r\nSet-Cookie: a=b", "/\t/evil", "//evil/%2F..", "http:\\\\evil"],
    )
    def test_came_from_never_leaves_the_site(self, prod, came_from):
        prod.user("alice")
        form = prod.app.get("/auth/login", {"came_from": came_from}, headers=BROWSER).forms[0]
        assert form["came_from"].value == "/"
        response = prod.sign_in(prod.app, "alice", came_from=came_from)
        assert response.headers["Location"] == "https://localhost/"

    @pytest.mark.parametrize("token", [None, "", "forged", "0" * 32])
    def test_sign_in_without_a_valid_csrf_token(self, prod, token):
        prod.user("alice")
        prod.app.get("/auth/login")  # the CSRF cookie is set, but the form's token is wrong or absent
        params = {"user": "alice", "password": PASSWORD}
        if token is not None:
            params["csrf_token"] = token
        response = prod.app.post("/auth/login", params, status=400)
        assert response.json["type"] == "https://svc.invalid/problems/csrf-failed"
        assert cookie_value(response) is None

    @pytest.mark.parametrize("origin, status", [("https://evil.example", 400), ("https://localhost", 303)])
    def test_sign_in_posted_from_another_origin(self, prod, origin, status):
        prod.user("alice")
        form = prod.app.get("/auth/login", headers=BROWSER).forms[0]
        form["user"], form["password"] = "alice", PASSWORD
        response = form.submit(headers={**BROWSER, "Origin": origin}, status=status)
        assert (cookie_value(response) is None) == (status == 400)

    def test_session_fixation(self, prod):
        prod.user("alice")
        prod.user("mallory")
        _, planted = signed_in(prod, "mallory")
        victim = browser(prod)
        victim.set_cookie("__Host-svc_auth", planted)
        response = prod.sign_in(victim, "alice")
        fresh = cookie_value(response)
        assert fresh and fresh != planted
        assert victim.get("/auth/whoami").json["user"] == "alice"
        prod.app.get("/auth/whoami", headers=with_cookie(planted), status=401)  # the planted session ended

    def test_brute_force_is_slowed_per_user_and_client(self, prod):
        prod.user("alice")
        here = {"REMOTE_ADDR": "198.51.100.7"}
        for _ in range(5):
            prod.app.get("/auth/whoami", headers={"Authorization": basic("alice", "guess")}, extra_environ=here, status=401)
        locked = prod.app.get("/auth/whoami", headers={"Authorization": basic("alice", PASSWORD)}, extra_environ=here, status=429)
        assert 0 < int(locked.headers["Retry-After"]) <= 900
        assert locked.json["type"] == "https://svc.invalid/problems/too-many-sign-ins"
        form = prod.sign_in(browser(prod, **here), "alice")
        assert form.status_int == 429 and form.headers["Retry-After"]
        # The real user, elsewhere, is not locked out by the attacker.
        elsewhere = {"REMOTE_ADDR": "203.0.113.9"}
        prod.app.get("/auth/whoami", headers={"Authorization": basic("alice", PASSWORD)}, extra_environ=elsewhere)


@pytest.mark.parametrize("trusted, dodges", [("", False), ("127.0.0.1", True)])
def test_x_forwarded_for_counts_only_from_a_trusted_proxy(auth_conf, trusted, dodges):
    world = AuthWorld(load("production.ini", **auth_conf, **{"svc.auth.trusted_proxies": trusted}))
    world.user("alice")
    proxy = {"REMOTE_ADDR": "127.0.0.1"}
    for n in range(6):
        forwarded = {"X-Forwarded-For": f"198.51.100.{n}", "Authorization": basic("alice", "guess")}
        world.app.get("/auth/whoami", headers=forwarded, extra_environ=proxy, status="*")
    again = {"X-Forwarded-For": "198.51.100.99", "Authorization": basic("alice", PASSWORD)}
    status = world.app.get("/auth/whoami", headers=again, extra_environ=proxy, status="*").status_int
    assert status == (200 if dodges else 429)


@pytest.mark.parametrize(
    "path", ["/", "/hello?name=x", "/livez", "/openapi.json", "/url/openapi.json", "/auth/openapi.json",
             "/auth/login", "/auth/", "/static/style.css"],
)
def test_public_in_production(prod, path):
    prod.app.get(path, headers=BROWSER, status=200)


def test_a_lock_never_lasts_past_its_window(auth_conf):
    import time

    world = AuthWorld(load("production.ini", **auth_conf, **{"svc.auth.login_attempts": "2 per 1 second"}))
    world.user("alice")
    for _ in range(2):
        world.app.get("/auth/whoami", headers={"Authorization": basic("alice", "guess")}, status=401)
    world.app.get("/auth/whoami", headers={"Authorization": basic("alice", PASSWORD)}, status=429)
    time.sleep(1.1)
    world.app.get("/auth/whoami", headers={"Authorization": basic("alice", PASSWORD)}, status=200)


class TestCookieLifetime:
    @pytest.fixture
    def clock(self, prod):
        now = [prod.service.clock()]
        prod.service.clock = lambda: now[0]
        prod.service.store.clock = lambda: now[0]
        return now

    def test_idle_timeout(self, prod, clock):
        prod.user("alice")
        app, ticket = signed_in(prod)
        clock[0] += 1801
        app.get("/auth/whoami", status=401)

    def test_activity_reissues_but_never_past_the_absolute_lifetime(self, prod, clock):
        prod.user("alice")
        app, ticket = signed_in(prod)
        ends = clock[0] + 43200
        while clock[0] + 1500 < ends:  # active every 25 minutes
            clock[0] += 1500
            response = app.get("/auth/whoami")
            max_age = int(re.search(r"Max-Age=(\d+)", response.headers["Set-Cookie"]).group(1))
            assert cookie_value(response) and max_age <= ends - clock[0]
        clock[0] = ends
        app.get("/auth/whoami", status=401)

    @pytest.mark.parametrize("kind", ["tampered", "foreign secret", "garbage", "expired", "replayed after logout"])
    def test_bad_cookies_are_anonymous_and_deleted(self, prod, clock, kind):
        prod.user("alice")
        app, ticket = signed_in(prod)
        if kind == "tampered":
            ticket = ticket[:-2] + ("A" if ticket[-2] != "A" else "B") + ticket[-1]
        elif kind == "foreign secret":
            from webob import Request

            forged = SessionTicket("another secret that is long enough!!", secure=True)
            key = prod.service.ticket.read(Request.blank("/", headers=with_cookie(ticket))).session_key
            header = forged.issue(Request.blank("/"), Ticket(key, int(clock[0])), 600)[0][1]
            ticket = header.split(";")[0].split("=", 1)[1]
        elif kind == "garbage":
            ticket = "%00" + "x" * 5000
        elif kind == "expired":
            clock[0] += 1801
        else:
            app.get("/auth/whoami", headers=BROWSER).forms[0].submit(headers=SAME_ORIGIN)
        response = prod.app.get("/auth/whoami", headers=with_cookie(ticket), status=401)
        assert cookie_value(response) == ""


class TestAdminAPI:
    @pytest.fixture
    def root(self, prod):
        prod.user("root", permissions=["admin"])
        return {"Authorization": basic("root", PASSWORD)}

    def doc(self, prod):
        return prod.app.get("/auth/openapi.json").json

    def test_users_groups_grants_tokens(self, prod, root):
        app, doc = prod.app, self.doc(prod)
        created = app.post_json("/auth/admin/users", {"name": "alice", "password": "first passphrase"}, headers=root, status=201)
        assert_conforms(doc, created, "/admin/users", "POST")
        assert app.get("/auth/whoami", headers={"Authorization": basic("alice", "first passphrase")}).json["user"] == "alice"
        app.put_json("/auth/admin/users/alice/password", {"password": "second passphrase"}, headers=root, status=204)
        app.get("/auth/whoami", headers={"Authorization": basic("alice", "first passphrase")}, status=401)
        app.get("/auth/whoami", headers={"Authorization": basic("alice", "second passphrase")})
        listed = app.get("/auth/admin/users", headers=root)
        assert_conforms(doc, listed, "/admin/users")
        assert [u["name"] for u in listed.json["users"]] == ["alice", "root"]
        token = app.post_json("/auth/admin/tokens", {"user": "alice", "label": "ci"}, headers=root, status=201)
        assert_conforms(doc, token, "/admin/tokens", "POST")
        assert token.json["token"].startswith("svc_") and token.headers["Cache-Control"] == "no-store"
        tokens = app.get("/auth/admin/tokens?user=alice", headers=root)
        assert_conforms(doc, tokens, "/admin/tokens")
        assert token.json["token"] not in tokens.text
        app.post_json("/auth/admin/groups", {"name": "ops"}, headers=root, status=201)
        app.put("/auth/admin/groups/ops/members/alice", headers=root, status=204)
        assert_conforms(doc, app.get("/auth/admin/groups", headers=root), "/admin/groups")
        app.post_json("/auth/admin/grants", {"subject": "@ops", "permission": "fetch"}, headers=root, status=201)
        assert_conforms(doc, app.get("/auth/admin/grants", headers=root), "/admin/grants")
        assert app.get("/auth/whoami", headers={"Authorization": "Bearer " + token.json["token"]}).json["permissions"] == ["fetch"]
        app.delete("/auth/admin/groups/ops/members/alice", headers=root, status=204)
        app.delete("/auth/admin/groups/ops", headers=root, status=204)
        app.delete("/auth/admin/users/alice", headers=root, status=204)
        app.get("/auth/whoami", headers={"Authorization": "Bearer " + token.json["token"]}, status=401)

    def test_revoking_sessions_signs_a_user_out_at_once(self, prod, root):
        prod.user("alice")
        app, _ = signed_in(prod)
        app.get("/auth/whoami")
        revoked = prod.app.delete("/auth/admin/users/alice/sessions", headers=root)
        assert revoked.json == {"revoked": 1}
        app.get("/auth/whoami", status=401)

    @pytest.mark.parametrize(
        "method, path, body, status",
        [
            ("post_json", "/auth/admin/users", {"name": "root"}, 409),
            ("post_json", "/auth/admin/users", {"name": "bad name"}, 400),
            ("post_json", "/auth/admin/users", {"name": "x", "password": 5}, 400),
            ("post_json", "/auth/admin/users", {"nom": "x"}, 400),
            ("post_json", "/auth/admin/users", ["x"], 400),
            ("post", "/auth/admin/users", "name=x", 415),
            ("post_json", "/auth/admin/grants", {"subject": "nobody", "permission": "fetch"}, 404),
            ("post_json", "/auth/admin/grants", {"subject": "root", "permission": "Fetch Me"}, 400),
            ("post_json", "/auth/admin/tokens", {"user": "root", "expires_in": -1}, 400),
            ("delete", "/auth/admin/tokens/abc", None, 404),
            ("delete", "/auth/admin/users/nobody", None, 404),
            ("put_json", "/auth/admin/users/root/password", {"password": ""}, 400),
            ("put_json", "/auth/admin/users/root/password", {"password": "x" * 2000}, 400),
        ],
    )
    def test_refusals_are_problems(self, prod, root, method, path, body, status):
        args = (path,) if body is None else (path, body)
        response = getattr(prod.app, method)(*args, headers=root, status=status)
        assert_is_problem(self.doc(prod), response)

    @pytest.mark.parametrize(
        "method, path, body, rule",
        [
            ("post_json", "/auth/admin/users", {"name": "frank", "password": ""}, "empty"),
            ("post_json", "/auth/admin/users", {"name": "frank", "password": "a"}, "min_password_length"),
            ("post_json", "/auth/admin/users", {"name": "frank.sinatra1", "password": "Frank.Sinatra1"}, "user_name"),
            ("post_json", "/auth/admin/users", {"name": "frank", "password": "password1234"}, "common"),
            ("put_json", "/auth/admin/users/root/password", {"password": "ROOT"}, "min_password_length"),
            ("put_json", "/auth/admin/users/root/password", {"password": "qwertyuiop123"}, "common"),
        ],
    )
    def test_weak_passwords_are_refused_naming_the_rule(self, prod, root, method, path, body, rule):
        response = getattr(prod.app, method)(path, body, headers=root, status=400)
        assert_is_problem(self.doc(prod), response)
        assert response.json["type"].endswith("/weak-password") and response.json["rule"] == rule
        assert "frank" not in prod.app.get("/auth/admin/users", headers=root).text

    def test_malformed_json_body(self, prod, root):
        response = prod.app.post("/auth/admin/users", b"{nope", headers={**root, "Content-Type": "application/json"}, status=400)
        assert "not valid JSON" in response.json["detail"]

    def test_htpasswd_import(self, prod, root):
        good = bcrypt.hashpw(b"pw", bcrypt.gensalt(4)).decode().replace("$2b$", "$2y$")
        text = f"dave:{good}\nerin:$apr1$ab$HDnxNS1M3PPbjU1tC/KIj1\nfrank:plain\n"
        response = prod.app.post("/auth/admin/htpasswd", text, headers={**root, "Content-Type": "text/plain"})
        assert_conforms(self.doc(prod), response, "/admin/htpasswd", "POST")
        assert response.json["added"] == ["dave"]
        assert [r["user"] for r in response.json["refused"]] == ["erin", "frank"]
        prod.app.get("/auth/whoami", headers={"Authorization": basic("dave", "pw")})

    def test_a_cookie_session_must_send_the_csrf_token_to_change_anything(self, prod, root):
        prod.service.write("grant", "root", "admin")
        app, _ = signed_in(prod, "root")
        app.post_json("/auth/admin/groups", {"name": "ops"}, status=403)  # the filter: not from svc's pages
        app.post_json("/auth/admin/groups", {"name": "ops"}, headers=SAME_ORIGIN, status=400)
        token = app.cookies["__Host-svc_csrf"]
        app.post_json("/auth/admin/groups", {"name": "ops"}, headers={"X-CSRF-Token": token}, status=201)


class TestStartUp:
    def test_production_refuses_a_missing_secret_file(self, auth_conf, tmp_path):
        with pytest.raises(SettingError, match="svc-admin <ini> init"):
            load("production.ini", **{**auth_conf, "svc.auth.secret_file": str(tmp_path / "none")})

    def test_production_refuses_the_sample_secret(self, auth_conf, tmp_path):
        from svc.auth.settings import SAMPLE_SECRET

        path = tmp_path / "sample"
        path.write_text(SAMPLE_SECRET)
        with pytest.raises(SettingError, match="sample"):
            load("production.ini", **{**auth_conf, "svc.auth.secret_file": str(path)})

    def test_production_refuses_a_database_without_the_schema(self, auth_conf, tmp_path):
        with pytest.raises(SettingError, match="run svc-admin <ini> migrate"):
            load("production.ini", **{**auth_conf, "svc.auth.db_url": f"sqlite:///{tmp_path}/empty.sqlite"})

    def test_development_creates_its_schema(self, auth_conf, tmp_path):
        app = TestApp(load("development.ini", **{**auth_conf, "svc.auth.db_url": f"sqlite:///{tmp_path}/new/dev.sqlite"}))
        app.get("/auth/login")
        assert (tmp_path / "new" / "dev.sqlite").exists()


def test_openapi_of_the_auth_mount(prod):
    doc = prod.app.get("/auth/openapi.json").json
    assert doc["servers"] == [{"url": "https://localhost/auth"}]
    assert {"/login", "/logout", "/whoami", "/admin/users"} <= set(doc["paths"])
    prod.user("alice")
    whoami = prod.app.get("/auth/whoami", headers={"Authorization": basic("alice", PASSWORD)})
    assert_conforms(doc, whoami, "/whoami")
    assert_conforms(doc, prod.app.get("/auth/login"), "/login")


ACCOUNT_INI = """
[DEFAULT]
svc.auth.secure = false

[app:home]
use = egg:svc#home

[app:net]
use = egg:svc#net

[app:auth]
use = egg:svc#auth

[app:echo]
paste.app_factory = tests.functional.test_auth:echo_factory

[filter:auth]
use = egg:svc#auth

[filter:need-reports]
use = egg:svc#require
permission = reports

[pipeline:reports]
pipeline = need-reports echo

[pipeline:main]
pipeline = auth mounts

[composite:mounts]
use = egg:svc#urlmap
/ = home
/net = net
/reports = reports
/account = auth
"""


class TestLoginPath:
    """The filter sends browsers to the sign-in form wherever the auth app is mounted."""

    def test_auth_remounted_at_account(self, write_ini):
        app = TestApp(load(write_ini(ACCOUNT_INI)))
        response = app.get("/net/interfaces", headers=BROWSER, status=302)
        assert response.headers["Location"] == "http://localhost/account/login?came_from=%2Fnet%2Finterfaces&needs=net"
        assert "/account/login" in app.get("/net/interfaces", status=401).json["detail"]
        app.get("/account/login", headers=BROWSER, status=200)

    def test_auth_app_alone_below_the_filter(self, write_ini):
        ini = write_ini("[filter:auth]\nuse = egg:svc#auth\n[app:signin]\nuse = egg:svc#auth\n"
                        "[pipeline:main]\npipeline = auth signin\n[DEFAULT]\nsvc.auth.secure = false\n")
        app = TestApp(load(ini))
        assert app.get("/whoami", headers=BROWSER, status=302).headers["Location"] == "http://localhost/login?came_from=%2Fwhoami"

    def test_no_auth_app_and_no_login_path_fails_at_start_up(self, write_ini):
        ini = write_ini(ACCOUNT_INI.replace("/account = auth\n", ""))
        with pytest.raises(SettingError, match="svc.auth.login_path"):
            load(ini)

    def test_login_path_overrides(self, write_ini):
        ini = write_ini(ACCOUNT_INI.replace("/account = auth\n", "").replace(
            "svc.auth.secure = false\n", "svc.auth.secure = false\nsvc.auth.login_path = /sso/start\n"))
        response = TestApp(load(ini)).get("/net/interfaces", headers=BROWSER, status=302)
        assert response.headers["Location"].startswith("http://localhost/sso/start?came_from=")


class TestKnownPermissions:
    """Only the permissions the mounted apps declare can be granted."""

    def test_the_service_knows_the_permissions_of_views_and_require_filters(self, write_ini):
        world = AuthWorld(load(write_ini(ACCOUNT_INI)))
        assert world.service.known_permissions == {"admin", "net", "reports"}
        assert AuthWorld(load("production.ini")).service.known_permissions == {"admin", "dns", "fetch", "net"}

    def test_the_admin_api_refuses_an_unknown_permission_listing_the_known(self, prod):
        prod.user("root", permissions=["admin"])
        root = {"Authorization": basic("root", PASSWORD)}
        response = prod.app.post_json("/auth/admin/grants", {"subject": "root", "permission": "fecth"},
                                      headers=root, status=400)
        assert_is_problem(prod.app.get("/auth/openapi.json").json, response)
        assert response.json["type"].endswith("/unknown-permission")
        assert response.json["known"] == ["admin", "dns", "fetch", "net"]
        assert "fecth" in response.json["detail"]
        prod.app.post_json("/auth/admin/grants", {"subject": "root", "permission": "fetch"}, headers=root, status=201)
        prod.app.post_json("/auth/admin/grants", {"subject": "root", "permission": "wiki", "force": True},
                           headers=root, status=201)
        assert {"fetch", "wiki"} <= set(prod.app.get("/auth/whoami", headers=root).json["permissions"])
