"""Follow-up during control 随访: generation per day of control (one statement, idempotent),
the due time and the escalation of a missed one, recording (bad values, twice, a later
day), the finding a fever or a symptom raises, the jurisdiction rule (a grid member sees
the people of their grid), the screens and the API. The clock is a parameter."""
import datetime as dt
from decimal import Decimal

from sqlalchemy import func, select

from app.core import identity
from app.core.extensions import db
from app.followups import service
from app.reporting.escalations import escalate
from models import Escalation
from models.crossmatch import Finding
from models.followup import FollowUp
from scheduler import jobs
from tests.filing_data import resident_id
from tests.ledger_data import GRID_MEMBER, make_world
from tests.ledger_data import resident_id as ledger_resident_id
from tests.report_fixtures import add_filing

A, B, OTHER = "410105001003", "410105001006", "410102001002"
HOUR, MINUTE, DAY = dt.timedelta(hours=1), dt.timedelta(minutes=1), dt.timedelta(days=1)
# Local (Asia/Shanghai) days; control from 03-05 10:00 to 03-07 09:00 local.
START, END = dt.datetime(2026, 3, 5, 2, 0), dt.datetime(2026, 3, 7, 1, 0)
D5, D6, D7 = dt.date(2026, 3, 5), dt.date(2026, 3, 6), dt.date(2026, 3, 7)
MORNING = dt.datetime(2026, 3, 5, 1, 0)   # 09:00 local on 03-05
DUE_D5 = dt.datetime(2026, 3, 5, 12, 0)   # 20:00 local


def controlled(id_number, community=A, measure="home_quarantine", start=START, end=END, **values) -> int:
    person = identity.protect(id_number, identity.mask_id_number)
    values.setdefault("status", "arrived")
    fid = add_filing(community, START - 5 * DAY, id_number_enc=person["enc"], id_number_hash=person["hash"],
                     id_number_masked=person["masked"], arrived_at=START, control_measure=measure,
                     control_start=start, control_end=end, **values)
    db.session.commit()
    return fid


def follow_ups(**where):
    query = select(FollowUp).where(*(getattr(FollowUp, k) == v for k, v in where.items()))
    return db.session.scalars(query.order_by(FollowUp.id)).all()


def one_follow_up(id_number, community=A, day=D5) -> int:
    fid = controlled(id_number, community)
    service.generate(day, MORNING)
    return follow_ups(filing_id=fid)[0].id


# ---- generation ------------------------------------------------------------------------

def test_one_follow_up_a_day_from_the_start_of_control_to_its_end(app):
    with app.app_context():
        home = controlled(resident_id(sequence=1))
        other_community = controlled(resident_id(sequence=2), community=OTHER)
        open_ended = controlled(resident_id(sequence=3), end=None)
        controlled(resident_id(sequence=4), measure="none")
        controlled(resident_id(sequence=5), status="cancelled")
        controlled(resident_id(sequence=6), measure=None, start=None, end=None)
        assert service.generate(D5 - DAY, MORNING) == 0          # before the start
        assert service.generate(D5, MORNING) == 3                 # every community, one statement
        assert service.generate(D5, MORNING + HOUR) == 0          # idempotent per (filing, day)
        assert service.generate(D7, MORNING) == 3                 # the end's day counts
        assert service.generate(D7 + DAY, MORNING) == 1           # only the open-ended one goes on
        assert [f.day for f in follow_ups(filing_id=home)] == [D5, D7]
        assert {f.filing_id for f in follow_ups(day=D5)} == {home, other_community, open_ended}
        first = follow_ups(filing_id=home)[0]
        assert (first.status, first.region_code, first.due_at) == ("due", A, DUE_D5)
        assert first.person_hash == identity.lookup_hash(resident_id(sequence=1))


def test_the_scheduler_job_adds_todays_follow_ups(app):
    with app.app_context():
        fid = controlled(resident_id(sequence=7))
        assert jobs.follow_ups_job(dt.datetime(2026, 3, 5, 17, 0)) == 1    # 01:00 local on 03-06
        assert [f.day for f in follow_ups(filing_id=fid)] == [D6]
        assert jobs.follow_ups_job(dt.datetime(2026, 3, 5, 18, 0)) == 0


