"""Pieces assembled by PasteDeploy: every ini, remounts, foreign apps, bad settings."""
import pytest
from webtest import TestApp

from svc.web.settings import SettingError
from tests.conftest import load

REMOUNT_INI = """
[app:home]
use = egg:svc#home

[app:urls]
use = egg:svc#urls

[composite:main]
use = egg:svc#urlmap
/portal = home
/tools/url = urls
"""


class TestEveryIni:
    @pytest.mark.parametrize(
        "path, expected",
        [
            ("/hello?name=a", 200),
            ("/livez", 200),  # /readyz would ask the nameservers of /etc/resolv.conf
            ("/openapi.json", 200),
            ("/url/", 200),
            ("/url/parse?url=http://a/", 200),
            ("/url/join?base=http://a/&ref=b", 200),
            ("/url/openapi.json", 200),
        ],
    )
    def test_every_mount_answers(self, every_ini_app, path, expected):
        assert every_ini_app.get(path).status_int == expected


class TestRemount:
    @pytest.fixture
    def app(self, write_ini):
        return TestApp(load(write_ini(REMOUNT_INI)))

    def test_pieces_answer_at_their_new_paths(self, app):
        assert app.get("/portal/hello?name=x").text == "Hello WWW, hey x"
        assert app.get("/tools/url/join?base=http://a/b/&ref=c").json == {"url": "http://a/b/c"}
        app.get("/url/parse?url=http://a/", status=404)
        app.get("/hello?name=x", status=404)

    def test_nothing_mounted_is_a_404_problem(self, app):
        res = app.get("/elsewhere", status=404)
        assert res.content_type == "application/problem+json"

    def test_index_links_follow_the_mounts(self, app):
        res = app.get("/portal/", headers={"Accept": "text/html"})
        links = {a["href"] for a in res.html.select("table.mounts a")}
        assert links == {
            "/portal/", "/portal/openapi.json", "/portal/api", "/tools/url/", "/tools/url/openapi.json", "/tools/url/api"
        }
        for link in links:
            app.get(link)
        assert res.html.select_one('link[rel="stylesheet"]')["href"] == "/portal/static/style.css"
        app.get("/portal/static/style.css")

    def test_form_page_links_follow_the_mount(self, app):
        res = app.get("/tools/url", headers={"Accept": "text/html"})
        assert res.html.select_one("form")["action"] == "/tools/url/"
        assert {a["href"] for a in res.html.select("p.api a")} == {"/tools/url/openapi.json", "/tools/url/api"}

    def test_openapi_servers_name_the_mount(self, app):
        assert app.get("/tools/url/openapi.json").json["servers"] == [
            {"url": "http://localhost/tools/url"}
        ]
        assert app.get("/portal/openapi.json").json["servers"] == [{"url": "http://localhost/portal"}]

    def test_a_second_remount(self, write_ini):
        app = TestApp(load(write_ini(REMOUNT_INI.replace("/portal", "/").replace("/tools/url", "/a/b/c"))))
        assert app.get("/a/b/c/parse?url=http://h/").json["hostname"] == "h"
        assert app.get("/a/b/c/openapi.json").json["servers"] == [{"url": "http://localhost/a/b/c"}]


def foreign_app(environ, start_response):
    """A plain WSGI app that is not svc."""
    body = f"foreign at {environ['SCRIPT_NAME']}|{environ['PATH_INFO']}".encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]


def foreign_factory(global_config, **settings):
    return foreign_app


FOREIGN_SECTION = """
[app:legacy]
paste.app_factory = tests.functional.test_composition:foreign_factory
"""


class TestForeignApp:
    def test_mounted_beside_the_pieces(self, write_ini):
        ini = REMOUNT_INI + "/legacy = legacy\n" + FOREIGN_SECTION
        app = TestApp(load(write_ini(ini)))
        assert app.get("/legacy/x/y").text == "foreign at /legacy|/x/y"
        assert app.get("/tools/url/parse?url=http://h/").json["hostname"] == "h"
        res = app.get("/portal/", headers={"Accept": "text/html"})
        row = [tr for tr in res.html.select("table.mounts tbody tr") if "legacy" in tr.text][0]
        assert "not an svc app" in row.text
        assert [a["href"] for a in row.select("a")] == ["/legacy/"]

    def test_pieces_work_under_plain_rutter(self, write_ini):
        app = TestApp(load(write_ini(REMOUNT_INI.replace("egg:svc#urlmap", "egg:rutter#urlmap"))))
        assert app.get("/tools/url/join?base=http://a/&ref=b").json == {"url": "http://a/b"}
        res = app.get("/portal/", headers={"Accept": "text/html"})
        assert {a["href"] for a in res.html.select("table.mounts a")} == {
            "/portal/", "/portal/openapi.json", "/portal/api"
        }


class TestOneAppManyPieces:
    def test_main_gives_each_piece_its_prefix(self, write_ini):
        app = TestApp(load(write_ini("""
            [app:main]
            use = egg:svc#main
            svc.pieces = home urls
            """)))
        assert app.get("/hello?name=x").text == "Hello WWW, hey x"
        assert app.get("/url/parse?url=http://h/").json["hostname"] == "h"
        assert app.get("/url/").status_int == 200
        paths = app.get("/openapi.json").json["paths"]
        assert {"/hello", "/url/parse", "/url/join"} <= set(paths)
        res = app.get("/", headers={"Accept": "text/html"})
        assert {"/", "/url/"} <= {a["href"] for a in res.html.select("table.mounts a")}


class TestBadSettings:
    @pytest.mark.parametrize(
        "setting, key",
        [
            ("svc.debug = maybe", "svc.debug"),
            ("svc.urls.max_url_length = lots", "svc.urls.max_url_length"),
            ("svc.urls.max_url_lenght = 10", "svc.urls.max_url_lenght"),
            ("svc.nosuchpiece.x = 1", "svc.nosuchpiece.x"),
            ("svc.pieces = home wat", "svc.pieces"),
        ],
    )
    def test_start_up_fails_naming_the_key(self, write_ini, setting, key):
        pieces = "" if key == "svc.pieces" else "svc.pieces = home urls"
        path = write_ini(f"[app:main]\nuse = egg:svc#main\n{pieces}\n{setting}\n")
        with pytest.raises(SettingError) as info:
            load(path)
        assert key in str(info.value)

    def test_piece_factory_refuses_bad_setting_from_default_section(self, write_ini):
        path = write_ini("""
            [DEFAULT]
            svc.urls.max_url_length = -
            [app:main]
            use = egg:svc#urls
            """)
        with pytest.raises(SettingError, match="svc.urls.max_url_length"):
            load(path)
