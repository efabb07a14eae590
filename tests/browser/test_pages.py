"""The pages as a person uses them: Debian's Chromium, driven by Playwright, against a real waitress.

Screenshots of every page land in tests/artifacts/browser/ (gitignored), one per step.
Skips, saying why, where the playwright package or the chromium binary is missing.
"""
import os
import shutil

import pytest

from tests.auth_fixtures import find_service, make_auth_dir
from tests.conftest import ROOT, load
from tests.fetch_fixtures import Served

sync_api = pytest.importorskip(
    "playwright.sync_api", reason="the browser tests need the playwright package: pip install -e '.[testing]'"
)

pytestmark = pytest.mark.slow

CHROMIUM = os.environ.get("SVC_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = os.path.join(ROOT, "tests", "artifacts", "browser")
PASSWORD = "correct horse"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """testing.ini with permissions enforced, on waitress at 127.0.0.1; alice may use dns and fetch."""
    conf = make_auth_dir(str(tmp_path_factory.mktemp("browser-auth")))
    app = load("testing.ini", **conf, **{"svc.enforce_permissions": "true"})
    service = find_service(app)
    service.admin.add_user("alice", PASSWORD)
    for permission in ("dns", "fetch"):
        service.admin.grant("alice", permission)
    served = Served(app)
    yield served.base
    served.stop()


@pytest.fixture(scope="module")
def chromium():
    if CHROMIUM is None:
        pytest.skip("the browser tests need Chromium: apt-get install chromium (or set SVC_CHROMIUM)")
    with sync_api.sync_playwright() as playwright:
        # Debian's own build: `playwright install` would download one, which is not allowed here.
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture
def page(chromium):
    context = chromium.new_context(accept_downloads=True, viewport={"width": 1100, "height": 800})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def shot(page, name):
    os.makedirs(ARTIFACTS, exist_ok=True)
    page.screenshot(path=os.path.join(ARTIFACTS, name + ".png"), full_page=True)


def sign_in(page, site, path):
    """Open ``path``, be sent to the sign-in form, sign in, and land back on ``path``."""
    page.goto(site + path)
    assert "/auth/login?" in page.url
    page.fill("input[name=user]", "alice")
    page.fill("input[name=password]", PASSWORD)
    page.click("form.login button")
    page.wait_for_url(site + path)


def test_sign_in_lands_back_on_came_from(page, site):
    page.goto(site + "/dns/?host=a.test")
    assert page.inner_text("p.why") == "/dns/ needs the permission dns"
    shot(page, "01-sign-in")
    page.fill("input[name=user]", "alice")
    page.fill("input[name=password]", "wrong password")
    page.click("form.login button")
    assert "wrong" in page.inner_text("p.problem")
    assert page.input_value("input[name=user]") == "alice"
    shot(page, "02-sign-in-failed")
    page.fill("input[name=password]", PASSWORD)
    page.click("form.login button")
    page.wait_for_url(site + "/dns/?host=a.test")
    assert "192.0.2.1" in page.inner_text("table.result")
    assert page.inner_text("header .who a") == "alice"


def test_index(page, site):
    page.goto(site + "/")
    assert "sign in: needs dns" in page.inner_text("table.mounts")
    shot(page, "03-index")


def test_dns_forms(page, site):
    sign_in(page, site, "/dns/")
    page.fill("input[name=host]", "dual.test")
    page.get_by_role("button", name="Look up", exact=True).click()
    assert "2001:db8::2" in page.inner_text("table.addresses")
    shot(page, "04-dns-lookup")
    page.fill("input[name=name]", "mx.test")
    page.fill("input[name=type]", "MX")
    page.get_by_role("button", name="Resolve", exact=True).click()
    assert "10 mail.test." in page.inner_text("table.records")
    shot(page, "05-dns-resolve")
    page.fill("textarea[name=names]", "a.test\ndual.test\n")
    with page.expect_download() as download:
        page.get_by_role("button", name="Look up all (CSV)", exact=True).click()
    with open(download.value.path()) as csv:
        assert csv.read().splitlines()[1:] == ["a.test,4,192.0.2.1,", "dual.test,4,192.0.2.2,"]
    page.goto(site + "/dns/")
    page.get_by_role("button", name="Look up all (CSV)", exact=True).click()
    assert "no names given" in page.inner_text("p.problem")
    shot(page, "06-dns-bulk-empty")


def test_fetch_form(page, site, upstream):
    sign_in(page, site, "/fetch/")
    page.fill("input[name=inspect]", upstream.url("/status/404"))
    page.get_by_role("button", name="Inspect", exact=True).click()
    assert page.inner_text("table.result td") == "404"
    shot(page, "07-fetch-inspect")


def test_urls_form(page, site):
    page.goto(site + "/url/")
    page.fill("form >> input[name=url]", "https://user@example.com:8443/a/b?c=d#e")
    page.get_by_role("button", name="Parse", exact=True).click()
    assert "8443" in page.inner_text("table.result")
    shot(page, "08-urls-parse")


def test_api_page_renders(page, site):
    page.goto(site + "/dns/api")
    page.wait_for_selector(".swagger-ui .opblock")
    assert "/lookup" in page.inner_text("#swagger-ui")
    shot(page, "09-api-dns")


def test_sign_out(page, site):
    sign_in(page, site, "/dns/")
    page.click("header form.logout button")
    assert "You are signed out" in page.inner_text("main")
    shot(page, "10-signed-out")
    page.goto(site + "/dns/")
    assert "/auth/login?" in page.url