def test_the_due_time_is_a_setting(app):
    with app.app_context():
        app.config["FOLLOW_UP_DUE_TIME"] = "18:30"
        try:
            follow_up_id = one_follow_up(resident_id(sequence=8))
        finally:
            app.config["FOLLOW_UP_DUE_TIME"] = "20:00"
        assert db.session.get(FollowUp, follow_up_id).due_at == dt.datetime(2026, 3, 5, 10, 30)


# ---- a missed follow-up escalates ----------------------------------------------------------

def test_a_missed_follow_up_escalates_and_recording_it_settles_it(app):
    step = dt.timedelta(hours=4)
    with app.app_context():
        follow_up_id = one_follow_up(resident_id(sequence=9))
        assert escalate(DUE_D5 - MINUTE).raised["township"] == 0
        assert escalate(DUE_D5).raised["township"] == 1
        assert escalate(DUE_D5 + step).raised["county"] == 1
        rows = db.session.scalars(select(Escalation).where(Escalation.subject_type == "follow_up")
                                  .order_by(Escalation.id)).all()
        assert [(e.level, e.target_region_code, e.reason, e.subject_ref) for e in rows] == [
            ("township", "410105001", "follow_up_missed", "2026-03-05"),
            ("county", "410105", "follow_up_missed", "2026-03-05")]
        service.record(follow_up_id, temperature="36.6", symptoms="", tested=True, note="迟报",
                       jurisdiction=A, user_id=None, now=DUE_D5 + 5 * HOUR)
        assert {e.status for e in db.session.scalars(select(Escalation))} == {"resolved"}
        assert escalate(DUE_D5 + 20 * HOUR).raised == {"township": 0, "county": 0, "city": 0}


# ---- a transfer takes the follow-ups along ------------------------------------------------

def transfer(filing_id, to, at, jurisdiction=A):
    from app.filings.service import transfer_filing

    transfer_filing(db.session.connection(), filing_id, {"to_region_code": to, "reason": "住在别处"},
                    now=at, jurisdiction=jurisdiction)
    db.session.commit()
    db.session.expire_all()


def test_a_transfer_takes_the_follow_ups_not_yet_recorded_and_their_escalations_along(app, web, api):
    due_d6, step = DUE_D5 + DAY, dt.timedelta(hours=4)
    with app.app_context():
        fid = controlled(resident_id(sequence=22))
        for day in (D5, D6, D7):                       # D7's made ahead of its day
            service.generate(day, MORNING)
        done, late, later = (f.id for f in follow_ups(filing_id=fid))
        service.record(done, temperature="36.5", symptoms=None, tested=True, note=None,
                       jurisdiction=A, user_id=None, now=MORNING + HOUR)
        assert escalate(due_d6).raised["township"] == 1
        transfer(fid, OTHER, due_d6 + HOUR)
        # What was done stays with whoever did it; what is still to do goes to the new community.
        assert [(f.id, f.region_code) for f in follow_ups(filing_id=fid)] == [(done, A), (late, OTHER),
                                                                             (later, OTHER)]
        (chasing,) = db.session.scalars(select(Escalation).where(Escalation.subject_type == "follow_up")).all()
        assert (chasing.status, chasing.region_code, chasing.target_region_code) == ("open", OTHER, OTHER[:9])
        # The next level chases the new owner's county.
        assert escalate(due_d6 + step).raised["county"] == 1
        assert {(e.level, e.target_region_code) for e in db.session.scalars(select(Escalation))} == {
            ("township", OTHER[:9]), ("county", OTHER[:6])}
        assert service.count_due_today(A, due_d6 + HOUR) == 0
        assert service.count_due_today(OTHER, due_d6 + HOUR) == 1
    former, new = api("officer"), api("officer2")
    for pk in (late, later):
        assert former.get(f"/api/v1/follow_up/{pk}").status_code == 404
        assert former.post(f"/api/v1/follow_up/{pk}/record", json={"temperature": 36.5}).status_code == 404
        assert new.get(f"/api/v1/follow_up/{pk}").status_code == 200
    assert [row["id"] for row in former.get("/api/v1/follow_up/?status=all").json["result"]] == [done]
    assert [row["id"] for row in new.get("/api/v1/follow_up/?status=all").json["result"]] == [late, later]
    page = web("officer").get("/followups/").get_data(as_text=True)
    assert f"/followups/record/{late}" not in page
    assert web("officer").get(f"/followups/record/{late}").status_code == 404
    assert f"/followups/record/{late}" in web("officer2").get("/followups/").get_data(as_text=True)
    recorded = new.post(f"/api/v1/follow_up/{late}/record", json={"temperature": 36.6, "tested": False})
    assert recorded.status_code == 200, recorded.json
    with app.app_context():
        assert {e.status for e in db.session.scalars(select(Escalation))} == {"resolved"}


