"""Pages for people through production.ini: navigation, signing in and out, and the index."""
from urllib.parse import parse_qs, urlsplit

import pytest
from webtest import TestApp

from tests.conftest import load
from tests.functional.test_auth import BROWSER, foreign, signed_in  # noqa: F401 (foreign is a fixture)
from tests.functional.test_composition import REMOUNT_INI


def header(page):
    return page.html.select_one("header")


class TestNavigation:
    def test_brand_goes_to_the_index_not_the_current_mount(self, prod):
        page = prod.app.get("/url/", headers=BROWSER)
        assert header(page).select_one("a.brand")["href"] == "/"

    def test_brand_follows_a_remounted_index(self, write_ini):
        app = TestApp(load(write_ini(REMOUNT_INI)))
        page = app.get("/tools/url/", headers=BROWSER)
        assert header(page).select_one("a.brand")["href"] == "/portal/"

    def test_signed_in_name_links_to_who_am_i_and_every_page_can_sign_out(self, prod):
        prod.user("alice", permissions=["dns"])
        app, _ = signed_in(prod)
        for path in ("/", "/url/", "/dns/", "/auth/whoami"):
            page = app.get(path, headers=BROWSER)
            who = header(page).select_one(".who")
            assert who.select_one("a")["href"] == "/auth/whoami" and who.select_one("a").text == "alice"
            form = who.select_one("form.logout")
            assert form["action"] == "/auth/logout" and form["method"] == "post"
            assert form.select_one("input[name=csrf_token]")["value"]

    def test_signing_out_says_so(self, prod):
        prod.user("alice")
        app, _ = signed_in(prod)
        page = app.get("/url/", headers=BROWSER)
        form = next(f for f in page.forms.values() if f.action == "/auth/logout")
        done = form.submit(headers={**BROWSER, "Sec-Fetch-Site": "same-origin"}, status=303).follow(headers=BROWSER)
        assert "You are signed out" in done.html.select_one("main").text
        assert header(done).select_one("form.logout") is None
        app.get("/auth/whoami", status=401)

    def test_no_sign_out_button_for_basic_callers(self, every_ini_app):
        page = every_ini_app.get("/", headers={"Accept": "text/html"})
        assert header(page).select_one("form.logout") is None


class TestSignInPage:
    def test_says_which_permission_the_page_needs(self, prod):
        sent = prod.app.get("/dns/?host=a", headers=BROWSER, status=302)
        query = parse_qs(urlsplit(sent.headers["Location"]).query)
        assert query == {"came_from": ["/dns/?host=a"], "needs": ["dns"]}
        page = sent.follow(headers=BROWSER)
        assert "/dns/ needs the permission dns" in page.html.select_one("p.why").text

    @pytest.mark.parametrize("needs", ["<script>alert(1)</script>", "nosuchpermission", ""])
    def test_an_unknown_permission_is_never_shown(self, prod, needs):
        page = prod.app.get("/auth/login", {"came_from": "/dns/", "needs": needs}, headers=BROWSER)
        main = str(page.html.select_one("main"))
        assert "<script>" not in main and "nosuchpermission" not in main
        assert page.html.select_one("p.why").text.strip() == "Sign in to open /dns/"

    def test_a_page_that_needs_a_require_filters_permission(self, foreign):
        sent = foreign.app.get("/gated/x", headers=BROWSER, status=302)
        page = sent.follow(headers=BROWSER)
        assert "/gated/x needs the permission fetch" in page.html.select_one("p.why").text

    def test_a_failed_sign_in_keeps_the_user_name(self, prod):
        prod.user("alice")
        response = prod.sign_in(prod.app, "alice", "wrong")
        assert response.status_int == 400
        assert response.html.select_one("input[name=user]")["value"] == "alice"
        assert response.html.select_one("input[name=password]").get("value") is None


def index_rows(page):
    return {tr.select_one("td a")["href"]: tr for tr in page.html.select("table.mounts tbody tr")}


class TestIndex:
    def test_says_which_mounts_need_sign_in(self, prod):
        rows = index_rows(prod.app.get("/", headers=BROWSER))
        access = {path: row.select_one("td.access").text.strip() for path, row in rows.items()}
        assert access["/"] == "open" and access["/url/"] == "open"
        assert access["/dns/"] == "sign in: needs dns"
        assert access["/fetch/"] == "sign in: needs fetch"
        assert access["/auth/"] == "open; some paths need admin"

    def test_without_enforced_permissions_every_svc_mount_is_open(self, testing_app):
        rows = index_rows(testing_app.get("/", headers=BROWSER))
        assert rows["/dns/"].select_one("td.access").text.strip() == "open"

    def test_a_require_filter_counts(self, foreign):
        rows = index_rows(foreign.app.get("/", headers=BROWSER))
        assert rows["/gated/"].select_one("td.access").text.strip() == "sign in: needs fetch"
        assert rows["/echo/"].select_one("td.access").text.strip() == "not known"

    def test_links_hello_and_the_health_check(self, prod):
        page = prod.app.get("/", headers=BROWSER)
        links = {a.text: a["href"] for a in page.html.select("main a")}
        assert links["hello"] == "/hello?name=you" and links["health check"] == "/healthz"
        prod.app.get(links["hello"]), prod.app.get(links["health check"])

    def test_no_section_column(self, prod):
        page = prod.app.get("/", headers=BROWSER)
        assert "Section" not in [th.text for th in page.html.select("table.mounts th")]


class TestAPIPage:
    @pytest.mark.parametrize("mount", ["", "/url", "/dns", "/fetch", "/net", "/auth"])
    def test_each_mount_has_one_served_locally(self, testing_app, mount):
        page = testing_app.get(mount + "/api", headers=BROWSER)
        ui = page.html.select_one("#swagger-ui")
        assert ui["data-url"] == "openapi.json"  # relative, so a remount needs no change
        assets = [s["src"] for s in page.html.select("script[src]")] + [
            link["href"] for link in page.html.select("link[rel=stylesheet]")
        ]
        assert any("swagger-ui-bundle.js" in a for a in assets)
        for asset in assets:
            assert asset.startswith(mount + "/"), asset  # never a CDN
            assert testing_app.get(asset).status_int == 200

    def test_linked_from_the_index_and_each_pieces_page(self, testing_app):
        index = testing_app.get("/", headers=BROWSER)
        links = {a["href"] for a in index.html.select("table.mounts a")}
        assert {"/api", "/url/api", "/dns/api", "/auth/api"} <= links
        for page in ("/url/", "/dns/", "/fetch/", "/net/"):
            api = testing_app.get(page, headers=BROWSER).html.select("p.api a")
            assert page + "api" in [a["href"] for a in api]

    def test_a_remounted_piece(self, write_ini):
        app = TestApp(load(write_ini(REMOUNT_INI)))
        page = app.get("/tools/url/api", headers=BROWSER)
        assert page.html.select_one("script[src*=swagger-ui-bundle]")["src"].startswith("/tools/url/")
        assert app.get("/tools/url/openapi.json").json["paths"]["/api"]
