"""Cross-matching: feeds imported in batches (re-import, refusal, undo, who may import
and see them), each matching rule with hand-made edge cases, findings scoped and resolved,
their escalation and the penalties they propose. The clock is a parameter throughout."""
import datetime as dt
import io

from openpyxl import load_workbook
from sqlalchemy import func, select

from app.core import identity
from app.core.extensions import db
from app.crossmatch.escalation import propose_finding_penalties
from app.crossmatch.feeds import import_feed, undo_batch
from app.crossmatch.matching import match
from app.reporting.escalations import escalate
from models import Escalation, Household, Resident, RewardPenalty
from models.crossmatch import FeedBatch, FeedContact, FeedTestResult, Finding
from models.healthcode import HealthCode
from tests.filing_data import resident_id
from tests.ledger_data import save
from tests.report_fixtures import add_filing
from tests.scoping import ScopedResource, assert_scoped

A, B, OTHER = "410105001003", "410105001006", "410102001002"
ARRIVED = dt.datetime(2026, 3, 5, 2, 0)        # 10:00 local on 03-05
NOW = dt.datetime(2026, 3, 10, 2, 0)
HOUR, MINUTE, DAY = dt.timedelta(hours=1), dt.timedelta(minutes=1), dt.timedelta(days=1)


def iso(moment: dt.datetime) -> str:
    return moment.isoformat() + "+00:00"


def filing(id_number, community=A, **values) -> int:
    person = identity.protect(id_number, identity.mask_id_number)
    values.setdefault("expected_arrival_at", ARRIVED)
    fid = add_filing(community, ARRIVED - 5 * DAY, id_number_enc=person["enc"], id_number_hash=person["hash"],
                     id_number_masked=person["masked"], **values)
    db.session.commit()
    return fid


def arrived(id_number, community=A, at=ARRIVED, **values) -> int:
    return filing(id_number, community, status="arrived", arrived_at=at, **values)


def import_tests(*people, user=None, now=NOW):
    """Import test results [(id number, sampled at, result)] as one batch."""
    rows = [{"id_number": n, "name": "王五", "sampled_at": iso(at), "result": result, "lab": "金域"}
            for n, at, result in people]
    return import_feed("test_result", jurisdiction=None, user_id=user, rows=rows, now=now)


def feed_covers_from(moment):
    """The test feed goes back to ``moment``: one result of someone else sampled then
    (the rules on tests judge only arrivals the feed covers)."""
    import_tests((resident_id(sequence=999), moment, "negative"), now=moment)


def findings(**where):
    query = select(Finding).where(*(getattr(Finding, k) == v for k, v in where.items()))
    return db.session.scalars(query.order_by(Finding.id)).all()


def kinds_of(id_number):
    return sorted(f.kind for f in findings(person_hash=identity.lookup_hash(id_number)))


def resident_in(community, id_number, phone=None) -> Resident:
    household = save(Household(region_code=community, door_number=f"{id_number[-4:]}室"))
    resident = save(Resident(household=household, name="居民", id_type="resident_id", id_number=id_number,
                             relation_to_head="head", category="resident", phone=phone))
    db.session.commit()
    return resident


# ---- the rules ---------------------------------------------------------------------------

def test_first_test_within_24_hours_of_arrival(app):
    on_time, late, never = resident_id(sequence=1), resident_id(sequence=2), resident_id(sequence=3)
    with app.app_context():
        filings = {n: arrived(n) for n in (on_time, late, never)}
        feed_covers_from(ARRIVED - DAY)
        import_tests((on_time, ARRIVED + 24 * HOUR, "negative"), (late, ARRIVED + 24 * HOUR + MINUTE, "negative"),
                 now=ARRIVED + 2 * HOUR)
        assert findings(kind="no_test_after_arrival") == []   # 24 h have not passed
        assert match(ARRIVED + 24 * HOUR - MINUTE)["no_test_after_arrival"] == 0
        assert match(ARRIVED + 24 * HOUR)["no_test_after_arrival"] == 2
        found = {f.filing_id: f for f in findings(kind="no_test_after_arrival")}
        assert set(found) == {filings[late], filings[never]}
        assert all(f.region_code == A and f.status == "open" and f.name_masked == "测**" for f in found.values())
        # Idempotent: the same run again, or later, adds nothing.
        assert match(ARRIVED + 25 * HOUR)["no_test_after_arrival"] == 0
        assert len(findings(kind="no_test_after_arrival")) == 2


