"""Integrators: the API docs, the import of filings from a local system, the change feed."""
import datetime as dt

from flask_jwt_extended import create_access_token

from app.core.extensions import db
from app.filings import changes as change_feed
from app.filings import service as filings
from models import Filing, Finding
from models.base import utcnow
from tests.conftest import user_id
from tests.filing_data import NEIGHBOUR_COMMUNITY, OWN_COMMUNITY, count_filings, report, store


def test_the_integrator_opens_the_spec_and_swagger_ui(api, web):
    spec = api("integrator").get("/api/v1/_openapi")
    assert spec.status_code == 200
    paths = spec.json["paths"]
    assert "post" in paths["/api/v1/public/filings"] and "/api/v1/filing/" in paths
    assert web("integrator").get("/swagger/v1").status_code == 200
    assert api("officer").get("/api/v1/_openapi").status_code == 403
    assert web("admin").get("/swagger/v1").status_code == 200


# ---- POST /api/v1/filing/import -----------------------------------------------------------

def _batch(*rows):
    return {"filings": [{"external_id": external_id, **report(**overrides)} for external_id, overrides in rows]}


def _imported(app, external_id):
    with app.app_context():
        return db.session.execute(db.select(Filing.__table__).where(Filing.external_id == external_id)).mappings().all()


def test_a_batch_is_stored_with_channel_import_and_sending_it_again_changes_nothing(app, api):
    batch = _batch(("L-1", {}), ("L-2", {"destination_region_code": NEIGHBOUR_COMMUNITY}))
    first = api("integrator").post("/api/v1/filing/import", json=batch)
    assert first.status_code == 200, first.json
    assert [row["external_id"] for row in first.json["created"]] == ["L-1", "L-2"]
    assert first.json["unchanged"] == [] and first.json["errors"] == []
    stored = _imported(app, "L-1")
    assert len(stored) == 1 and stored[0]["channel"] == "import" and stored[0]["filed_by_id"] == user_id(app, "integrator")
    before = count_filings(app)

    again = api("integrator").post("/api/v1/filing/import", json=batch)
    assert again.status_code == 200, again.json
    assert again.json["created"] == []
    assert [(r["index"], r["external_id"], r["id"]) for r in again.json["unchanged"]] == [
        (r["index"], r["external_id"], r["id"]) for r in first.json["created"]]
    assert count_filings(app) == before

    # A new row with the old ones: only it is stored.
    grown = {"filings": batch["filings"] + _batch(("L-3", {}))["filings"]}
    third = api("integrator").post("/api/v1/filing/import", json=grown)
    assert [r["external_id"] for r in third.json["created"]] == ["L-3"]
    assert [r["external_id"] for r in third.json["unchanged"]] == ["L-1", "L-2"]
    assert count_filings(app) == before + 1


def test_one_bad_row_rejects_the_whole_batch_with_every_problem_by_row(app, api):
    batch = _batch(("A", {}), ("B", {"transport_mode": "rocket", "commitment": False}), ("C", {}))
    batch["filings"][2].pop("name")
    response = api("integrator", language="en").post("/api/v1/filing/import", json=batch)
    assert response.status_code == 400, response.json
    assert set(response.json["errors"]) == {"1", "2"}
    assert any(m.startswith("transport_mode:") for m in response.json["errors"]["1"])
    assert any(m.startswith("commitment:") for m in response.json["errors"]["1"])
    assert any(m.startswith("name:") for m in response.json["errors"]["2"])
    assert response.json["message"] == "The batch has errors; nothing was imported."
    # shared/API.md's batch answer beside it: nothing created, each problem as {index, field, message}.
    assert response.json["created"] == [] and response.json["unchanged"] == []
    listed = {(e["index"], e["field"]) for e in response.json["row_errors"]}
    assert {(1, "transport_mode"), (1, "commitment"), (2, "name")} <= listed
    assert {index for index, _field in listed} == {1, 2}
    assert all(e["message"] for e in response.json["row_errors"])
    assert len(response.json["row_errors"]) == sum(len(v) for v in response.json["errors"].values())
    assert count_filings(app) == 0
    chinese = api("integrator").post("/api/v1/filing/import", json=batch)
    assert chinese.json["message"] == "批次有错误，未导入任何数据。"


def test_external_ids_are_required_and_unique_in_a_batch(app, api):
    batch = _batch(("X", {}), ("X", {}), ("", {}))
    response = api("integrator").post("/api/v1/filing/import", json=batch)
    assert response.status_code == 400
    assert set(response.json["errors"]) == {"1", "2"}
    assert api("integrator").post("/api/v1/filing/import", json={"filings": "x"}).status_code == 400
    assert api("integrator").post("/api/v1/filing/import", json=[1]).status_code == 400
    assert count_filings(app) == 0


