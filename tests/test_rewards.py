"""Rewards and penalties: the scheduler's idempotent proposals, decisions by a higher
level only, totals per jurisdiction."""
import datetime as dt

import pytest
from sqlalchemy import func, select

from app.ledgers import rewards
from app.core.errors import ValidationFailed
from app.core.extensions import db
from models.rewards import RewardPenalty


def _propose(app, region, category="late_report", at=dt.datetime(2022, 3, 2, 1), escalation_id=None):
    with app.app_context():
        record = rewards.propose_penalty(db.session, region, category, "连续迟报", escalation_id=escalation_id,
                                         proposed_at=at)
        db.session.commit()
        return record.id


def test_the_scheduler_proposes_a_penalty_once_per_region_reason_and_month(app):
    first = _propose(app, "410105001003", escalation_id=42)
    assert _propose(app, "410105001003", at=dt.datetime(2022, 3, 20)) == first
    # 2022-02-28 16:30 UTC is already March 1st in Shanghai: the same period.
    assert _propose(app, "410105001003", at=dt.datetime(2022, 2, 28, 16, 30)) == first
    assert _propose(app, "410105001003", at=dt.datetime(2022, 2, 28, 15, 30)) != first
    assert _propose(app, "410105001003", "missing_report") != first
    assert _propose(app, "410105001006") != first
    with app.app_context():
        record = db.session.get(RewardPenalty, first)
        assert (record.period, record.status, record.kind, record.source_type, record.source_id,
                record.proposed_by_id) == ("2022-03", "proposed", "penalty", "escalation", 42, None)
        assert db.session.scalar(select(func.count()).select_from(RewardPenalty)) == 4
        with pytest.raises(ValidationFailed):
            rewards.propose_penalty(db.session, "410105001003", "early_discovery", "不是处罚")


def _post(api, username, **body):
    return api(username).post("/api/v1/reward/", json={
        "kind": "penalty", "target": "unit", "reason_category": "weak_control", "reason": "管控不力", **body})


def test_approval_needs_a_higher_level(app, api):
    township, county = api("township"), api("county")
    response = _post(api, "township", region_code="410105001003", amount=500)
    assert response.status_code == 201, response.json
    community_record = response.json["id"]
    own_record = _post(api, "township", region_code="410105001").json["id"]

    # A township decides its communities' records, not its own township's.
    assert township.post(f"/api/v1/reward/{community_record}/approve", json={"note": "同意"}).json["status"] == "approved"
    refused = township.post(f"/api/v1/reward/{own_record}/approve")
    assert refused.status_code == 400 and "更高一级" in refused.json["message"]
    assert api("officer").post(f"/api/v1/reward/{own_record}/approve").status_code in (401, 403)
    assert api("township2").post(f"/api/v1/reward/{own_record}/approve").status_code == 404
    assert county.post(f"/api/v1/reward/{own_record}/reject", json={"note": "证据不足"}).json["status"] == "rejected"
    assert county.post(f"/api/v1/reward/{own_record}/approve").status_code == 409  # decided already
    # A decided record no longer changes.
    assert township.put(f"/api/v1/reward/{community_record}", json={"reason": "改"}).status_code == 409
    with app.app_context():
        record = db.session.get(RewardPenalty, community_record)
        assert record.decided_by_id is not None and record.decision_note == "同意" and record.reason == "管控不力"


def test_a_proposal_is_checked(api):
    response = _post(api, "township", region_code="410105001003", kind="reward")  # weak control is no reward
    assert response.status_code == 400 and response.json["errors"]["reason_category"]
    response = _post(api, "township", region_code="410105002001")  # another township
    assert response.status_code == 400 and response.json["errors"]["region_code"]
    response = _post(api, "township", region_code="410105001003", source_type="escalation")
    assert response.status_code == 400 and response.json["errors"]["source_id"]


def test_the_screen_approves_the_selected_proposals(app, web):
    record = _propose(app, "410105001006")
    page = web("township").post("/rewardview/action_post", data={"action": "approve", "rowid": [record]},
                                follow_redirects=True).get_data(as_text=True)
    assert "已审批 1 条记录" in page
    with app.app_context():
        assert db.session.get(RewardPenalty, record).status == "approved"


def test_totals_per_jurisdiction(app, api, web):
    for region, amount in (("410105001003", 500), ("410105001006", 200), ("410105002001", 1000)):
        record = _post(api, "county", region_code=region, amount=amount).json["id"]
        assert api("county").post(f"/api/v1/reward/{record}/approve").status_code == 200
    _propose(app, "410105001007")
    totals = api("county").get("/api/v1/reward/totals").json
    assert totals["region"]["penalties"] == 3 and totals["region"]["penalty_amount"] == "1700.00"
    by_code = {row["code"]: row for row in totals["children"]}
    assert by_code["410105001"]["penalties"] == 2 and by_code["410105001"]["penalty_amount"] == "700.00"
    assert by_code["410105001"]["proposed"] == 1 and by_code["410105002"]["penalties"] == 1
    township = api("township").get("/api/v1/reward/totals").json
    assert {row["code"] for row in township["children"]} == {"410105001003", "410105001006", "410105001007"}
    assert api("township").get("/api/v1/reward/totals?region=410105002").status_code == 400
    page = web("county").get("/rewardview/totals/?region=410105001").get_data(as_text=True)
    assert "体育社区居民居委会" in page and "500.00" in page