def test_second_test_on_another_day_within_3_days(app):
    two_days, same_day, too_late = resident_id(sequence=4), resident_id(sequence=5), resident_id(sequence=6)
    with app.app_context():
        for n in (two_days, same_day, too_late):
            arrived(n)
        feed_covers_from(ARRIVED - DAY)
        import_tests((two_days, ARRIVED + HOUR, "negative"), (two_days, ARRIVED + 30 * HOUR, "negative"),
                 (same_day, ARRIVED + HOUR, "negative"), (same_day, ARRIVED + 3 * HOUR, "negative"),
                 (too_late, ARRIVED + HOUR, "negative"), (too_late, ARRIVED + 3 * DAY + MINUTE, "negative"),
                 now=ARRIVED + 2 * HOUR)
        assert match(ARRIVED + 3 * DAY - MINUTE)["missing_second_test"] == 0
        match(ARRIVED + 3 * DAY + HOUR)
        assert kinds_of(two_days) == []
        assert kinds_of(same_day) == ["missing_second_test"]
        assert kinds_of(too_late) == ["missing_second_test"]


def test_tests_judge_only_arrivals_the_test_feed_covers(app):
    before, after = resident_id(sequence=50), resident_id(sequence=51)
    with app.app_context():
        arrived(before, at=ARRIVED - MINUTE)
        arrived(after, at=ARRIVED)
        assert match(NOW)["no_test_after_arrival"] == 0          # no test feed yet: no data, no finding
        feed_covers_from(ARRIVED)
        match(NOW)
        assert kinds_of(before) == []                            # arrived before the feed's first sample
        assert kinds_of(after) == ["missing_second_test", "no_test_after_arrival"]


def test_arrival_seen_without_a_filing_within_a_day(app):
    day_off, day_and_minute_off, phone_only, resident = (resident_id(sequence=n) for n in (7, 8, 9, 10))
    seen = dt.datetime(2026, 3, 8, 2, 0)
    with app.app_context():
        filing(day_off, expected_arrival_at=seen + DAY)
        filing(day_and_minute_off, expected_arrival_at=seen + DAY + MINUTE)
        filing(phone_only, phone_hash=identity.lookup_hash("13700001111"), expected_arrival_at=seen - HOUR)
        resident_in(B, resident)
        rows = [{"id_number": day_off, "seen_at": iso(seen), "region_code": "4101", "origin_region_code": "440305"},
                {"id_number": day_and_minute_off, "seen_at": iso(seen), "region_code": "410105"},
                {"phone": "13700001111", "seen_at": iso(seen), "region_code": "4101"},
                {"phone": "13700002222", "seen_at": iso(seen), "region_code": "410105"},
                {"id_number": resident, "seen_at": iso(seen), "region_code": "4101"}]
        outcome = import_feed("arrival_push", jurisdiction="4101", rows=rows, now=NOW)
        assert outcome.batch.accepted == 5 and outcome.findings["arrived_without_filing"] == 3
        assert kinds_of(day_off) == []
        (late,) = findings(person_hash=identity.lookup_hash(day_and_minute_off))
        assert (late.kind, late.region_code, late.episode) == ("arrived_without_filing", "410105", "2026-03-08")
        assert findings(person_hash=identity.lookup_hash("13700001111")) == []
        (unknown,) = findings(person_hash=identity.lookup_hash("13700002222"))
        assert unknown.region_code == "410105" and unknown.id_masked == "137****2222"
        (lives_here,) = findings(person_hash=identity.lookup_hash(resident))
        assert lives_here.region_code == B and lives_here.resident_id is not None


