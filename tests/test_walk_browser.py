"""Issue 15's walk, as each kind of user on a 390 px phone, in Chinese and English: every
page of the role's menu (lists included, with a show page of each) is read as a person
reads it. No page overflows the phone's width (wide tables scroll inside their own box),
and no page shows raw values: True/False/None, UTC times with microseconds. Screenshots
of each role's first pages go to bench/out/walk-*.png (look at them)."""
import re
from pathlib import Path

import pytest

from tests.test_csp_browser import CHROMIUM, Visitor, browser, server  # noqa: F401  (fixtures)

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parent.parent / "bench" / "out"
PHONE = {"width": 390, "height": 844}
RAW_VALUE = {"zh": re.compile(r"(?<![\w-])(True|False|None)(?![\w-])"),
             # In English "None" is also a label (the control measure 无): only True/False are raw.
             "en": re.compile(r"(?<![\w-])(True|False)(?![\w-])")}
MICROSECONDS = re.compile(r"\d{2}:\d{2}:\d{2}\.\d{3,6}")
# What a page's text may not show (the visible text, not the HTML: hidden inputs may hold anything).
ROLES = ("officer", "township", "grid", "leader", "county", "admin")


def _problems_of(page, path, locale) -> list[str]:
    problems = []
    text = page.inner_text("body")
    for pattern, what in ((RAW_VALUE[locale[:2]], "raw value"), (MICROSECONDS, "time with microseconds")):
        for match in pattern.finditer(text):
            problems.append(f"{path}: {what} {text[max(0, match.start() - 30):match.end() + 10]!r}")
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    if overflow > 2:
        problems.append(f"{path}: the page is {overflow}px wider than the phone")
    return problems


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_each_role_on_a_phone_sees_no_raw_value_and_no_overflow(server, browser, locale):  # noqa: F811
    problems = []
    for username in ROLES:
        visitor = Visitor(browser, server, username)
        visitor.context.close()
        context = browser.new_context(viewport=PHONE, locale=locale, is_mobile=True)
        visitor.context, visitor.page = context, context.new_page()
        visitor.page.set_default_timeout(15000)
        _sign_in(visitor, username, locale)
        paths = visitor.menu()
        shows = []
        for n, path in enumerate(paths):
            visitor.open(path)
            problems += _problems_of(visitor.page, f"{username} {locale} {path}", locale)
            if n < 3:
                visitor.page.screenshot(path=str(SCREENSHOTS / f"walk-{username}-{locale[:2]}-{n}.png"), full_page=True)
            if path.endswith("/list/"):
                shows += visitor.links("a[href*='/show/']")[:1]
        for path in shows:
            visitor.open(path)
            problems += _problems_of(visitor.page, f"{username} {locale} {path}", locale)
        context.close()
    assert not problems, "\n".join(problems)


def _sign_in(visitor, username, locale):
    from tests.conftest import PASSWORD

    visitor.open("/login/")
    visitor.page.fill("input[name=username]", username)
    visitor.page.fill("input[name=password]", PASSWORD)
    visitor.page.click("input[type=submit], button[type=submit]")
    visitor.page.wait_for_load_state()
    if locale.startswith("en"):
        visitor.open("/lang/en")
