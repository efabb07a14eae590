"""The admin console and the account page through production.ini, and the audit log they feed."""
import json
import logging

import pytest
from webtest import TestApp

from svc.auth.store import digest
from tests.auth_fixtures import basic
from tests.openapi import assert_conforms

BROWSER = {"Accept": "text/html"}
ORIGIN = {"Origin": "https://localhost"}  # what a browser sends with a form posted from svc's own page
PASSWORD = "correct horse"
NEW_PASSWORD = "a rather long new passphrase"


def browser(world):
    return TestApp(world.wsgi, extra_environ={"wsgi.url_scheme": "https", "HTTP_HOST": "localhost"})


def signed_in(world, user):
    app = browser(world)
    assert world.sign_in(app, user).status_int == 303
    return app


def form(page, css):
    """The WebTest form of ``page`` whose class is ``css``."""
    for candidate in page.forms.values():
        if css in (candidate.html.form.get("class") or []):
            return candidate
    raise AssertionError(f"no form.{css}")


def submit(page, css, **fields):
    chosen = form(page, css)
    for name, value in fields.items():
        chosen[name] = value
    return chosen.submit(headers={**BROWSER, **ORIGIN}, status="*")


def button(page, action, **fields):
    """The one-button form of ``page`` that posts ``action`` with these hidden ``fields``."""
    def value(f, name):
        return f.fields[name][0].value if name in f.fields else None

    return next(
        f for f in page.forms.values()
        if value(f, "action") == action and all(value(f, k) == v for k, v in fields.items())
    )


def events(world, **filters):
    return [(e["event"], e["actor"], e["subject"], e["detail"]) for e in world.service.audit.entries(**filters)]


@pytest.fixture
def admin(prod):
    prod.user("root", permissions=["admin"])
    return signed_in(prod, "root")


def console(app):
    return app.get("/auth/admin", headers=BROWSER)