def test_origin_in_a_risk_area_at_departure(app):
    ended_before, in_force, controlled, transit = (resident_id(sequence=n) for n in (11, 12, 13, 14))
    departure = dt.datetime(2026, 3, 5, 0, 0)   # 08:00 local on 03-05
    with app.app_context():
        import_feed("risk_area", jurisdiction=None, now=NOW, rows=[
            {"region_code": "440305", "level": "high", "effective_from": "2026-02-20",
             "effective_until": "2026-03-04"},
            {"region_code": "440306", "level": "medium", "effective_from": "2026-03-01"}])
        common = dict(departure_at=departure, risk_area_14d=False)
        filing(ended_before, origin_region_code="440305", **common)
        in_force_id = filing(in_force, origin_region_code="440306", **common)
        filing(controlled, origin_region_code="440306", control_measure="home_quarantine", **common)
        filing(transit, origin_region_code="440305", transit="经440306转车", **common)
        assert match(NOW)["from_risk_area"] == 2
        assert kinds_of(ended_before) == [] and kinds_of(controlled) == []
        (found,) = findings(person_hash=identity.lookup_hash(in_force))
        assert (found.kind, found.filing_id, found.region_code) == ("from_risk_area", in_force_id, A)
        assert kinds_of(transit) == ["from_risk_area"]


def test_transit_through_a_township_risk_area(app):
    through, community, neighbour, county_only, from_county, county_area = (
        resident_id(sequence=n) for n in range(40, 46))
    departure = dt.datetime(2026, 3, 5, 0, 0)
    with app.app_context():
        import_feed("risk_area", jurisdiction=None, now=NOW, rows=[
            {"region_code": "410105002", "level": "medium", "effective_from": "2026-03-01"},
            {"region_code": "410102", "level": "high", "effective_from": "2026-03-01"}])
        common = dict(departure_at=departure, origin_region_code="440305", risk_area_14d=False)
        filing(through, **{**common, "transit": "经410105002转车"})              # the township itself
        filing(community, **{**common, "transit": "410105002003"})              # a community of it
        filing(neighbour, **{**common, "transit": "经410105001转车"})           # another township of its county
        filing(county_only, **{**common, "transit": "经410105"})               # the county alone: not known
        filing(from_county, **{**common, "origin_region_code": "410105"})      # origin known to the county only
        filing(county_area, **{**common, "transit": "经410102001转车"})         # a township of a county area
        assert match(NOW)["from_risk_area"] == 4
        assert [kinds_of(p) for p in (through, community, neighbour, county_only, from_county, county_area)] == [
            ["from_risk_area"], ["from_risk_area"], [], [], ["from_risk_area"], ["from_risk_area"]]


def test_contacts_and_positives_of_filed_or_ledger_people(app):
    filed, by_phone, resident, stranger = (resident_id(sequence=n) for n in (15, 16, 17, 18))
    with app.app_context():
        filing(filed)
        filing(by_phone, phone_hash=identity.lookup_hash("13600001234"), community=B)
        resident_in(OTHER, resident)
        import_feed("contact", jurisdiction=None, now=NOW, rows=[
            {"id_number": filed, "kind": "close", "exposed_on": "2026-03-06", "region_code": "4101", "case_ref": "C1"},
            {"phone": "13600001234", "kind": "secondary", "exposed_on": "2026-03-07", "region_code": "4101"},
            {"id_number": stranger, "kind": "close", "exposed_on": "2026-03-07", "region_code": "4101"}])
        outcome = import_tests((resident, NOW - HOUR, "positive"), (stranger, NOW - HOUR, "positive"),
                           (filed, NOW - HOUR, "negative"))
        assert outcome.findings["positive"] == 1
        assert kinds_of(filed) == ["contact_arrived"]
        (contact,) = findings(person_hash=identity.lookup_hash("13600001234"))
        assert contact.region_code == B and contact.episode == "2026-03-07"
        (positive,) = findings(person_hash=identity.lookup_hash(resident))
        assert (positive.kind, positive.region_code, positive.priority) == ("positive", OTHER, 1)
        assert kinds_of(stranger) == []


# ---- batches -------------------------------------------------------------------------------

HEADER = "身份证号,姓名,采样时间,检测结果,检测机构\n"