def test_the_jurisdiction_bounds_the_destinations_and_external_ids_are_per_integrator(app, api):
    outside = api("integrator2").post("/api/v1/filing/import", json=_batch(("Z-1", {})))
    assert outside.status_code == 400 and "destination_region_code" in outside.json["errors"]["0"][0]
    assert count_filings(app) == 0
    mine = api("integrator").post("/api/v1/filing/import", json=_batch(("Z-1", {})))
    assert mine.status_code == 200 and len(mine.json["created"]) == 1


def test_a_person_already_filed_for_that_day_is_a_row_error(app, api):
    body = report()
    api("officer").post("/api/v1/filing/", json=body)
    response = api("integrator").post("/api/v1/filing/import", json={"filings": [{"external_id": "D", **body}]})
    assert response.status_code == 400 and response.json["errors"]["0"][0].startswith("id_number:")


def test_only_integrators_and_admins_import(api):
    assert api("officer").post("/api/v1/filing/import", json=_batch(("O", {}))).status_code == 403
    assert api("city").post("/api/v1/filing/import", json=_batch(("O", {}))).status_code == 403


# ---- GET /api/v1/changes ------------------------------------------------------------------

OTHER_CITY_COMMUNITY = "410202001009"  # in 4102: integrator2's, never integrator's


def _history(app, start):
    """A filing of each city; a check, a transfer and a finding raised then resolved in
    4101, a finding in 4102: each a minute after the one before, from ``start``."""
    mine = store(app, now=start)
    theirs = store(app, now=start, destination_region_code=OTHER_CITY_COMMUNITY)
    with app.test_request_context():
        minute = dt.timedelta(minutes=1)
        check_id, _row = filings.record_check(db.session.connection(), mine.id, {
            "method": "phone", "arrived": False}, now=start + minute, jurisdiction=None)
        transfer_id, _row = filings.transfer_filing(db.session.connection(), mine.id, {
            "to_region_code": NEIGHBOUR_COMMUNITY, "reason": "搬家"}, now=start + 2 * minute, jurisdiction=None)
        found = [Finding(kind="positive", priority=1, person_hash=f"p{n}", episode="e", region_code=code,
                         name_masked="张*", raised_at=start + (3 + n) * minute, status="open")
                 for n, code in enumerate((OWN_COMMUNITY, OTHER_CITY_COMMUNITY))]
        db.session.add_all(found)
        db.session.flush()
        found[0].status, found[0].resolved_at = "resolved", start + 5 * minute
        db.session.commit()
        return mine.id, theirs.id, check_id, transfer_id, found[0].id, found[1].id


def _follow(api, username, limit, since=None):
    """Every change the feed lists, page by page, and the cursors it gave."""
    seen, cursors = [], []
    while True:
        query = f"?limit={limit}" + (f"&since={since}" if since else "")
        page = api(username).get(f"/api/v1/changes{query}")
        assert page.status_code == 200, page.json
        seen += page.json["changes"]
        cursors.append(page.json["next"])
        if len(page.json["changes"]) < limit:
            return seen, cursors
        since = page.json["next"]


def test_the_feed_lists_the_changes_of_the_jurisdiction_in_order(app, api):
    start = utcnow().replace(microsecond=0) - dt.timedelta(hours=2)
    mine, theirs, check_id, transfer_id, finding_id, other_finding = _history(app, start)
    seen, cursors = _follow(api, "integrator", limit=2)
    assert [(c["kind"], c["id"]) for c in seen] == [
        ("check", check_id), ("filing", mine), ("transfer", transfer_id), ("finding", finding_id),
        ("finding", finding_id)]
    assert [c["status"] for c in seen if c["kind"] == "finding"] == ["resolved", "resolved"]
    assert seen[1]["region_code"] == NEIGHBOUR_COMMUNITY and seen[1]["receipt"]
    assert all(c["at"].endswith("+08:00") for c in seen)
    assert "name" not in seen[1] and "id_number_masked" not in seen[1]
    positions = [change_feed.parse_cursor(cursor) for cursor in cursors]
    assert sorted(positions) == positions  # monotonic
    # Followed to the end: nothing more, and the cursor stays.
    again = api("integrator").get(f"/api/v1/changes?since={cursors[-1]}")
    assert again.json["changes"] == [] and change_feed.parse_cursor(again.json["next"]) >= positions[-1]
    # The other city sees its own rows only.
    theirs_seen, _cursors = _follow(api, "integrator2", limit=100)
    assert [(c["kind"], c["id"]) for c in theirs_seen] == [("filing", theirs), ("finding", other_finding)]


def test_a_row_of_another_jurisdiction_never_appears(app, api):
    start = utcnow() - dt.timedelta(hours=1)
    _mine, theirs, *_ids, other_finding = _history(app, start)
    seen, _cursors = _follow(api, "integrator", limit=1)
    assert ("filing", theirs) not in [(c["kind"], c["id"]) for c in seen]
    assert ("finding", other_finding) not in [(c["kind"], c["id"]) for c in seen]
    assert all(c["region_code"].startswith("4101") for c in seen)


