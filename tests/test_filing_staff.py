"""Staff work on filings: the scoped list and API, checks, transfers, corrections, paper
entry, the queue, the filing page and revealing an ID number."""
import datetime as dt
import json

import pytest
from sqlalchemy import select

from app.core.extensions import db
from models import AuditLog, Filing, FilingCheck, FilingRevision, FilingTransfer, Notification
from models.base import utcnow
from tests.conftest import user_id
from tests.filing_data import (
    NEIGHBOUR_COMMUNITY,
    OTHER_COUNTY_COMMUNITY,
    OWN_COMMUNITY,
    count_filings,
    filing_row,
    iso,
    report,
    store,
)
from tests.scoping import ScopedResource, assert_scoped
from tests.test_filing_public import heard  # noqa: F401  (fixture)


def _insert_foreign_province_filing(app):
    """A filing outside Henan (only the admin test needs one): inserted directly."""
    created = store(app)
    with app.app_context():
        db.session.execute(Filing.__table__.update().where(Filing.id == created.id)
                           .values(destination_region_code="440305001001"))
        db.session.commit()
    return created.id


def test_filings_are_scoped_for_an_officer(app, web, api):
    own = store(app).id
    foreign = store(app, destination_region_code=NEIGHBOUR_COMMUNITY).id
    assert_scoped(web, api, ScopedResource(
        viewer="officer", own_pk=own, foreign_pk=foreign,
        still_exists=lambda pk: (filing_row(app, pk) or {}).get("destination_address") == "体育路1号院3号楼2单元401",
        view="/filingview", api="/api/v1/filing",
        api_put_body={"destination_address": "改"}, can_delete=False,
        foreign_writes=[
            ("post", "/api/v1/filing/", report(destination_region_code=NEIGHBOUR_COMMUNITY)),
            ("post", "/api/v1/filing/", {"filings": [report(), report(destination_region_code=OTHER_COUNTY_COMMUNITY)]}),
        ],
    ))
    officer = api("officer")
    # The officer's acts on a filing of another community answer 404 and change nothing.
    assert officer.post(f"/api/v1/filing/{foreign}/check", json={"method": "phone", "arrived": True}).status_code == 404
    assert officer.post(f"/api/v1/filing/{foreign}/transfer",
                        json={"to_region_code": OWN_COMMUNITY, "reason": "x"}).status_code == 404
    assert officer.get(f"/api/v1/filing/{foreign}/history").status_code == 404
    assert web("officer").get(f"/filingdesk/check/{foreign}").status_code == 404
    assert web("officer").get(f"/filingdesk/transfer/{foreign}").status_code == 404
    assert web("officer").post(f"/filingunmask/{foreign}").status_code == 404
    assert filing_row(app, foreign)["check_count"] == 0
    assert count_filings(app) == 2


def test_filings_are_scoped_for_an_admin_with_delete(app, web, api):
    own = store(app).id
    foreign = _insert_foreign_province_filing(app)
    assert_scoped(web, api, ScopedResource(
        viewer="admin", own_pk=own, foreign_pk=foreign,
        still_exists=lambda pk: filing_row(app, pk) is not None,
        view="/filingview", api="/api/v1/filing", api_put_body={"destination_address": "改"},
    ))


def test_a_township_sees_its_communities_and_a_county_more(app, api):
    own = store(app).id
    neighbour = store(app, destination_region_code=NEIGHBOUR_COMMUNITY).id
    elsewhere = store(app, destination_region_code=OTHER_COUNTY_COMMUNITY).id
    assert set(api("township").get("/api/v1/filing/").json["ids"]) == {own, neighbour}
    assert set(api("city").get("/api/v1/filing/").json["ids"]) == {own, neighbour, elsewhere}
    assert api("city2").get("/api/v1/filing/").json["count"] == 0
    shown = api("township").get(f"/api/v1/filing/{own}").json["result"]
    assert "id_number_enc" not in shown and "token_hash" not in shown and shown["phone_masked"] == "138****5678"