def test_the_same_file_twice_changes_nothing(app):
    positive = resident_id(sequence=19)
    data = (HEADER + f"{positive},王五,2026-03-09 08:00,阳性,金域\n"
            f"{resident_id(sequence=20)},赵六,2026-03-09 09:00,阴性,金域\n").encode()
    with app.app_context():
        filing(positive)
        first = import_feed("test_result", jurisdiction=None, data=data, filename="tests.csv", now=NOW)
        assert (first.batch.accepted, first.batch.findings_raised, first.unchanged) == (2, 1, False)
        again = import_feed("test_result", jurisdiction=None, data=data, filename="tests.csv", now=NOW + HOUR)
        assert again.unchanged and again.batch.id == first.batch.id
        assert db.session.scalar(select(func.count()).select_from(FeedTestResult)) == 2
        assert db.session.scalar(select(func.count()).select_from(FeedBatch)) == 1
        assert len(findings()) == 1
        stored = db.session.scalars(select(FeedTestResult).order_by(FeedTestResult.line)).first()
        assert stored.id_number_hash == identity.lookup_hash(positive) and positive not in stored.id_number_enc
        assert stored.id_number_masked == identity.mask_id_number(positive) and stored.result == "positive"


def test_a_bad_file_is_refused_whole_with_each_bad_row(app):
    data = (HEADER + f"{resident_id(sequence=21)},王五,2026-03-09 08:00,阴性,金域\n"
            "410105199003071234,赵六,2026-03-09 09:00,阴性,金域\n"
            f"{resident_id(sequence=22)},孙七,昨天,也许,金域\n").encode()
    with app.app_context():
        outcome = import_feed("test_result", jurisdiction=None, data=data, filename="tests.csv", now=NOW)
        assert outcome.refused and outcome.batch.accepted == 0 and outcome.batch.rejected_count == 2
        assert [(p.line, p.field) for p in outcome.rejected] == [(3, "id_number"), (4, "sampled_at"), (4, "result")]
        assert db.session.scalar(select(func.count()).select_from(FeedTestResult)) == 0
        assert db.session.get(FeedBatch, outcome.batch.id).status == "rejected"


def test_undo_removes_the_rows_and_only_the_findings_it_caused(app):
    shared, own = resident_id(sequence=23), resident_id(sequence=24)
    sampled = NOW - HOUR
    with app.app_context():
        filing(shared)
        filing(own)
        first = import_tests((shared, sampled, "positive"), (own, sampled, "positive"))
        second = import_tests((shared, sampled + MINUTE, "positive"))
        assert second.findings["positive"] == 0   # the same person, day and kind: found already
        (of_shared,) = findings(person_hash=identity.lookup_hash(shared))
        assert of_shared.batch_id == first.batch.id
        undone = undo_batch(first.batch.id, jurisdiction=None, user_id=None, now=NOW)
        assert undone.status == "undone"
        assert db.session.scalar(select(func.count()).select_from(FeedTestResult).where(
            FeedTestResult.batch_id == first.batch.id)) == 0
        assert kinds_of(own) == []
        (again,) = findings(person_hash=identity.lookup_hash(shared))   # still supported by the second batch
        assert again.batch_id == second.batch.id
        # The undone file may be imported again.
        assert not import_tests((shared, sampled, "positive"), (own, sampled, "positive")).unchanged


def test_who_may_import_which_rows(app):
    rows = [{"id_number": resident_id(sequence=25), "kind": "close", "exposed_on": "2026-03-06",
             "region_code": "410205"}]
    with app.app_context():
        outcome = import_feed("contact", jurisdiction="4101", user_id=1, rows=rows, now=NOW)
        assert outcome.refused and outcome.rejected[0].field == "region_code"
        assert db.session.scalar(select(func.count()).select_from(FeedContact)) == 0
    import pytest
    from app.core.errors import ValidationFailed

    with app.app_context(), pytest.raises(ValidationFailed):
        import_feed("contact", jurisdiction="410105", rows=rows, now=NOW)


