"""The admin console and the account page in Debian's Chromium, driven by Playwright, without JavaScript.

Screenshots land in tests/artifacts/browser/ (gitignored). Skips, saying why, where the
playwright package or the chromium binary is missing.
"""
import pytest

from tests.auth_fixtures import find_service, make_auth_dir
from tests.browser.test_pages import PASSWORD, chromium, shot  # noqa: F401 (chromium is a fixture)
from tests.conftest import load
from tests.fetch_fixtures import Served

pytestmark = pytest.mark.slow

NEW_PASSWORD = "a rather long new passphrase"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """testing.ini on waitress at 127.0.0.1; root holds admin."""
    conf = make_auth_dir(str(tmp_path_factory.mktemp("console-auth")))
    app = load("testing.ini", **conf, **{"svc.enforce_permissions": "true"})
    service = find_service(app)
    service.admin.add_user("root", PASSWORD)
    service.admin.grant("root", "admin")
    served = Served(app)
    yield served.base, service
    served.stop()


@pytest.fixture
def context(chromium):  # noqa: F811
    # No JavaScript: every form must work as plain HTML.
    context = chromium.new_context(java_script_enabled=False, viewport={"width": 1200, "height": 900})
    context.set_default_timeout(15_000)
    yield context
    context.close()


def sign_in(page, base, user, password, path):
    page.goto(base + path)
    assert "/auth/login?" in page.url
    page.fill("input[name=user]", user)
    page.fill("input[name=password]", password)
    page.click("form.login button")
    page.wait_for_url(base + path)


def test_console_end_to_end(context, site):
    base, service = site
    page = context.new_page()
    sign_in(page, base, "root", PASSWORD, "/auth/admin")
    shot(page, "20-console")

    page.fill("form.add-user input[name=name]", "carol")
    page.fill("form.add-user input[name=password]", "password")
    page.click("form.add-user button")
    assert "shorter than 12 characters" in page.inner_text("p.problem")
    shot(page, "21-console-password-refused")
    page.fill("form.add-user input[name=password]", PASSWORD)
    page.click("form.add-user button")
    assert page.inner_text("p.done") == "User added."
    assert page.url.endswith("/auth/admin?done=add_user#users")

    page.select_option("form.grant select[name=subject]", "carol")
    page.select_option("form.grant select[name=permission]", "dns")
    page.click("form.grant button")
    assert page.inner_text("p.done") == "Permission granted."
    assert "dns" in page.inner_text('table.users tr[data-user="carol"]')

    page.select_option("form.create-token select[name=user]", "carol")
    page.fill("form.create-token input[name=label]", "ci")
    page.click("form.create-token button")
    token = page.inner_text("#new-token")
    assert token.startswith("svc_")
    shot(page, "22-console-token-created")
    assert service.identification.from_bearer(token).name == "carol"
    page.goto(base + "/auth/admin")
    assert token not in page.content()
    page.click('table.tokens tr[data-token] button:has-text("Revoke")')
    assert page.inner_text("p.done") == "Token revoked."
    assert not service.store.tokens("carol")

    other = context.browser.new_context(java_script_enabled=False)
    carol = other.new_page()
    sign_in(carol, base, "carol", PASSWORD, "/auth/whoami")
    page.goto(base + "/auth/admin#sessions")
    page.click('table.sessions tr[data-user="carol"] button:has-text("Revoke")')
    assert page.inner_text("p.done") == "Session ended."
    carol.goto(base + "/auth/whoami")
    assert "/auth/login?" in carol.url
    other.close()

    page.goto(base + "/auth/admin#audit")
    audit = page.inner_text("table.audit")
    for event in ("add_user", "grant", "create_token", "revoke_token", "end_user_session", "sign_in"):
        assert event in audit
    shot(page, "23-console-audit")


def test_account_end_to_end(context, site):
    base, service = site
    service.admin.add_user("dave", PASSWORD)
    elsewhere = context.browser.new_context(java_script_enabled=False)
    old = elsewhere.new_page()
    sign_in(old, base, "dave", PASSWORD, "/auth/whoami")

    page = context.new_page()
    sign_in(page, base, "dave", PASSWORD, "/auth/account")
    assert "(this browser)" in page.inner_text("table.sessions")
    shot(page, "24-account")

    page.fill("form.create-token input[name=label]", "laptop")
    page.click("form.create-token button")
    token = page.inner_text("#new-token")
    assert service.identification.from_bearer(token).name == "dave"
    page.goto(base + "/auth/account")
    page.click('table.tokens tr[data-token] button:has-text("Revoke")')
    assert page.inner_text("p.done") == "Token revoked."

    page.fill("input[name=current]", "not my password")
    page.fill("input[name=new]", NEW_PASSWORD)
    page.fill("input[name=again]", NEW_PASSWORD)
    page.click("form.change-password button")
    assert "the current password is wrong" in page.inner_text("p.problem")
    page.fill("input[name=current]", PASSWORD)
    page.fill("input[name=new]", NEW_PASSWORD)
    page.fill("input[name=again]", NEW_PASSWORD)
    page.click("form.change-password button")
    assert page.inner_text("p.done").startswith("Password changed")
    shot(page, "25-account-password-changed")
    assert len(page.query_selector_all("table.sessions tr")) == 2  # the heading, and this browser
    old.goto(base + "/auth/whoami")
    assert "/auth/login?" in old.url
    elsewhere.close()
    page.goto(base + "/auth/whoami")
    assert "dave" in page.inner_text("table.result")
