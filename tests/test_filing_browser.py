"""The report form tried as a traveller would: headless Chromium on a phone-sized
screen against the running app. Skipped when Chromium is not installed.
Screenshots go to $SCREENSHOT_DIR (a temporary folder by default)."""
import datetime as dt
import os
import re
import threading
from pathlib import Path

import pytest
from sqlalchemy import select

from app.core.extensions import db
from app.core.clock import to_local
from models import Filing
from models.base import utcnow
from tests.filing_data import resident_id

CHROMIUM = "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Chromium is not installed")
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def live_server(app):
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        yield chromium
        chromium.close()


@pytest.fixture
def phone(browser, tmp_path):
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True,
                                  locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15000)
    shots = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    page.shot = lambda name: page.screenshot(path=str(shots / f"{name}.png"), full_page=True)
    yield page
    context.close()


def sign_in(page, server, username):
    """Sign in through the login page, as staff do."""
    from tests.conftest import PASSWORD

    page.goto(f"{server}/login/")
    page.fill('input[name="username"]', username)
    page.fill('input[name="password"]', PASSWORD)
    page.click('input[type="submit"], button[type="submit"]')


def _local_input(days_ahead):
    return to_local(utcnow() + dt.timedelta(days=days_ahead)).strftime("%Y-%m-%dT%H:%M")


def _choose(page, cascade, *codes):
    for level, code in enumerate(codes, start=1):
        select = page.locator(f'[data-name="{cascade}"] select').nth(level - 1)
        select.select_option(code)


def _fill_person(page, index, name, id_number, phone_number, relation=None):
    person = page.locator("#people .person").nth(index)
    if relation:
        person.locator('select[name="proxy_relation"]').select_option(relation)
    person.locator('input[name="name"]').fill(name)
    person.locator('input[name="id_number"]').fill(id_number)
    person.locator('input[name="phone"]').fill(phone_number)


def _fill_trip(page, days_ahead=5):
    _choose(page, "origin_region_code", "44", "4403", "440305")
    page.fill('input[name="origin_address"]', "南山区科技园")
    page.fill('input[name="expected_arrival_at"]', _local_input(days_ahead))
    page.select_option('select[name="transport_mode"]', "train")
    page.fill('input[name="transport_no"]', "G802")
    _choose(page, "destination_region_code", "4101", "410105", "410105001", "410105001003")
    page.fill('input[name="destination_address"]', "体育路1号院3号楼2单元401")
    page.check('input[name="commitment"]')


def test_file_get_the_receipt_edit_twice_and_be_refused_the_third_time(app, live_server, phone):
    from playwright.sync_api import expect

    page = phone
    page.goto(f"{live_server}/report/")
    assert page.locator("h1").inner_text() == "来（返）人员报备"
    _fill_person(page, 0, "张三", resident_id(), "13812345678")
    _fill_trip(page)
    page.shot("1-form-filled")
    page.click("#submit-report")
    page.wait_for_selector("#report-result:not([hidden])")
    receipt = page.locator("#receipts .receipt-code").inner_text()
    assert re.fullmatch(r"[2-9A-Z]{10}", receipt)
    page.shot("2-receipt-list")

    token = page.locator("#receipts a.button").get_attribute("href").split("#t=")[1]
    page.click("#receipts a.button")
    page.wait_for_selector("#filing-card:not([hidden])")
    assert page.locator("#receipt-code").inner_text() == receipt
    assert page.locator(".qr svg").count() == 1
    assert "剩余修改次数：2" in page.locator("#edits-left").inner_text()
    page.shot("3-receipt-page")

    for number, expected_left in (("G1", 1), ("G2", 0)):
        page.fill('#edit-form input[name="transport_no"]', number)
        page.click("#save-edit")
        # A locator, not wait_for_function's string: the page's Content-Security-Policy refuses eval.
        expect(page.locator("#edits-left")).to_contain_text(str(expected_left))
        assert page.locator("#edit-message").inner_text() == "已保存。"
    # The edits are used up: no edit form any more, the notice says why; cancelling stays.
    expect(page.locator("#edit-form")).to_be_hidden()
    assert page.locator("#no-edits").inner_text() == "该报备已没有修改次数。"
    assert page.locator("#cancel-filing").is_visible()
    # A third change sent anyway is refused by the server with the same message as before.
    third = page.request.put(f"{live_server}/api/v1/public/filings/{receipt}", data={"transport_no": "G3"},
                             headers={"X-Filing-Token": token, "Accept-Language": "zh-CN"})
    assert third.status == 409
    assert third.json()["message"] == "该报备已修改 2 次，已达上限，不能再修改。"
    page.shot("4-third-edit-refused")
    with app.app_context():
        row = db.session.execute(select(Filing).where(Filing.receipt == receipt)).scalar_one()
        assert (row.edit_count, row.transport_no, row.channel) == (2, "G2", "web")


