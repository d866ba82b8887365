"""Issue 14's declaration in headless Chromium on a 390 px phone: every mistake shown at
once, declaring oneself (the residence picked level by level), the code page (the colour
full width, the masked name, the QR refreshed from /healthcode/token), declaring for a
family member and switching between the two, in Chinese and in English. Each page is
checked for horizontal overflow and photographed ($SCREENSHOT_DIR)."""
import pytest

from app.core.clock import format_local
from models.base import utcnow

from tests.filing_data import resident_id
from tests.test_filing_browser import CHROMIUM, browser, live_server, phone  # noqa: F401  (fixtures)
from tests.test_traveller_browser import fits

pytestmark = pytest.mark.skipif(not __import__("os").path.exists(CHROMIUM), reason="Chromium is not installed")


def _pick_residence(page, codes):
    for level, code in enumerate(codes, start=2):
        select = page.locator(f'[data-field="residence_region_code"] select[name="_level{level}"]')
        select.wait_for()
        page.wait_for_function(
            "([level, code]) => !!document.querySelector(`select[name=_level${level}] option[value='${code}']`)",
            arg=[level, code])
        select.select_option(code)


def test_declaring_and_showing_the_code_on_a_phone(app, live_server, phone):  # noqa: F811
    from playwright.sync_api import expect

    page = phone
    page.goto(f"{live_server}/report/help")
    page.click("#help-healthcode")
    page.wait_for_selector("#declare-form")
    assert page.locator("h1").inner_text() == "健康申报"
    expect(page.locator("#proxy")).to_be_hidden()

    page.click("#submit-declaration")  # nothing filled in: every mistake at once
    page.wait_for_selector("#form-message")
    invalid = page.locator(".field.invalid")
    assert {invalid.nth(i).get_attribute("data-field") for i in range(invalid.count())} == {
        "name", "id_number", "phone", "residence_address", "commitment"}
    fits(page)
    page.shot("h1-declaration-errors")

    me = resident_id(birth="19880808")
    page.fill('input[name="name"]', "赵六")
    page.fill('input[name="id_number"]', me)
    page.fill('input[name="phone"]', "13812345678")
    _pick_residence(page, ["4101", "410105", "410105001", "410105001003"])
    page.fill('input[name="residence_address"]', "体育路1号院3号楼401")
    page.check('input[name="commitment"]')
    fits(page)
    page.shot("h2-declaration-filled")
    page.click("#submit-declaration")
    page.wait_for_selector("#code-card")
    expect(page.locator("#code-colour")).to_have_attribute("data-colour", "green")
    assert page.locator("#code-colour").inner_text().strip() == "绿码"
    assert page.locator("#code-name").inner_text() == "赵*"
    # The ticking clock is the province's time (the browser here runs in UTC).
    assert page.locator("#code-time").inner_text()[:13] == format_local(utcnow())[:13]
    assert "赵六" not in page.content() and me not in page.content()
    colour_box = page.locator("#code-colour").bounding_box()
    assert colour_box["width"] >= 390 - 2 * 16  # the colour fills the phone's width
    first_qr = page.locator("#code-qr").get_attribute("src")
    assert first_qr.startswith("data:image/svg+xml")
    fits(page)
    page.shot("h3-code-green")

    # The minute's refresh, run now: a fresh QR from the token endpoint.
    fresh = page.evaluate("""async () => {
        const card = document.getElementById('code-card');
        const answer = await fetch(card.dataset.tokenUrl, {credentials: 'same-origin'});
        return answer.json(); }""")
    assert fresh["colour"] == "green" and fresh["qr"].startswith("data:image/svg+xml") and fresh["token"]

    page.click("#declare-family")
    page.wait_for_selector("#declare-form")
    expect(page.locator("#proxy")).to_be_visible()
    page.fill('input[name="proxy_name"]', "赵六")
    page.fill('input[name="proxy_phone"]', "13812345678")
    page.select_option('select[name="proxy_relation"]', "parent")
    page.fill('input[name="name"]', "钱老七")
    page.fill('input[name="id_number"]', resident_id(birth="19440404"))
    page.fill('input[name="phone"]', "13812345678")
    page.fill('input[name="residence_address"]', "体育路1号院3号楼401")
    page.check('input[name="fever"]')
    page.check('input[name="commitment"]')
    page.shot("h4-declaration-family")
    page.click("#submit-declaration")
    page.wait_for_selector("#code-card")
    expect(page.locator("#code-colour")).to_have_attribute("data-colour", "yellow")
    assert page.locator("#code-name").inner_text() == "钱**"
    expect(page.locator("#switch-person")).to_be_visible()
    fits(page)
    page.shot("h5-code-yellow-switch")
    page.locator("#switch-person a", has_text="赵*").click()
    page.wait_for_selector("#code-card")
    expect(page.locator("#code-colour")).to_have_attribute("data-colour", "green")
    assert page.locator("#code-name").inner_text() == "赵*"

    page.click("#lang-en")  # the same person, in English
    page.wait_for_selector("#code-card")
    assert page.locator("#code-colour").inner_text().strip() == "Green"
    assert page.locator("h1, #code-name").first.inner_text() == "赵*"
    fits(page)
    page.shot("h6-code-english")


def test_a_known_person_declared_from_another_phone_waits_for_the_sms_code(app, live_server, phone):  # noqa: F811
    """The hold of app.healthcode.declarations on the phone: no colour, the masked phone on
    file and the code field; the code sent there makes the declaration take effect."""
    from playwright.sync_api import expect
    from tests.test_healthcode_public import _sms_code

    page = phone
    me = resident_id(birth="19770707")

    def fill(phone_number, fever=False):
        page.goto(f"{live_server}/healthcode/")
        page.fill('input[name="name"]', "孙八")
        page.fill('input[name="id_number"]', me)
        page.fill('input[name="phone"]', phone_number)
        page.fill('input[name="residence_address"]', "体育路1号院3号楼401")
        if fever:
            page.check('input[name="fever"]')
        page.check('input[name="commitment"]')
        page.click("#submit-declaration")

    fill("13812345678")
    page.wait_for_selector("#code-card")
    fill("13600009999", fever=True)
    page.wait_for_selector("#held-message")
    assert "138****5678" in page.locator("#held-message").inner_text()
    assert page.locator("#code-card").count() == 0 and page.locator("[data-colour]").count() == 0
    expect(page.locator('input[name="otp"]')).to_be_visible()
    fits(page)
    page.shot("h7-declaration-held")
    page.fill('input[name="otp"]', _sms_code(app))
    page.click("#submit-declaration")
    page.wait_for_selector("#code-card")
    expect(page.locator("#code-colour")).to_have_attribute("data-colour", "yellow")
