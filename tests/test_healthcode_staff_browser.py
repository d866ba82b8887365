"""The staff health-code screen on a 390 px phone, in headless Chromium: township staff
find a traveller by their ID number, read why they are yellow (every change with its
rule and inputs), and set green by hand with a reason; the page says so and the change
heads the history. Each page is checked for horizontal overflow and photographed
($SCREENSHOT_DIR)."""
import pytest
from sqlalchemy import select

from app.core.extensions import db
from app.healthcode.codes import person_hash_of
from models.healthcode import HealthCode, HealthCodeChange
from tests.filing_data import resident_id, store
from tests.test_filing_browser import CHROMIUM, browser, live_server, phone, sign_in  # noqa: F401  (fixtures)
from tests.test_traveller_browser import fits

pytestmark = pytest.mark.skipif(not __import__("os").path.exists(CHROMIUM), reason="Chromium is not installed")
REASON = "两次核酸阴性，已电话核实"


def test_staff_find_a_person_see_why_and_set_a_colour_by_hand_on_a_phone(app, live_server, phone):
    traveller = resident_id(sequence=801)
    store(app, days_ahead=1, id_number=traveller)      # from Shenzhen: yellow by the rules
    with app.app_context():
        person = person_hash_of(traveller)
        assert db.session.get(HealthCode, person).colour == "yellow"
    page = phone
    sign_in(page, live_server, "township")
    page.goto(f"{live_server}/healthcodeview/list/")
    page.wait_for_selector("#find-person")
    fits(page)
    page.shot("healthcode-staff-1-list")

    page.fill("#find-person input[name='id_number']", traveller.lower())
    page.click("#find-person button[type='submit']")
    page.wait_for_selector(".health-code-history")
    assert page.url.endswith(f"/healthcodeview/show/{person}")
    assert "黄码" in page.inner_text(".health-colour") or "黄" in page.inner_text(".health-colour")
    why = page.inner_text(".health-code-history")
    assert "省外" in why and "filing" in why           # the rule and its inputs
    fits(page)
    page.shot("healthcode-staff-2-why")

    page.select_option("select[name='colour']", "green")
    page.fill("textarea[name='reason']", REASON)
    page.click("form[action$='/set/%s'] button[type='submit']" % person)
    page.wait_for_selector(".alert-success")
    assert "绿" in page.inner_text(".health-colour")
    first_row = page.inner_text(".health-code-history tbody tr:first-child")
    assert REASON in first_row and "人工" in first_row
    fits(page)
    page.shot("healthcode-staff-3-set")

    with app.app_context():
        code = db.session.get(HealthCode, person)
        assert (code.colour, code.rule, code.manual) == ("green", "manual", True)
        change = db.session.scalars(select(HealthCodeChange).where(HealthCodeChange.person_hash == person)
                                    .order_by(HealthCodeChange.id.desc())).first()
        assert change.reason == REASON and change.changed_by_id is not None

    # Someone of another jurisdiction is not found.
    page.goto(f"{live_server}/healthcodeview/list/")
    page.fill("#find-person input[name='id_number']", resident_id(sequence=802))
    page.click("#find-person button[type='submit']")
    page.wait_for_selector(".alert")
    assert "辖区内没有" in page.inner_text("body")
