"""The fetch piece through testing.ini (mounted at /fetch, loopback allowed), with WebTest."""
import base64
import json
from urllib.parse import quote

import pytest
from webtest import TestApp

from tests.auth_fixtures import granted_basic
from tests.conftest import load
from tests.fetch_fixtures import LOOPBACK_FETCH, TestZone
from tests.openapi import assert_conforms, assert_is_problem

PROBLEM = "https://svc.invalid/problems/"


def echo_of(res):
    return json.loads(res.body)


def echoed_headers(res):
    return {name.lower(): value for name, value in echo_of(res)["headers"]}


def envelope(app, upstream_url, status=None, **options):
    return app.post_json("/fetch", {"url": upstream_url, "envelope": True, **options}, status=status)


def problem(res, slug, status):
    assert res.status_int == status
    assert res.content_type == "application/problem+json"
    assert res.json["type"] == PROBLEM + slug, res.json
    return res.json


class TestPassthrough:
    def test_query_form(self, fetch_app, upstream):
        res = fetch_app.get("/fetch", {"url": upstream.url("/echo?a=1&b=2")})
        assert res.status_int == 200 and res.content_type == "application/json"
        assert echo_of(res)["query"] == "a=1&b=2"
        assert res.headers["Content-Security-Policy"] == "sandbox"
        assert res.headers["X-Content-Type-Options"] == "nosniff"
        assert res.headers["X-Fetch-Final-URL"] == upstream.url("/echo?a=1&b=2")
        assert res.headers["X-Fetch-Redirects"] == "0"

    def test_path_form_keeps_the_query(self, fetch_app, upstream):
        res = fetch_app.get(f"/fetch/{upstream.named}/echo?x=1&y=%20")
        assert echo_of(res)["path"] == "/echo" and echo_of(res)["query"] == "x=1&y=%20"

    def test_only_the_url_goes_upstream(self, fetch_app, upstream):
        res = fetch_app.get(
            "/fetch",
            {"url": upstream.url("/echo")},
            headers={
                "Cookie": "session=secret",
                # valid for svc's own auth filter, and still never forwarded upstream
                "Authorization": granted_basic(fetch_app.app),
                "X-Forwarded-For": "1.2.3.4",
                "X-Real-IP": "1.2.3.4",
                "Accept-Encoding": "gzip",
                "X-Custom": "1",
            },
        )
        assert set(echoed_headers(res)) == {"host", "user-agent", "via"}
        assert echoed_headers(res)["user-agent"].startswith("svc-fetch/")
        assert echoed_headers(res)["via"].startswith("1.1 svc-")

    @pytest.mark.parametrize("status", [404, 500, 503, 418])
    def test_upstream_errors_pass_through(self, fetch_app, upstream, status):
        res = fetch_app.get("/fetch", {"url": upstream.url(f"/status/{status}")}, status=status)
        assert res.text == f"status {status}\n" and res.content_type == "text/plain"

    def test_head(self, fetch_app, upstream):
        res = fetch_app.head("/fetch", {"url": upstream.url("/bytes/1234")})
        assert res.headers["Content-Length"] == "1234" and res.body == b""

    def test_hop_by_hop_and_unsafe_headers_are_stripped(self, fetch_app, upstream):
        sent = [
            ("Connection", "X-Named, keep-alive"), ("X-Named", "1"), ("Keep-Alive", "timeout=5"),
            ("Trailer", "X-T"), ("Upgrade", "h2c"), ("Proxy-Authenticate", "Basic"), ("TE", "trailers"),
            ("Set-Cookie", "a=1"), ("Strict-Transport-Security", "max-age=1"), ("Clear-Site-Data", '"*"'),
            ("Alt-Svc", 'h3=":443"'), ("Access-Control-Allow-Origin", "*"),
            ("Access-Control-Allow-Credentials", "true"), ("X-Kept", "yes"), ("X-Kept", "twice"),
        ]
        path = "/headers?" + "&".join(f"{quote(n)}={quote(v)}" for n, v in sent)
        res = fetch_app.get("/fetch", {"url": upstream.url(path)})
        names = {n.lower() for n, _ in res.headerlist}
        assert not names & {n.lower() for n, _ in sent[:-2]}
        assert [v for n, v in res.headerlist if n == "X-Kept"] == ["yes", "twice"]
        body = envelope(fetch_app, upstream.url(path)).json
        assert body["headers"]["x-kept"] == ["yes", "twice"] and "set-cookie" not in body["headers"]

    def test_unknown_query_parameter_is_a_400(self, fetch_app, upstream):
        res = fetch_app.get(f"/fetch?url={upstream.base}/echo?a=1&b=2", status=400)
        assert "percent-encode" in problem(res, "invalid-request", 400)["detail"]

    def test_without_url_the_root_is_the_form(self, fetch_app):
        assert fetch_app.get("/fetch").html.select_one("form.inspect")


