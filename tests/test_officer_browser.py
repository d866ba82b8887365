"""The officer's day tried in headless Chromium on a 390 px phone: the start page with
the role's to-dos, the menu in the order of the role's work, tap to call from the queue
and the filing page, and the filing page's checks table on the phone.
Screenshots go to bench/out/ (look at them)."""
import datetime as dt
from pathlib import Path

import pytest

from app.core.extensions import db
from app.reporting import daily_reports
from models.base import utcnow
from models.reporting import Escalation
from tests.conftest import PASSWORD
from tests.daily_reports import add_report
from tests.filing_writes import create_filing
from tests.test_filing_browser import live_server  # noqa: F401  (fixture: the app served on a port)

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parent.parent / "bench" / "out"
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium")
PHONE = {"width": 390, "height": 844}
COMMUNITY, TOWNSHIP = "410105001003", "410105001"


@pytest.fixture
def server(live_server):
    return live_server


@pytest.fixture
def phone_page():
    from playwright.sync_api import sync_playwright

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM),
                                    args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True,
                                      locale="zh-CN")
        page = context.new_page()
        page.set_default_timeout(15000)
        yield page
        browser.close()


def sign_in(page, server, username):
    page.context.clear_cookies()
    page.goto(f"{server}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("input[type=submit], button[type=submit]")
    page.wait_for_url(f"{server}/")


def _officer_world(app):
    """Two open filings of the officer's community (one overdue), today's report not yet
    submitted, and two escalations that reached the township (one acknowledged already)."""
    now = utcnow()
    with app.app_context():
        overdue = create_filing(expected_arrival_at=now - dt.timedelta(days=3), phone_enc=None)
        later = create_filing(expected_arrival_at=now + dt.timedelta(days=4))
        add_report(COMMUNITY, daily_reports.default_report_date(now))
        db.session.add(Escalation(level="township", reason="check_overdue", subject_type="filing",
                                  subject_id=overdue["id"], subject_ref=overdue["receipt"], region_code=COMMUNITY,
                                  target_region_code=TOWNSHIP, deadline_at=now - dt.timedelta(days=2),
                                  raised_at=now - dt.timedelta(days=1), due_at=now + dt.timedelta(hours=3)))
        db.session.add(Escalation(level="township", reason="check_overdue", subject_type="filing",
                                  subject_id=later["id"], subject_ref=later["receipt"], region_code=COMMUNITY,
                                  target_region_code=TOWNSHIP, deadline_at=now - dt.timedelta(days=2),
                                  raised_at=now - dt.timedelta(days=1), status="acknowledged"))
        db.session.commit()
        return overdue, later


def _todo_counts(page) -> dict:
    return {box.get_attribute("id")[len("todo-"):]: int(box.locator(".home-todo-count").inner_text())
            for box in page.locator(".home-todo").all()}


def _menu_categories(page) -> list[str]:
    return [text.strip() for text in page.locator(".navbar-nav > li.dropdown > a").all_text_contents()]


def test_each_role_lands_on_its_todos_and_its_menu(app, server, phone_page):
    _officer_world(app)
    page = phone_page
    sign_in(page, server, "officer")
    page.screenshot(path=str(SCREENSHOTS / "officer-home.png"), full_page=True)
    assert _todo_counts(page) == {"awaiting_check": 2, "overdue_check": 1, "daily_report": 1,
                                  "findings": 0, "follow_ups": 0}
    assert "待核查" in page.inner_text("#todo-awaiting_check") and "超期" in page.inner_text("#todo-overdue_check")
    menu = _menu_categories(page)
    assert menu[:10] == ["报备", "管控随访", "日报告", "数据比对", "健康码", "台账", "场所码", "统计分析", "系统", "用户权限"], menu
    page.click("#todo-overdue_check")
    page.wait_for_url("**/filingdesk/queue?bucket=overdue")
    page.wait_for_selector(".queue-item")
    assert page.locator(".queue-item").count() == 1

    sign_in(page, server, "township")
    page.screenshot(path=str(SCREENSHOTS / "township-home.png"), full_page=True)
    counts = _todo_counts(page)
    assert counts["escalations"] == 1 and counts["awaiting_check"] == 2 and counts["daily_report"] == 1
    page.click("#todo-escalations")
    page.screenshot(path=str(SCREENSHOTS / "township-escalations.png"), full_page=True)
    assert page.locator("input[name=rowid]").count() == 1   # the acknowledged one is not listed

    sign_in(page, server, "leader")
    assert _menu_categories(page)[0] == "统计分析"
    assert "awaiting_check" not in _todo_counts(page)


def _unmasked(app) -> list:
    from models import AuditLog
    import json

    with app.app_context():
        return [(entry.username, json.loads(entry.changes)["fields"])
                for entry in db.session.query(AuditLog).filter(AuditLog.action == "unmask").order_by(AuditLog.id)]


def _tap_to_call(page, link) -> str:
    """Tap a call button; the answer sends the browser to the dialler (``tel:``): where
    it sends it is read off the answer on its way to the page."""
    answers = []

    def watch(route):
        answer = route.fetch(max_redirects=0)
        answers.append(answer)
        route.fulfill(response=answer)

    page.route("**/call", watch)
    link.click()
    for _ in range(100):   # until the answer came (the page itself does not change)
        if answers:
            break
        page.wait_for_timeout(50)
    page.unroute("**/call")
    assert [answer.status for answer in answers] == [303]
    return answers[0].headers["location"]


def test_tap_to_call_from_the_queue_and_the_filing_page(app, server, phone_page):
    with app.app_context():
        filing = create_filing(expected_arrival_at=utcnow() + dt.timedelta(hours=5))
        db.session.commit()
    page = phone_page
    sign_in(page, server, "officer")
    page.goto(f"{server}/filingdesk/queue?bucket=due")
    call = page.locator(f'.queue-item[data-receipt="{filing["receipt"]}"] .call-link')
    assert filing["phone_masked"] in call.inner_text() and "拨打" in call.inner_text()
    page.screenshot(path=str(SCREENSHOTS / "officer-queue-call.png"), full_page=True)
    from app.core import identity
    with app.app_context():
        number = identity.decrypt(filing["phone_enc"])
    assert _tap_to_call(page, call) == f"tel:{number}"
    assert _unmasked(app) == [("officer", ["phone"])]

    page.goto(f"{server}/filingview/show/{filing['id']}")
    assert _tap_to_call(page, page.locator("#phone .call-link")) == f"tel:{number}"
    assert len(_unmasked(app)) == 2
    # No call button for a role that may not unmask; its masked number stays as it is.
    sign_in(page, server, "grid")
    page.goto(f"{server}/filingview/show/{filing['id']}")
    assert page.locator(".call-link").count() == 0 and filing["phone_masked"] in page.inner_text("#phone")


def _checked_filing(app) -> dict:
    """A filing of the officer's community with a full check (every column of the table)."""
    from app.filings import service as filings
    from tests.filing_data import iso, store

    now = utcnow()
    created = store(app)
    hour_ago = iso(now - dt.timedelta(hours=1))
    with app.test_request_context():
        with db.engine.begin() as conn:
            filings.record_check(conn, created.id, {
                "method": "visit", "arrived": True, "arrived_at": hour_ago, "tested": True, "test_at": hour_ago,
                "test_result": "negative", "control_measure": "home_quarantine", "control_start": hour_ago,
                "control_end": iso(now + dt.timedelta(days=7)),
                "note": "上门核查，本人在家，已告知居家观察要求并留下联系电话，社区每日随访两次"}, now=now, jurisdiction=None)
    return created


def test_the_checks_table_fits_a_phone(app, server, phone_page):
    created = _checked_filing(app)
    page = phone_page
    sign_in(page, server, "officer")
    page.goto(f"{server}/filingview/show/{created.id}")
    page.locator("#checks").scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / "filing-checks-phone.png"), full_page=True)
    table = page.locator("#checks").bounding_box()
    assert table["x"] >= 0 and table["x"] + table["width"] <= PHONE["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert "居家隔离" in page.inner_text("#checks")
    # Each line says what it is (the header row is hidden on a phone).
    assert page.locator("#checks tr.stacked-head").is_hidden()
    assert page.locator("#checks td[data-label]").nth(2).get_attribute("data-label") == "核查方式"


def test_words_and_times_as_people_read_them(app, server, phone_page):
    """Escalations 待处理, messages 未读 (not 新报备), dialogs in Chinese, refusals named by
    community and reason (no codes), the audit log in local time to the minute."""
    import re

    from app.core.outbox import notification_values
    from models import Notification
    from tests.conftest import user_id

    _officer_world(app)
    with app.app_context():
        db.session.add(Notification(**notification_values("escalation", "体育社区 昨日日报未提交",
                                                          region_code=COMMUNITY, user_id=user_id(app, "officer"))))
        db.session.commit()
    page = phone_page
    sign_in(page, server, "officer")
    page.goto(f"{server}/inbox/")
    assert page.inner_text(".inbox .label") == "未读"
    page.screenshot(path=str(SCREENSHOTS / "officer-messages.png"), full_page=True)

    sign_in(page, server, "township")
    page.goto(f"{server}/escalationview/list/")
    rows = page.locator("table tr").all_inner_texts()
    assert any("待处理" in row for row in rows) and not any("打开" in row for row in rows)
    # Acknowledge both: the one acknowledged already is refused, named as people name it.
    page.locator("input[name=rowid]").nth(0).check()
    page.locator("input[name=rowid]").nth(1).check()
    page.click("text=操作")
    page.click("text=解决")
    dialog = page.locator("#modal-confirm")
    dialog.wait_for(state="visible")
    assert dialog.locator(".modal-footer").inner_text().split() == ["取消", "确定"]
    page.screenshot(path=str(SCREENSHOTS / "confirm-dialog.png"))
    dialog.locator("text=取消").click()
    dialog.wait_for(state="hidden")
    page.click("text=操作")
    page.click("text=签收")
    flashes = page.inner_text(".alert-warning")
    assert "体育社区" in flashes and "报备未按时核查" in flashes, flashes
    assert not re.search(r"township|check_overdue|410105", flashes), flashes

    sign_in(page, server, "officer")
    with app.app_context():
        from app.core import audit
        audit.record(db.session, "unmask", "Filing", 1, COMMUNITY, {"fields": ["phone"]})
        db.session.commit()
    page.goto(f"{server}/auditlogview/list/")
    page.screenshot(path=str(SCREENSHOTS / "audit-log.png"), full_page=True)
    header = page.locator("table tr").first.inner_text()
    assert "UTC" not in header
    listed = page.inner_text("body")
    assert "查看明文号码" in listed and "unmask" not in listed
    times = re.findall(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}(?::\d{2})?(?:\.\d+)?", listed)
    assert times and all(re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", t) for t in times), times