def test_an_officer_records_checks(app, api, heard):  # noqa: F811
    created = store(app)
    officer = api("officer")
    response = officer.post(f"/api/v1/filing/{created.id}/check", json={
        "method": "phone", "arrived": False, "note": "明天到"})
    assert response.status_code == 200, response.json
    assert response.json["status"] == "not_arrived" and response.json["check_count"] == 1
    arrived = iso(utcnow() - dt.timedelta(hours=1))
    response = officer.post(f"/api/v1/filing/{created.id}/check", json={
        "method": "visit", "arrived": True, "arrived_at": arrived, "actual_transport_mode": "car",
        "tested": True, "test_result": "negative", "control_measure": "home_quarantine",
        "control_end": iso(utcnow() + dt.timedelta(days=7))})
    assert response.status_code == 200, response.json
    row = filing_row(app, created.id)
    assert row["status"] == "arrived" and row["check_count"] == 2 and row["test_result"] == "negative"
    assert row["control_measure"] == "home_quarantine" and row["arrived_at"] is not None
    with app.app_context():
        checks = db.session.scalars(select(FilingCheck).where(FilingCheck.filing_id == created.id)).all()
        assert [c.arrived for c in checks] == [False, True]
        assert checks[1].checked_by_id == user_id(app, "officer") and checks[1].region_code == OWN_COMMUNITY
    before, after = heard[-1]
    assert before["check_count"] == 1 and after["check_count"] == 2 and after["status"] == "arrived"
    history = officer.get(f"/api/v1/filing/{created.id}/history").json
    assert len(history["checks"]) == 2 and [r["action"] for r in history["revisions"]] == ["create", "check", "check"]
    assert history["checks"][0]["by"] == "officer"


def test_a_check_ending_the_control_closes_the_filing(app, api):
    created = store(app)
    response = api("officer").post(f"/api/v1/filing/{created.id}/check", json={
        "method": "visit", "arrived": True, "control_measure": "health_monitoring",
        "control_start": iso(utcnow() - dt.timedelta(days=8)), "control_end": iso(utcnow() - dt.timedelta(hours=1))})
    assert response.status_code == 200 and response.json["status"] == "closed"


@pytest.mark.parametrize("body, field", [
    ({"arrived": True}, "method"),
    ({"method": "fax", "arrived": True}, "method"),
    ({"method": "phone"}, "arrived"),
    ({"method": "phone", "arrived": False, "arrived_at": "2026-01-01T10:00"}, "arrived_at"),
    ({"method": "phone", "arrived": True, "tested": True}, "test_result"),
    ({"method": "phone", "arrived": True, "control_measure": "home_quarantine",
      "control_start": "2026-01-10T10:00", "control_end": "2026-01-01T10:00"}, "control_end"),
    ({"method": "phone", "arrived": True, "arrived_at": "2999-01-01T10:00"}, "arrived_at"),
])
def test_an_invalid_check_answers_400_and_changes_nothing(app, api, body, field):
    created = store(app)
    response = api("officer").post(f"/api/v1/filing/{created.id}/check", json=body)
    assert response.status_code == 400 and field in response.json["errors"], response.json
    assert filing_row(app, created.id)["check_count"] == 0


def test_checks_need_the_right_role(app, api):
    created = store(app)
    body = {"method": "phone", "arrived": True}
    assert api("leader").post(f"/api/v1/filing/{created.id}/check", json=body).status_code == 403
    assert api("grid").post(f"/api/v1/filing/{created.id}/check", json=body).status_code == 403
    assert api("integrator").post(f"/api/v1/filing/{created.id}/check", json=body).status_code == 200
    assert api("integrator2").post(f"/api/v1/filing/{created.id}/check", json=body).status_code == 404


