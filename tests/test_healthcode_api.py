"""The public health-code API (shared/API.md "Public, next"): declare → holder and token,
read the code with them (a wrong token 404), the page's rules (every field error at once,
the hold of a known person declared from another phone, the rate limits), no CSRF token,
in the OpenAPI spec, and no GET writing anything. SQLite and PostgreSQL."""
import datetime as dt

from sqlalchemy import select

from app.core import identity
from app.core.extensions import db
from app.healthcode.tokens import read_code_token
from models.base import utcnow
from models.healthcode import HealthCodeHolder
from tests.filing_data import resident_id
from tests.test_healthcode_public import STRANGER_PHONE, _sms_code, counts, declaration, hash_of
from tests.test_rate_limits import limits  # noqa: F401  (the fixture)

DECLARE, CODE = "/api/v1/public/healthcode/declare", "/api/v1/public/healthcode/"


def body(**overrides) -> dict:
    """A declaration as JSON: booleans, not a form's "1"."""
    values = declaration(commitment=True, **overrides)
    return {k: (True if v == "1" else v) for k, v in values.items()}


def read(client, holder, token, **headers):
    return client.get(CODE + holder, headers={**({"X-Code-Token": token} if token else {}), **headers})


def test_declaring_gives_a_holder_and_token_that_read_the_code(app, client):
    sent = body()
    answer = client.post(DECLARE, json=sent)
    assert answer.status_code == 201, answer.json
    found = answer.json
    assert set(found) == {"holder", "token", "colour", "valid_until", "token_expires_at"}
    assert found["colour"] == "green"
    person = hash_of(app, sent["id_number"])
    assert found["holder"] not in (person, sent["id_number"]) and person not in found["token"]
    declared_at = dt.datetime.fromisoformat(found["valid_until"]) - dt.timedelta(days=14)
    assert abs(declared_at.astimezone(dt.timezone.utc).replace(tzinfo=None) - utcnow()) < dt.timedelta(minutes=1)
    with app.app_context():
        row = db.session.get(HealthCodeHolder, found["holder"])
        assert row.person_hash == person and row.token_hash == identity.token_hash(found["token"])
        assert found["token"] not in (row.token_hash, row.holder)
    code = read(client, found["holder"], found["token"])
    assert code.status_code == 200
    assert set(code.json) == {"colour", "since", "reasons", "qr", "qr_expires_at"}
    assert code.json["colour"] == "green" and code.json["since"]
    assert len(code.json["reasons"]) == 1 and code.json["reasons"][0] != "Self-declared, nothing found"  # zh by default
    with app.app_context():
        assert read_code_token(code.json["qr"], utcnow()) == person
    english = read(client, found["holder"], found["token"], **{"Accept-Language": "en"})
    assert english.json["reasons"] == ["Self-declared, nothing found"]


def test_the_reasons_name_the_rule_behind_a_yellow(app, client):
    found = client.post(DECLARE, json=body(fever=True)).json
    assert found["colour"] == "yellow" and found["valid_until"] is None
    code = read(client, found["holder"], found["token"], **{"Accept-Language": "en"})
    assert code.json["colour"] == "yellow" and code.json["reasons"] == ["Declared fever or cough"]


def test_a_wrong_or_missing_token_and_an_unknown_holder_answer_404(app, client):
    found = client.post(DECLARE, json=body()).json
    other = client.post(DECLARE, json=body(id_number=resident_id(birth="19700101"))).json
    for holder, token in ((found["holder"], "wrong"), (found["holder"], None), (found["holder"], other["token"]),
                          ("unknown", found["token"]), ("x" * 500, found["token"])):
        answer = read(client, holder, token)
        assert answer.status_code == 404 and set(answer.json) == {"message", "errors"}, holder


def test_every_mistake_at_once_and_nothing_stored(app, client):
    before = counts(app)
    answer = client.post(DECLARE, json={"name": "", "id_number": "410105199003071234", "phone": "12345",
                                        "fever": "perhaps", "residence_address": "x" * 201})
    assert answer.status_code == 400
    assert {"name", "id_number", "phone", "fever", "residence_address", "commitment"} <= set(answer.json["errors"])
    for odd in ("not json", "[]", "null", '{"extra": 1}'):
        refused = client.post(DECLARE, data=odd, content_type="application/json")
        assert refused.status_code == 400 and "message" in refused.json, odd
    assert counts(app) == before
    with app.app_context():
        assert db.session.scalars(select(HealthCodeHolder)).first() is None