def test_feed_api_batches_are_seen_by_their_importer_and_the_province(app, api):
    rows = [{"id_number": resident_id(sequence=26), "kind": "close", "exposed_on": "2026-03-06",
             "region_code": "410105"}]
    response = api("city").post("/api/v1/feed/contact/import", json={"rows": rows})
    assert response.status_code == 200, response.get_data(as_text=True)
    batch = response.json["batch"]
    assert response.json["accepted"] == 1 and response.json["rejected"] == []
    assert api("province").get(f"/api/v1/feed/batch/{batch}").status_code == 200
    for outsider in ("city2", "integrator", "officer"):
        assert api(outsider).get(f"/api/v1/feed/batch/{batch}").status_code in (403, 404), outsider
    assert api("city2").delete(f"/api/v1/feed/batch/{batch}").status_code == 404
    bad = api("city").post("/api/v1/feed/contact/import", json={"rows": [{**rows[0], "kind": "maybe"}]})
    assert bad.status_code == 400 and bad.json["rejected"][0]["line"] == 1 and bad.json["accepted"] == 0
    assert api("county").post("/api/v1/feed/contact/import", json={"rows": rows}).status_code == 400
    assert api("officer").post("/api/v1/feed/contact/import", json={"rows": rows}).status_code == 403
    assert api("city").delete(f"/api/v1/feed/batch/{batch}").json["status"] == "undone"
    assert api("city").delete(f"/api/v1/feed/batch/{batch}").status_code == 409


def test_feed_upload_page_and_template(app, web):
    client = web("province")
    template = client.get("/feedbatchview/template/test_result/")
    assert template.status_code == 200
    book = load_workbook(io.BytesIO(template.data))
    assert [c.value for c in book.worksheets[0][1]] == ["身份证号", "姓名", "采样时间", "检测结果", "检测机构", "采样地区"]
    assert len(book.worksheets) == 2 and book.worksheets[1].max_row == 7
    data = (HEADER + f"{resident_id(sequence=27)},王五,2026-03-09 08:00,阴性,金域\n").encode()
    page = client.post("/feedbatchview/upload/", data={"source": "test_result", "file": (io.BytesIO(data), "t.csv")},
                       content_type="multipart/form-data")
    assert page.status_code == 200 and "feed-result" in page.get_data(as_text=True)
    with app.app_context():
        (batch,) = db.session.scalars(select(FeedBatch)).all()
        assert batch.accepted == 1
    assert client.get(f"/feedbatchview/show/{batch.id}").status_code == 200
    assert web("city2").get(f"/feedbatchview/show/{batch.id}").status_code == 404


# ---- findings in people's hands ------------------------------------------------------------

def _two_findings(app):
    own, foreign = resident_id(sequence=28), resident_id(sequence=29)
    with app.app_context():
        filing(own)
        filing(foreign, community=OTHER)
        import_tests((own, NOW - HOUR, "positive"), (foreign, NOW - HOUR, "positive"))
        return (findings(person_hash=identity.lookup_hash(own))[0].id,
                findings(person_hash=identity.lookup_hash(foreign))[0].id)


def test_findings_are_scoped(app, web, api):
    own, foreign = _two_findings(app)

    def still_exists(pk):
        with app.app_context():
            return db.session.get(Finding, pk).status == "open"

    assert_scoped(web, api, ScopedResource(viewer="officer", own_pk=own, foreign_pk=foreign,
                                           still_exists=still_exists, view="/findingview", api="/api/v1/finding",
                                           can_write=False, can_delete=False))
    listing = api("officer").get("/api/v1/finding/").json
    assert listing["count"] == 1 and listing["result"][0]["kind"] == "positive"
    assert "410" not in str(listing["result"][0]["id_masked"])[3:-4]
    assert api("officer").post(f"/api/v1/finding/{foreign}/resolve", json={"outcome": "checked"}).status_code == 404
    assert web("officer").post(f"/findingview/resolve/{foreign}", data={"outcome": "checked"}).status_code == 404
    assert still_exists(foreign)


def test_officer_resolves_a_finding_with_an_outcome_and_a_note(app, web, api, client):
    own, _foreign = _two_findings(app)
    assert api("officer").post(f"/api/v1/finding/{own}/resolve", json={"outcome": "nope"}).status_code == 400
    from tests.conftest import login
    assert login(app.test_client(), "officer").post(f"/findingview/resolve/{own}",
                                                    data={"outcome": "checked"}).status_code == 400  # no CSRF
    officer = web("officer")
    page = officer.get(f"/findingview/show/{own}").get_data(as_text=True)
    assert "finding-resolve" in page
    response = officer.post(f"/findingview/resolve/{own}", data={"outcome": "control_started", "note": "已居家隔离"})
    assert response.status_code == 302
    with app.app_context():
        finding = db.session.get(Finding, own)
        assert (finding.status, finding.outcome, finding.note) == ("resolved", "control_started", "已居家隔离")
    assert api("officer").post(f"/api/v1/finding/{own}/resolve", json={"outcome": "checked"}).status_code == 409


