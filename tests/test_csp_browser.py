"""Every screen still works under the Content-Security-Policy, tried in headless
Chromium: the admin opens every page of the menu and a show, add and edit page of each
list; officer, township and leader every screen of their menu but the lists (the same
templates). No page may log an error or a blocked script, style, image or request.
Then the scripts still do their work (a searchable field searches and its form saves,
a chart draws, Swagger UI, the public report form and a receipt load) and a script
injected into a page does not run. The browser reaches the server as ``console.test``,
not 127.0.0.1, as it would in production (Swagger UI, for one, behaves differently on
localhost)."""
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from werkzeug.serving import make_server

from app.demo import generate_filings
from tests.conftest import PASSWORD
from tests.filing_data import store
from tests.ledger_data import make_world

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium")
HOST = "console.test"
NOT_VISITED = ("/logout", "/lang/", "/export", "/template", "/download")


@pytest.fixture
def server(app, monkeypatch):
    make_world(app)
    with app.app_context():
        generate_filings(60, seed=7)
    # Static files cached for the run (not revalidated on every page): a faster test, the
    # same pages and policy.
    monkeypatch.setitem(app.config, "SEND_FILE_MAX_AGE_DEFAULT", 3600)
    http = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=http.serve_forever, daemon=True).start()
    yield f"http://{HOST}:{http.server_port}"
    http.shutdown()


@pytest.fixture
def browser(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            f"--host-resolver-rules=MAP {HOST} 127.0.0.1"])
        yield chromium
        chromium.close()


class Visitor:
    """A signed-in browser page that remembers every console error and failed page."""

    def __init__(self, browser, base, username=None):
        self.base = base
        self.context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        self.page = self.context.new_page()
        self.page.set_default_timeout(15000)
        self.problems = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.problems.append(f"{self.page.url}: {error}"))
        self.page.on("response", lambda response: response.status >= 400 and self.problems.append(
            f"{self.page.url}: {response.status} {response.url}"))
        if username:
            self.open("/login/")
            self.page.fill("input[name=username]", username)
            self.page.fill("input[name=password]", PASSWORD)
            self.page.click("input[type=submit], button[type=submit]")
            self.page.wait_for_load_state()
            assert "/login" not in self.page.url, f"{username} could not sign in"

    def _console(self, message):
        source = message.location.get("url", "")
        if message.type == "error":  # the pages name their icon: no /favicon.ico 404 either
            self.problems.append(f"{self.page.url}: {message.text} ({source})")

    def open(self, path):
        response = self.page.goto(self.base + path)
        assert response.status < 400, f"{path}: {response.status}"
        policy = response.headers.get("content-security-policy", "")
        assert "script-src 'self'" in policy and "unsafe-inline'" not in policy.split("script-src")[1].split(";")[0], \
            f"{path}: no script policy"
        return response

    def links(self, selector):
        hrefs = self.page.eval_on_selector_all(selector, "els => els.map(e => e.getAttribute('href'))")
        paths = []
        for href in hrefs:
            parts = urlsplit(href or "")
            if parts.netloc not in ("", urlsplit(self.base).netloc) or not parts.path.startswith("/"):
                continue
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            if not any(word in path for word in NOT_VISITED) and path not in paths:
                paths.append(path)
        return paths

    def menu(self):
        self.open("/")
        return self.links(".navbar .dropdown-menu a[href], .navbar-nav > li > a[href]")


def test_every_page_works_under_the_content_security_policy(server, browser):
    visited = {}
    for username in ("admin", "officer", "township", "leader"):
        visitor = Visitor(browser, server, username)
        for path in visitor.menu():
            if username != "admin" and path.endswith("/list/"):
                continue  # the same list templates the admin saw, with fewer rows: time saved
            visitor.open(path)
            if username == "admin":  # a row of every list: its show and edit pages, and the add form
                for row_page in visitor.links("a[href*='/show/'], a[href*='/edit/'], a[href*='/add']")[:3]:
                    visitor.open(row_page)
            visited.setdefault(username, []).append(path)
        assert not visitor.problems, "\n".join(visitor.problems)
        visitor.context.close()
    assert len(visited["admin"]) > 20 and "/stats/" in visited["leader"]
    assert "/filingdesk/queue" in visited["officer"] and "/compliance/" in visited["township"]


def test_scripts_still_work_and_injected_ones_do_not_run(app, server, browser):
    created = store(app)

    admin = Visitor(browser, server, "admin")
    admin.open("/")
    ran = admin.page.evaluate("""() => {
        const script = document.createElement("script");
        script.textContent = "window.injected = true";
        document.head.appendChild(script);
        return window.injected === true;
    }""")
    assert not ran and any("Content Security Policy" in p for p in admin.problems), admin.problems
    admin.problems.clear()
    admin.open("/swagger/v1")
    admin.page.wait_for_selector("#swagger-ui .opblock")
    assert not admin.problems, "\n".join(admin.problems)

    township = Visitor(browser, server, "township")
    township.open("/gridview/add")
    township.page.click("select[name=community_code] + .select2 .select2-selection")
    township.page.fill(".select2-container--open .select2-search__field", "体育")
    township.page.click(".select2-results__option:has-text('体育社区')")
    township.page.fill("input[name=name]", "网格新建")
    township.page.click("form:not(.navbar-logout) button[type=submit], form:not(.navbar-logout) input[type=submit]")
    township.page.wait_for_load_state()
    township.open("/gridview/list/")
    assert "网格新建" in township.page.inner_text("body")
    assert not township.problems, "\n".join(township.problems)

    leader = Visitor(browser, server, "leader")
    leader.open("/stats/")
    leader.page.wait_for_selector("#chart-children .js-plotly-plot svg .bars path")
    assert not leader.problems, "\n".join(leader.problems)

    traveller = Visitor(browser, server)
    traveller.open("/report/")
    traveller.page.wait_for_selector('[data-name="origin_region_code"] select option:nth-child(2)', state="attached")
    traveller.open(f"/report/receipt/{created.receipt}#t={created.token}")
    traveller.page.wait_for_selector("#filing-card:not([hidden]) #filing-details dt")
    assert not traveller.problems, "\n".join(traveller.problems)
