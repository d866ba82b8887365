"""Daily and zero reports: prepared for every community with the counts of a hand-made
day, idempotent, submitted (on time, late, zero), scoped, and the compliance views."""
import datetime as dt

import pytest
from sqlalchemy import func, select

from app.core.extensions import db
from app.reporting.compliance import compliance
from app.reporting.daily_reports import submit_report
from models import DailyReport, Escalation
from scheduler.jobs import daily_report_job
from tests.conftest import user_id
from tests.report_fixtures import (COMMUNITIES, DAY, DUE, PREPARED_AT, add_check, add_filing,
                                   add_transfer, local, report_of, status_of)
from tests.scoping import ScopedResource, assert_scoped

A, B, C = "410105001003", "410105001006", "410105001007"
COUNTS = ("new_filings", "arrivals", "checks", "risk_area_arrivals", "under_control")


def make_day():
    """The hand-made day (see each line); returns nothing, the expectations are below."""
    previous = DAY - dt.timedelta(days=1)
    # A: filed this morning, arrived in the evening from a risk area, checked, home quarantine.
    f1 = add_filing(A, local(9), arrived_at=local(20), status="arrived", risk_area_14d=True,
                    control_measure="home_quarantine", control_start=local(21), check_count=1)
    add_check(f1, A, local(21))
    add_filing(A, local(23.5))                     # 23:30 local: still this day
    add_filing(A, local(0.5, DAY + dt.timedelta(days=1)))   # 00:30 the next day: not
    # A: filed yesterday, arrived this morning, checked twice (one filing), control ended at noon.
    f4 = add_filing(A, local(10, previous), arrived_at=local(8), status="arrived",
                    control_measure="health_monitoring", control_start=local(8, previous),
                    control_end=local(12), check_count=2)
    add_check(f4, A, local(9))
    add_check(f4, A, local(15))
    add_check(f4, A, local(2, previous))           # yesterday's check is not today's
    # B routes one filing today and transfers it to C; C also receives yesterday's filing of B.
    f6 = add_filing(B, local(10))
    add_transfer(f6, B, C, local(14))
    f7 = add_filing(B, local(10, previous))
    add_transfer(f7, B, C, local(11))
    # C: under central quarantine since three days, until next week.
    add_filing(C, local(10, DAY - dt.timedelta(days=4)), control_measure="central_quarantine",
               control_start=local(0, DAY - dt.timedelta(days=3)),
               control_end=local(0, DAY + dt.timedelta(days=5)), status="arrived")
    # Elsewhere: a "none" measure and a cancelled filing under control count for nothing.
    add_filing("410202001009", local(10, previous), control_measure="none", status="arrived")
    add_filing("410202001009", local(10, previous), control_measure="home_quarantine",
               status="cancelled")
    db.session.commit()


EXPECTED = {
    A: dict(new_filings=2, arrivals=2, checks=2, risk_area_arrivals=1, under_control=1),
    B: dict(new_filings=1, arrivals=0, checks=0, risk_area_arrivals=0, under_control=0),
    C: dict(new_filings=2, arrivals=0, checks=0, risk_area_arrivals=0, under_control=1),
}


def _counts(report):
    return {name: getattr(report, name) for name in COUNTS}


def test_reports_for_every_community_with_the_day_counts(app):
    with app.app_context():
        make_day()
        assert daily_report_job(DAY, now=PREPARED_AT) == len(COMMUNITIES)
        for community in COMMUNITIES:
            report = report_of(community)
            expected = EXPECTED.get(community, dict.fromkeys(COUNTS, 0))
            assert _counts(report) == expected, community
            assert report.zero_report == (community not in EXPECTED)
            assert (report.status, report.late, report.due_at) == ("prepared", False, DUE)


def test_running_twice_creates_no_duplicates(app):
    with app.app_context():
        make_day()
        daily_report_job(DAY, now=PREPARED_AT)
        before = {r.region_code: _counts(r) for r in db.session.scalars(select(DailyReport))}
        add_filing(A, local(12))                   # late data does not rewrite a prepared report
        db.session.commit()
        assert daily_report_job(DAY, now=PREPARED_AT + dt.timedelta(hours=1)) == 0
        after = {r.region_code: _counts(r) for r in db.session.scalars(select(DailyReport))}
        assert after == before and len(after) == len(COMMUNITIES)


def test_submitting_on_time_and_late(app):
    with app.app_context():
        daily_report_job(DAY, now=PREPARED_AT)
        on_time = submit_report(report_of(A).id, jurisdiction=None, note="无异常", now=DUE - dt.timedelta(minutes=1))
        assert (on_time.status, on_time.late, on_time.note) == ("submitted", False, "无异常")
        late = submit_report(report_of(B).id, jurisdiction=None, now=DUE + dt.timedelta(minutes=1))
        assert (late.status, late.late) == ("submitted", True)
        from app.core.errors import Conflict

        with pytest.raises(Conflict):
            submit_report(report_of(A).id, jurisdiction=None, now=DUE)


