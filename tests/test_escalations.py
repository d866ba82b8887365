"""Escalations with an explicit clock: a missing report goes to the township at the
deadline, to the county a step later, then the city; submitting resolves it; filings
not checked in time escalate the same way; people acknowledge and resolve what reached
them; every change notifies; the list is scoped to the region escalated to."""
import datetime as dt
import re

from sqlalchemy import func, select

from app.core import recipients
from app.reporting.escalations import escalate
from app.core.extensions import db
from app.reporting.daily_reports import submit_report
from models import Escalation, Filing, Notification
from scheduler.jobs import daily_report_job
from tests.conftest import user_id
from tests.report_fixtures import (COMMUNITIES, DAY, DUE, PREPARED_AT, add_filing, report_of,
                                   status_of)
from tests.scoping import ScopedResource, assert_scoped

A = "410105001003"
STEP = dt.timedelta(hours=4)  # ESCALATION_STEP_HOURS


def _escalations(**where):
    query = select(Escalation).where(*(getattr(Escalation, k) == v for k, v in where.items()))
    return db.session.scalars(query.order_by(Escalation.id)).all()


def _messages_to(app, username):
    return db.session.scalars(select(Notification.body).where(
        Notification.channel == "inbox", Notification.recipient == str(user_id(app, username)))).all()


def test_missing_report_goes_to_township_then_county_then_city(app):
    with app.app_context():
        daily_report_job(DAY, now=PREPARED_AT)
        assert escalate(DUE - dt.timedelta(minutes=1)).raised["township"] == 0
        run = escalate(DUE)
        assert run.raised == {"township": len(COMMUNITIES), "county": 0, "city": 0}
        report = report_of(A)
        (township,) = _escalations(subject_id=report.id, subject_type="daily_report")
        assert (township.level, township.target_region_code, township.region_code) == ("township", "410105001", A)
        assert (township.deadline_at, township.due_at, township.status) == (DUE, DUE + STEP, "open")
        # Running again at the same time raises nothing more.
        assert escalate(DUE).raised == {"township": 0, "county": 0, "city": 0}
        # The township's staff and the community's officer heard of it.
        assert any("体育社区" in body for body in _messages_to(app, "township"))
        assert _messages_to(app, "officer")
        assert not _messages_to(app, "township2") or all("体育社区" not in b for b in _messages_to(app, "township2"))

        assert escalate(DUE + STEP - dt.timedelta(minutes=1)).raised["county"] == 0
        assert escalate(DUE + STEP).raised["county"] == len(COMMUNITIES)
        levels = [(e.level, e.target_region_code, e.status) for e in
                  _escalations(subject_id=report.id, subject_type="daily_report")]
        assert levels == [("township", "410105001", "open"), ("county", "410105", "open")]
        assert any("体育社区" in body for body in _messages_to(app, "county"))

        assert escalate(DUE + 2 * STEP).raised["city"] == len(COMMUNITIES)
        assert escalate(DUE + 10 * STEP).raised == {"township": 0, "county": 0, "city": 0}

        submit_report(report.id, jurisdiction=None, now=DUE + 3 * STEP)
        assert {e.status for e in _escalations(subject_id=report.id, subject_type="daily_report")} == {"resolved"}
        assert any("已解决" in body or "resolved" in body for body in _messages_to(app, "city"))


def test_after_downtime_one_run_raises_every_level_due(app):
    with app.app_context():
        daily_report_job(DAY, now=PREPARED_AT)
        run = escalate(DUE + 2 * STEP + dt.timedelta(minutes=5))
        assert run.raised == {level: len(COMMUNITIES) for level in ("township", "county", "city")}