def test_a_cancelled_filing_cannot_be_checked(app, api, client):
    created = store(app)
    client.delete(f"/api/v1/public/filings/{created.receipt}", headers={"X-Filing-Token": created.token})
    response = api("officer").post(f"/api/v1/filing/{created.id}/check", json={"method": "phone", "arrived": True})
    assert response.status_code == 409


def test_a_transfer_moves_the_filing_to_the_other_queue(app, api, web, heard):  # noqa: F811
    created = store(app)
    response = api("officer").post(f"/api/v1/filing/{created.id}/transfer", json={
        "to_region_code": OTHER_COUNTY_COMMUNITY, "reason": "实际住在碧沙岗"})
    assert response.status_code == 200, response.json
    assert response.json["destination_region_code"] == OTHER_COUNTY_COMMUNITY
    # It leaves the officer's jurisdiction and appears in the receiving officer's.
    assert api("officer").get(f"/api/v1/filing/{created.id}").status_code == 404
    assert created.id in api("officer2").get("/api/v1/filing/").json["ids"]
    queue = web("officer2").get("/filingdesk/queue?bucket=open").get_data(as_text=True)
    assert created.receipt in queue
    assert created.receipt not in web("officer").get("/filingdesk/queue?bucket=open").get_data(as_text=True)
    with app.app_context():
        transfer = db.session.scalars(select(FilingTransfer)).one()
        assert (transfer.from_region_code, transfer.to_region_code) == (OWN_COMMUNITY, OTHER_COUNTY_COMMUNITY)
        assert transfer.by_id == user_id(app, "officer") and transfer.reason == "实际住在碧沙岗"
        notice = db.session.scalars(select(Notification).where(Notification.kind == "transfer")).one()
        assert notice.region_code == OTHER_COUNTY_COMMUNITY and notice.channel == "inbox"
    before, after = heard[-1]
    assert before["destination_region_code"] == OWN_COMMUNITY and after["destination_region_code"] == OTHER_COUNTY_COMMUNITY
    # The receiving officer sees the whole history.
    history = api("officer2").get(f"/api/v1/filing/{created.id}/history").json
    assert [t["to_region_code"] for t in history["transfers"]] == [OTHER_COUNTY_COMMUNITY]


def test_the_traveller_hears_of_a_transfer_by_sms(app, api):
    from app.core import identity

    created = store(app)
    refused = api("officer").post(f"/api/v1/filing/{created.id}/transfer", json={"to_region_code": OWN_COMMUNITY,
                                                                                 "reason": "x"})
    assert refused.status_code == 400
    with app.app_context():
        assert not db.session.scalars(select(Notification).where(Notification.kind == "transfer_sms")).all()
    response = api("officer").post(f"/api/v1/filing/{created.id}/transfer", json={
        "to_region_code": OTHER_COUNTY_COMMUNITY, "reason": "实际住在碧沙岗"})
    assert response.status_code == 200
    with app.app_context():
        sms = db.session.scalars(select(Notification).where(Notification.kind == "transfer_sms")).one()
        assert sms.channel == "sms" and sms.status == "pending" and identity.decrypt(sms.recipient) == "13812345678"
        assert created.receipt in sms.body and "碧沙岗" in sms.body and "13812345678" not in sms.body


@pytest.mark.parametrize("body, field", [
    ({"to_region_code": "410105001999", "reason": "x"}, "to_region_code"),   # unknown
    ({"to_region_code": "410102001", "reason": "x"}, "to_region_code"),      # a township
    ({"to_region_code": "440305", "reason": "x"}, "to_region_code"),         # not a community of Henan
    ({"to_region_code": OWN_COMMUNITY, "reason": "x"}, "to_region_code"),    # already there
    ({"to_region_code": OTHER_COUNTY_COMMUNITY}, "reason"),
    ({"to_region_code": OTHER_COUNTY_COMMUNITY, "reason": "x" * 201}, "reason"),
])
def test_an_invalid_transfer_answers_400(app, api, body, field):
    created = store(app)
    response = api("officer").post(f"/api/v1/filing/{created.id}/transfer", json=body)
    assert response.status_code == 400 and field in response.json["errors"], response.json
    assert filing_row(app, created.id)["destination_region_code"] == OWN_COMMUNITY