def test_changes_younger_than_the_lag_wait_for_a_later_call(app):
    start = dt.datetime(2026, 5, 1, 2, 0)
    lag = dt.timedelta(seconds=60)
    first = store(app, now=start)
    with app.app_context():
        def feed(since, now):
            return change_feed.changes(db.session.connection(), since, now=now, lag=lag, limit=10,
                                       jurisdiction="4101")
        early = feed(None, start + dt.timedelta(seconds=30))
        assert early["changes"] == []
        # A write whose transaction began at ``start`` may commit only now: still listed.
        listed = feed(early["next"], start + dt.timedelta(seconds=61))
        assert [c["id"] for c in listed["changes"]] == [first.id]
        assert change_feed.parse_cursor(listed["next"]) > change_feed.parse_cursor(early["next"])
        assert feed(listed["next"], start + dt.timedelta(seconds=90))["changes"] == []
        # A clock going back never moves the cursor back.
        assert feed(listed["next"], start)["next"] == listed["next"]


def test_a_bad_cursor_or_limit_answers_400_and_only_integrators_follow(api):
    for query in ("?since=abc", "?since=1-9-1", "?limit=0", "?limit=5000", "?limit=x"):
        response = api("integrator").get(f"/api/v1/changes{query}")
        assert response.status_code == 400 and response.json["errors"], query
    assert api("officer").get("/api/v1/changes").status_code == 403
    assert api("city").get("/api/v1/changes").status_code == 403


# ---- times with their offset, JWT errors, no verbs that always answer 403 -------------------

def test_api_times_carry_their_offset_and_the_spec_says_so(app, api):
    created = store(app, now=dt.datetime(2026, 5, 1, 2, 0, 0, 123456))
    shown = api("integrator").get(f"/api/v1/filing/{created.id}").json["result"]
    assert shown["filed_at"] == "2026-05-01T02:00:00.123456+00:00"
    assert dt.datetime.fromisoformat(shown["expected_arrival_at"]).utcoffset() == dt.timedelta(0)
    listed = api("integrator").get("/api/v1/filing/").json["result"][0]
    assert listed["updated_at"].endswith("+00:00")
    chosen = api("integrator").get("/api/v1/filing/?q=(columns:!(id,filed_at))").json["result"][0]
    assert chosen["filed_at"].endswith("+00:00")
    history = api("officer").get(f"/api/v1/filing/{created.id}/history").json["revisions"][0]
    assert history["at"].endswith("+00:00")
    schema = api("integrator").get("/api/v1/_openapi").json["components"]["schemas"]["FilingApi.get"]
    assert schema["properties"]["filed_at"]["format"] == "date-time"
    assert "offset" in schema["properties"]["filed_at"]["description"]


def test_token_errors_answer_in_the_error_shape_translated(app):
    with app.test_request_context():
        expired = create_access_token(str(user_id(app, "integrator")), expires_delta=dt.timedelta(seconds=-10))
    client = app.test_client()
    cases = [({"Authorization": f"Bearer {expired}"}, 401, "Your sign-in has expired; sign in again."),
             ({"Authorization": "Bearer garbage"}, 422, "The access token is not valid; sign in again."),
             ({}, 401, "Send the access token of a sign-in: Authorization: Bearer <token>.")]
    for headers, status, english in cases:
        response = client.get("/api/v1/changes", headers={**headers, "Accept-Language": "en"})
        assert response.status_code == status
        assert response.json["message"] == english and response.json["errors"] == {"token": [english]}
        chinese = client.get("/api/v1/changes", headers=headers).json
        assert chinese["message"] != english and chinese["errors"]["token"] == [chinese["message"]]


def test_the_spec_offers_only_what_the_role_may_use(api):
    paths = api("integrator").get("/api/v1/_openapi").json["paths"]
    assert set(paths["/api/v1/filing/"]) == {"get"}
    assert set(paths["/api/v1/filing/{pk}"]) == {"get"}
    assert "post" in paths["/api/v1/filing/import"] and "get" in paths["/api/v1/changes"]
    assert "post" in paths["/api/v1/filing/{pk}/check"]  # FILING_CHECK: RW
    assert set(paths["/api/v1/region/"]) == {"get"}
    assert "post" in paths["/api/v1/public/filings"] and "post" in paths["/api/v1/security/login"]
    for operations in paths.values():
        for operation in operations.values():
            assert set(operation.get("responses", {})) != {"403"}
    admin = api("admin").get("/api/v1/_openapi").json["paths"]
    assert {"get", "post"} <= set(admin["/api/v1/filing/"]) and "delete" in admin["/api/v1/filing/{pk}"]
    hidden = set(admin) - set(paths)  # whole resources the integrator may not use
    assert "/api/v1/audit_log/" in hidden and "/api/v1/building/" in hidden
