"""Checkpoints 卡口: a checkpoint finds a filing bound for another city (the one named
exception to the jurisdiction rule) and learns four fields only; the pass log; no
filing: the paper form on the spot, the receipt by SMS and the finding for the
destination; transit passengers; passes in the rollups; the jurisdiction rule for
checkpoints and passes. The clock is a parameter wherever the service is called."""
import datetime as dt

import pytest
from sqlalchemy import func, select

from app.checkpoints import service
from app.core import identity
from app.core.errors import NotFound, ValidationFailed
from app.core.extensions import db
from app.healthcode.codes import record_colour
from app.healthcode.tokens import issue_code_token
from app.stats import rollups
from models import Notification
from models.checkpoint import Checkpoint, CheckpointPass
from models.crossmatch import Finding
from models.filing import Filing
from models.user import ConsoleUser
from tests.filing_data import report, resident_id, store

KAIFENG_COMMUNITY = "410202001009"   # another city (4102) than the checkpoint's (4101)
NOW = dt.datetime(2026, 3, 10, 2, 0)  # 10:00 local
DAY = dt.timedelta(days=1)
FOUR_FIELDS = {"name_masked", "destination", "filing_status", "colour"}


def checkpoint(name="郑州东站", region="410105", posted=("checkpoint",), kind="railway") -> int:
    site = Checkpoint(name=name, kind=kind, region_code=region, active=True)
    site.staff = list(db.session.scalars(select(ConsoleUser).where(ConsoleUser.username.in_(posted))))
    db.session.add(site)
    db.session.commit()
    return site.id


def account(username) -> int:
    return db.session.scalar(select(ConsoleUser.id).where(ConsoleUser.username == username))


def log(site, scanned, now=NOW, direction="in", transit=False, user="checkpoint", jurisdiction="4101"):
    return service.log_pass(site, scanned, direction=direction, transit=transit, jurisdiction=jurisdiction,
                            user_id=account(user), now=now)


def passes():
    return db.session.scalars(select(CheckpointPass).order_by(CheckpointPass.id)).all()


# ---- the province-wide lookup -------------------------------------------------------------

def test_a_checkpoint_finds_a_filing_of_another_city_and_logs_the_pass(app):
    created = store(app, now=NOW - 3 * DAY, days_ahead=3, destination_region_code=KAIFENG_COMMUNITY)
    with app.test_request_context():
        site = checkpoint()
        for scanned in (created.receipt, f"https://example.invalid/report/receipt/{created.receipt}#t=abc",
                        created.receipt.lower()):
            pass_id, shown = log(site, scanned)
            # From outside the province (the filing's origin): yellow, by the health-code rules.
            assert shown.name_masked == "张**" and shown.filing_status == "submitted" and shown.colour == "yellow"
            assert shown.destination == "南京巷社区"  # the name, not the code
        logged = passes()
        assert len(logged) == 3 and logged[0].id != pass_id
        first = logged[0]
        assert (first.checkpoint_id, first.region_code, first.direction, first.filing_id, first.without_filing,
                first.destination_region_code, first.passed_at, first.day) == (
            site, "410105", "in", created.id, False, KAIFENG_COMMUNITY, NOW, dt.date(2026, 3, 10))
        assert first.person_hash == db.session.get(Filing, created.id).id_number_hash
        # A filing of another trip (expected more than a day away, as the cross-matching
        # judges it) is none for this arrival.
        _pass_id, later = log(site, created.receipt, now=NOW + 2 * DAY)
        assert (later.filing_status, later.destination) == (None, None) and passes()[-1].without_filing


def test_the_lookup_reveals_the_four_fields_and_nothing_else(app, api):
    number = resident_id(sequence=501)
    created = store(app, now=NOW, days_ahead=1, id_number=number, destination_region_code=KAIFENG_COMMUNITY)
    with app.test_request_context():
        site = checkpoint()
        shown = service.province_wide_lookup(number, NOW)
        assert set(shown._fields) == FOUR_FIELDS
    answer = api("checkpoint").post("/api/v1/checkpoint/scan", json={"checkpoint_id": site, "scanned": number})
    assert answer.status_code == 201, answer.get_data(as_text=True)
    body = answer.json
    assert set(body) == FOUR_FIELDS | {"pass_id", "filing_status_label", "colour_label"}
    text = answer.get_data(as_text=True)
    for secret in (number, number[-4:] + '"', "13812345678", "5678", "体育路", "G802", "郑州大学", created.receipt,
                   "440305", f'"filing_id"'):
        assert secret not in text
    # Outside that one lookup the jurisdiction rule holds: the filing itself stays out of reach.
    assert api("checkpoint").get(f"/api/v1/filing/{created.id}").status_code == 404