class TestConsole:
    def test_add_user_redirects_and_shows_the_user(self, prod, admin):
        response = submit(console(admin), "add-user", name="bob", password=NEW_PASSWORD)
        assert response.status_int == 303
        assert response.headers["Location"].endswith("/auth/admin?done=add_user#users")
        page = response.follow(headers=BROWSER)
        assert page.html.select_one("p.done").text == "User added."
        assert page.html.select_one('tr[data-user="bob"]')
        assert prod.service.store.user("bob")["has_password"]
        assert ("add_user", "root", "bob", {"password": True}) in events(prod)

    @pytest.mark.parametrize(
        ("password", "message"),
        [
            ("short", "shorter than 12 characters"),
            ("bob-the-user", "the password is the user name"),
            ("password1234", "one of the most common passwords"),
        ],
    )
    def test_the_password_policy_shows_on_the_page(self, prod, admin, password, message):
        page = submit(console(admin), "add-user", name="Bob-the-user" if "user" in password else "bob", password=password)
        assert page.status_int == 400
        assert message in page.html.select_one("p.problem").text
        assert page.html.select_one("form.add-user input[name=name]")["value"] in ("bob", "Bob-the-user")
        assert "bob" not in {u["name"] for u in prod.service.store.users()}

    def test_a_form_without_the_csrf_token_is_refused(self, prod, admin):
        page = console(admin)
        chosen = form(page, "add-user")
        chosen["csrf_token"] = "forged"
        chosen["name"], chosen["password"] = "mallory", NEW_PASSWORD
        response = chosen.submit(headers={**BROWSER, **ORIGIN}, status=400)
        assert "Form check failed" in response.text or "reload the page" in response.text
        assert "mallory" not in {u["name"] for u in prod.service.store.users()}

    def test_a_post_from_another_site_is_refused(self, prod, admin):
        chosen = form(console(admin), "add-user")
        chosen["name"], chosen["password"] = "mallory", NEW_PASSWORD
        chosen.submit(headers={**BROWSER, "Origin": "https://evil.example"}, status=403)
        assert "mallory" not in {u["name"] for u in prod.service.store.users()}

    def test_a_signed_in_user_without_admin_gets_403(self, prod):
        prod.user("alice")
        app = signed_in(prod, "alice")
        app.get("/auth/admin", headers=BROWSER, status=403)
        app.post("/auth/admin", {"action": "add_user", "name": "x", "password": NEW_PASSWORD},
                 headers={**BROWSER, **ORIGIN}, status=403)
        app.get("/auth/admin/audit", status=403)

    def test_anonymous_browsers_are_sent_to_sign_in(self, prod):
        response = browser(prod).get("/auth/admin", headers=BROWSER, status=302)
        assert "/auth/login?came_from=" in response.headers["Location"]

    def test_groups_members_and_grants_from_the_known_permissions(self, prod, admin):
        prod.user("bob")
        assert submit(console(admin), "add-group", name="ops").status_int == 303
        assert submit(console(admin), "add-member", user="bob", group="ops").status_int == 303
        page = console(admin)
        options = [o.text for o in page.html.select("form.grant select[name=permission] option")]
        assert {"admin", "dns", "fetch", "net"} <= set(options)
        assert submit(page, "grant", subject="@ops", permission="dns").status_int == 303
        assert prod.service.store.principal(prod.service.store.credentials("bob")[0]).permissions == {"dns"}
        page = console(admin)
        assert "bob" in page.html.select_one('tr[data-group="ops"]').text
        revoke = page.html.select_one("table.grants form")
        assert revoke.select_one("input[name=subject]")["value"] == "@ops"
        assert [e[0] for e in events(prod)][-3:] == ["add_group", "add_member", "grant"]
        assert ("grant", "root", "@ops", {"permission": "dns"}) in events(prod)

    def test_an_unknown_permission_is_refused_on_the_page(self, prod, admin):
        prod.user("bob")
        page = admin.post("/auth/admin", {"action": "grant", "subject": "bob", "permission": "nosuch",
                                          "csrf_token": form(console(admin), "grant")["csrf_token"].value},
                          headers={**BROWSER, **ORIGIN}, status=400)
        assert "no app in this ini checks the permission nosuch" in page.html.select_one("p.problem").text

    def test_a_token_is_shown_once_then_listed_and_revoked(self, prod, admin):
        prod.user("robot")
        page = submit(console(admin), "create-token", user="robot", label="ci", expires_days="30")
        assert page.status_int == 200 and page.headers["Cache-Control"] == "no-store"
        token = page.html.select_one("#new-token").text
        assert prod.app.get("/auth/whoami", headers={"Authorization": "Bearer " + token}).json["user"] == "robot"
        page = console(admin)
        assert page.html.select_one("#new-token") is None
        row = page.html.select_one("table.tokens tr[data-token]")
        assert "ci" in row.text and token not in page.text
        assert button(page, "revoke_token", id=row["data-token"]).submit(headers={**BROWSER, **ORIGIN}).status_int == 303
        prod.app.get("/auth/whoami", headers={"Authorization": "Bearer " + token}, status=401)
        assert [e[0] for e in events(prod)][-2:] == ["create_token", "revoke_token"]

    def test_sessions_per_user_and_their_revocation(self, prod, admin):
        prod.user("alice")
        alice = signed_in(prod, "alice")
        page = console(admin)
        rows = page.html.select('table.sessions tr[data-user="alice"]')
        assert len(rows) == 1
        end = button(page, "end_user_session", user="alice")
        assert end.submit(headers={**BROWSER, **ORIGIN}).status_int == 303
        alice.get("/auth/whoami", status=401)
        assert ("end_user_session", "root", "alice", {"session": end["session"].value}) in events(prod)

    def test_reset_password_and_remove_user(self, prod, admin):
        prod.user("bob")
        assert submit(console(admin), "set-password", name="bob", password=NEW_PASSWORD).status_int == 303
        prod.app.get("/auth/whoami", headers={"Authorization": basic("bob", NEW_PASSWORD)})
        remove = button(console(admin), "remove_user", name="bob")
        assert remove.submit(headers={**BROWSER, **ORIGIN}).status_int == 303
        assert "bob" not in {u["name"] for u in prod.service.store.users()}
        assert [e[0] for e in events(prod, subject="bob")][-2:] == ["set_password", "remove_user"]

    def test_a_locked_user_is_shown_and_unlocked(self, prod, admin):
        prod.user("bob")
        for _ in range(5):
            prod.app.get("/auth/whoami", headers={"Authorization": basic("bob", "wrong")},
                         extra_environ={"REMOTE_ADDR": "198.51.100.9"}, status=401)
        throttled = prod.app.get("/auth/whoami", headers={"Authorization": basic("bob", PASSWORD)},
                                 extra_environ={"REMOTE_ADDR": "198.51.100.9"}, status=429)
        assert throttled.headers["Retry-After"]
        page = console(admin)
        assert "locked from 198.51.100.9" in page.html.select_one('tr[data-user="bob"]').text
        unlock = button(page, "unlock", name="bob")
        assert unlock.submit(headers={**BROWSER, **ORIGIN}).status_int == 303
        prod.app.get("/auth/whoami", headers={"Authorization": basic("bob", PASSWORD)},
                     extra_environ={"REMOTE_ADDR": "198.51.100.9"})
        kinds = [(e[0], e[2]) for e in events(prod, subject="bob")]
        assert kinds.count(("sign_in_failed", "bob")) == 5
        assert kinds.count(("sign_in_locked", "bob")) == 1
        assert ("unlock", "root", "bob", {"clients": ["198.51.100.9"]}) in events(prod)