def test_officer_submits_a_zero_report_through_the_api(app, api):
    with app.app_context():
        daily_report_job(DAY, now=PREPARED_AT)
        own, foreign = report_of(A).id, report_of(B).id
    client = api("officer")
    listing = client.get("/api/v1/daily_report/").json
    assert listing["count"] == 1 and listing["result"][0]["zero_report"] is True
    response = client.post(f"/api/v1/daily_report/{own}/submit", json={"note": "今日无报备"})
    assert response.status_code == 200, response.get_data(as_text=True)
    # The real clock is long past the hand-made day's deadline: late.
    assert response.json["result"]["status"] == "submitted" and response.json["result"]["late"] is True
    assert client.post(f"/api/v1/daily_report/{own}/submit").status_code == 409
    # Another community's report answers 404 and stays as it was.
    assert client.post(f"/api/v1/daily_report/{foreign}/submit").status_code == 404
    with app.app_context():
        assert db.session.get(DailyReport, foreign).status == "prepared"
        assert db.session.get(DailyReport, own).submitted_by_id == user_id(app, "officer")


def test_a_township_cannot_submit(app, api):
    with app.app_context():
        daily_report_job(DAY, now=PREPARED_AT)
        report_id = report_of(A).id
    assert api("township").post(f"/api/v1/daily_report/{report_id}/submit").status_code == 403


def test_daily_reports_are_scoped(app, web, api):
    with app.app_context():
        daily_report_job(DAY, now=PREPARED_AT)
        own, foreign = report_of(A).id, report_of(B).id
    assert_scoped(web, api, ScopedResource(
        viewer="officer", own_pk=own, foreign_pk=foreign,
        still_exists=lambda pk: status_of(app, DailyReport, pk) == "prepared",
        view="/dailyreportview", api="/api/v1/daily_report", can_write=False, can_delete=False))


def test_officer_screen_shows_counts_and_submits(app, web):
    with app.app_context():
        make_day()
        daily_report_job(DAY, now=PREPARED_AT)
        own, foreign = report_of(A).id, report_of(B).id
    client = web("officer")
    page = client.get("/dailyreport/").get_data(as_text=True)
    assert "2026-03-01" in page and f"/dailyreport/submit/{own}" in page
    assert f"/dailyreport/submit/{foreign}" not in page
    response = client.post(f"/dailyreport/submit/{own}", data={"note": ""})
    assert response.status_code == 302
    with app.app_context():
        report = db.session.get(DailyReport, own)
        assert report.status == "submitted" and report.late
    page = client.get("/dailyreport/").get_data(as_text=True)
    assert "迟报" in page  # shown as submitted late
    assert client.post(f"/dailyreport/submit/{foreign}").status_code == 404


def test_zero_report_screen(app, web):
    with app.app_context():
        daily_report_job(DAY, now=PREPARED_AT)
    page = web("officer_b").get("/dailyreport/").get_data(as_text=True)
    assert "零报告" in page


def test_compliance_per_level(app, web, api):
    with app.app_context():
        daily_report_job(DAY, now=PREPARED_AT)
        submit_report(report_of(A).id, jurisdiction=None, now=DUE - dt.timedelta(hours=1))
        submit_report(report_of("410105002001").id, jurisdiction=None, now=DUE + dt.timedelta(hours=1))
        county = compliance("410105", DAY, jurisdiction=None)
        assert [(r.code, r.communities, r.on_time, r.late, r.not_reported) for r in county.children] == [
            ("410105001", 3, 1, 0, 2), ("410105002", 3, 0, 1, 2)]
        assert (county.total.communities, county.total.submitted) == (6, 2)
        assert [c.code for c in county.communities] == ["410105001006", "410105001007",
                                                        "410105002003", "410105002004"]
        province = compliance("41", DAY, jurisdiction=None)
        assert [(r.code, r.communities, r.submitted) for r in province.children] == [
            ("4101", 9, 2), ("4102", 2, 0)]
    # The township sees all of its communities, and nothing of another township.
    page = web("township").get(f"/compliance/?date={DAY}").get_data(as_text=True)
    assert "体育社区居民居委会" in page and "科技社区居民居委会" in page and "甲院社区居民委员会" not in page
    assert "410105001003" not in page  # names, not codes
    assert web("township").get(f"/compliance/?region=410105002&date={DAY}").status_code == 404
    body = api("county").get(f"/api/v1/daily_report/compliance?date={DAY}").json
    assert body["total"]["communities"] == 6 and len(body["children"]) == 2
    assert {c["code"] for c in body["not_reported"]} == {"410105001006", "410105001007",
                                                         "410105002003", "410105002004"}
    assert api("officer").get(f"/api/v1/daily_report/compliance?region=410105001&date={DAY}").status_code == 404


def test_submitting_resolves_the_reports_escalations(app):
    from app.reporting.escalations import escalate

    with app.app_context():
        daily_report_job(DAY, now=PREPARED_AT)
        escalate(DUE)
        report_id = report_of(A).id
        assert db.session.scalar(select(func.count()).select_from(Escalation).where(
            Escalation.subject_id == report_id, Escalation.status == "open")) == 1
        submit_report(report_id, jurisdiction=None, now=DUE + dt.timedelta(hours=1))
        escalation = db.session.scalars(select(Escalation).where(Escalation.subject_id == report_id)).one()
        assert (escalation.status, escalation.resolution) == ("resolved", "report_submitted")