def test_a_transfer_into_a_grid_members_community_brings_the_follow_ups_to_the_grid(app, api):
    world = make_world(app)
    with app.app_context():
        fid = controlled(ledger_resident_id(1), community=B)       # lives in grid A1, filed for B
        service.generate(D5, MORNING)
        (follow_up_id,) = (f.id for f in follow_ups(filing_id=fid))
        grid_code = world["A1"]["grid_code"]
        assert service.count_due_today(grid_code, MORNING) == 0
        transfer(fid, A, MORNING + HOUR, jurisdiction=B)
        assert service.count_due_today(grid_code, MORNING + HOUR) == 1
    grid = api(GRID_MEMBER)
    assert [row["id"] for row in grid.get("/api/v1/follow_up/").json["result"]] == [follow_up_id]
    assert api("officer_b").get(f"/api/v1/follow_up/{follow_up_id}").status_code == 404
    assert grid.post(f"/api/v1/follow_up/{follow_up_id}/record", json={"temperature": 36.5}).status_code == 200


# ---- recording -----------------------------------------------------------------------------

def test_recording_checks_every_value_and_changes_nothing_when_refused(app, api):
    with app.app_context():
        follow_up_id = one_follow_up(resident_id(sequence=10))
    officer = api("officer")
    response = officer.post(f"/api/v1/follow_up/{follow_up_id}/record",
                            json={"temperature": "hot", "symptoms": "x" * 201, "tested": "yes"})
    assert response.status_code == 400
    assert set(response.json["errors"]) == {"temperature", "symptoms", "tested"}
    for body in ({"temperature": 30}, {"temperature": True}, {"temperature": ["36"]}, {}, {"note": "x" * 501,
                                                                                          "temperature": 36.5}):
        assert officer.post(f"/api/v1/follow_up/{follow_up_id}/record", json=body).status_code == 400, body
    with app.app_context():
        assert db.session.get(FollowUp, follow_up_id).status == "due"
    response = officer.post(f"/api/v1/follow_up/{follow_up_id}/record",
                            json={"temperature": 36.5, "tested": True, "note": "居家"})
    assert response.status_code == 200, response.json
    assert response.json["result"]["status"] == "done" and response.json["result"]["temperature"] == 36.5
    assert officer.post(f"/api/v1/follow_up/{follow_up_id}/record", json={"temperature": 36.5}).status_code == 409
    with app.app_context():
        row = db.session.get(FollowUp, follow_up_id)
        assert (row.temperature, row.tested, row.note, row.symptoms) == (Decimal("36.5"), True, "居家", None)
        assert db.session.scalar(select(func.count()).select_from(Finding)) == 0


def test_a_later_days_follow_up_waits_for_its_day(app):
    from app.core.errors import Conflict
    import pytest

    with app.app_context():
        follow_up_id = one_follow_up(resident_id(sequence=11), day=D6)
        with pytest.raises(Conflict):
            service.record(follow_up_id, temperature="36.5", symptoms=None, tested=False, note=None,
                           jurisdiction=A, user_id=None, now=MORNING)
        assert db.session.get(FollowUp, follow_up_id).status == "due"


