"""The urls piece through testing.ini, mounted at /url."""
import pytest

JOIN_TABLE = [
    ("http://www.example.com", "", "http://www.example.com"),
    ("http://www.example.com/", "", "http://www.example.com/"),
    ("http://www.example.com", "/", "http://www.example.com/"),
    ("http://www.example.com/", "/", "http://www.example.com/"),
    ("http://www.example.com", "/bar", "http://www.example.com/bar"),
    ("http://www.example.com/", "bar", "http://www.example.com/bar"),
    ("http://www.example.com", "bar", "http://www.example.com/bar"),
    ("http://www.example.com/foo", "bar", "http://www.example.com/bar"),
    ("http://www.example.com/foo", "/bar", "http://www.example.com/bar"),
    ("http://www.example.com/foo/", "/bar", "http://www.example.com/bar"),
    ("http://www.example.com/foo/", "bar", "http://www.example.com/foo/bar"),
    ("http://www.example.com/foo/", "bar/", "http://www.example.com/foo/bar/"),
    ("http://www.example.com/foo/", "bar/boo", "http://www.example.com/foo/bar/boo"),
    ("http://www.example.com/foo/", "http://elsewhere.com", "http://elsewhere.com"),
]


@pytest.mark.parametrize("base, ref, expected", JOIN_TABLE)
def test_join_table(testing_app, base, ref, expected):
    res = testing_app.get("/url/join", {"base": base, "ref": ref})
    assert res.json == {"url": expected}


class TestParse:
    def test_all_parts(self, testing_app):
        url = "https://alice@Example.COM:8443/a/b;p=1?x=1&x=2&y=&z#frag"
        res = testing_app.get("/url/parse", {"url": url})
        assert res.json == {
            "scheme": "https",
            "netloc": "alice@Example.COM:8443",
            "username": "alice",
            "password_present": False,
            "hostname": "example.com",
            "port": 8443,
            "path": "/a/b",
            "params": "p=1",
            "query": "x=1&x=2&y=&z",
            "query_params": {"x": ["1", "2"], "y": [""], "z": [""]},
            "fragment": "frag",
        }

    def test_password_is_never_echoed(self, testing_app):
        res = testing_app.get("/url/parse", {"url": "http://bob:s3cr3t-pw@host/"})
        assert "s3cr3t-pw" not in res.text
        assert res.json["password_present"] is True
        assert res.json["netloc"] == "bob:***@host"

    def test_ipv6_literal(self, testing_app):
        res = testing_app.get("/url/parse", {"url": "http://[::1]:8080/"})
        assert res.json["hostname"] == "::1" and res.json["port"] == 8080

    def test_html_form_uses_the_same_logic(self, testing_app):
        res = testing_app.get("/url/", {"url": "http://a:pw@h:81/p"}, headers={"Accept": "text/html"})
        result = res.html.select_one("table.result").text
        assert "password_present" in result and "pw@" not in result
        bad = testing_app.get("/url/", {"url": "http://x:99999"}, status=400)
        assert "Port out of range" in bad.text


HOSTILE = [
    ("/url/parse", {}, "url is required"),
    ("/url/parse?url=a&url=b", None, "once"),
    ("/url/parse", {"url": "http://x:99999"}, "Port out of range"),
    ("/url/parse", {"url": "http://x:-1"}, "Port"),
    ("/url/parse", {"url": "http://x:abc/"}, "Port"),
    ("/url/parse", {"url": "http://[::1/"}, "not a valid URL"),
    ("/url/parse", {"url": "http://x/\x00y"}, "NUL"),
    ("/url/parse", {"url": "http://x/" + "a" * 8192}, "longer than 8192"),
    ("/url/parse", {"url": "http://x/" + "é" * 4096}, "longer than 8192"),
    ("/url/parse?url=%FF%FE", None, "not valid UTF-8"),
    ("/url/join", {"base": "http://x/"}, "ref is required"),
    ("/url/join", {"ref": "a"}, "base is required"),
    ("/url/join", {"base": "", "ref": "a"}, "base is empty"),
    ("/url/join", {"base": "http://x:99999/", "ref": "a"}, "Port out of range"),
    ("/url/join", {"base": "http://x/", "ref": "\x00"}, "NUL"),
    ("/url/join", {"base": "http://x/", "ref": "b" * 9000}, "longer than"),
]


@pytest.mark.parametrize("path, params, detail", HOSTILE)
def test_hostile_input_is_400_problem(testing_app, path, params, detail):
    res = testing_app.get(path, params, status=400)
    assert res.content_type == "application/problem+json"
    assert res.json["type"] == "https://svc.invalid/problems/invalid-request"
    assert res.json["status"] == 400
    assert detail in res.json["detail"]