def test_a_health_code_qr_gives_the_colour_and_an_expired_one_is_refused(app):
    number = resident_id(sequence=502)
    with app.test_request_context():
        site = checkpoint()
        person = identity.lookup_hash(number)
        record_colour(person, "yellow", "from_outside_province", NOW - DAY)
        db.session.commit()
        token = issue_code_token(person, NOW)
        pass_id, shown = log(site, token)
        assert shown == service.PassengerAtCheckpoint(None, None, None, "yellow")
        assert passes()[0].colour == "yellow" and passes()[0].without_filing
        with pytest.raises(ValidationFailed):
            log(site, token, now=NOW + dt.timedelta(minutes=10))
        for nonsense in ("", "  ", "hello world", "x" * 401):
            with pytest.raises(ValidationFailed):
                log(site, nonsense)
        with pytest.raises(ValidationFailed):
            log(site, "https://example.invalid/report/receipt/ABCDEFGHJK")  # no such receipt
        with pytest.raises(ValidationFailed):
            log(site, number, direction="sideways")
        assert len(passes()) == 1


# ---- no filing: the paper form on the spot ------------------------------------------------

def test_a_pass_without_filing_then_the_paper_form_sends_the_receipt_and_raises_the_finding(app, web):
    number = resident_id(sequence=503)
    with app.app_context():
        site = checkpoint()
    desk = web("checkpoint")
    page = desk.post("/checkpoint/", data={"checkpoint": site, "scanned": number, "direction": "in"})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "paper-form" in html and "/filingentry/paper?channel=checkpoint" in html
    with app.app_context():
        [logged] = passes()
        assert logged.without_filing and logged.filing_id is None
    # The paper form offers the whole province at a checkpoint, and files there.
    form = desk.get("/filingentry/paper?channel=checkpoint").get_data(as_text=True)
    assert 'data-root="41"' in form or "河南省" in form
    answer = desk.post("/api/v1/filing/?channel=checkpoint", json=report(
        now=NOW, days_ahead=0, id_number=number, destination_region_code=KAIFENG_COMMUNITY,
        expected_arrival_at=None) | {"expected_arrival_at": report()["expected_arrival_at"]})
    assert answer.status_code == 201, answer.get_data(as_text=True)
    filing_id = answer.json["id"]
    with app.app_context():
        filing = db.session.get(Filing, filing_id)
        assert filing.channel == "checkpoint" and filing.destination_region_code == KAIFENG_COMMUNITY
        sms = db.session.scalars(select(Notification).where(Notification.filing_id == filing_id)).all()
        assert [m.kind for m in sms] == ["receipt"] and filing.receipt in sms[0].body
        [finding] = db.session.scalars(select(Finding).where(Finding.kind == "arrived_without_filing")).all()
        assert (finding.region_code, finding.filing_id, finding.person_hash, finding.name_masked) == (
            KAIFENG_COMMUNITY, filing_id, identity.lookup_hash(number), "张**")
        [logged] = passes()
        assert logged.filing_id == filing_id and logged.without_filing  # still counted as arrived without
        # Idempotent: linking again raises nothing new.
        assert service.link_paper_filings([filing_id], user_id=account("checkpoint"), now=logged.passed_at) == 0
        assert db.session.scalar(select(func.count()).select_from(Finding)) == 1


def test_only_a_form_filled_at_a_checkpoint_may_go_anywhere_in_the_province(app, web):
    body = report(destination_region_code=KAIFENG_COMMUNITY)
    # An officer's paper form stays within their jurisdiction, whatever channel it claims.
    refused = web("officer").post("/api/v1/filing/?channel=checkpoint", json=body)
    assert refused.status_code == 400
    # A Checkpoint account posted nowhere is not at a checkpoint either.
    assert web("checkpoint").post("/api/v1/filing/?channel=checkpoint", json=body).status_code == 400
    assert web("checkpoint").post("/api/v1/filing/?channel=paper", json=body).status_code == 400
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Filing)) == 0