def test_a_family_of_three(app, live_server, phone):
    page = phone
    page.goto(f"{live_server}/report/")
    page.click("#add-person")
    page.click("#add-person")
    assert page.locator("#people .person").count() == 3
    _fill_person(page, 0, "王芳", resident_id(birth="19850101"), "13800000001")
    _fill_person(page, 1, "王小明", resident_id(birth="20150601"), "13800000001", relation="child")
    _fill_person(page, 2, "李秀英", resident_id(birth="19500202"), "13800000002", relation="grandparent")
    _fill_trip(page, days_ahead=2)
    page.shot("5-family-form")
    page.click("#submit-report")
    page.wait_for_selector("#report-result:not([hidden])")
    assert page.locator("#receipts .receipt-line").count() == 3
    assert page.locator("#late-notice").is_visible()
    page.shot("6-family-receipts")
    with app.app_context():
        rows = db.session.scalars(select(Filing).order_by(Filing.id)).all()
        assert [r.name for r in rows] == ["王芳", "王小明", "李秀英"]
        assert [r.proxy_name for r in rows] == [None, "王芳", "王芳"] and len({r.batch_id for r in rows}) == 1


def test_errors_are_shown_at_their_fields(app, live_server, phone):
    page = phone
    page.goto(f"{live_server}/report/")
    _fill_person(page, 0, "张三", "410105199003071231", "12345")
    _fill_trip(page)
    page.click("#submit-report")
    page.wait_for_selector('[data-field="phone"].invalid')
    assert "身份证" in page.locator('#people [data-field="id_number"] .error').inner_text()
    assert page.locator("#form-message").is_visible()
    page.shot("7-errors")
    with app.app_context():
        assert db.session.execute(select(db.func.count()).select_from(Filing)).scalar() == 0


def test_the_english_version(app, live_server, phone):
    page = phone
    page.goto(f"{live_server}/report/")
    page.click("#lang-en")
    page.wait_for_selector("text=Report your arrival")
    assert page.locator("#add-person").inner_text() == "+ Add a family member"
    page.select_option('select[name="id_type"]', "passport")
    _fill_person(page, 0, "John Smith", "E12345678", "+44 20 7946 0958")
    page.select_option('select[name="gender"]', "male")
    page.select_option('select[name="origin_country"]', "GB")
    assert not page.locator('[data-field="origin_region_code"]').is_visible()
    page.fill('input[name="origin_address"]', "London")
    page.fill('input[name="expected_arrival_at"]', _local_input(6))
    page.select_option('select[name="transport_mode"]', "flight")
    _choose(page, "destination_region_code", "4101", "410105", "410105001", "410105001003")
    page.fill('input[name="destination_address"]', "1 Tiyu Road")
    page.click("#submit-report")  # the commitment is missing: the API answers in English
    page.wait_for_selector('[data-field="commitment"].invalid')
    assert page.locator('[data-field="commitment"] .error').inner_text() == "Please confirm the commitment."
    page.check('input[name="commitment"]')
    page.shot("8-english-form")
    page.click("#submit-report")
    page.wait_for_selector("#report-result:not([hidden])")
    assert page.locator("#report-result h2").inner_text() == "Report received"
    page.click("#receipts a.button")
    page.wait_for_selector("#filing-card:not([hidden])")
    assert "Changes left: 2" in page.locator("#edits-left").inner_text()
    assert "United Kingdom" in page.locator("#filing-details").inner_text()
    page.shot("9-english-receipt")


def test_an_officer_checks_a_filing_on_a_phone(app, live_server, phone):
    from tests.filing_data import store

    created = store(app, days_ahead=0.5, name="赵六")
    page = phone
    sign_in(page, live_server, "officer")
    page.goto(f"{live_server}/filingdesk/queue")
    item = page.locator(f'.queue-item[data-receipt="{created.receipt}"]')
    assert item.count() == 1
    page.shot("10-officer-queue")
    item.locator("a.btn-primary").click()
    page.wait_for_selector("#check-form")
    page.click('label:has(input[name="method"][value="visit"])')
    page.click('label:has(input[name="arrived"][value="1"])')
    page.check('input[name="tested"]')
    page.select_option('select[name="test_result"]', "negative")
    page.select_option('select[name="control_measure"]', "health_monitoring")
    page.fill('textarea[name="note"]', "已上门核实")
    page.shot("11-check-form")
    page.click('#check-form button[type="submit"]')
    page.wait_for_selector("#checks")
    assert "已上门核实" in page.locator("#checks").inner_text()
    assert page.locator("#filing-status").inner_text() == "已到达"
    page.shot("12-filing-page")
