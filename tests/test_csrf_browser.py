"""The console under CSRF protection, in headless Chromium: township staff delete a row
from a list and run actions (from a list and from a show page), and an officer enters a
paper form (a script writing through the API with the session); each request carries
the page's token, and each one acts. Skipped when Chromium is not installed."""
import datetime as dt
import os

import pytest
from sqlalchemy import select

from app.core.clock import to_local
from app.reporting.escalations import escalate
from app.core.extensions import db
from models import Escalation, Filing
from models.base import utcnow
from models.ledger import Grid
from scheduler.jobs import daily_report_job
from tests.conftest import PASSWORD
from tests.filing_data import OWN_COMMUNITY, resident_id
from tests.ledger_data import save
from tests.report_fixtures import DAY, DUE, PREPARED_AT
from tests.test_filing_browser import CHROMIUM, browser, live_server  # noqa: F401  (fixtures)

pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Chromium is not installed")


def signed_in(browser, live_server, username):
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page.set_default_timeout(15000)
    page.goto(f"{live_server}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("input[type=submit], button[type=submit]")
    page.wait_for_url(f"{live_server}/")
    return page


def _escalations(app):
    with app.app_context():
        return {e.region_code: (e.id, e.status) for e in db.session.scalars(
            select(Escalation).where(Escalation.target_region_code == "410105001"))}


def click_and_post(page, selector, path):
    """Click, and wait for the answer to the POST to ``path`` the click sends (a link's
    "#" is a navigation of its own, so waiting for one would not do)."""
    with page.expect_response(lambda r: r.request.method == "POST" and path in r.url) as posted:
        page.click(selector)
    assert posted.value.status == 302  # done, back to the page; a refused token answers 400


def test_township_deletes_a_row_and_runs_actions(app, live_server, browser):
    with app.app_context():
        daily_report_job(DAY, now=PREPARED_AT)
        escalate(DUE)
        gone = save(Grid(community_code=OWN_COMMUNITY, name="网格删"))
        save(Grid(community_code=OWN_COMMUNITY, name="网格留"))
        db.session.commit()
        gone_id = gone.id
    page = signed_in(browser, live_server, "township")

    page.goto(f"{live_server}/gridview/list/")
    page.click(f'[id="btn-delete-/gridview/delete/{gone_id}"]')
    click_and_post(page, "#modal-confirm-ok", f"/gridview/delete/{gone_id}")
    with app.app_context():
        assert [g.name for g in db.session.scalars(select(Grid))] == ["网格留"]

    # An action on the rows ticked in a list (with its confirmation) ...
    escalations = _escalations(app)
    own, other = escalations[OWN_COMMUNITY][0], escalations["410105001006"][0]
    page.goto(f"{live_server}/escalationview/list/?psize_EscalationView=100")
    page.check(f'input.action_check[value="{own}"]')
    page.click("button.dropdown-toggle:has-text('操作')")
    page.click(".resolve_escalations_menu_item")
    click_and_post(page, "#modal-confirm-ok", "/escalationview/action_post")
    # ... and one from a row's show page.
    page.goto(f"{live_server}/escalationview/show/{other}")
    click_and_post(page, '[id="btn-action-EscalationView.action-acknowledge_escalations"]',
                   f"/escalationview/action/acknowledge_escalations/{other}")
    after = _escalations(app)
    assert after[OWN_COMMUNITY][1] == "resolved" and after["410105001006"][1] == "acknowledged"
    page.close()


def test_an_officer_enters_a_paper_form(app, live_server, browser):
    page = signed_in(browser, live_server, "officer")
    page.goto(f"{live_server}/filingentry/paper")
    person = page.locator("#people .person").nth(0)
    person.locator('input[name="name"]').fill("纸质甲")
    person.locator('input[name="id_number"]').fill(resident_id())
    person.locator('input[name="phone"]').fill("13812340000")
    for level, code in enumerate(("44", "4403", "440305")):
        page.locator('[data-name="origin_region_code"] select').nth(level).select_option(code)
    arrival = to_local(utcnow() + dt.timedelta(days=5)).strftime("%Y-%m-%dT%H:%M")
    page.fill('input[name="expected_arrival_at"]', arrival)
    page.select_option('select[name="transport_mode"]', "train")
    page.fill('input[name="destination_address"]', "体育路2号")
    page.check('input[name="commitment"]')
    page.click("#submit-report")
    page.wait_for_selector("#receipts a")
    with app.app_context():
        (channel,) = db.session.scalars(select(Filing.channel).where(Filing.name == "纸质甲")).all()
    assert channel == "paper"
    page.close()
