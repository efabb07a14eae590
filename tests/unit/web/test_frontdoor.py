"""The front door egg:svc#granian puts before the app (tests/server runs it on the real server)."""
import io
import os

import pytest
from webob import Request
from webtest import TestApp

from svc.web.frontdoor import FrontDoor
from svc.web.server import parse_settings
from svc.web.settings import SettingError


def echo_environ(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain"), ("Server", "granian")])
    keys = sorted(k for k in environ if k.startswith("HTTP_") or k == "REMOTE_USER")
    return [" ".join(keys).encode(), b" ", environ["wsgi.input"].read()]


PROXY = {"REMOTE_ADDR": "127.0.0.1"}


class TestFrontDoor:
    def test_server_environment_that_looks_like_request_data_is_dropped(self):
        door = FrontDoor(echo_environ, server_environ={"HTTP_PROXY": "http://corp:3128", "REMOTE_USER": "root"})
        leaked = {"HTTP_PROXY": "http://corp:3128", "REMOTE_USER": "root"}  # what granian copies in
        response = TestApp(door).get("/", extra_environ=leaked)
        assert "HTTP_PROXY" not in response.text and "REMOTE_USER" not in response.text

    def test_the_server_header_is_ours_alone(self):
        response = TestApp(FrontDoor(echo_environ, ident="svc")).get("/")
        assert response.headers.getall("Server") == ["svc"]

    def test_a_body_without_length_is_read_up_to_the_cap_then_refused(self):
        door = FrontDoor(echo_environ, max_request_body_size=10)

        def post(body):
            request = Request.blank("/", method="POST")
            request.environ.update({"HTTP_TRANSFER_ENCODING": "chunked", "wsgi.input": io.BytesIO(body)})
            request.environ.pop("CONTENT_LENGTH", None)
            return request.get_response(door)

        refused = post(b"x" * 11)
        assert refused.status_int == 413 and refused.content_type == "application/problem+json"
        assert post(b"y" * 10).text.endswith(" " + "y" * 10)

    def test_a_malformed_forwarded_header_from_the_proxy_is_a_problem(self):
        door = FrontDoor(echo_environ, trusted_proxy="127.0.0.1", trusted_proxy_headers=["x-forwarded-proto"])
        response = TestApp(door).get("/", headers={"X-Forwarded-Proto": "gopher"}, extra_environ=PROXY, status=400)
        assert response.content_type == "application/problem+json"


    @pytest.mark.parametrize(
        "peer, header, kept",
        [("127.0.0.1", "abc-123", "abc-123"), ("192.0.2.9", "abc-123", None), ("127.0.0.1", "bad id\"", None),
         ("127.0.0.1", "x" * 129, None)],
    )
    def test_a_request_id_is_taken_only_valid_and_from_the_trusted_proxy(self, peer, header, kept):
        seen = {}

        def app(environ, start_response):
            seen.update(environ)
            return echo_environ(environ, start_response)

        door = FrontDoor(app, trusted_proxy="127.0.0.1")
        TestApp(door).get("/", headers={"X-Request-ID": header}, extra_environ={"REMOTE_ADDR": peer})
        assert seen.get("svc.request_id") == kept


class TestServerSettings:
    def test_defaults_and_empty_values(self):
        settings = parse_settings({"workers": "", "listen": "[::1]:8080"})
        assert settings.workers >= 1 and (settings.host, settings.port) == ("::1", 8080)

    @pytest.mark.parametrize(
        "conf",
        [{"workers": "0"}, {"listen": "nowhere"}, {"http": "3"}, {"threds": "8"}, {"ssl_certificate": "a.pem"}],
    )
    def test_bad_settings_fail_naming_the_key(self, conf):
        with pytest.raises(SettingError) as error:
            parse_settings(conf)
        assert next(iter(conf)).split("_")[0] in str(error.value)


def test_the_development_certificate_is_made_once_and_granian_can_read_its_key(tmp_path):
    from svc.web.server import development_certificate

    cert, key = development_certificate(str(tmp_path / "devcert"))
    assert open(key).read().startswith("-----BEGIN PRIVATE KEY-----")  # PKCS#8
    made = os.path.getmtime(cert)
    assert development_certificate(str(tmp_path / "devcert")) == (cert, key)
    assert os.path.getmtime(cert) == made and (tmp_path / "devcert" / "ca.pem").exists()