def test_a_fever_or_a_symptom_raises_a_finding_once_per_person_and_day(app):
    fever, cough, edge_below = resident_id(sequence=12), resident_id(sequence=13), resident_id(sequence=14)
    with app.app_context():
        ids = {n: one_follow_up(n) for n in (fever, cough, edge_below)}
        now = MORNING + 2 * HOUR
        service.record(ids[fever], temperature="37.3", symptoms=None, tested=False, note=None,
                       jurisdiction=A, user_id=None, now=now)
        service.record(ids[cough], temperature="36.4", symptoms="咳嗽", tested=False, note=None,
                       jurisdiction=A, user_id=None, now=now)
        service.record(ids[edge_below], temperature="37.2", symptoms=" ", tested=False, note=None,
                       jurisdiction=A, user_id=None, now=now)
        found = db.session.scalars(select(Finding).order_by(Finding.id)).all()
        assert [(f.kind, f.person_hash, f.episode, f.region_code, f.status) for f in found] == [
            ("follow_up_symptom", identity.lookup_hash(n), "2026-03-05", A, "open") for n in (fever, cough)]
        assert found[0].name_masked == "测**" and found[0].priority == 7
        # Once per person and day.
        from app.crossmatch.findings import raise_follow_up_symptom
        follow_up = db.session.get(FollowUp, ids[fever])
        assert not raise_follow_up_symptom(person_hash=follow_up.person_hash, day=D5, region_code=A,
                                           filing_id=follow_up.filing_id, name="测", id_masked="x", now=now)
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(Finding)) == 2


# ---- the jurisdiction rule -------------------------------------------------------------------

def test_follow_ups_are_scoped(app, web, api):
    with app.app_context():
        own = one_follow_up(resident_id(sequence=15))
        foreign = one_follow_up(resident_id(sequence=16), community=OTHER)
    officer = api("officer")
    assert officer.get(f"/api/v1/follow_up/{own}").status_code == 200
    assert officer.get(f"/api/v1/follow_up/{foreign}").status_code == 404
    assert officer.get("/api/v1/follow_up/99999999999999999999").status_code == 404
    listing = officer.get("/api/v1/follow_up/?status=all").json
    assert [row["id"] for row in listing["result"]] == [own] and listing["count"] == 1
    assert officer.post(f"/api/v1/follow_up/{foreign}/record", json={"temperature": 36.5}).status_code == 404
    screen = web("officer")
    assert screen.get(f"/followups/record/{foreign}").status_code == 404
    assert screen.post(f"/followups/record/{foreign}", data={"temperature": "36.5"}).status_code == 404
    page = screen.get("/followups/").get_data(as_text=True)
    assert f"/followups/record/{own}" in page and f"/followups/record/{foreign}" not in page
    assert [row["id"] for row in api("officer2").get("/api/v1/follow_up/").json["result"]] == [foreign]
    assert [row["id"] for row in api("township").get("/api/v1/follow_up/").json["result"]] == [own]
    with app.app_context():
        assert service.count_due_today(A, MORNING) == 1 and service.count_due_today("4101", MORNING) == 2
        assert db.session.get(FollowUp, foreign).status == "due"


def test_a_grid_member_sees_and_records_the_people_of_their_grid(app, web, api):
    world = make_world(app)
    with app.app_context():
        in_grid = one_follow_up(ledger_resident_id(1))            # resident of grid A1
        other_grid = one_follow_up(ledger_resident_id(2))         # resident of grid A2, same community
        no_ledger = one_follow_up(resident_id(sequence=17))
    assert world["A1"]["grid_code"].startswith(A)
    grid = api(GRID_MEMBER)
    assert [row["id"] for row in grid.get("/api/v1/follow_up/").json["result"]] == [in_grid]
    for pk in (other_grid, no_ledger):
        assert grid.get(f"/api/v1/follow_up/{pk}").status_code == 404
        assert grid.post(f"/api/v1/follow_up/{pk}/record", json={"temperature": 36.5}).status_code == 404
    response = web(GRID_MEMBER).post(f"/followups/record/{in_grid}", data={"temperature": "36.8", "tested": "y"})
    assert response.status_code == 302
    with app.app_context():
        assert (db.session.get(FollowUp, in_grid).status, db.session.get(FollowUp, other_grid).status) == (
            "done", "due")
        assert service.count_due_today(world["A1"]["grid_code"], MORNING) == 0
        assert service.count_due_today(A, MORNING) == 2


# ---- the screens -----------------------------------------------------------------------------