class TestAccount:
    def test_change_own_password_ends_the_other_sessions_only(self, prod):
        prod.user("alice")
        other = signed_in(prod, "alice")
        app = signed_in(prod, "alice")
        page = app.get("/auth/account", headers=BROWSER)
        response = submit(page, "change-password", current=PASSWORD, new=NEW_PASSWORD, again=NEW_PASSWORD)
        assert response.status_int == 303
        assert response.follow(headers=BROWSER).html.select_one("p.done").text.startswith("Password changed")
        assert app.get("/auth/whoami").json["user"] == "alice"
        other.get("/auth/whoami", status=401)
        prod.app.get("/auth/whoami", headers={"Authorization": basic("alice", NEW_PASSWORD)})
        assert ("set_password", "alice", "alice", {}) in events(prod)

    @pytest.mark.parametrize(
        ("current", "new", "again", "message"),
        [
            ("wrong password", NEW_PASSWORD, NEW_PASSWORD, "the current password is wrong"),
            (PASSWORD, NEW_PASSWORD, NEW_PASSWORD + "x", "differ"),
            (PASSWORD, "short", "short", "shorter than 12 characters"),
            (PASSWORD, "alice", "alice", "shorter than"),
            (PASSWORD, "qwertyuiop123", "qwertyuiop123", "common"),
        ],
    )
    def test_refusals_show_on_the_page(self, prod, current, new, again, message):
        prod.user("alice")
        app = signed_in(prod, "alice")
        page = submit(app.get("/auth/account", headers=BROWSER), "change-password", current=current, new=new, again=again)
        assert page.status_int == 400
        assert message in page.html.select_one("p.problem").text
        prod.app.get("/auth/whoami", headers={"Authorization": basic("alice", PASSWORD)})

    def test_own_tokens_and_sessions(self, prod):
        prod.user("alice")
        prod.user("bob")
        other = signed_in(prod, "alice")
        app = signed_in(prod, "alice")
        page = submit(app.get("/auth/account", headers=BROWSER), "create-token", label="laptop")
        token = page.html.select_one("#new-token").text
        assert prod.app.get("/auth/whoami", headers={"Authorization": "Bearer " + token}).json["user"] == "alice"
        _, bobs = prod.service.admin.create_token("bob", "theirs")
        page = app.get("/auth/account", headers=BROWSER)
        assert [r["data-token"] for r in page.html.select("table.tokens tr[data-token]")] != [str(bobs.id)]
        csrf = form(page, "create-token")["csrf_token"].value
        refused = app.post("/auth/account", {"action": "revoke_token", "id": str(bobs.id), "csrf_token": csrf},
                           headers={**BROWSER, **ORIGIN}, status=400)
        assert f"you have no token {bobs.id}" in refused.text
        revoke = button(page, "revoke_token", id=str(prod.service.store.tokens("alice")[0].id))
        assert revoke.submit(headers={**BROWSER, **ORIGIN}).status_int == 303
        prod.app.get("/auth/whoami", headers={"Authorization": "Bearer " + token}, status=401)
        page = app.get("/auth/account", headers=BROWSER)
        assert len(page.html.select("table.sessions tr")) == 3  # heading, this browser, the other one
        assert "(this browser)" in page.text
        current = digest_of_current(prod, app)
        end = next(s for s in prod.service.store.sessions("alice") if s["id"] != current)
        end = button(page, "end_user_session", session=end["id"])
        assert end.submit(headers={**BROWSER, **ORIGIN}).status_int == 303
        other.get("/auth/whoami", status=401)
        assert app.get("/auth/whoami").json["user"] == "alice"

    def test_anonymous_is_sent_to_sign_in(self, prod):
        browser(prod).get("/auth/account", headers=BROWSER, status=302)
        prod.app.get("/auth/account", status=401)


