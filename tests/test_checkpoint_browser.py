"""A checkpoint on a 390 px phone, in headless Chromium: the receipt of a traveller bound
for another city typed as a hardware scanner types it (the colour large, the masked name,
the destination), then someone without a filing (the paper form on the spot, opened at
the province). Each page is checked for horizontal overflow and photographed ($SCREENSHOT_DIR)."""
import pytest
from sqlalchemy import select

from app.core.extensions import db
from models.checkpoint import Checkpoint, CheckpointPass
from models.user import ConsoleUser
from tests.filing_data import resident_id, store
from tests.test_filing_browser import CHROMIUM, browser, live_server, phone, sign_in  # noqa: F401  (fixtures)
from tests.test_traveller_browser import fits

pytestmark = pytest.mark.skipif(not __import__("os").path.exists(CHROMIUM), reason="Chromium is not installed")


def _world(app):
    created = store(app, days_ahead=1, destination_region_code="410202001009")
    with app.app_context():
        site = Checkpoint(name="郑州东站", kind="railway", region_code="410105", active=True)
        site.staff = [db.session.scalar(select(ConsoleUser).where(ConsoleUser.username == "checkpoint"))]
        db.session.add(site)
        db.session.commit()
    return created


def test_a_checkpoint_scans_a_receipt_and_an_unfiled_traveller_on_a_phone(app, live_server, phone):
    created = _world(app)
    page = phone
    sign_in(page, live_server, "checkpoint")
    page.goto(f"{live_server}/checkpoint/")
    page.wait_for_selector("#scanned")
    assert "郑州东站" in page.inner_text(".checkpoint-name")
    fits(page)
    page.shot("checkpoint-1-desk")

    # A hardware scanner types the receipt QR's text and an Enter.
    page.fill("#scanned", f"{live_server}/report/receipt/{created.receipt}")
    page.press("#scanned", "Enter")
    page.wait_for_selector("#checkpoint-result")
    result = page.inner_text("#checkpoint-result")
    assert "张**" in result and "南京巷社区" in result and "已登记通行" in result
    assert "colour-yellow" in page.get_attribute("#checkpoint-result", "class")  # from outside the province
    fits(page)
    page.shot("checkpoint-2-found")

    page.check('input[name="direction"][value="in"]')
    page.fill("#scanned", resident_id(sequence=611))
    page.click(".look-up")
    page.wait_for_selector(".paper-form")
    assert "未报备" in page.inner_text("#checkpoint-result")
    fits(page)
    page.shot("checkpoint-3-no-filing")
    page.click(".paper-form")
    page.wait_for_selector(".paper-entry")
    assert page.locator(".channel-choice li.active").inner_text().strip() == "卡口"
    fits(page)
    page.shot("checkpoint-4-paper-form")

    with app.app_context():
        logged = db.session.scalars(select(CheckpointPass).order_by(CheckpointPass.id)).all()
        assert [(p.filing_id, p.without_filing) for p in logged] == [(created.id, False), (None, True)]