def test_the_officer_records_a_follow_up_on_the_form(app, web):
    from tests.conftest import login

    with app.app_context():
        follow_up_id = one_follow_up(resident_id(sequence=18))
    assert login(app.test_client(), "officer").post(
        f"/followups/record/{follow_up_id}", data={"temperature": "36.5"}).status_code == 400   # no CSRF
    officer = web("officer")
    page = officer.get("/followups/").get_data(as_text=True)
    assert "今日随访" in page and "截止" in page
    form = officer.get(f"/followups/record/{follow_up_id}").get_data(as_text=True)
    assert 'name="temperature"' in form and "体温" in form
    refused = officer.post(f"/followups/record/{follow_up_id}", data={"temperature": "99"})
    assert refused.status_code == 400 and "help-block" in refused.get_data(as_text=True)
    response = officer.post(f"/followups/record/{follow_up_id}",
                            data={"temperature": "38.1", "symptoms": "发热", "note": "已通知卫生院"})
    assert response.status_code == 302
    with app.app_context():
        row = db.session.get(FollowUp, follow_up_id)
        assert (row.status, row.temperature, row.symptoms, row.tested) == ("done", Decimal("38.1"), "发热", False)
        assert db.session.scalar(select(Finding.kind)) == "follow_up_symptom"


def test_the_api_list_filters_by_day_and_status(app, api):
    with app.app_context():
        follow_up_id = one_follow_up(resident_id(sequence=19))
    officer = api("officer")
    assert officer.get("/api/v1/follow_up/?day=2026-13-01").status_code == 400
    assert officer.get("/api/v1/follow_up/?status=maybe").status_code == 400
    assert officer.get("/api/v1/follow_up/?day=2026-03-05").json["count"] == 1
    assert officer.get("/api/v1/follow_up/?day=2026-03-06").json["count"] == 0
    assert officer.get("/api/v1/follow_up/?day=2026-03-05&status=done").json["count"] == 0
    row = officer.get(f"/api/v1/follow_up/{follow_up_id}").json["result"]
    assert row["day"] == "2026-03-05" and row["due_at"] == "2026-03-05T20:00:00+08:00" and row["late"] is True
    assert "410" not in str(row["id_masked"])[3:-4]


# ---- the start page's counts -----------------------------------------------------------------

def _home_counts(page: str) -> dict:
    import re

    # The start page's to-dos of findings and follow-ups, by their label.
    return {label: int(count) for key, count, label in re.findall(
        r'id="todo-(\w+)".*?<span class="home-todo-count">(\d+)</span><span class="home-todo-label">([^<]+)</span>',
        page, re.S) if key in ("findings", "follow_ups")}


def test_the_start_page_counts_open_findings_and_follow_ups_within_the_jurisdiction(app, web):
    from app.crossmatch.findings import raise_follow_up_symptom

    world = make_world(app)
    with app.app_context():
        own = one_follow_up(ledger_resident_id(1))                 # in grid A1
        one_follow_up(resident_id(sequence=20))                    # same community, no ledger entry
        foreign = one_follow_up(resident_id(sequence=21), community=OTHER)
        for pk in (own, foreign):
            row = db.session.get(FollowUp, pk)
            raise_follow_up_symptom(person_hash=row.person_hash, day=D5, region_code=row.region_code,
                                    filing_id=row.filing_id, name="王五", id_masked="x", now=MORNING)
        db.session.commit()
    officer = web("officer").get("/").get_data(as_text=True)
    assert _home_counts(officer) == {"待处置比对发现": 1, "待随访（今日及逾期）": 2}
    assert "/findingview/list/?_flt_0_status=open" in officer and 'href="/followups/"' in officer
    assert _home_counts(web("officer2").get("/").get_data(as_text=True)) == {
        "待处置比对发现": 1, "待随访（今日及逾期）": 1}
    assert _home_counts(web("county").get("/").get_data(as_text=True)) == {
        "待处置比对发现": 1, "待随访（今日及逾期）": 2}
    assert world["A1"]["grid_code"]
    # The grid member: the finding and the follow-up of the person of their grid.
    assert _home_counts(web(GRID_MEMBER).get("/").get_data(as_text=True)) == {
        "待处置比对发现": 1, "待随访（今日及逾期）": 1}
