"""Issue 15's traveller, in headless Chromium on a 390 px phone: back to one's filings
with an SMS code, the receipt SMS's link on another phone, filing for someone else,
every error at once, the destination filled in from a poster's link, the help page, and
the staff's hotline entry and poster button. Each page is checked for horizontal
overflow and photographed ($SCREENSHOT_DIR)."""
import re

import pytest
from sqlalchemy import select

from app.core.extensions import db
from models import Filing, Notification
from tests.filing_data import report, resident_id
from tests.test_filing_browser import (  # noqa: F401  (fixtures)
    CHROMIUM,
    PHONE,
    _choose,
    _fill_person,
    _fill_trip,
    _local_input,
    browser,
    live_server,
    phone,
    sign_in,
)

pytestmark = pytest.mark.skipif(not __import__("os").path.exists(CHROMIUM), reason="Chromium is not installed")
URL = "/api/v1/public/filings"


def fits(page):
    """Nothing is wider than the phone's screen."""
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width} px wide"


def _sms(app, kind):
    with app.app_context():
        return db.session.scalars(select(Notification.body).where(Notification.kind == kind)
                                  .order_by(Notification.id.desc())).first()


def test_my_filings_with_an_sms_code_view_and_cancel(app, live_server, phone):
    from playwright.sync_api import expect

    client = app.test_client()
    mother = report(name="王芳", id_number=resident_id(birth="19850101"), phone="13800000001")
    child = report(name="王小明", id_number=resident_id(birth="20150601"), phone="13800000001",
                   proxy_name="王芳", proxy_phone="13800000001", proxy_relation="child")
    assert client.post(f"{URL}/batch", json={"filings": [mother, child]}).status_code == 201
    page = phone
    page.goto(f"{live_server}/report/")
    page.click("#nav-mine")
    page.wait_for_selector("#mine-form")
    assert page.locator("h1").inner_text() == "我的报备"
    page.fill('#mine-form input[name="id_number"]', mother["id_number"])
    page.fill('#mine-form input[name="phone"]', "13800000001")
    page.click("#send-code")
    expect(page.locator("#otp-field")).to_be_visible()
    assert "验证码" in page.locator("#mine-message").inner_text()
    fits(page)
    page.shot("t1-mine-code-sent")
    code = re.search(r"\b(\d{6})\b", _sms(app, "code")).group(1)
    page.fill('#mine-form input[name="otp"]', "000000" if code != "000000" else "111111")
    page.click("#open-mine")
    expect(page.locator('[data-field="otp"] .error')).to_contain_text("验证码错误")
    page.fill('#mine-form input[name="otp"]', code)
    page.click("#open-mine")
    page.wait_for_selector("#mine-list:not([hidden])")
    items = page.locator(".mine-item")
    assert items.count() == 2
    text = page.locator("#mine-items").inner_text()
    assert "王芳" in text and "王小明" in text and "代报：子女" in text and "本人" in text
    fits(page)
    page.shot("t2-mine-list")

    kid = page.locator(".mine-item", has_text="王小明")
    page.once("dialog", lambda dialog: dialog.accept())
    kid.locator("button.cancel").click()
    expect(kid.locator(".status")).to_have_text("已取消")
    assert kid.locator("a.edit").count() == 0 and "剩余修改次数" not in kid.inner_text()
    page.shot("t3-mine-cancelled")
    with app.app_context():
        statuses = dict(db.session.execute(select(Filing.name, Filing.status)).all())
    assert statuses == {"王芳": "submitted", "王小明": "cancelled"}

    page.locator(".mine-item", has_text="王芳").locator("a.edit").click()
    page.wait_for_selector("#filing-card:not([hidden])")
    assert page.locator("#edit-form").is_visible() and "王芳" in page.locator("#filing-details").inner_text()
    fits(page)
    page.shot("t4-mine-opens-the-filing")


def test_the_receipt_sms_link_opens_the_filing_on_another_phone(app, live_server, phone):
    client = app.test_client()  # filed elsewhere: this phone has never seen the filing's secret
    created = client.post(URL, json=report(phone="13811112222")).json
    link = re.search(r"/report/receipt/\S+", _sms(app, "receipt")).group(0)
    assert "#t=l." in link and created["token"] not in link
    page = phone
    page.goto(live_server + link)
    page.wait_for_selector("#filing-card:not([hidden])")
    assert page.locator("#edit-form").is_visible() and page.locator("#cancel-filing").is_visible()
    fits(page)
    page.shot("t5-sms-link")
    # Cancelled: the receipt page shows no edit form and no cancel button.
    client.delete(f"{URL}/{created['receipt']}", headers={"X-Filing-Token": created["token"]})
    page.reload()
    page.wait_for_selector("#filing-card:not([hidden])")
    assert page.locator("#receipt-status").inner_text() == "已取消"
    assert not page.locator("#edit-form").is_visible() and not page.locator("#cancel-filing").is_visible()
    page.shot("t6-cancelled-no-form")