class TestJsonRequests:
    @pytest.mark.parametrize("method", ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
    def test_methods(self, fetch_app, upstream, method):
        res = fetch_app.post_json("/fetch", {"url": upstream.url("/echo"), "method": method})
        assert echo_of(res)["method"] == method

    def test_repeated_headers_and_own_user_agent(self, fetch_app, upstream):
        res = fetch_app.post_json(
            "/fetch",
            {"url": upstream.url("/echo"), "headers": {"X-Multi": ["a", "b"], "User-Agent": "mine/1", "X-Empty": ""}},
        )
        pairs = echo_of(res)["headers"]
        assert [v for n, v in pairs if n == "X-Multi"] == ["a", "b"]
        assert ["User-Agent", "mine/1"] in pairs and ["X-Empty", ""] in pairs

    @pytest.mark.parametrize(
        "options, body, content_type",
        [
            ({"data": {"a": "1", "b": "x y"}}, "a=1&b=x+y", "application/x-www-form-urlencoded"),
            ({"data": [["a", "1"], ["a", "2"]]}, "a=1&a=2", "application/x-www-form-urlencoded"),
            ({"data": "raw text"}, "raw text", None),
            ({"json": {"k": [1, "é"]}}, '{"k":[1,"é"]}', "application/json"),
            ({"json": None}, "null", "application/json"),
            ({"data": "x", "headers": {"Content-Type": "text/csv"}}, "x", "text/csv"),
        ],
    )
    def test_bodies(self, fetch_app, upstream, options, body, content_type):
        res = fetch_app.post_json("/fetch", {"url": upstream.url("/echo"), "method": "POST", **options})
        assert echo_of(res)["body"] == body
        assert echoed_headers(res).get("content-type") == content_type

    def test_envelope(self, fetch_app, upstream):
        res = envelope(fetch_app, upstream.url("/redirect/302?to=/echo"), method="GET")
        body = res.json
        assert body["status"] == 200 and body["body_base64"] is False
        assert json.loads(body["body"])["path"] == "/echo"
        assert body["headers"]["content-type"] == ["application/json"]
        assert body["final_url"] == upstream.url("/echo")
        assert body["redirects"] == [{"status": 302, "url": upstream.url("/echo")}]
        assert set(body["timings_ms"]) == {"dns", "connect", "tls", "ttfb", "total"}
        assert body["timings_ms"]["total"] >= body["timings_ms"]["ttfb"] > 0

    def test_envelope_reports_upstream_errors(self, fetch_app, upstream):
        body = envelope(fetch_app, upstream.url("/status/503")).json
        assert body["status"] == 503 and body["body"] == "status 503\n"

    def test_envelope_binary_body_is_base64(self, fetch_app, upstream):
        body = envelope(fetch_app, upstream.url("/binary/1000")).json
        assert body["body_base64"] is True
        assert base64.b64decode(body["body"]) == (bytes(range(256)) * 4)[:1000]

    @pytest.mark.parametrize("accept_encoding", [{"Accept-Encoding": "gzip"}, {}])
    def test_envelope_decodes(self, fetch_app, upstream, accept_encoding):
        res = envelope(fetch_app, upstream.url("/gzip/100"), headers=accept_encoding)
        assert res.json["body"] == ("abcdefghijklmnopqrstuvwxyz012345" * 4)[:100]
        assert res.json["headers"]["content-encoding"] == ["gzip"]

    def test_gzip_bomb_is_capped(self, fetch_app, upstream):
        res = envelope(fetch_app, upstream.url("/gzip-bomb/104857600"), headers={"Accept-Encoding": "gzip"}, status=502)
        assert "larger than 10485760 bytes" in problem(res, "response-too-large", 502)["detail"]

    def test_head_envelope(self, fetch_app, upstream):
        body = envelope(fetch_app, upstream.url("/bytes/10"), method="HEAD").json
        assert body["body"] == "" and body["headers"]["content-length"] == ["10"]

    def test_html_form_uses_the_same_logic(self, fetch_app, upstream):
        page = fetch_app.get("/fetch/", headers={"Accept": "text/html"})
        assert page.html.select_one("form.inspect")["action"] == "/fetch/"
        res = fetch_app.get("/fetch/", {"inspect": upstream.url("/status/404")}, headers={"Accept": "text/html"})
        assert res.html.select_one("table.result td").text == "404"
        blocked = fetch_app.get("/fetch/", {"inspect": "http://10.0.0.1/"}, headers={"Accept": "text/html"}, status=403)
        assert "Destination blocked" in blocked.html.select_one("p.problem").text

    def test_html_forms_say_what_each_button_does(self, fetch_app):
        page = fetch_app.get("/fetch/", headers={"Accept": "text/html"}).html
        labels = [page.select_one(f"form.{name} label").text.strip() for name in ("inspect", "open")]
        assert len(set(labels)) == 2 and all("URL" in label for label in labels)
        explained = [page.select_one(f"form.{name} .hint").text for name in ("inspect", "open")]
        assert "status, headers" in explained[0] and "as if you" in explained[1]


REDIRECT_CODES = [301, 302, 303, 307, 308]


class TestRedirects:
    @pytest.mark.parametrize("code", REDIRECT_CODES)
    @pytest.mark.parametrize("absolute", [False, True])
    def test_every_code_relative_and_absolute(self, fetch_app, upstream, code, absolute):
        location = upstream.url("/echo") if absolute else "../echo"
        res = fetch_app.get("/fetch", {"url": upstream.url(f"/redirect/{code}?to={quote(location)}")})
        assert echo_of(res)["path"] == "/echo"
        assert res.headers["X-Fetch-Redirects"] == "1"

    @pytest.mark.parametrize(
        "code, method, expected", [(301, "POST", "GET"), (302, "POST", "GET"), (303, "PUT", "GET"), (307, "POST", "POST"), (308, "PUT", "PUT")]
    )
    def test_method_after_redirect(self, fetch_app, upstream, code, method, expected):
        res = fetch_app.post_json(
            "/fetch", {"url": upstream.url(f"/redirect/{code}?to=/echo"), "method": method, "data": "payload"}
        )
        assert echo_of(res)["method"] == expected
        assert echo_of(res)["body"] == ("payload" if expected == method else "")

    def test_credentials_dropped_on_cross_host_hop(self, fetch_app, upstream):
        secret = {"Authorization": "Bearer t", "Cookie": "c=1", "X-Other": "kept"}
        other = f"http://other.test:{upstream.port}/echo"
        res = fetch_app.post_json("/fetch", {"url": upstream.named + "/redirect/302?to=" + quote(other), "headers": secret})
        assert {"authorization", "cookie"}.isdisjoint(echoed_headers(res)) and echoed_headers(res)["x-other"] == "kept"
        same = fetch_app.post_json("/fetch", {"url": upstream.named + "/redirect/302?to=/echo", "headers": secret})
        assert echoed_headers(same)["authorization"] == "Bearer t" and echoed_headers(same)["cookie"] == "c=1"

    def test_loop_is_too_many_redirects(self, fetch_app, upstream):
        res = fetch_app.get("/fetch", {"url": upstream.url("/redirect-loop")}, status=502)
        body = problem(res, "too-many-redirects", 502)
        assert len(body["redirects"]) == 5

    def test_max_redirects(self, fetch_app, upstream):
        url = upstream.url("/redirect-chain/3")
        assert fetch_app.post_json("/fetch", {"url": url, "max_redirects": 3}).status_int == 200
        problem(fetch_app.post_json("/fetch", {"url": url, "max_redirects": 2}, status=502), "too-many-redirects", 502)

    def test_not_following(self, fetch_app, upstream):
        res = fetch_app.post_json("/fetch", {"url": upstream.url("/redirect/302?to=/echo"), "follow_redirects": False}, status=302)
        assert res.headers["Location"] == upstream.url("/echo")


class TestOwnErrors:
    def test_dns_failure(self, fetch_app):
        assert "not in the test zone" in problem(fetch_app.get("/fetch", {"url": "http://nowhere.test/"}, status=502), "dns-failure", 502)["detail"]

    def test_upstream_unreachable(self, fetch_app):
        problem(fetch_app.get("/fetch", {"url": "http://127.0.0.1:9/"}, status=502), "upstream-unreachable", 502)

    def test_tls_error(self, fetch_app, upstream):
        problem(fetch_app.get("/fetch", {"url": f"https://upstream.test:{upstream.port}/"}, status=502), "tls-error", 502)

    def test_blocked(self, fetch_app):
        problem(fetch_app.get("/fetch", {"url": "http://private.test/"}, status=403), "destination-blocked", 403)

    def test_never_answers_ends_by_the_deadline(self, fetch_app, upstream):
        res = fetch_app.post_json("/fetch", {"url": upstream.url("/never"), "timeout": 0.5}, status=504)
        problem(res, "upstream-timeout", 504)

    def test_slow_drip_is_cut_by_the_read_timeout(self, fetch_app, upstream):
        res = fetch_app.post_json(
            "/fetch", {"url": upstream.url("/drip?bytes=5&delay=3"), "timeout": {"read": 1}, "envelope": True}, status=504
        )
        assert "sent nothing" in problem(res, "upstream-timeout", 504)["detail"]

    def test_content_length_over_the_cap(self, fetch_app, upstream):
        res = envelope(fetch_app, upstream.url("/bytes/11000000"), status=502)
        problem(res, "response-too-large", 502)

    def test_huge_headers(self, fetch_app, upstream):
        problem(fetch_app.get("/fetch", {"url": upstream.url("/big-headers/70000")}, status=502), "response-too-large", 502)


HOSTILE_JSON = [
    ("[]", "JSON object"),
    ("{not json", "JSON object"),
    ({}, "url is required"),
    ({"url": 1}, "url is required"),
    ({"url": "ftp://h/"}, "http"),
    ({"url": "http://h/", "extra": 1}, "unknown member"),
    ({"url": "http://h/", "method": "TRACE"}, "method must be"),
    ({"url": "http://h/", "method": "CONNECT"}, "method must be"),
    ({"url": "http://h/", "headers": []}, "headers must be"),
    ({"url": "http://h/", "headers": {"X-A": 1}}, "string or a list"),
    ({"url": "http://h/", "headers": {"X-A": "a\r\nInjected: 1"}}, "CR, LF"),
    ({"url": "http://h/", "headers": {"X-A": ["ok", "b\nc"]}}, "CR, LF"),
    ({"url": "http://h/", "headers": {"X-A": "a\x00"}}, "CR, LF"),
    ({"url": "http://h/", "headers": {"X-A\r\nInjected": "1"}}, "not a valid HTTP token"),
    ({"url": "http://h/", "headers": {"Bad Name": "1"}}, "not a valid HTTP token"),
    ({"url": "http://h/", "headers": {"Host": "evil"}}, "Host is always"),
    ({"url": "http://h/", "headers": {"X-Forwarded-For": "1.2.3.4"}}, "never forwards"),
    ({"url": "http://h/", "headers": {"Forwarded": "for=1.2.3.4"}}, "never forwards"),
    ({"url": "http://h/", "headers": {"X-Real-IP": "1.2.3.4"}}, "never forwards"),
    ({"url": "http://h/", "headers": {"Proxy-Authorization": "x"}}, "not a forward proxy"),
    ({"url": "http://h/", "headers": {"Transfer-Encoding": "chunked"}}, "frames"),
    ({"url": "http://h/", "headers": {"Content-Length": "5"}}, "Content-Length"),
    ({"url": "http://h/", "headers": {"Connection": "close"}}, "hop-by-hop"),
    ({"url": "http://h/", "headers": {"X-Big": "x" * 70000}}, "at most"),
    ({"url": "http://h/", "data": "a", "json": "b"}, "not both"),
    ({"url": "http://h/", "data": 5}, "data must be"),
    ({"url": "http://h/", "data": {"a": 1}}, "strings"),
    ({"url": "http://h/", "data": [["a"]]}, "data must be"),
    ({"url": "http://h/", "method": "HEAD", "data": "x"}, "HEAD"),
    ({"url": "http://h/", "timeout": 0}, "above 0"),
    ({"url": "http://h/", "timeout": -1}, "above 0"),
    ({"url": "http://h/", "timeout": True}, "above 0"),
    ({"url": "http://h/", "timeout": "5"}, "above 0"),
    ({"url": "http://h/", "timeout": 1e9}, "at most"),
    ({"url": "http://h/", "timeout": {"connect": 1, "write": 2}}, "no member"),
    ({"url": "http://h/", "timeout": {"read": 100000}}, "at most"),
    ({"url": "http://h/", "follow_redirects": "yes"}, "true or false"),
    ({"url": "http://h/", "envelope": 1}, "true or false"),
    ({"url": "http://h/", "max_redirects": 99}, "max_redirects"),
    ({"url": "http://h/", "max_redirects": -1}, "max_redirects"),
    ({"url": "http://user:pw@h/"}, "credentials"),
    ({"url": "http://h\\@evil/"}, "backslash"),
    ({"url": "http://h/\x00"}, "NUL"),
]


@pytest.mark.parametrize("payload, detail", HOSTILE_JSON)
def test_hostile_json_is_a_400_and_nothing_is_sent(fetch_app, sockets, payload, detail):
    body = payload if isinstance(payload, str) else json.dumps(payload)
    res = fetch_app.post("/fetch", body, content_type="application/json", status=400)
    assert detail in problem(res, "invalid-request", 400)["detail"]
    assert sockets.created == 0


def test_request_body_over_the_cap_is_413(fetch_app, sockets):
    res = fetch_app.post_json("/fetch", {"url": "http://h/", "data": "x" * (1024 * 1024 + 1)}, status=413)
    assert res.json["type"] == PROBLEM + "request-too-large" and sockets.created == 0


class TestRebinding:
    def test_the_name_is_looked_up_once_and_pinned(self, fetch_app, upstream):
        zone = TestZone.lookups
        zone.pop("rebind.test", None)
        # rebind.test answers 127.0.0.1 first and 10.0.0.1 after: a second lookup would be refused.
        res = fetch_app.get("/fetch", {"url": f"http://rebind.test:{upstream.port}/echo"})
        assert echoed_headers(res)["host"] == f"rebind.test:{upstream.port}"
        assert zone["rebind.test"] == 1
        problem(fetch_app.get("/fetch", {"url": f"http://rebind.test:{upstream.port}/echo"}, status=403), "destination-blocked", 403)


CORS_INI = "[app:main]\n" + LOOPBACK_FETCH + """\
svc.fetch.cors_origins = https://app.example https://other.example:8443
"""


@pytest.fixture(scope="module")
def cors_app(tmp_path_factory):
    path = tmp_path_factory.mktemp("cors") / "cors.ini"
    path.write_text(CORS_INI)
    return TestApp(load(str(path)))


class TestCors:
    @pytest.fixture
    def app(self, cors_app):
        return cors_app

    def test_allowed_origin(self, app, upstream):
        res = app.get("/", {"url": upstream.url("/echo")}, headers={"Origin": "https://app.example"})
        assert res.headers["Access-Control-Allow-Origin"] == "https://app.example"
        assert "Origin" in res.headers["Vary"]
        assert "X-Fetch-Final-URL" in res.headers["Access-Control-Expose-Headers"]
        assert "Access-Control-Allow-Credentials" not in res.headers

    def test_errors_carry_it_too(self, app):
        res = app.get("/", {"url": "http://10.0.0.1/"}, headers={"Origin": "https://app.example"}, status=403)
        assert res.headers["Access-Control-Allow-Origin"] == "https://app.example"

    def test_other_origins_get_nothing(self, app, upstream, fetch_app):
        res = app.get("/", {"url": upstream.url("/echo")}, headers={"Origin": "https://evil.example"})
        assert "Access-Control-Allow-Origin" not in res.headers
        default = fetch_app.get("/fetch", {"url": upstream.url("/echo")}, headers={"Origin": "https://app.example"})
        assert "Access-Control-Allow-Origin" not in default.headers

    def test_preflight(self, app):
        headers = {
            "Origin": "https://other.example:8443",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        }
        res = app.options("/", headers=headers, status=204)
        assert res.headers["Access-Control-Allow-Origin"] == "https://other.example:8443"
        assert "POST" in res.headers["Access-Control-Allow-Methods"]
        assert res.headers["Access-Control-Allow-Headers"] == "content-type"
        denied = app.options("/", headers={**headers, "Origin": "https://evil.example"}, status=204)
        assert "Access-Control-Allow-Origin" not in denied.headers

    def test_bad_origin_setting_fails_at_start_up(self, write_ini):
        from svc.web.settings import SettingError

        with pytest.raises(SettingError, match="svc.fetch.cors_origins"):
            load(write_ini(CORS_INI.replace("https://app.example ", "app.example/path ")))


class TestOpenAPI:
    @pytest.fixture
    def doc(self, fetch_app):
        return fetch_app.get("/fetch/openapi.json").json

    def test_servers_name_the_mount(self, doc):
        assert doc["servers"] == [{"url": "http://localhost/fetch"}]

    def test_envelope_conforms(self, doc, fetch_app, upstream):
        res = envelope(fetch_app, upstream.url("/redirect/301?to=/echo"))
        assert_conforms(doc, res, "/", "POST")

    @pytest.mark.parametrize(
        "url", ["http://10.0.0.1/", "ftp://x/", "http://nowhere.test/", "http://127.0.0.1:9/"]
    )
    def test_problems_conform(self, doc, fetch_app, url):
        assert_is_problem(doc, fetch_app.get("/fetch", {"url": url}, status="*"))


REMOUNT_INI = "[app:home]\nuse = egg:svc#home\n\n[app:fetch]\n" + LOOPBACK_FETCH + """
[composite:main]
use = egg:svc#urlmap
/ = home
{mount} = fetch
"""


class TestMounts:
    @pytest.mark.parametrize("ini", ["development.ini", "production.ini", "testing.ini"])
    def test_every_ini_mounts_fetch(self, ini):
        wsgi = load(ini)
        app = TestApp(wsgi, extra_environ={"HTTP_AUTHORIZATION": granted_basic(wsgi)})
        assert app.get("/fetch/").html.select_one("form.inspect")["action"] == "/fetch/"
        assert app.get("/fetch/openapi.json").json["servers"] == [{"url": "http://localhost/fetch"}]

    @pytest.mark.parametrize("mount", ["/tools/get", "/p"])
    def test_remounted(self, write_ini, upstream, mount):
        app = TestApp(load(write_ini(REMOUNT_INI.format(mount=mount))))
        assert app.get(mount + "/").html.select_one("form.inspect")["action"] == mount + "/"
        assert app.get(mount + "/openapi.json").json["servers"] == [{"url": "http://localhost" + mount}]
        assert echo_of(app.get(mount, {"url": upstream.url("/echo")}))["path"] == "/echo"
        assert echo_of(app.get(f"{mount}/{upstream.base}/echo?a=1"))["query"] == "a=1"
        index = app.get("/", headers={"Accept": "text/html"})
        assert mount + "/" in {a["href"] for a in index.html.select("table.mounts a")}


TLS_INI = "[app:main]\n" + LOOPBACK_FETCH + """\
svc.fetch.ca_bundle = {ca}
"""


class TestTls:
    """The name is pinned to 127.0.0.1, yet SNI and the certificate check still use the name."""

    @pytest.fixture
    def app(self, tls_upstream, write_ini):
        _, ca = tls_upstream
        return TestApp(load(write_ini(TLS_INI.format(ca=ca))))

    def test_the_certificate_is_checked_against_the_name(self, app, tls_upstream):
        upstream, _ = tls_upstream
        res = app.post_json("/", {"url": f"https://upstream.test:{upstream.port}/echo", "envelope": True})
        assert res.json["status"] == 200 and res.json["timings_ms"]["tls"] > 0
        assert json.loads(res.json["body"])["headers"][0] == ["Host", f"upstream.test:{upstream.port}"]

    def test_another_name_on_the_same_address_fails_verification(self, app, tls_upstream):
        upstream, _ = tls_upstream
        res = app.get("/", {"url": f"https://other.test:{upstream.port}/echo"}, status=502)
        problem(res, "tls-error", 502)

    def test_an_unknown_authority_is_a_tls_error(self, fetch_app, tls_upstream):
        upstream, _ = tls_upstream
        problem(fetch_app.get("/fetch", {"url": f"https://upstream.test:{upstream.port}/echo"}, status=502), "tls-error", 502)
