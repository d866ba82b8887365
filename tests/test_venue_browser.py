"""A venue scan on a 390 px phone in headless Chromium: the first time with the ID
number and phone (then remembered), the colour full screen for the doorkeeper: red
refused at a shop and admitted at a hospital, a family member's green in English.
Each screen is checked for horizontal overflow and photographed ($SCREENSHOT_DIR)."""
import datetime as dt

import pytest

from app.core.extensions import db
from app.core.identity import lookup_hash
from app.healthcode.codes import person_hash_of, record_colour
from models.base import utcnow
from models.healthcode import HealthDeclaration
from tests.filing_data import resident_id
from tests.test_filing_browser import CHROMIUM, browser, live_server, phone  # noqa: F401  (fixtures)
from tests.test_traveller_browser import fits
from tests.test_venues import make_venue

pytestmark = pytest.mark.skipif(not __import__("os").path.exists(CHROMIUM), reason="Chromium is not installed")
PHONE_NUMBER = "13912345678"


def declared(app, id_number, name, colour):
    with app.app_context():
        person = person_hash_of(id_number)
        db.session.add(HealthDeclaration(
            person_hash=person, name=name, id_number_enc="x", id_number_masked="x", phone_enc="x",
            phone_hash=lookup_hash(PHONE_NUMBER), phone_masked="x", declarant_phone_hash="p",
            fever=False, cough=False, declared_at=utcnow()))
        record_colour(person, colour, "manual", utcnow() - dt.timedelta(hours=1))
        db.session.commit()


def first_time(page, id_number):
    page.fill("#id_number", id_number)
    page.fill("#phone", PHONE_NUMBER)
    page.click('#identify-form button[type="submit"]')


def test_a_venue_scan_on_a_phone(app, live_server, phone):
    from playwright.sync_api import expect

    shop, hospital = make_venue(app)["code"], make_venue(app, name="人民医院", type_="hospital")["code"]
    sick, child = resident_id(sequence=51), resident_id(sequence=52)
    declared(app, sick, "张三", "red")
    declared(app, child, "张小明", "green")
    page = phone
    page.goto(f"{live_server}/v/{shop}")
    assert page.locator("#venue-name").inner_text() == "惠民超市"
    assert page.locator(".scan-person").count() == 0
    fits(page)
    page.shot("v1-first-time")
    first_time(page, sick)
    screen = page.locator("#scan-screen")
    expect(screen).to_be_visible()
    expect(screen).to_have_class("scan-screen red refused")
    assert page.locator("#scan-colour").inner_text() == "红码"
    assert page.locator("#scan-verdict").inner_text() == "禁止进入"
    assert page.locator("#scan-name").inner_text() == "张*"
    expect(page.locator("#scan-clock")).to_have_text(__import__("re").compile(r"\d{2}:\d{2}:\d{2}$"))
    fits(page)
    page.shot("v2-red-refused-at-a-shop")

    page.goto(f"{live_server}/v/{hospital}")  # the phone remembers them: one tap
    page.locator(".scan-person", has_text="张*").click()
    expect(screen).to_have_class("scan-screen red admitted")
    assert "发热门诊" in page.locator("#scan-verdict").inner_text()
    page.shot("v3-red-admitted-at-a-hospital")
    page.click("#scan-close")
    expect(screen).to_be_hidden()

    page.goto(f"{live_server}/v/{shop}?lang=en")
    first_time(page, child)  # a family member on the same phone
    expect(screen).to_have_class("scan-screen green admitted")
    assert page.locator("#scan-colour").inner_text() == "Green"
    assert page.locator("#scan-verdict").inner_text() == "Enter"
    fits(page)
    page.shot("v4-green-in-english")
    page.click("#scan-close")
    assert page.locator(".scan-person").count() == 2
    assert "Who is entering?" in page.locator("#people").inner_text()
    page.shot("v5-two-people-on-the-phone")