def digest_of_current(world, app):
    ticket = world.service.ticket.loads(app.cookies["__Host-svc_auth"].strip('"'))
    return digest(ticket.session_key)


class TestAuditApi:
    def test_sign_in_events_and_paging(self, prod):
        prod.user("root", permissions=["admin"])
        prod.user("alice")
        prod.sign_in(browser(prod), "alice", "wrong")
        app = signed_in(prod, "alice")
        app.post("/auth/logout", {"csrf_token": app.cookies.get("__Host-svc_csrf", "")}, headers=ORIGIN, status="*")
        auth = {"Authorization": basic("root", PASSWORD)}
        body = prod.app.get("/auth/admin/audit", {"limit": "2"}, headers=auth).json
        assert [e["event"] for e in body["entries"]] == ["add_user", "grant"]
        page2 = prod.app.get(body["next"], headers=auth).json
        assert [e["event"] for e in page2["entries"]] == ["add_user", "sign_in_failed"]
        response = prod.app.get("/auth/admin/audit", headers=auth)
        assert_conforms(prod.app.get("/auth/openapi.json").json, response, "/admin/audit")
        everything = response.json
        assert [e["event"] for e in everything["entries"]][-3:] == ["sign_in_failed", "sign_in", "sign_out"]
        assert everything["next"] is None
        first = everything["entries"][0]
        assert set(first) == {"id", "at", "event", "actor", "client", "subject", "detail"}
        later = prod.app.get("/auth/admin/audit", {"since": str(first["at"] + 3600)}, headers=auth).json
        assert later["entries"] == []

    @pytest.mark.parametrize("params", ["since=yesterday", "limit=-1", "after=1e3", "since=1&since=2", "since=" + "9" * 40])
    def test_bad_parameters_are_400(self, prod, params):
        prod.user("root", permissions=["admin"])
        response = prod.app.get("/auth/admin/audit?" + params, headers={"Authorization": basic("root", PASSWORD)}, status=400)
        assert response.content_type == "application/problem+json"

    def test_admin_api_actions_name_their_actor(self, prod):
        prod.user("root", permissions=["admin"])
        prod.app.post_json("/auth/admin/groups", {"name": "ops"}, headers={"Authorization": basic("root", PASSWORD)},
                           extra_environ={"REMOTE_ADDR": "192.0.2.4"})
        entry = prod.service.audit.entries(event="add_group")[0]
        assert (entry["actor"], entry["client"], entry["subject"]) == ("root", "192.0.2.4", "ops")

    def test_json_lines_to_the_svc_audit_logger(self, auth_conf, caplog):
        from tests.auth_fixtures import AuthWorld
        from tests.conftest import load

        world = AuthWorld(load("production.ini", **auth_conf, **{"svc.auth.audit_log": "true"}))
        with caplog.at_level(logging.INFO, logger="svc.audit"):
            world.user("alice")
        lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "svc.audit"]
        assert [line["event"] for line in lines] == ["add_user"]
        assert lines[0]["subject"] == "alice" and "correct horse" not in caplog.text