def test_filing_for_an_elderly_parent_without_travelling(app, live_server, phone):
    page = phone
    page.goto(f"{live_server}/report/")
    page.check("#for-others")
    assert page.locator("#filer").is_visible()
    assert page.locator("#people .person .relation").first.is_visible()
    assert page.locator("#people .person-title").first.inner_text() == "出行人 1"
    page.fill('#filer input[name="proxy_name"]', "李明")
    page.fill('#filer input[name="proxy_phone"]', "13700001111")
    _fill_person(page, 0, "李大爷", resident_id(birth="19480303"), "13600002222", relation="parent")
    _fill_trip(page)
    fits(page)
    page.shot("t7-for-someone-else")
    page.click("#submit-report")
    page.wait_for_selector("#report-result:not([hidden])")
    with app.app_context():
        row = db.session.scalars(select(Filing)).one()
    assert (row.name, row.proxy_name, row.proxy_relation, row.proxy_phone_masked) == (
        "李大爷", "李明", "parent", "137****1111")


def test_every_error_at_once_and_too_long_is_said(app, live_server, phone):
    from playwright.sync_api import expect

    page = phone
    page.goto(f"{live_server}/report/")
    long_name = "欧阳" * 30  # 60 characters: the field takes them all, the server says too long
    _fill_person(page, 0, long_name, resident_id(), "13812345678")
    page.fill('input[name="expected_arrival_at"]', "")
    page.click("#submit-report")
    expect(page.locator('#people [data-field="name"] .error')).to_contain_text("太长")
    assert page.locator('#people input[name="name"]').input_value() == long_name
    for field in ("origin_region_code", "commitment", "expected_arrival_at", "transport_mode",
                  "destination_region_code", "destination_address"):
        assert page.locator(f'[data-field="{field}"]').first.get_attribute("class").count("invalid"), field
    fits(page)
    page.shot("t8-every-error")


def test_a_posters_link_fills_the_destination_in(app, live_server, phone):
    page = phone
    page.goto(f"{live_server}/report/?to=410105001003")
    from playwright.sync_api import expect

    expect(page.locator('input[name="destination_region_code"]')).to_have_value("410105001003")
    assert "体育社区" in page.locator("#destination-preset").inner_text()
    fits(page)
    page.shot("t9-poster-link")


def test_the_help_page_in_both_languages(app, live_server, phone):
    page = phone
    page.goto(f"{live_server}/report/help")
    assert page.locator("#help-steps li").count() == 5 and "12345" in page.locator("#help-hotline").inner_text()
    assert page.locator("h1").inner_text() == "来（返）人员报备须知"
    fits(page)
    page.shot("t10-help-zh")
    page.click("#lang-en")
    page.wait_for_selector("text=How arrival reporting works")
    assert page.locator("#nav-mine").inner_text() == "My filings"
    fits(page)
    page.shot("t11-help-en")
    page.click("#nav-mine")
    page.wait_for_selector("#mine-form")
    assert page.locator("#send-code").inner_text() == "Send me a code by SMS"
    fits(page)
    page.shot("t11b-mine-en")


def test_staff_enter_a_hotline_call_and_print_a_poster(app, live_server, phone):
    page = phone
    sign_in(page, live_server, "officer")
    page.goto(f"{live_server}/filingentry/paper")
    page.click('#channel-choice a[data-channel="hotline"]')
    page.wait_for_selector("text=录入热线来电")
    _fill_person(page, 0, "赵四", resident_id(), "13912340000")
    _choose(page, "origin_region_code", "44", "4403", "440305")
    page.fill('input[name="expected_arrival_at"]', _local_input(5))
    page.select_option('select[name="transport_mode"]', "car")
    page.fill('input[name="destination_address"]', "体育路2号")  # the officer's own community: fixed
    page.check('input[name="commitment"]')
    page.shot("t12-hotline-entry")
    page.click("#submit-report")
    page.wait_for_selector("#report-result:not([hidden])")
    with app.app_context():
        assert db.session.scalars(select(Filing.channel)).one() == "hotline"
    page.goto(f"{live_server}/regionview/list/")
    link = page.locator("a.poster-link")
    assert link.count() == 1 and "海报和明白纸" in link.inner_text()
    page.shot("t13-regions-poster-button")
    answer = page.request.get(live_server + link.get_attribute("href"))
    assert answer.status == 200 and answer.headers["content-type"] == "application/pdf"
