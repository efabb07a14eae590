"""The home piece through the real ini files."""
import pytest


class TestHello:
    def test_query_name(self, every_ini_app):
        res = every_ini_app.get("/hello?name=Booga")
        assert res.status_int == 200
        assert res.content_type == "text/plain"
        assert res.text == "Hello WWW, hey Booga"

    def test_path_name(self, every_ini_app):
        res = every_ini_app.get("/hello/Ann%20Marie")
        assert res.text == "Hello WWW, hey Ann Marie"

    @pytest.mark.parametrize("query", ["", "?name=", "?other=1"])
    def test_no_name_is_404_problem(self, testing_app, query):
        res = testing_app.get("/hello" + query, status=404)
        assert res.content_type == "application/problem+json"
        assert "No name given" in res.json["detail"]
        assert res.json["status"] == 404

    def test_unicode_name(self, testing_app):
        res = testing_app.get("/hello?name=%C3%A9l%C3%A8ve")
        assert res.text == "Hello WWW, hey élève"


class TestHealthAndAssets:
    def test_livez(self, every_ini_app):
        res = every_ini_app.get("/livez")
        assert res.content_type == "application/json"
        assert res.json["status"] == "ok"

    def test_healthz(self, testing_app):  # testing.ini's nameservers are the test's own
        assert testing_app.get("/healthz").json["status"] == "ok"

    def test_stylesheet_and_favicon(self, testing_app):
        assert testing_app.get("/static/style.css").content_type == "text/css"
        assert testing_app.get("/favicon.ico").content_type == "image/x-icon"
        assert testing_app.get("/url/static/style.css").status_int == 200


class TestIndex:
    def test_lists_every_mount_with_links(self, every_ini_app):
        res = every_ini_app.get("/", headers={"Accept": "text/html"})
        assert res.content_type == "text/html"
        links = {a["href"] for a in res.html.select("table.mounts a")}
        assert {"/", "/openapi.json", "/url/", "/url/openapi.json"} <= links
        for link in links:
            every_ini_app.get(link)
        assert res.html.select_one('link[rel="stylesheet"]')["href"] == "/static/style.css"


class TestRoutingErrors:
    def test_unknown_path_is_404_problem(self, testing_app):
        res = testing_app.get("/no/such/thing", status=404)
        assert res.content_type == "application/problem+json"
        assert res.json["type"] == "https://svc.invalid/problems/not-found"
        assert res.json["detail"] == "Nothing is served at /no/such/thing"

    def test_wrong_method_is_405_problem_with_allow(self, testing_app):
        res = testing_app.post("/hello?name=x", status=405)
        assert res.content_type == "application/problem+json"
        assert res.headers["Allow"] == "GET, HEAD"
        assert res.json["type"] == "https://svc.invalid/problems/method-not-allowed"

    def test_browser_gets_an_html_error_page(self, testing_app):
        res = testing_app.get("/nope", headers={"Accept": "text/html,*/*;q=0.8"}, status=404)
        assert res.content_type == "text/html"
        assert "Nothing is served at /nope" in res.text

    def test_head_is_answered_like_get(self, testing_app):
        res = testing_app.head("/hello?name=x")
        assert res.status_int == 200 and res.body == b""


class TestWhoIsSignedIn:
    def test_anonymous_pages_link_to_the_sign_in_form(self, testing_app):
        res = testing_app.get("/url/?url=http://a/", headers={"Accept": "text/html"})
        link = res.html.select_one("header .who a")
        assert link.text == "sign in"
        assert link["href"] == "/auth/login?came_from=/url/%3Furl%3Dhttp%3A//a/"

    def test_signed_in_pages_name_the_user(self, every_ini_app):
        res = every_ini_app.get("/", headers={"Accept": "text/html"})
        assert res.html.select_one("header .who").text.strip() == "signed in as tester"
