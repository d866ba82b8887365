"""Health codes for staff: the jurisdiction's codes (another jurisdiction's answers 404
and is not listed), a person's "why", the colour set by hand (the right, a reason, CSRF);
and the verify API for checkpoints and integrators: a scanned token or an ID number, an
expired token refused with a translated error, bad input 400."""
import datetime as dt
import re

from sqlalchemy import select

from app.core.extensions import db
from app.healthcode.codes import person_hash_of, record_colour
from app.healthcode.tokens import issue_code_token
from models.base import utcnow
from models.healthcode import HealthCode, HealthCodeChange
from tests.filing_data import resident_id

OWN, FOREIGN = "410105001003", "410102001002"
TOKEN_FIELD = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def codes(app):
    with app.app_context():
        own, foreign = person_hash_of(resident_id(sequence=60)), person_hash_of(resident_id(sequence=61))
        now = utcnow()
        record_colour(own, "yellow", "arrived_from_outside", now, inputs={"filing": 1}, region_code=OWN)
        record_colour(foreign, "red", "positive", now, inputs={"test": 2}, region_code=FOREIGN)
        db.session.commit()
        return own, foreign


def test_the_codes_of_the_jurisdiction_and_why(app, web):
    own, foreign = codes(app)
    officer = web("officer")
    page = officer.get("/healthcodeview/list/").get_data(as_text=True)
    assert f"/show/{own}" in page and f"/show/{foreign}" not in page
    shown = officer.get(f"/healthcodeview/show/{own}")
    assert shown.status_code == 200
    assert "省外入豫" in shown.get_data(as_text=True) and "&#34;filing&#34;: 1" in shown.get_data(as_text=True)
    assert officer.get(f"/healthcodeview/show/{foreign}").status_code == 404
    assert "人工赋码" not in shown.get_data(as_text=True) or "Set the colour" not in shown.get_data(as_text=True)
    # An officer sees, and may not set.
    assert officer.post(f"/healthcodeview/set/{own}", data={"colour": "green", "reason": "x"}).status_code in (302, 403)
    with app.app_context():
        assert db.session.get(HealthCode, own).colour == "yellow"


def test_township_staff_set_a_colour_by_hand_with_a_reason(app, web):
    own, foreign = codes(app)
    township = web("township")
    page = township.get(f"/healthcodeview/show/{own}").get_data(as_text=True)
    assert 'name="reason"' in page
    assert township.post(f"/healthcodeview/set/{foreign}", data={"colour": "green", "reason": "核实"}).status_code == 404
    assert township.post(f"/healthcodeview/set/{own}", data={"colour": "green", "reason": ""}).status_code == 302
    with app.app_context():
        assert db.session.get(HealthCode, own).colour == "yellow"
    assert township.post(f"/healthcodeview/set/{own}", data={"colour": "green", "reason": "核实无风险"}).status_code == 302
    with app.app_context():
        code = db.session.get(HealthCode, own)
        assert (code.colour, code.rule, code.manual) == ("green", "manual", True)
        change = db.session.scalars(select(HealthCodeChange).where(HealthCodeChange.person_hash == own)
                                    .order_by(HealthCodeChange.id.desc())).first()
        assert change.reason == "核实无风险" and change.changed_by_id is not None
        assert db.session.get(HealthCode, foreign).colour == "red"


def test_verify_by_token_or_id_number(app, api):
    own, _foreign = codes(app)
    with app.test_request_context():
        token = issue_code_token(own, utcnow())
        stale = issue_code_token(own, utcnow() - dt.timedelta(minutes=6))
    checkpoint = api("checkpoint")
    answer = checkpoint.get(f"/api/v1/healthcode/verify?token={token}")
    assert answer.status_code == 200 and answer.json["colour"] == "yellow" and answer.json["as_of"]
    answer = api("integrator2").get(f"/api/v1/healthcode/verify?id_number={resident_id(sequence=60)}")
    assert answer.status_code == 200 and answer.json["colour"] == "yellow"   # recognised province-wide
    assert checkpoint.get(f"/api/v1/healthcode/verify?id_number={resident_id(sequence=62)}").json["colour"] is None
    expired = checkpoint.get(f"/api/v1/healthcode/verify?token={stale}")
    assert expired.status_code == 400 and "过期" in expired.json["message"]
    assert checkpoint.get("/api/v1/healthcode/verify").status_code == 400
    assert checkpoint.get("/api/v1/healthcode/verify?id_number=12%3C").status_code == 400
    assert api("officer").get(f"/api/v1/healthcode/verify?token={token}").status_code in (401, 403)


def test_staff_find_a_person_by_id_number_within_their_jurisdiction(app, web):
    own, foreign = codes(app)
    officer = web("officer")
    page = officer.get("/healthcodeview/list/").get_data(as_text=True)
    assert 'id="find-person"' in page and 'action="/healthcodeview/find"' in page
    found = officer.post("/healthcodeview/find", data={"id_number": resident_id(sequence=60).lower()})
    assert found.status_code == 302 and found.headers["Location"].endswith(f"/healthcodeview/show/{own}")
    for number in (resident_id(sequence=61), resident_id(sequence=62), "12<", "", "x" * 40):
        answer = officer.post("/healthcodeview/find", data={"id_number": number})
        assert answer.status_code == 302 and answer.headers["Location"].endswith("/healthcodeview/list/"), number
    assert "您的辖区内没有此证件号码的健康码" in officer.get("/healthcodeview/list/").get_data(as_text=True)
    assert officer.get("/healthcodeview/find").status_code == 405      # a GET never takes a number