def test_staff_correct_a_filing_without_using_the_filers_edits(app, api, heard):  # noqa: F811
    created = store(app)
    response = api("officer").put(f"/api/v1/filing/{created.id}", json={"destination_address": "体育路2号"})
    assert response.status_code == 200, response.json
    row = filing_row(app, created.id)
    assert row["destination_address"] == "体育路2号" and row["edit_count"] == 0
    before, after = heard[-1]
    assert before["destination_address"] == "体育路1号院3号楼2单元401" and after["destination_address"] == "体育路2号"
    with app.app_context():
        revision = db.session.scalars(select(FilingRevision).where(FilingRevision.action == "edit")).one()
        assert revision.by_id == user_id(app, "officer")
        assert json.loads(revision.changes)["destination_address"][1] == "体育路2号"
    response = api("officer").put(f"/api/v1/filing/{created.id}", json={"transport_mode": "rocket"})
    assert response.status_code == 400 and "transport_mode" in response.json["errors"]
    # The destination changes only by a transfer.
    assert api("officer").put(f"/api/v1/filing/{created.id}", json={
        "destination_region_code": NEIGHBOUR_COMMUNITY}).status_code in (400, 422)
    assert filing_row(app, created.id)["destination_region_code"] == OWN_COMMUNITY


def test_an_admin_deletes_a_filing_with_its_history(app, api, heard):  # noqa: F811
    created = store(app)
    api("officer").post(f"/api/v1/filing/{created.id}/check", json={"method": "phone", "arrived": True})
    assert api("officer").delete(f"/api/v1/filing/{created.id}").status_code == 403
    assert api("admin").delete(f"/api/v1/filing/{created.id}").status_code == 200
    assert filing_row(app, created.id) is None
    assert heard[-1][1] is None and heard[-1][0]["id"] == created.id


def test_paper_entry_through_the_staff_api(app, api):
    response = api("officer").post("/api/v1/filing/", json=report())
    assert response.status_code == 201, response.json
    assert response.json["receipt"] and response.json["token"] and response.json["id"]
    row = filing_row(app, response.json["id"])
    assert row["channel"] == "paper" and row["filed_by_id"] == user_id(app, "officer")
    response = api("checkpoint").post("/api/v1/filing/?channel=checkpoint", json=report(
        destination_region_code=OTHER_COUNTY_COMMUNITY))
    assert response.status_code == 201 and filing_row(app, response.json["id"])["channel"] == "checkpoint"
    family = api("officer").post("/api/v1/filing/", json={"filings": [report(), report()]})
    assert family.status_code == 201 and len(family.json["filings"]) == 2
    assert api("officer").post("/api/v1/filing/?channel=web", json=report()).status_code == 400
    assert api("leader").post("/api/v1/filing/", json=report()).status_code == 403


def test_staff_entry_is_the_filings_rule_of_every_staff_channel(app):
    """app.filings.staff_entry: the one place staff forms are entered (the staff API
    calls it); an unknown channel is refused before anything is stored, and a form filled
    at a checkpoint by an account posted at none stays within its jurisdiction."""
    from app.core.errors import ValidationFailed
    from app.filings import staff_entry

    with app.app_context():
        with pytest.raises(ValidationFailed) as refused:
            staff_entry.enter_staff_filings(db.session.connection(), [report()], now=utcnow(), channel="web", jurisdiction="410105001003",
                                            user_id=user_id(app, "officer"))
        assert "channel" in refused.value.errors
        with pytest.raises(ValidationFailed) as refused:
            staff_entry.enter_staff_filings(db.session.connection(),
                                            [report(destination_region_code=OTHER_COUNTY_COMMUNITY)],
                                            now=utcnow(), channel="checkpoint", jurisdiction="410105001003",
                                            user_id=user_id(app, "officer"))
        assert "destination_region_code" in refused.value.errors
        (created,) = staff_entry.enter_staff_filings(
            db.session.connection(), [report()], now=utcnow(), channel="hotline", jurisdiction="410105001003",
            user_id=user_id(app, "officer"))
        assert db.session.get(Filing, created.id).channel == "hotline"
        assert db.session.scalar(select(Filing.id).where(Filing.channel == "web")) is None


