"""svc-admin against an ini file, and the app that ini serves seeing its changes."""
import io
import json
import os
import stat

import bcrypt
import pytest
from webtest import TestApp

from svc.auth.cli import main
from tests.auth_fixtures import basic
from tests.conftest import load

PASSWORD = "correct horse"

INI = """
[DEFAULT]
svc.auth.db_url = {db_url}
svc.auth.secret_file = %(here)s/var/secret
svc.auth.secure = false
svc.auth.argon2_time_cost = 1
svc.auth.argon2_memory_cost = 8
svc.auth.argon2_parallelism = 1
# svc-admin is another process: with 0 the app sees its changes on the next request.
svc.auth.recheck_seconds = 0
svc.auth.basic_cache_seconds = 0

[filter:auth]
use = egg:svc#auth

[app:signin]
use = egg:svc#auth

# The permissions this ini knows: admin (the auth app's views), fetch and dns (these filters).
[filter:need-fetch]
use = egg:svc#require
permission = fetch
paths = /fetch

[filter:need-dns]
use = egg:svc#require
permission = dns
paths = /dns

[pipeline:main]
pipeline = auth need-fetch need-dns signin
"""


@pytest.fixture
def admin(write_ini, tmp_path, monkeypatch, capsys, auth_db):
    """Run svc-admin on a fresh ini: ``admin("users", "list", stdin="...")`` -> (status, out, err)."""
    db_url = auth_db(migrated=False)
    ini = write_ini(INI.replace("{db_url}", db_url.replace("%", "%%")))

    def run(*argv, stdin=""):
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        status = main([ini, *argv])
        out, err = capsys.readouterr()
        return status, out, err

    run.ini = ini
    run.db_url = db_url
    run.var = tmp_path / "var"
    assert run("init")[0] == 0
    return run


def app_of(admin):
    var = admin.var
    return TestApp(load(admin.ini, **{
        "svc.auth.db_url": admin.db_url,
        "svc.auth.secret_file": str(var / "secret"),
        "svc.auth.secret": "",
    }))


class TestInit:
    def test_creates_a_private_secret_and_the_schema_once(self, admin):
        secret = admin.var / "secret"
        assert stat.S_IMODE(os.stat(secret).st_mode) == 0o600
        assert len(secret.read_text().strip()) >= 48
        before = secret.read_text()
        status, out, _ = admin("init")
        assert status == 0 and "kept" in out and secret.read_text() == before
        assert admin("migrate")[1].startswith("database schema at")


