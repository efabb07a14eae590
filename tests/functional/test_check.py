"""``svc-admin <ini> check``: every problem of a copy of production.ini on one line naming the key
and the file; exit 0 clean, 1 errors, 2 warnings only. And no traceback for a file that is no ini."""
import io
import os
import re
import shutil
import socket
import subprocess
import sys

import pytest

from svc.auth.cli import main
from tests.conftest import ROOT

PASSWORD = "correct horse battery"


@pytest.fixture
def ini(tmp_path):
    """production.ini copied into a fresh folder, so its %(here)s/var is empty."""
    path = tmp_path / "production.ini"
    shutil.copy(os.path.join(ROOT, "production.ini"), path)
    return path


@pytest.fixture
def admin(capsys, monkeypatch):
    def run(*argv, stdin=""):
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        status = main([str(a) for a in argv])
        out, err = capsys.readouterr()
        return status, out, err

    return run


def edit(path, old, new):
    text = path.read_text()
    assert text.count(old) == 1, f"production.ini no longer has {old!r} once"
    path.write_text(text.replace(old, new))


def closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def problems(out):
    return [line for line in out.splitlines() if re.search(r": (error|warning): ", line)]


@pytest.fixture
def initialised(ini, admin):
    assert admin(ini, "init")[0] == 0
    return ini


@pytest.fixture
def granted(initialised, admin):
    assert admin(initialised, "users", "add", "root", stdin=PASSWORD + "\n")[0] == 0
    for permission in ("admin", "fetch", "dns", "net"):
        assert admin(initialised, "grant", "root", permission)[0] == 0
    return initialised


class TestCheck:
    def test_clean(self, granted, admin):
        status, out, err = admin(granted, "check")
        assert (status, problems(out), err) == (0, [], "")
        assert f"{granted}: ok" in out

    def test_the_issue_s_argument_order_too(self, granted, admin):
        assert admin("check", granted)[0] == 0

    def test_before_init_names_the_secret_and_the_database(self, ini, admin):
        status, out, _ = admin(ini, "check")
        lines = problems(out)
        assert status == 1
        assert all(line.startswith(f"{ini}: error: ") for line in lines), out
        assert any("svc.auth.secret_file" in line and "init" in line for line in lines), out
        assert any("svc.auth.db_url" in line and "init" in line for line in lines), out
        assert not (ini.parent / "var" / "svc.sqlite").exists(), "check must not create the database"

    def test_no_grants_are_warnings(self, initialised, admin):
        status, out, _ = admin(initialised, "check")
        lines = problems(out)
        assert status == 2, out
        assert all(": warning: " in line for line in lines)
        for mount, permission in (("/fetch", "fetch"), ("/dns", "dns"), ("/net", "net"), ("/auth", "admin")):
            assert any(f"mount {mount} " in line and f"permission {permission} " in line for line in lines), out

    def test_unknown_setting(self, granted, admin):
        edit(granted, "use = egg:svc#dns\n", "use = egg:svc#dns\nsvc.dns.nameserver = 192.0.2.53\n")
        status, out, _ = admin(granted, "check")
        assert status == 1
        assert [line for line in problems(out) if re.search(r"svc\.dns\.nameserver\b(?!s)", line) and str(granted) in line], out

    def test_malformed_setting(self, granted, admin):
        edit(granted, "svc.fetch.connect_timeout = 5", "svc.fetch.connect_timeout = soon")
        status, out, _ = admin(granted, "check")
        assert status == 1
        assert [line for line in problems(out) if "svc.fetch.connect_timeout" in line], out

    def test_malformed_server_setting(self, granted, admin):
        edit(granted, "threads = 8", "threads = many")
        status, out, _ = admin(granted, "check")
        assert status == 1
        assert [line for line in problems(out) if "threads" in line and "server:main" in line], out

    def test_short_secret(self, initialised, admin):
        (initialised.parent / "var" / "auth-secret").write_text("short\n")
        status, out, _ = admin(initialised, "check")
        assert status == 1
        assert [line for line in problems(out) if "secret" in line and "32 bytes" in line], out

    def test_outdated_schema(self, initialised, admin):
        (initialised.parent / "var" / "svc.sqlite").unlink()
        (initialised.parent / "var" / "svc.sqlite").write_bytes(b"")
        status, out, _ = admin(initialised, "check")
        assert status == 1
        assert [line for line in problems(out) if "svc.auth.db_url" in line and "migrate" in line], out

    def test_unreachable_database(self, initialised, admin):
        url = f"postgresql://svc:hunter2@127.0.0.1:{closed_port()}/svc"
        edit(initialised, "svc.auth.db_url = sqlite:///%(here)s/var/svc.sqlite", f"svc.auth.db_url = {url}")
        status, out, _ = admin(initialised, "check")
        assert status == 1
        assert [line for line in problems(out) if "svc.auth.db_url" in line], out
        assert "hunter2" not in out

    def test_unreachable_redis(self, granted, admin):
        url = f"redis://:hunter2@127.0.0.1:{closed_port()}/0"
        edit(granted, "svc.auth.redis_url =\n", f"svc.auth.redis_url = {url}\n")
        status, out, _ = admin(granted, "check")
        assert status == 1
        assert [line for line in problems(out) if "svc.auth.redis_url" in line], out
        assert "hunter2" not in out

    def test_login_path_elsewhere_than_the_auth_app(self, granted, admin):
        edit(granted, "# svc.auth.login_path = /auth/login", "svc.auth.login_path = /signin/login")
        status, out, _ = admin(granted, "check")
        assert status == 1
        assert [line for line in problems(out) if "svc.auth.login_path" in line and "/auth/login" in line], out


class TestNotAnIni:
    @pytest.mark.parametrize("text", ["just words\n", "[unclosed\n", "\x00\x01binary"])
    @pytest.mark.parametrize("command", [["check"], ["users", "list"]])
    def test_one_line(self, tmp_path, admin, text, command):
        path = tmp_path / "notes.ini"
        path.write_text(text)
        status, out, err = admin(path, *command)
        assert status == 1
        assert len((out + err).strip().splitlines()) == 1, out + err
        assert str(path) in out + err or "notes.ini" in out + err

    def test_missing_file(self, tmp_path, admin):
        status, out, err = admin(tmp_path / "nothing.ini", "check")
        assert status == 1 and len((out + err).strip().splitlines()) == 1


@pytest.mark.slow
def test_pserve_before_init_says_what_to_run(ini):
    pserve = os.path.join(os.path.dirname(sys.executable), "pserve")
    done = subprocess.run([pserve, str(ini)], capture_output=True, text=True, cwd=ini.parent, timeout=120)
    assert done.returncode != 0
    lines = (done.stdout + done.stderr).strip().splitlines()
    assert len(lines) == 1, done.stdout + done.stderr
    assert f"svc-admin {ini} init" in lines[0]