def test_lookup_by_receipt_id_number_or_phone(app, api):
    body = report()
    created = store(app, id_number=body["id_number"], phone="13911112222")
    store(app, destination_region_code=OTHER_COUNTY_COMMUNITY, phone="13911112222")
    officer = api("officer")
    for term in (created.receipt, body["id_number"], "13911112222"):
        assert officer.get(f"/api/v1/filing/lookup?q={term}").json["ids"] == [created.id], term
    assert officer.get("/api/v1/filing/lookup?q=nothing").json["ids"] == []


# ---- screens ------------------------------------------------------------------------------

def test_the_queue_sorts_due_overdue_and_new(app, web):
    now = utcnow()
    due = store(app, now=now - dt.timedelta(days=3), days_ahead=3.2, name="今天到")
    overdue = store(app, now=now - dt.timedelta(days=6), days_ahead=3, name="早该到")
    later = store(app, now=now, days_ahead=5, name="下周到")
    checked = store(app, now=now - dt.timedelta(days=3), days_ahead=3.1, name="已核查")
    elsewhere = store(app, destination_region_code=NEIGHBOUR_COMMUNITY, days_ahead=0.5, name="邻居")
    officer = web("officer")
    with app.test_request_context():
        officer_api_check(app, checked.id)
    pages = {bucket: officer.get(f"/filingdesk/queue?bucket={bucket}").get_data(as_text=True)
             for bucket in ("due", "overdue", "new", "open")}
    assert due.receipt in pages["due"] and overdue.receipt not in pages["due"] and later.receipt not in pages["due"]
    assert overdue.receipt in pages["overdue"] and due.receipt not in pages["overdue"]
    assert later.receipt in pages["new"] and due.receipt not in pages["new"]
    assert all(checked.receipt not in page and elsewhere.receipt not in page for page in pages.values())
    opened = pages["open"]
    assert opened.index(overdue.receipt) < opened.index(due.receipt) < opened.index(later.receipt)
    found = officer.get(f"/filingdesk/queue?q={later.receipt}").get_data(as_text=True)
    assert later.receipt in found and due.receipt not in found
    assert web("leader").get("/filingdesk/queue").status_code in (302, 403)
    # Command staff follow the queue but do not check.
    county = web("county").get("/filingdesk/queue?bucket=open").get_data(as_text=True)
    assert due.receipt in county and "/filingdesk/check/" not in county


def officer_api_check(app, filing_id):
    from app.filings import service as filings

    with db.engine.begin() as conn:
        filings.record_check(conn, filing_id, {"method": "phone", "arrived": True}, now=utcnow(),
                             jurisdiction=OWN_COMMUNITY)


def test_the_filing_page_shows_the_history_masked(app, web, api):
    body = report()
    created = store(app, id_number=body["id_number"])
    api("officer").post(f"/api/v1/filing/{created.id}/check", json={"method": "phone", "arrived": False, "note": "电话未接"})
    page = web("officer").get(f"/filingview/show/{created.id}").get_data(as_text=True)
    assert created.receipt in page and "电话未接" in page and "138****5678" in page
    assert body["id_number"] not in page and body["id_number"][:3] + "*" * 11 + body["id_number"][-4:] in page