def test_a_transit_passenger_needs_no_filing_and_is_on_the_transit_list(app, web):
    number = resident_id(sequence=504)
    with app.test_request_context():
        site = checkpoint()
        far = checkpoint("开封站", region="410202", posted=())
        log(site, number, transit=True)
        db.session.add(CheckpointPass(checkpoint_id=far, region_code="410202", passed_at=NOW, day=NOW.date(),
                                      direction="in", transit=True, person_hash="p" * 64, name_masked="李**"))
        db.session.commit()
        [mine, _other] = passes()
        assert mine.transit and not mine.without_filing
        assert service.link_paper_filings([], user_id=account("checkpoint"), now=NOW) == 0
        assert [p.id for p in service.transit_passes("4101", NOW.date(), NOW.date())] == [mine.id]
    page = web("city").get("/transit/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert html.count('class="transit-pass"') in (0, 1)  # today's list: the test's day may be past
    assert "李**" not in html and "开封站" not in html


# ---- the rollups ---------------------------------------------------------------------------

def test_passes_per_checkpoint_and_day_are_in_the_rollup(app, api):
    with app.test_request_context():
        east = checkpoint("郑州东站")
        airport = checkpoint("郑州机场", region="410105", kind="airport")
        far = checkpoint("开封站", region="410202", posted=())
        for at, site, scanned in ((NOW, east, resident_id(sequence=511)), (NOW, east, resident_id(sequence=512)),
                                  (NOW + DAY, east, resident_id(sequence=513)), (NOW, airport, resident_id(sequence=514))):
            log(site, scanned, now=at)
        log(airport, resident_id(sequence=515), now=NOW, direction="out")
        db.session.add(CheckpointPass(checkpoint_id=far, region_code="410202", passed_at=NOW, day=NOW.date(),
                                      direction="in", person_hash="p" * 64, without_filing=True))
        db.session.commit()
        span = rollups.DateRange(dt.date(2026, 3, 1), dt.date(2026, 3, 31))
        counted = rollups.rollup("4101", span, NOW, jurisdiction="4101")["checkpoints"]
        assert (counted["passes"], counted["arrived_without_filing"]) == (5, 4)
        by_name = {c["name"]: c for c in counted["by_checkpoint"]}
        assert set(by_name) == {"郑州东站", "郑州机场"}
        assert by_name["郑州东站"]["by_day"] == [
            {"day": "2026-03-10", "passes": 2, "arrived_without_filing": 2},
            {"day": "2026-03-11", "passes": 1, "arrived_without_filing": 1}]
        assert (by_name["郑州机场"]["passes"], by_name["郑州机场"]["arrived_without_filing"]) == (2, 1)
        assert rollups.rollup("41", span, NOW, jurisdiction="41")["checkpoints"]["passes"] == 6
        assert rollups.rollup("4102", span, NOW, jurisdiction="4102")["checkpoints"]["passes"] == 1
        with pytest.raises(NotFound):
            rollups.checkpoint_passes("4102", span, jurisdiction="4101")
    answer = api("city").get("/api/v1/stats/rollup?region=4101&from=2026-03-01&to=2026-03-31")
    assert answer.status_code == 200 and answer.json["checkpoints"]["passes"] == 5
    assert api("city2").get("/api/v1/stats/rollup?region=4102&from=2026-03-01&to=2026-03-31").json[
        "checkpoints"]["passes"] == 1


def test_the_dashboard_charts_the_passes(app, web):
    with app.test_request_context():
        log(checkpoint("郑州东站"), resident_id(sequence=521), now=NOW)
    page = web("city").get("/stats/chart/checkpoints?region=4101&from=2026-03-01&to=2026-03-31")
    assert page.status_code == 200
    assert page.json["name"] == "checkpoints" and "郑州东站" in page.json["html"]
    assert page.json["figure"]["data"][0]["x"] == ["郑州东站"]
    export = web("city").get("/stats/export/checkpoints?region=4101&from=2026-03-01&to=2026-03-31")
    assert export.status_code == 200


# ---- the jurisdiction rule for checkpoints and passes ----------------------------------------

def test_another_jurisdictions_checkpoint_and_pass_answer_404_and_are_not_listed(app, web, api):
    with app.test_request_context():
        far = checkpoint("开封站", region="410202", posted=("checkpoint",))  # wrongly posted across cities
        near = checkpoint("郑州东站")
        db.session.add(CheckpointPass(checkpoint_id=far, region_code="410202", passed_at=NOW, day=NOW.date(),
                                      direction="in", person_hash="p" * 64, name_masked="李**"))
        db.session.commit()
        far_pass = passes()[0].id
        # The account's checkpoints are those of its jurisdiction only; another answers 404.
        assert [c.id for c in service.posted_checkpoints(account("checkpoint"), "4101")] == [near]
        with pytest.raises(NotFound):
            log(far, resident_id(sequence=531))
        with pytest.raises(NotFound):
            service.scoped_pass(far_pass, "4101")
    city = web("city")
    assert city.get(f"/checkpointview/show/{far}").status_code == 404
    assert city.get(f"/checkpointview/edit/{far}").status_code == 404
    assert city.get(f"/checkpointpassview/show/{far_pass}").status_code == 404
    listed = city.get("/checkpointview/list/").get_data(as_text=True)
    assert "郑州东站" in listed and "开封站" not in listed
    assert "李**" not in city.get("/checkpointpassview/list/").get_data(as_text=True)
    assert web("city2").get(f"/checkpointview/show/{far}").status_code == 200
    assert web("city2").get(f"/checkpointpassview/show/{far_pass}").status_code == 200
    scan = api("checkpoint").post("/api/v1/checkpoint/scan", json={"checkpoint_id": far, "scanned": resident_id(sequence=532)})
    assert scan.status_code == 404
    assert api("checkpoint").post("/api/v1/checkpoint/scan", json={"checkpoint_id": near, "scanned": "??"}).status_code == 400
    assert web("checkpoint").post("/checkpoint/", data={"checkpoint": far, "scanned": resident_id(sequence=533)}).status_code == 404


def test_command_staff_keep_checkpoints_of_their_jurisdiction_only(app, web):
    city = web("city")
    page = city.get("/checkpointview/add")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "checkpoint" in html  # the account of the city may be posted
    with app.app_context():
        refused = Checkpoint(name="开封站", kind="railway", region_code="410202")
        refused.staff = [db.session.get(ConsoleUser, account("city2"))]
    with app.test_request_context():
        with pytest.raises(ValidationFailed):
            service.check_staff_within(refused, "4101")
        service.check_staff_within(refused, "4102")
    # Checkpoint accounts scan; they do not keep checkpoints, and other roles do not scan.
    assert web("checkpoint").get("/checkpointview/list/").status_code in (302, 403)
    assert web("officer").get("/checkpoint/").status_code in (302, 403)
    assert web("city").get("/checkpoint/").status_code in (302, 403)


# ---- the demo ------------------------------------------------------------------------------

def test_the_demo_posts_the_checkpoint_account_and_logs_passes_once(app):
    for sequence in range(541, 561):
        store(app, now=NOW - 5 * DAY, days_ahead=4, id_number=resident_id(sequence=sequence),
              destination_region_code=KAIFENG_COMMUNITY if sequence % 2 else "410105001003")
    from app.checkpoints.demo import create_demo_checkpoints
    with app.test_request_context():
        create_demo_checkpoints(now=NOW, seed=3)
        sites = db.session.scalars(select(Checkpoint)).all()
        assert {s.region_code[:4] for s in sites} == {"4101"} and sites
        assert service.posted_checkpoints(account("checkpoint"), "4101")
        logged = len(passes())
        assert logged >= 20 and {p.filing_id for p in passes() if p.direction == "in" and not p.without_filing}
        create_demo_checkpoints(now=NOW, seed=3)
        assert len(passes()) == logged


def test_command_staff_add_a_checkpoint_in_their_jurisdiction_and_post_an_account(app, web):
    city = web("city")
    with app.app_context():
        posted = account("checkpoint")
    fields = {"name": "郑州南站", "kind": "railway", "address": "航空港区", "active": "y", "staff": [str(posted)]}
    city.post("/checkpointview/add", data={**fields, "region_code": "410202"})  # refused: another city
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Checkpoint)) == 0
    added = city.post("/checkpointview/add", data={**fields, "region_code": "410105"})
    assert added.status_code == 302
    with app.app_context():
        [site] = db.session.scalars(select(Checkpoint)).all()
        assert (site.name, site.kind, site.region_code, [u.username for u in site.staff]) == (
            "郑州南站", "railway", "410105", ["checkpoint"])
        assert [c.name for c in service.posted_checkpoints(posted, "4101")] == ["郑州南站"]
