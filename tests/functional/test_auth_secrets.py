"""One secret, checked (issue 10 item 3): fingerprints in the database, rotation, and cookies of another secret."""
import io

import pytest
from sqlalchemy import text
from webtest import TestApp

from svc.auth.cli import main as svc_admin
from svc.auth.settings import SAMPLE_SECRET
from svc.auth.store import create_store_engine
from svc.web.settings import SettingError
from tests.auth_fixtures import AuthWorld
from tests.conftest import ROOT, load
from tests.functional.test_auth import cookie_value, signed_in, with_cookie
from tests.live_server import _override

OTHER = "another-secret-that-is-long-enough-0123456789"


def https(world):
    return TestApp(world.wsgi, extra_environ={"wsgi.url_scheme": "https", "HTTP_HOST": "localhost"})


class TestFingerprint:
    def test_production_refuses_a_database_a_development_server_created(self, auth_conf):
        development = {"svc.auth.db_url": auth_conf["svc.auth.db_url"], "svc.auth.secret": SAMPLE_SECRET, "svc.auth.secret_file": ""}
        load("development.ini", **development)
        with pytest.raises(SettingError, match="secret differs from the one recorded in the auth database"):
            load("production.ini", **auth_conf)

    def test_an_instance_with_another_secret_refuses_to_start(self, auth_conf):
        load("production.ini", **auth_conf)
        with pytest.raises(SettingError, match="secret differs"):
            load("production.ini", **{**auth_conf, "svc.auth.secret": OTHER, "svc.auth.secret_file": ""})

    def test_svc_admin_with_another_secret_refuses_too(self, auth_conf, tmp_path, capsys):
        load("production.ini", **auth_conf)
        other = tmp_path / "other-secret"
        other.write_text(OTHER + "\n")
        ini = tmp_path / "production.ini"
        ini.write_text(_override(open(f"{ROOT}/production.ini").read(), "DEFAULT", {**auth_conf, "svc.auth.secret_file": str(other)}))
        assert svc_admin([str(ini), "users", "list"]) == 1
        assert "secret differs" in capsys.readouterr().err

    def test_the_database_holds_no_secret(self, auth_conf):
        load("production.ini", **auth_conf)
        secret = open(auth_conf["svc.auth.secret_file"]).read().strip()
        engine = create_store_engine(auth_conf["svc.auth.db_url"])
        with engine.connect() as connection:
            stored = connection.execute(text("SELECT fingerprint FROM auth_secret_fingerprints")).scalars().all()
        engine.dispose()
        assert stored and all(secret not in fingerprint for fingerprint in stored)
        if auth_conf["svc.auth.db_url"].startswith("sqlite:///"):  # nor anywhere else in the file
            with open(auth_conf["svc.auth.db_url"].removeprefix("sqlite:///"), "rb") as database:
                assert secret.encode() not in database.read()


class TestRotation:
    @pytest.fixture
    def ini(self, auth_conf, tmp_path):
        path = tmp_path / "production.ini"
        path.write_text(_override(open(f"{ROOT}/production.ini").read(), "DEFAULT", auth_conf))
        return str(path)

    def test_rotate_then_rolling_restart_keeps_everyone_signed_in(self, auth_conf, ini, capsys):
        old = AuthWorld(load("production.ini", **auth_conf))
        old.user("alice")
        _, ticket = signed_in(old)
        assert svc_admin([ini, "rotate-secret"]) == 0
        assert "rolling restart" in capsys.readouterr().out
        secrets = open(auth_conf["svc.auth.secret_file"]).read().split()
        assert len(secrets) == 2
        rotated = AuthWorld(load("production.ini", **auth_conf))  # starts beside the old one: they overlap
        response = https(rotated).get("/auth/whoami", headers=with_cookie(ticket))
        assert response.json["user"] == "alice"
        _, fresh = signed_in(rotated)
        assert https(old).get("/auth/whoami", headers=with_cookie(fresh), status=401)  # the old one lacks the new secret
        assert rotated.service.ticket.loads(fresh) is not None and old.service.ticket.loads(fresh) is None

    def test_a_cookie_of_another_secret_is_never_deleted(self, auth_conf):
        world = AuthWorld(load("production.ini", **auth_conf))
        world.user("alice")
        sibling = AuthWorld(load("production.ini", **{**auth_conf, "svc.auth.secret": f"{OTHER} " + open(auth_conf["svc.auth.secret_file"]).read().strip(), "svc.auth.secret_file": ""}))
        _, ticket = signed_in(sibling)  # signed with OTHER, which world does not know
        response = https(world).get("/auth/whoami", headers=with_cookie(ticket), status=401)
        assert cookie_value(response) is None

    def test_rotate_secret_needs_a_secret_file(self, tmp_path, auth_conf, capsys):
        ini = tmp_path / "production.ini"
        ini.write_text(_override(open(f"{ROOT}/production.ini").read(), "DEFAULT", {**auth_conf, "svc.auth.secret": OTHER, "svc.auth.secret_file": ""}))
        assert svc_admin([str(ini), "rotate-secret"]) == 1
        assert "secret_file" in capsys.readouterr().err