def test_a_resolved_township_escalation_stops_the_climb(app, api):
    with app.app_context():
        daily_report_job(DAY, now=PREPARED_AT)
        escalate(DUE)
        (township,) = _escalations(subject_id=report_of(A).id, subject_type="daily_report")
        township_id = township.id
    response = api("township").post(f"/api/v1/escalation/{township_id}/resolve", json={"note": "纸质报告已收到"})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.json["result"]["status"] == "resolved"
    with app.app_context():
        escalate(DUE + STEP)
        assert [e.level for e in _escalations(subject_id=report_of(A).id, subject_type="daily_report")] == ["township"]
        assert _escalations(subject_id=report_of("410105001006").id, subject_type="daily_report")[-1].level == "county"


def test_acknowledge_and_resolve_by_the_people_reached(app, api):
    with app.app_context():
        daily_report_job(DAY, now=PREPARED_AT)
        escalate(DUE + STEP)
        ids = {(e.region_code, e.level): e.id for e in _escalations()}
        before = db.session.scalar(select(func.count()).select_from(Notification))
    own = ids[(A, "township")]
    foreign = ids[("410105002001", "township")]
    township = api("township")
    assert township.post(f"/api/v1/escalation/{own}/acknowledge").json["result"]["status"] == "acknowledged"
    assert township.post(f"/api/v1/escalation/{own}/acknowledge").status_code == 409
    assert township.post(f"/api/v1/escalation/{foreign}/acknowledge").status_code == 404
    assert township.post(f"/api/v1/escalation/{foreign}/resolve").status_code == 404
    # The township cannot see the county's escalation; the county resolves its own and the
    # township's below it.
    assert township.get(f"/api/v1/escalation/{ids[(A, 'county')]}").status_code == 404
    assert api("county").post(f"/api/v1/escalation/{ids[(A, 'county')]}/resolve").status_code == 200
    # Officers are not reached by escalations; leaders only read them.
    assert api("officer").get("/api/v1/escalation/").status_code == 403
    assert api("leader").post(f"/api/v1/escalation/{own}/resolve").status_code == 403
    with app.app_context():
        statuses = {e.level: e.status for e in _escalations(region_code=A)}
        assert statuses == {"township": "resolved", "county": "resolved"}
        assert db.session.get(Escalation, foreign).status == "open"
        assert db.session.scalar(select(func.count()).select_from(Notification)) > before


def test_acknowledging_does_not_stop_the_clock(app, api):
    with app.app_context():
        daily_report_job(DAY, now=PREPARED_AT)
        escalate(DUE)
        own = _escalations(region_code=A)[0].id
    assert api("township").post(f"/api/v1/escalation/{own}/acknowledge").status_code == 200
    with app.app_context():
        escalate(DUE + STEP)
        assert [e.level for e in _escalations(region_code=A)] == ["township", "county"]


def test_filing_not_checked_in_time_escalates_and_a_check_resolves_it(app):
    arrival = dt.datetime(2026, 3, 5, 2, 0)
    deadline = arrival + dt.timedelta(hours=24)  # CHECK_DEADLINE_HOURS
    with app.app_context():
        filing_id = add_filing(A, arrival - dt.timedelta(days=3), expected_arrival_at=arrival)
        checked_id = add_filing(A, arrival - dt.timedelta(days=3), expected_arrival_at=arrival,
                                status="arrived", check_count=1)
        db.session.commit()
        assert escalate(deadline - dt.timedelta(minutes=1)).raised["township"] == 0
        assert escalate(deadline).raised["township"] == 1
        (escalation,) = _escalations(subject_type="filing")
        assert (escalation.subject_id, escalation.reason, escalation.target_region_code) == (
            filing_id, "check_overdue", "410105001")
        assert escalation.subject_ref == db.session.get(Filing, filing_id).receipt
        assert escalate(deadline + STEP).raised["county"] == 1
        # The officer checks it (the filing service sets the status); the next run resolves.
        db.session.execute(Filing.__table__.update().where(Filing.id == filing_id)
                           .values(status="arrived", check_count=1))
        db.session.commit()
        run = escalate(deadline + STEP + dt.timedelta(minutes=15))
        assert run.resolved == 2
        assert {e.status for e in _escalations(subject_type="filing")} == {"resolved"}
        assert {e.resolution for e in _escalations(subject_type="filing")} == {"filing_settled"}
        assert not _escalations(subject_type="filing", subject_id=checked_id)