class TestUsers:
    def test_add_list_passwd_remove(self, admin):
        assert admin("users", "add", "alice", stdin="first passphrase\n")[0] == 0
        app = app_of(admin)
        assert app.get("/whoami", headers={"Authorization": basic("alice", "first passphrase")}).json["user"] == "alice"
        assert admin("users", "passwd", "alice", stdin="second passphrase\n")[0] == 0
        app.get("/whoami", headers={"Authorization": basic("alice", "second passphrase")})
        status, out, _ = admin("users", "list")
        assert out.splitlines()[0].split() == ["user", "groups", "permissions", "password", "tokens", "sessions", "created"]
        assert out.splitlines()[1].startswith("alice")
        assert admin("users", "remove", "alice")[0] == 0
        assert "alice" not in admin("users", "list")[1]

    def test_a_password_is_never_an_argument(self, admin):
        with pytest.raises(SystemExit):
            admin("users", "add", "alice", "secret-on-the-command-line")

    def test_token_only_user(self, admin):
        admin("users", "add", "robot", "--no-password")
        status, out, err = admin("tokens", "create", "robot", "--label", "ci")
        token = out.strip()
        assert status == 0 and token.startswith("svc_") and "shown only now" in err
        app = app_of(admin)
        assert app.get("/whoami", headers={"Authorization": "Bearer " + token}).json["user"] == "robot"
        listed = admin("tokens", "list")[1]
        assert "robot" in listed and token not in listed and token[:8] in listed
        assert admin("tokens", "revoke", "1")[0] == 0
        app.get("/whoami", headers={"Authorization": "Bearer " + token}, status=401)

    @pytest.mark.parametrize(
        "argv, message",
        [
            (("users", "remove", "nobody"), "no user nobody"),
            (("users", "add", "bad name"), "user names are"),
            (("grant", "@nogroup", "fetch"), "no group nogroup"),
            (("tokens", "revoke", "42"), "no token 42"),
            (("tokens", "create", "nobody"), "no user nobody"),
            (("tokens", "create", "nobody", "--expires-in", "99999999999"), "a token lifetime is"),
            (("import-htpasswd", "/nonexistent"), "cannot read"),
        ],
    )
    def test_refusals_exit_1_with_a_message(self, admin, argv, message):
        status, _, err = admin(*argv, stdin=PASSWORD + "\n")
        assert status == 1 and err.startswith("svc-admin: ") and message in err

    @pytest.mark.parametrize(
        "stdin, message",
        [
            ("", "the password is empty"),  # empty standard input
            ("\n", "the password is empty"),  # Enter, twice at a prompt
            ("a\n", "shorter than 12 characters (svc.auth.min_password_length)"),
            ("Frank.Sinatra1\n", "the password is the user name"),
            ("password1234\n", "most common passwords"),
        ],
    )
    def test_weak_or_empty_passwords_are_refused(self, admin, stdin, message):
        status, out, err = admin("users", "add", "frank.sinatra1", stdin=stdin)
        assert status == 1 and "added" not in out and message in err
        assert "frank" not in admin("users", "list")[1]
        if not stdin.strip():
            assert "--no-password" in err

    def test_passwd_follows_the_same_policy(self, admin):
        admin("users", "add", "alice", stdin=PASSWORD + "\n")
        status, out, err = admin("users", "passwd", "alice", stdin="\n")
        assert status == 1 and "the password is empty" in err and "set" not in out
        assert admin("users", "passwd", "alice", stdin="alice\n")[0] == 1

    def test_a_missing_ini(self, capsys):
        assert main(["/nonexistent.ini", "users", "list"]) == 1
        assert "does not exist" in capsys.readouterr().err


class TestGroupsGrantsSessions:
    def test_grants_through_groups(self, admin):
        admin("users", "add", "alice", stdin=PASSWORD + "\n")
        for argv in (("groups", "add", "ops"), ("groups", "add-member", "ops", "alice"), ("grant", "@ops", "fetch"),
                     ("grant", "alice", "dns")):
            assert admin(*argv)[0] == 0
        assert admin("grants")[1].split() == ["subject", "permission", "@ops", "fetch", "alice", "dns"]
        assert admin("groups", "list")[1].splitlines()[1].split() == ["ops", "alice", "fetch"]
        app = app_of(admin)
        assert app.get("/whoami", headers={"Authorization": basic("alice", PASSWORD)}).json["permissions"] == ["dns", "fetch"]
        assert admin("revoke", "@ops", "fetch")[0] == 0
        assert admin("groups", "remove-member", "ops", "alice")[0] == 0
        assert admin("groups", "remove", "ops")[0] == 0

    def test_a_typo_is_not_granted(self, admin):
        admin("users", "add", "alice", stdin=PASSWORD + "\n")
        status, out, err = admin("grant", "alice", "fecth")
        assert status == 1 and "granted" not in out
        assert "fecth" in err and "admin, dns, fetch" in err and "--force" in err
        assert admin("grants")[1].split() == ["subject", "permission"]

    def test_force_grants_a_foreign_apps_own_permission(self, admin):
        admin("users", "add", "alice", stdin=PASSWORD + "\n")
        status, out, _ = admin("grant", "alice", "wiki", "--force")
        assert status == 0 and out == "granted wiki to alice\n"
        assert admin("revoke", "alice", "wiki")[0] == 0  # revoking never needs the permission known

    def test_sessions_revoke(self, admin):
        admin("users", "add", "alice", stdin=PASSWORD + "\n")
        app = app_of(admin)
        form = app.get("/login").forms[0]
        form["user"], form["password"] = "alice", PASSWORD
        form.submit(status=303)
        status, out, _ = admin("sessions", "revoke", "alice")
        assert status == 0 and "ended 1 session" in out


