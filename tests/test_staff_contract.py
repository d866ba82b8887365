"""shared/API.md "Staff, next", as integrators and checkpoint terminals call it:
``GET /api/v1/healthcode/verify?qr=`` answers ``{colour, since, valid_until}``, and
``POST /api/v1/checkpoint/pass`` ``{"checkpoint", "receipt" | "id_number" | "qr",
"direction"}`` answers ``{found, name_masked, destination, status, colour}`` and logs the
pass, over the same service as ``/scan`` (whose answer stays as it was)."""
import datetime as dt

import pytest
from sqlalchemy import select

from app.core.extensions import db
from app.healthcode.codes import person_hash_of, record_colour
from app.healthcode.tokens import issue_code_token
from models.base import utcnow
from models.checkpoint import CheckpointPass
from tests.filing_data import resident_id, store
from tests.test_checkpoints import KAIFENG_COMMUNITY, checkpoint

CONTRACT_KEYS = {"found", "name_masked", "destination", "status", "colour"}


def _coloured(app, id_number, colour="yellow", at=None):
    with app.app_context():
        person = person_hash_of(id_number)
        record_colour(person, colour, "manual", at or utcnow() - dt.timedelta(hours=1))
        db.session.commit()
        return person


def _qr(app, person, issued_at=None):
    with app.app_context():
        return issue_code_token(person, issued_at or utcnow())


def _passes(app):
    with app.app_context():
        return [(p.checkpoint_id, p.direction, p.filing_id, p.without_filing, p.colour)
                for p in db.session.scalars(select(CheckpointPass).order_by(CheckpointPass.id))]


@pytest.fixture
def site(app):
    with app.app_context():
        return checkpoint()


# ---- GET /api/v1/healthcode/verify ----------------------------------------------------------

def test_verify_takes_the_qr_as_the_contract_names_it_and_answers_since(app, api):
    person = _coloured(app, resident_id(sequence=701), "red")
    checkpoint_api = api("checkpoint")
    for query in (f"qr={_qr(app, person)}", f"token={_qr(app, person)}", f"id_number={resident_id(sequence=701)}"):
        answer = checkpoint_api.get(f"/api/v1/healthcode/verify?{query}")
        assert answer.status_code == 200, (query, answer.get_data(as_text=True))
        assert {"colour", "since", "valid_until", "as_of", "colour_label"} <= set(answer.json)
        assert answer.json["colour"] == "red" and answer.json["since"] == answer.json["as_of"]
        assert answer.json["since"].endswith("+08:00") and answer.json["valid_until"] is None
    assert api("integrator").get(f"/api/v1/healthcode/verify?qr={_qr(app, person)}").json["colour"] == "red"
    stale = _qr(app, person, utcnow() - dt.timedelta(minutes=10))
    refused = checkpoint_api.get(f"/api/v1/healthcode/verify?qr={stale}")
    assert refused.status_code == 400 and "过期" in refused.json["message"] and refused.json["errors"]["qr"]
    refused = checkpoint_api.get(f"/api/v1/healthcode/verify?qr={stale}", headers={"Accept-Language": "en"})
    assert "expired" in refused.json["message"]
    assert api("officer").get(f"/api/v1/healthcode/verify?qr={_qr(app, person)}").status_code in (401, 403)


# ---- POST /api/v1/checkpoint/pass -----------------------------------------------------------

def test_a_pass_by_receipt_finds_a_filing_of_another_city_and_is_logged(app, api, site):
    created = store(app, days_ahead=0, destination_region_code=KAIFENG_COMMUNITY)
    answer = api("checkpoint").post("/api/v1/checkpoint/pass", json={
        "checkpoint": site, "receipt": created.receipt, "direction": "in"})
    assert answer.status_code == 201, answer.get_data(as_text=True)
    assert CONTRACT_KEYS <= set(answer.json)
    assert {key: answer.json[key] for key in CONTRACT_KEYS} == {
        "found": True, "name_masked": "张**", "destination": "南京巷社区", "status": "submitted", "colour": "yellow"}
    text = answer.get_data(as_text=True)
    for secret in ("13812345678", "体育路", "G802", created.receipt, '"filing_id"'):
        assert secret not in text
    assert _passes(app) == [(site, "in", created.id, False, "yellow")]


def test_a_pass_by_id_number_or_qr_without_a_filing_is_found_false_and_logged(app, api, site):
    number = resident_id(sequence=702)
    person = _coloured(app, number, "yellow")
    terminal = api("checkpoint")
    by_number = terminal.post("/api/v1/checkpoint/pass", json={"checkpoint": site, "id_number": number,
                                                               "direction": "out"})
    assert by_number.status_code == 201, by_number.get_data(as_text=True)
    assert {key: by_number.json[key] for key in CONTRACT_KEYS} == {
        "found": False, "name_masked": None, "destination": None, "status": None, "colour": "yellow"}
    by_qr = terminal.post("/api/v1/checkpoint/pass", json={"checkpoint": site, "qr": _qr(app, person), "direction": "in"})
    assert by_qr.status_code == 201 and by_qr.json["found"] is False and by_qr.json["colour"] == "yellow"
    assert _passes(app) == [(site, "out", None, False, "yellow"), (site, "in", None, True, "yellow")]


