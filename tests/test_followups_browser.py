"""An officer on a 390 px phone, in headless Chromium: the start page's counts, resolving
a cross-matching finding, recording a follow-up during control (a fever: a new finding).
Each page is checked for horizontal overflow and photographed ($SCREENSHOT_DIR)."""
import datetime as dt

import pytest
from sqlalchemy import select

from app.core import identity
from app.core.clock import local_today
from app.core.extensions import db
from app.followups import service
from models.base import utcnow
from models.crossmatch import FINDING_PRIORITY, Finding
from models.followup import FollowUp
from tests.filing_data import resident_id
from tests.report_fixtures import add_filing
from tests.test_filing_browser import CHROMIUM, browser, live_server, phone, sign_in  # noqa: F401  (fixtures)
from tests.test_traveller_browser import fits

pytestmark = pytest.mark.skipif(not __import__("os").path.exists(CHROMIUM), reason="Chromium is not installed")
A = "410105001003"


def _world(app):
    """A person under home quarantine since yesterday with today's follow-up, and an open
    finding about someone else, both in the officer's community."""
    now = utcnow()
    with app.app_context():
        person = identity.protect(resident_id(sequence=41), identity.mask_id_number)
        filing_id = add_filing(A, now - dt.timedelta(days=5), name="李四", id_number_enc=person["enc"],
                               id_number_hash=person["hash"], id_number_masked=person["masked"], status="arrived",
                               arrived_at=now - dt.timedelta(days=1), control_measure="home_quarantine",
                               control_start=now - dt.timedelta(days=1), control_end=now + dt.timedelta(days=6))
        finding = Finding(kind="no_test_after_arrival", priority=FINDING_PRIORITY["no_test_after_arrival"],
                          person_hash="someone", episode="1", region_code=A, name_masked="张**",
                          id_masked="410***********1234", event_at=now - dt.timedelta(days=2), raised_at=now)
        db.session.add(finding)
        db.session.commit()
        service.generate(local_today(now), now)
        return finding.id, db.session.scalar(select(FollowUp.id).where(FollowUp.filing_id == filing_id))


def test_an_officer_resolves_a_finding_and_records_a_follow_up_on_a_phone(app, live_server, phone):
    finding_id, follow_up_id = _world(app)
    page = phone
    sign_in(page, live_server, "officer")
    page.wait_for_selector(".home-todos")
    assert "待处置比对发现" in page.inner_text(".home-todos") and "待随访" in page.inner_text(".home-todos")
    fits(page)
    page.shot("followups-1-home")

    page.goto(f"{live_server}/findingview/show/{finding_id}")
    page.wait_for_selector(".finding-resolve")
    page.select_option('select[name="outcome"]', "control_started")
    page.fill('textarea[name="note"]', "已电话联系，落实居家健康监测")
    fits(page)
    page.shot("followups-2-finding")
    page.click('.finding-resolve button[type="submit"]')
    page.wait_for_url("**/findingview/list/**")
    fits(page)
    page.shot("followups-3-resolved")

    page.goto(f"{live_server}/followups/")
    page.wait_for_selector(".follow-up")
    assert "李四" in page.inner_text(".follow-ups") and "居家隔离" in page.inner_text(".follow-ups")
    fits(page)
    page.shot("followups-4-list")
    page.click(".record-follow-up")
    page.wait_for_selector(".follow-up-record form")
    page.fill('input[name="temperature"]', "37.6")
    page.fill('input[name="symptoms"]', "咳嗽")
    page.check('input[name="tested"]')
    fits(page)
    page.shot("followups-5-record")
    page.click('.follow-up-record button[type="submit"]')
    page.wait_for_selector(".follow-ups-none")
    fits(page)
    page.shot("followups-6-done")

    with app.app_context():
        finding = db.session.get(Finding, finding_id)
        assert (finding.status, finding.outcome) == ("resolved", "control_started")
        follow_up = db.session.get(FollowUp, follow_up_id)
        assert (follow_up.status, str(follow_up.temperature), follow_up.symptoms, follow_up.tested) == (
            "done", "37.6", "咳嗽", True)
        assert db.session.scalar(select(Finding.kind).where(Finding.status == "open")) == "follow_up_symptom"