class TestImport:
    def test_bcrypt_in_legacy_refused(self, admin, tmp_path):
        good = bcrypt.hashpw(b"pw", bcrypt.gensalt(4)).decode()
        path = tmp_path / "htpasswd"
        path.write_text(f"dave:{good.replace('$2b$', '$2y$')}\nerin:{{SHA}}W6ph5Mm5Pz8GgiULbPgzG37mj9g=\n")
        status, out, err = admin("import-htpasswd", str(path))
        assert status == 1 and "added: dave" in out
        assert "refused line 2 (erin)" in err and "allow_legacy_hashes" in err
        assert admin("import-htpasswd", "-", stdin=path.read_text().splitlines()[0])[1] == "unchanged: dave\n"
        app_of(admin).get("/whoami", headers={"Authorization": basic("dave", "pw")})

    def test_legacy_hashes_when_allowed(self, admin):
        with open(admin.ini) as ini:
            text = ini.read()
        with open(admin.ini, "w") as ini:
            ini.write(text.replace("[DEFAULT]\n", "[DEFAULT]\nsvc.auth.allow_legacy_hashes = true\n"))
        status, out, _ = admin("import-htpasswd", "-", stdin="erin:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=\n")
        assert status == 0 and "added: erin" in out


class TestShippedInis:
    """development.ini and production.ini side by side in one folder, as in a clone."""

    @pytest.fixture
    def clone(self, tmp_path, monkeypatch, capsys):
        from tests.conftest import ROOT

        for name in ("development.ini", "production.ini"):
            (tmp_path / name).write_text(open(os.path.join(ROOT, name)).read())

        def run(ini, *argv, stdin=""):
            monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
            status = main([str(tmp_path / ini), *argv])
            return status, *capsys.readouterr()

        run.var = tmp_path / "var"
        return run

    def test_production_never_sees_the_development_users_or_secret(self, clone):
        assert clone("development.ini", "init")[0] == 0
        assert clone("development.ini", "users", "add", "frank", stdin="a dev-only passphrase\n")[0] == 0
        assert clone("development.ini", "grant", "frank", "admin")[0] == 0
        assert not (clone.var / "auth-secret").exists()  # development signs with its sample secret only
        assert clone("production.ini", "init")[0] == 0
        status, out, _ = clone("production.ini", "users", "list")
        assert status == 0 and "frank" not in out
        assert "frank" in clone("development.ini", "users", "list")[1]
        files = ["auth-secret", "dev.sqlite", "dev.sqlite.revoked", "svc.sqlite", "svc.sqlite.revoked"]
        assert sorted(p.name for p in clone.var.iterdir()) == files  # each database its own revocation counter


class TestAudit:
    def test_changes_are_audited_as_svc_admin_and_printed_as_json_lines(self, admin):
        assert admin("users", "add", "alice", stdin="a long enough passphrase\n")[0] == 0
        assert admin("grant", "alice", "dns")[0] == 0
        status, out, _ = admin("audit")
        entries = [json.loads(line) for line in out.splitlines()]
        assert [(e["event"], e["actor"], e["subject"]) for e in entries] == [
            ("add_user", "svc-admin", "alice"), ("grant", "svc-admin", "alice")
        ]
        assert entries[1]["detail"] == {"permission": "dns"}
        assert admin("audit", "--since", str(entries[1]["at"] + 3600))[1] == ""
        assert len(admin("audit", "--since", "1h")[1].splitlines()) == 2
        assert len(admin("audit", "--since", "2000-01-01")[1].splitlines()) == 2

    def test_a_since_that_is_no_time_is_refused(self, admin):
        with pytest.raises(SystemExit):
            admin("audit", "--since", "last tuesday")
