"""The statistics follow the real filing service: after filings, edits, checks,
transfers and cancellations through the HTTP contract, the summaries equal a direct
count and the rollup API answers the same numbers as a live GROUP BY."""
import datetime as dt

from app.core.extensions import db
from app.stats.rollups import DateRange, live_counts
from app.stats.summary import verify_summaries
from models.base import utcnow
from tests.filing_data import NEIGHBOUR_COMMUNITY, OTHER_COUNTY_COMMUNITY, report, resident_id


def test_summaries_equal_direct_counts_after_the_whole_lifecycle(app, client, api):
    now = utcnow()
    created = []
    for days in (1, 2, 2, 4, 5, 6):
        response = client.post("/api/v1/public/filings", json=report(now=now, days_ahead=days,
                                                                     id_number=resident_id()))
        assert response.status_code == 201, response.json
        created.append(response.json)
    family = client.post("/api/v1/public/filings/batch", json={"filings": [
        report(now=now, days_ahead=3, id_number=resident_id(), risk_area_14d=True),
        report(now=now, days_ahead=3, id_number=resident_id())]})
    assert family.status_code == 201

    def token(c):
        return {"X-Filing-Token": c["token"]}

    # The traveller moves an arrival by a day, and cancels another trip.
    moved = report(now=now, days_ahead=7)
    assert client.put(f"/api/v1/public/filings/{created[0]['receipt']}", headers=token(created[0]),
                      json={"expected_arrival_at": moved["expected_arrival_at"],
                            "departure_at": moved["departure_at"]}).status_code == 200
    assert client.delete(f"/api/v1/public/filings/{created[1]['receipt']}",
                         headers=token(created[1])).status_code == 200

    officer = api("officer")
    ids = {f["receipt"]: f["id"] for f in officer.get(
        "/api/v1/filing/?q=(page_size:100)").json["result"]}
    check = officer.post(f"/api/v1/filing/{ids[created[2]['receipt']]}/check", json={
        "method": "visit", "arrived": True, "control_measure": "home_quarantine"})
    assert check.status_code == 200, check.json
    transfer = officer.post(f"/api/v1/filing/{ids[created[3]['receipt']]}/transfer", json={
        "to_region_code": NEIGHBOUR_COMMUNITY, "reason": "住址在邻近社区"})
    assert transfer.status_code == 200, transfer.json

    with app.app_context():
        assert verify_summaries(db.session) == []
    days = DateRange(dt.date.today() - dt.timedelta(days=3), dt.date.today() + dt.timedelta(days=10))
    rollup = api("township").get(f"/api/v1/stats/rollup?region=410105001&from={days.start}&to={days.end}").json
    with app.test_request_context():
        live = live_counts("410105001", days, jurisdiction="410105001")
    for name in ("filings", "arrived", "checked", "pending", "risk_area", "under_control"):
        assert rollup["total"][name] == live["total"][name], name
    by_code = {c["code"]: c for c in rollup["children"]}
    assert by_code[NEIGHBOUR_COMMUNITY]["filings"] == 1
    assert rollup["total"]["filings"] == 7  # 8 filed, one cancelled


def test_new_filings_count_at_once_and_after_they_are_folded_in(app, client, api):
    """On PostgreSQL new filings wait in stats_pending until the fold job adds them to
    the summary tables; the rollups count them exactly before and after, and edits and
    checks of a filing still pending keep every count right."""
    from sqlalchemy import func, select

    from app.stats.rollups import breakdown
    from app.stats.summary import PENDING, fold_pending
    from models.stats import ORIGIN, TRANSPORT
    from scheduler.jobs import fold_summaries_job
    from models.stats import StatsDaily

    now = utcnow()
    filed = [client.post("/api/v1/public/filings", json=report(now=now, days_ahead=2, id_number=resident_id()))
             for _ in range(3)]
    assert all(r.status_code == 201 for r in filed)
    elsewhere = client.post("/api/v1/public/filings", json=report(
        now=now, days_ahead=2, id_number=resident_id(), destination_region_code=OTHER_COUNTY_COMMUNITY))
    assert elsewhere.status_code == 201  # pending too, in another county: in no count below
    officer = api("officer")
    ids = {f["receipt"]: f["id"] for f in officer.get("/api/v1/filing/?q=(page_size:100)").json["result"]}
    assert officer.post(f"/api/v1/filing/{ids[filed[0].json['receipt']]}/check", json={
        "method": "visit", "arrived": True}).status_code == 200
    days = DateRange(dt.date.today(), dt.date.today() + dt.timedelta(days=5))
    url = f"/api/v1/stats/rollup?region=410105001&from={days.start}&to={days.end}"
    township = api("township")
    before = township.get(url).json["total"]
    assert before["filings"] == 3 and before["checked"] == 1

    def by_origin_and_transport():
        with app.test_request_context():
            return [breakdown("410105", days, kind, jurisdiction="410105") for kind in (ORIGIN, TRANSPORT)]
    assert by_origin_and_transport() == [{"4403": 3}, {"train": 3}]
    with app.app_context():
        pending = db.session.scalar(select(func.count()).select_from(PENDING))
        assert pending == (4 if db.engine.dialect.name == "postgresql" else 0)
        assert fold_summaries_job(now) == pending
        assert db.session.scalar(select(func.count()).select_from(PENDING)) == 0
        assert fold_pending(db.session) == 0  # nothing twice
        assert verify_summaries(db.session) == []
        assert db.session.scalar(select(func.min(StatsDaily.filings))) >= 0
    assert township.get(url).json["total"] == before
    assert township.get(url.replace("410105001", "410102001")).status_code == 404
    assert by_origin_and_transport() == [{"4403": 3}, {"train": 3}]