def test_an_unresolved_finding_escalates_and_resolving_settles_it(app):
    step = dt.timedelta(hours=4)
    with app.app_context():
        fid = arrived(resident_id(sequence=30))
        feed_covers_from(ARRIVED - DAY)
        match(ARRIVED + 24 * HOUR)
        (finding,) = findings(filing_id=fid)
        raised = finding.raised_at
        assert escalate(raised + 24 * HOUR - MINUTE).raised["township"] == 0
        assert escalate(raised + 24 * HOUR).raised["township"] == 1
        assert escalate(raised + 24 * HOUR + step).raised["county"] == 1
        levels = db.session.scalars(select(Escalation).where(Escalation.subject_type == "finding",
                                                             Escalation.subject_id == finding.id).order_by(Escalation.id)).all()
        assert [(e.level, e.target_region_code, e.reason) for e in levels] == [
            ("township", "410105001", "finding_unresolved"), ("county", "410105", "finding_unresolved")]
        from app.crossmatch.findings import resolve
        resolve(finding.id, "checked", None, jurisdiction="410105001", user_id=None, now=raised + 30 * HOUR)
        assert {e.status for e in db.session.scalars(select(Escalation))} == {"resolved"}
        assert escalate(raised + 40 * HOUR).raised == {"township": 0, "county": 0, "city": 0}


def test_a_finding_follows_its_filings_later_transfer(app):
    from app.crossmatch.findings import resolve, scoped_finding
    from app.core.errors import NotFound
    from app.filings.service import transfer_filing

    with app.app_context():
        fid = arrived(resident_id(sequence=31))
        feed_covers_from(ARRIVED - DAY)
        match(ARRIVED + 3 * DAY)
        (first, second) = findings(filing_id=fid)
        resolve(first.id, "checked", None, jurisdiction=A, user_id=None, now=ARRIVED + 3 * DAY)
        escalate(ARRIVED + 5 * DAY)
        assert db.session.scalar(select(func.count()).select_from(Escalation).where(
            Escalation.subject_id == second.id, Escalation.status == "open")) > 0
        transfer_filing(db.session.connection(), fid, {"to_region_code": OTHER, "reason": "住在别处"},
                        now=ARRIVED + 5 * DAY + HOUR, jurisdiction=A)
        db.session.commit()
        db.session.expire_all()
        # The open one moved to the new owner; the resolved one stays with whoever resolved it.
        assert (first.region_code, second.region_code) == (A, OTHER)
        assert scoped_finding(second.id, OTHER).id == second.id
        try:
            scoped_finding(second.id, A)
            raise AssertionError("the former owner still sees the finding")
        except NotFound:
            pass
        # Its escalations chase the new owner's township, county and city now.
        chased = db.session.scalars(select(Escalation).where(Escalation.subject_type == "finding",
                                                             Escalation.subject_id == second.id)).all()
        assert chased and {(e.status, e.region_code) for e in chased} == {("open", OTHER)}
        assert {e.target_region_code for e in chased} <= {OTHER[:9], OTHER[:6], OTHER[:4]}
        resolve(second.id, "checked", None, jurisdiction=OTHER, user_id=None, now=ARRIVED + 6 * DAY)
        assert {e.status for e in db.session.scalars(select(Escalation).where(
            Escalation.subject_id == second.id))} == {"resolved"}