def test_each_field_is_read_as_what_it_names(app, api, site):
    created = store(app, days_ahead=0, destination_region_code=KAIFENG_COMMUNITY)
    terminal = api("checkpoint")
    # A receipt sent as an ID number is looked up as an ID number: no one has it.
    answer = terminal.post("/api/v1/checkpoint/pass", json={"checkpoint": site, "id_number": created.receipt})
    assert answer.status_code in (201, 400) and answer.json.get("found") is not True
    # An ID number sent as a receipt is no receipt.
    answer = terminal.post("/api/v1/checkpoint/pass", json={"checkpoint": site, "receipt": resident_id(sequence=703)})
    assert answer.status_code == 400 and answer.json["errors"]["receipt"]
    answer = terminal.post("/api/v1/checkpoint/pass", json={"checkpoint": site, "qr": created.receipt})
    assert answer.status_code == 400 and answer.json["errors"]["qr"]


def test_refusals_answer_400_or_404_and_log_nothing(app, api, site):
    number = resident_id(sequence=704)
    person = _coloured(app, number)
    with app.app_context():
        far = checkpoint(name="开封站", region="410202", posted=("checkpoint",))
    terminal = api("checkpoint")
    stale = _qr(app, person, utcnow() - dt.timedelta(minutes=10))
    answer = terminal.post("/api/v1/checkpoint/pass", json={"checkpoint": site, "qr": stale},
                           headers={"Accept-Language": "en"})
    assert answer.status_code == 400 and "expired" in answer.json["message"] and answer.json["errors"]["qr"]
    answer = terminal.post("/api/v1/checkpoint/pass", json={"checkpoint": site, "qr": stale})
    assert answer.status_code == 400 and "过期" in answer.json["message"]
    for body in ({"checkpoint": site}, {"checkpoint": site, "receipt": "", "id_number": " ", "qr": None},
                 {"checkpoint": site, "id_number": number, "qr": "x"}, {"checkpoint": site, "id_number": 5},
                 {"checkpoint": site, "id_number": number, "direction": "sideways"},
                 {"checkpoint": site, "id_number": number, "transit": "yes"}):
        answer = terminal.post("/api/v1/checkpoint/pass", json=body)
        assert answer.status_code == 400 and answer.json["errors"], body
    # Another city's checkpoint (outside the account's jurisdiction), or none: 404.
    for other in (far, 0, "x", None):
        answer = terminal.post("/api/v1/checkpoint/pass", json={"checkpoint": other, "id_number": number})
        assert answer.status_code == 404, other
    assert api("officer").post("/api/v1/checkpoint/pass", json={"checkpoint": site, "id_number": number}
                               ).status_code in (401, 403)
    assert _passes(app) == []


def test_unused_fields_may_be_empty_and_the_scan_route_answers_as_before(app, api, site):
    number = resident_id(sequence=705)
    _coloured(app, number, "green")
    answer = api("checkpoint").post("/api/v1/checkpoint/pass", json={
        "checkpoint": str(site), "receipt": "", "id_number": number, "qr": None, "direction": "in", "transit": True})
    assert answer.status_code == 201 and answer.json["colour"] == "green" and answer.json["found"] is False
    answer = api("checkpoint").post("/api/v1/checkpoint/scan", json={"checkpoint_id": site, "scanned": number})
    assert answer.status_code == 201 and set(answer.json) == {
        "pass_id", "name_masked", "destination", "filing_status", "filing_status_label", "colour", "colour_label"}
    # The transit passenger is no arrival without a filing; the scan's was.
    assert [without for *_rest, without, _colour in _passes(app)] == [False, True]


def test_the_spec_documents_the_contract(api):
    paths = api("admin").get("/api/v1/_openapi").json["paths"]
    verify = {p["name"] for p in paths["/api/v1/healthcode/verify"]["get"]["parameters"]}
    assert {"qr", "token", "id_number"} <= verify
    answer = paths["/api/v1/healthcode/verify"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert {"colour", "since", "valid_until"} <= set(answer["properties"])
    passed = paths["/api/v1/checkpoint/pass"]["post"]
    body = passed["requestBody"]["content"]["application/json"]["schema"]["properties"]
    assert {"checkpoint", "receipt", "id_number", "qr", "direction"} <= set(body)
    answer = passed["responses"]["201"]["content"]["application/json"]["schema"]["properties"]
    assert CONTRACT_KEYS <= set(answer)