def test_revealing_the_id_number_is_logged(app, web):
    body = report()
    created = store(app, id_number=body["id_number"])
    page = web("officer").post(f"/filingunmask/{created.id}").get_data(as_text=True)
    assert body["id_number"] in page and "13812345678" in page
    with app.app_context():
        entry = db.session.scalars(select(AuditLog).where(AuditLog.action == "unmask")).one()
        assert entry.username == "officer" and entry.entity_id == str(created.id)
        assert entry.region_code == OWN_COMMUNITY
    assert web("county").post(f"/filingunmask/{created.id}").status_code in (302, 403)
    assert web("leader").post(f"/filingunmask/{created.id}").status_code in (302, 403)
    assert "/filingunmask/" not in web("county").get(f"/filingview/show/{created.id}").get_data(as_text=True)


def test_the_check_form(app, web):
    created = store(app)
    officer = web("officer")
    assert officer.get(f"/filingdesk/check/{created.id}").status_code == 200
    response = officer.post(f"/filingdesk/check/{created.id}", data={"method": "visit"})
    assert response.status_code == 200 and filing_row(app, created.id)["check_count"] == 0
    response = officer.post(f"/filingdesk/check/{created.id}", data={
        "method": "visit", "arrived": "1", "tested": "1", "test_result": "pending", "note": "已上门"})
    assert response.status_code == 302
    row = filing_row(app, created.id)
    assert row["check_count"] == 1 and row["status"] == "arrived" and row["test_result"] == "pending"


def test_the_transfer_form(app, web):
    created = store(app)
    officer = web("officer")
    assert "FilingActionApi" not in officer.get(f"/filingdesk/transfer/{created.id}").get_data(as_text=True)
    response = officer.post(f"/filingdesk/transfer/{created.id}", data={"to_region_code": "410105001999", "reason": "x"})
    assert response.status_code == 200 and filing_row(app, created.id)["destination_region_code"] == OWN_COMMUNITY
    response = officer.post(f"/filingdesk/transfer/{created.id}", data={
        "to_region_code": NEIGHBOUR_COMMUNITY, "reason": "住在科技社区"})
    assert response.status_code == 302
    assert filing_row(app, created.id)["destination_region_code"] == NEIGHBOUR_COMMUNITY
    targets = officer.get("/api/v1/filing/transfer_targets?q=碧沙岗").json["results"]
    assert [t["id"] for t in targets] == [OTHER_COUNTY_COMMUNITY]


def test_the_staff_correction_form(app, web):
    created = store(app)
    officer = web("officer")
    assert officer.get(f"/filingview/edit/{created.id}").status_code == 200
    response = officer.post(f"/filingview/edit/{created.id}", data={
        "name": "张三丰", "transport_mode": "car", "destination_address": "体育路3号"})
    assert response.status_code == 302
    row = filing_row(app, created.id)
    assert row["name"] == "张三丰" and row["transport_mode"] == "car" and row["edit_count"] == 0


def test_staff_pages_render(app, web):
    store(app)
    officer = web("officer")
    for url in ("/filingview/list/", "/filingdesk/queue", "/filingentry/paper", "/filingentry/import",
                "/filingentry/paper?channel=checkpoint"):
        assert officer.get(url).status_code == 200, url
    assert officer.get("/filingview/add").status_code == 302
    assert web("leader").get("/filingentry/paper").status_code in (302, 403)
    assert web("township").get("/filingentry/paper").status_code == 200


def test_the_staff_endpoints_are_documented(api):
    paths = api("admin").get("/api/v1/_openapi").json["paths"]
    for path in ("/api/v1/filing/", "/api/v1/filing/{pk}", "/api/v1/filing/{pk}/check",
                 "/api/v1/filing/{pk}/transfer", "/api/v1/filing/{pk}/history", "/api/v1/filing/lookup"):
        assert path in paths, path