def test_repeated_missed_tests_propose_a_penalty(app):
    with app.app_context():
        for n in (31, 32):
            arrived(resident_id(sequence=n))
        arrived(resident_id(sequence=33), community=B)
        feed_covers_from(ARRIVED - DAY)
        match(ARRIVED + 3 * DAY)
        day = (ARRIVED + 3 * DAY).date()
        # A: two people without tests (4 findings); B: one (2 findings, not yet repeated).
        run = propose_finding_penalties(day, NOW)
        assert run.proposed == [(A, "missed_tests")]
        (penalty,) = db.session.scalars(select(RewardPenalty)).all()
        assert (penalty.region_code, penalty.reason_category, penalty.status, penalty.source_type) == (
            A, "missed_tests", "proposed", "finding")
        propose_finding_penalties(day, NOW)
        assert db.session.scalar(select(func.count()).select_from(RewardPenalty)) == 1
        # Outside the window (the findings were raised on 03-08) nothing is proposed.
        assert propose_finding_penalties(day + dt.timedelta(days=7), NOW).proposed == []
        # Three arrivals from a risk area without control in B: code mismanagement.
        for n in (38, 39, 40):
            filing(resident_id(sequence=n), community=B, origin_region_code="440306", departure_at=ARRIVED - HOUR)
        import_feed("risk_area", jurisdiction=None, now=NOW, rows=[
            {"region_code": "440306", "level": "high", "effective_from": "2026-02-01"}])
        later = propose_finding_penalties(NOW.date(), NOW).proposed
        assert sorted(later) == [(A, "missed_tests"), (B, "code_mismanagement")]


def test_feeds_on_the_command_line(app, tmp_path):
    path = tmp_path / "tests.csv"
    path.write_bytes((HEADER + f"{resident_id(sequence=35)},王五,2026-03-09 08:00,阳性,金域\n").encode())
    runner = app.test_cli_runner()
    result = runner.invoke(args=["feeds", "import", "test_result", str(path), "--now", "2026-03-10T10:00"])
    assert result.exit_code == 0 and "1 rows" in result.output, result.output
    with app.app_context():  # the rows committed, then the colours decided
        code = db.session.get(HealthCode, identity.lookup_hash(resident_id(sequence=35)))
        assert (code.colour, code.rule, code.changed_at) == ("red", "positive", dt.datetime(2026, 3, 10, 2, 0))
    assert "unchanged" in runner.invoke(args=["feeds", "import", "test_result", str(path)]).output
    assert runner.invoke(args=["feeds", "match", "--now", "2026-03-10T10:00"]).exit_code == 0
    with app.app_context():
        batch_id = db.session.scalar(select(FeedBatch.id))
    assert runner.invoke(args=["feeds", "undo", str(batch_id)]).exit_code == 0


def test_risk_areas_are_kept_by_the_province(app, web):
    from models.crossmatch import RiskArea

    form = {"region_code": "440305", "level": "high", "effective_from": "2026-03-01 00:00:00",
            "effective_until": "", "note": "封控区"}
    web("city").post("/riskareaview/add", data=form)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(RiskArea)) == 0
    web("province").post("/riskareaview/add", data={**form, "region_code": "4403"})   # a city: refused
    web("province").post("/riskareaview/add", data=form)
    with app.app_context():
        (area,) = db.session.scalars(select(RiskArea)).all()
        assert (area.region_code, area.level, area.effective_until) == ("440305", "high", None)
    assert "440305" in web("officer").get("/riskareaview/list/").get_data(as_text=True)


def test_the_officer_sees_open_findings_per_kind(app, web):
    _two_findings(app)
    from app.crossmatch.findings import open_counts

    with app.app_context():
        assert open_counts(A)["positive"] == 1 and open_counts("4101")["positive"] == 2
    page = web("officer").get("/crossmatch/").get_data(as_text=True)
    assert "核酸阳性" in page and "<td>1</td>" in page


def test_times_no_calendar_holds_are_bad_rows_not_errors(app):
    rows = [{"id_number": resident_id(sequence=36), "sampled_at": "0001-01-01T00:00:00", "result": "negative"},
            {"id_number": resident_id(sequence=37), "sampled_at": "9999-12-31T23:59:59-23:00", "result": "negative"}]
    with app.app_context():
        outcome = import_feed("test_result", jurisdiction=None, rows=rows, now=NOW)
        assert outcome.refused and [(p.line, p.field) for p in outcome.rejected] == [(1, "sampled_at"), (2, "sampled_at")]
        area = import_feed("risk_area", jurisdiction=None, now=NOW, rows=[
            {"region_code": "440305", "level": "high", "effective_from": "2026-03-01", "effective_until": "9999-12-31"}])
        assert area.refused and area.rejected[0].field == "effective_until"