def test_an_officers_check_resolves_the_filings_escalations_at_once(app, api):
    arrival = dt.datetime(2026, 3, 5, 2, 0)
    with app.app_context():
        filing_id = add_filing(A, arrival - dt.timedelta(days=3), expected_arrival_at=arrival)
        db.session.commit()
        escalate(arrival + dt.timedelta(hours=24) + STEP)
        assert {e.level for e in _escalations(subject_type="filing")} == {"township", "county"}
        before = len(_messages_to(app, "township"))
    response = api("officer").post(f"/api/v1/filing/{filing_id}/check", json={"method": "phone", "arrived": True})
    assert response.status_code == 200, response.json
    with app.app_context():
        escalations = _escalations(subject_type="filing")
        assert {(e.status, e.resolution) for e in escalations} == {("resolved", "filing_settled")}
        assert {e.resolved_by_id for e in escalations} == {user_id(app, "officer")}
        assert len(_messages_to(app, "township")) > before  # told now, not at the next run
        assert escalate(arrival + dt.timedelta(days=3)).resolved == 0


def test_escalations_are_scoped_to_the_region_they_reach(app, web, api):
    with app.app_context():
        daily_report_job(DAY, now=PREPARED_AT)
        escalate(DUE)
        own = _escalations(region_code=A)[0].id
        foreign = _escalations(region_code="410105002001")[0].id
    assert_scoped(web, api, ScopedResource(
        viewer="township", own_pk=own, foreign_pk=foreign,
        still_exists=lambda pk: status_of(app, Escalation, pk) == "open",
        view="/escalationview", api="/api/v1/escalation", can_write=False, can_delete=False))


def test_escalation_screen_actions(app, web):
    with app.app_context():
        daily_report_job(DAY, now=PREPARED_AT)
        escalate(DUE)
        own = _escalations(region_code=A)[0].id
        foreign = _escalations(region_code="410105002001")[0].id
    client = web("township")
    page = client.get("/escalationview/list/").get_data(as_text=True)
    assert "体育社区" in page
    response = client.post("/escalationview/action_post",
                           data={"action": "resolve_escalations", "rowid": [str(own)]})
    assert response.status_code == 302
    assert client.post("/escalationview/action_post",
                       data={"action": "resolve_escalations", "rowid": [str(foreign)]}).status_code == 404
    # A single action from the show page (POST, as FAB's button sends it).
    with app.app_context():
        other = _escalations(region_code="410105001006")[0].id
    assert client.post(f"/escalationview/action/acknowledge_escalations/{other}").status_code == 302
    statuses = [status_of(app, Escalation, pk) for pk in (own, foreign, other)]
    assert statuses == ["resolved", "open", "acknowledged"]


def test_messages_are_read_in_the_inbox(app, web):
    with app.app_context():
        daily_report_job(DAY, now=PREPARED_AT)
        escalate(DUE)
    township = web("township")
    first = township.get("/inbox/").get_data(as_text=True)
    assert "体育社区" in first and "日报告未提交" in first and 'label-warning' in first
    # Looking changes nothing (a GET never does); the page's button marks them read.
    assert 'label-warning' in township.get("/inbox/").get_data(as_text=True)
    shown = re.findall(r'name="id" value="(\d+)"', first)
    assert shown
    with app.app_context():  # a message arriving after the page was shown stays new
        recipients.send_to_accounts(db.session.connection(), "escalation",
                                    {("410105001", user_id(app, "township")): "新消息"})
        db.session.commit()
    assert township.post("/inbox/read", data={"id": shown}).status_code == 302
    page = township.get("/inbox/").get_data(as_text=True)
    assert page.count('label-warning') == 1 and "新消息" in page
    assert "体育社区" not in web("township2").get("/inbox/").get_data(as_text=True)
    assert "体育社区" in web("officer").get("/inbox/").get_data(as_text=True)
    assert web("leader").get("/inbox/").status_code in (302, 403)