def test_a_stranger_is_held_by_the_api_too_and_the_code_makes_it_take_effect(app, client):
    mine = body()
    first = client.post(DECLARE, json=mine).json
    sent = body(id_number=mine["id_number"], phone=STRANGER_PHONE, fever=True)
    held = client.post(DECLARE, json=sent)
    assert held.status_code == 202 and held.json["held"] is True and held.json["phone"] == "138****5678"
    assert "holder" not in held.json and "colour" not in held.json
    assert read(client, first["holder"], first["token"]).json["colour"] == "green"
    wrong = client.post(DECLARE, json={**sent, "otp": "000000"})
    assert wrong.status_code == 400 and "otp" in wrong.json["errors"]
    done = client.post(DECLARE, json={**sent, "otp": _sms_code(app)})
    assert done.status_code == 201 and done.json["colour"] == "yellow"
    assert read(client, first["holder"], first["token"]).json["colour"] == "yellow"


def test_no_csrf_token_is_needed_and_the_limits_answer_429_with_retry_after(app, client, limits):  # noqa: F811
    limits(PUBLIC_RATE_LIMIT="2/minute")
    statuses = [client.post(DECLARE, json=body(id_number=resident_id(sequence=100 + n))) for n in range(3)]
    assert [s.status_code for s in statuses] == [201, 201, 429]
    assert int(statuses[2].headers["Retry-After"]) > 0 and "message" in statuses[2].json


def test_no_get_writes_anything(app, client):
    found = client.post(DECLARE, json=body()).json
    before = counts(app)
    for _ in range(2):
        assert read(client, found["holder"], found["token"]).status_code == 200
        assert read(client, found["holder"], "wrong").status_code == 404
    assert counts(app) == before
    with app.app_context():
        assert len(db.session.scalars(select(HealthCodeHolder)).all()) == 1


def test_a_token_expires_after_the_holder_days_and_my_health_code_gives_new_ones(app, client):
    """The clock is a parameter: the holder's issue time set back (as if issued 14 days
    ago), its right token answers 410 with a translated way back; the ID number, phone
    and SMS code (POST /otp, /mine) give a new holder per person declared with the phone."""
    from app.healthcode import holders

    mine = body()
    found = client.post(DECLARE, json=mine).json
    with app.app_context():
        issued = db.session.get(HealthCodeHolder, found["holder"]).created_at
        assert found["token_expires_at"].startswith(
            (issued + dt.timedelta(days=14, hours=8)).strftime("%Y-%m-%dT%H:%M"))
        with app.test_request_context():
            assert holders.code_answer(found["holder"], found["token"], issued + dt.timedelta(days=14, seconds=-1))
            try:
                holders.code_answer(found["holder"], found["token"], issued + dt.timedelta(days=14))
                raise AssertionError("an expired holder was read")
            except holders.HolderExpired as refused:
                assert refused.status == 410
        db.session.execute(HealthCodeHolder.__table__.update().values(created_at=issued - dt.timedelta(days=14)))
        db.session.commit()
    expired = read(client, found["holder"], found["token"])
    assert expired.status_code == 410 and "token" in expired.json["errors"]
    assert "短信验证码" in expired.json["message"]                        # zh by default
    english = read(client, found["holder"], found["token"], **{"Accept-Language": "en"})
    assert "SMS code" in english.json["message"]
    assert read(client, found["holder"], "wrong").status_code == 404    # a wrong token learns nothing
    ask = {"id_number": mine["id_number"], "phone": mine["phone"]}
    assert client.post(DECLARE.replace("declare", "otp"), json=ask).status_code == 202
    wrong = client.post(DECLARE.replace("declare", "mine"), json={**ask, "otp": "000000"})
    assert wrong.status_code == 400 and "otp" in wrong.json["errors"]
    again = client.post(DECLARE.replace("declare", "mine"), json={**ask, "otp": _sms_code(app)})
    assert again.status_code == 200, again.json
    [new] = again.json["holders"]
    assert new["self"] is True and new["name"] == "张**" and new["holder"] != found["holder"]
    assert read(client, new["holder"], new["token"]).json["colour"] == "green"
    for odd in ("null", "[]", '{"id_number": 1}'):
        assert client.post(DECLARE.replace("declare", "mine"), data=odd,
                           content_type="application/json").status_code == 400
        assert client.post(DECLARE.replace("declare", "otp"), data=odd,
                           content_type="application/json").status_code == 400
    # The nightly retention deletes the expired holder, not the new one.
    from scheduler import jobs
    with app.app_context():
        assert jobs.visit_retention_job(utcnow()).holders == 1
        assert [h.holder for h in db.session.scalars(select(HealthCodeHolder))] == [new["holder"]]


def test_the_api_is_in_the_spec(api):
    spec = api("admin").get("/api/v1/_openapi").json
    assert "post" in spec["paths"]["/api/v1/public/healthcode/declare"]
    assert "get" in spec["paths"]["/api/v1/public/healthcode/{holder}"]
    assert "post" in spec["paths"]["/api/v1/public/healthcode/otp"]
    assert "post" in spec["paths"]["/api/v1/public/healthcode/mine"]
    assert "residence_address" in spec["components"]["schemas"]["HealthDeclarationInput"]["properties"]
