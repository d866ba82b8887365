"""The scan at a venue's door (场所码): the visitor's code read from the device (or from
the ID number and phone the first time), the visit logged, and the doorkeeper told:
green enters anywhere, red and yellow are refused except at a medical institution."""
import datetime as dt
import re
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select

from app.core.extensions import db
from app.healthcode import devices
from app.healthcode.codes import person_hash_of, record_colour
from app.healthcode.tokens import issue_code_token
from app.venues import scans
from models.base import utcnow
from models.healthcode import HealthDeclaration
from models.venue import VenueScan
from tests.conftest import FORM_TOKEN
from tests.filing_data import resident_id
from tests.live_gunicorn import Gunicorn, redis_answers
from tests.test_rate_limits import REDIS_DB
from tests.test_venues import make_venue

PEOPLE = {colour: resident_id(sequence=number) for number, colour in enumerate(("green", "yellow", "red"), start=1)}


@pytest.fixture
def venues(app, monkeypatch):
    # A fresh per-person count for each test (the limiter's storage is the session's).
    monkeypatch.setitem(app.config, "RATELIMIT_KEY_PREFIX", f"test-{uuid.uuid4().hex[:12]}")
    shop = make_venue(app, name="惠民超市", type_="supermarket")
    hospital = make_venue(app, name="人民医院", type_="hospital")
    with app.app_context():
        for colour, id_number in PEOPLE.items():
            record_colour(person_hash_of(id_number), colour, "manual", utcnow() - dt.timedelta(hours=1))
        db.session.commit()
    return {"shop": shop["code"], "hospital": hospital["code"]}


def device_cookie(app, *id_numbers) -> str:
    with app.app_context():
        return devices.cookie_of([(person_hash_of(n), "张*") for n in id_numbers], utcnow())


def phone_of(app, *id_numbers):
    client = app.test_client()
    client.set_cookie(devices.COOKIE, device_cookie(app, *id_numbers))
    return client


def scan(client, code, id_number=None, **headers):
    with client.application.app_context():
        body = {"person": person_hash_of(id_number)} if id_number else {}
    return client.post(f"/api/v1/public/venues/{code}/scan", json=body, headers=headers)


def _scans(app):
    with app.app_context():
        return [(row.person_hash, row.colour, row.admitted) for row in db.session.scalars(
            select(VenueScan).order_by(VenueScan.id))]


@pytest.mark.parametrize("colour,at_shop", [("green", True), ("yellow", False), ("red", False)])
def test_the_colour_decides_at_a_shop_and_a_hospital_admits_all(app, venues, colour, at_shop):
    id_number = PEOPLE[colour]
    client = phone_of(app, id_number)
    with app.app_context():
        person = person_hash_of(id_number)
    answer = scan(client, venues["shop"])
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert answer.json["colour"] == colour and answer.json["admitted"] is at_shop and answer.json["name"] == "张*"
    assert answer.headers["Cache-Control"] == "no-store" and answer.headers["X-Content-Type-Options"] == "nosniff"
    answer = scan(client, venues["hospital"])
    assert answer.json == {**answer.json, "colour": colour, "admitted": True}
    assert _scans(app) == [(person, colour, at_shop), (person, colour, True)]


def test_the_device_chooses_among_its_people(app, venues):
    client = phone_of(app, PEOPLE["green"], PEOPLE["red"])
    assert scan(client, venues["shop"]).json["colour"] == "green"  # none chosen: the first
    assert scan(client, venues["shop"], PEOPLE["red"]).json["colour"] == "red"
    # A person this device never declared is refused, and nothing is logged for them.
    answer = scan(client, venues["shop"], PEOPLE["yellow"])
    assert answer.status_code == 400 and answer.json["errors"]["person"]
    assert len(_scans(app)) == 2


def test_refusals_are_worded_and_log_nothing(app, venues):
    nobody = app.test_client()
    answer = scan(nobody, venues["shop"])
    assert answer.status_code == 400 and "证件号码" in answer.json["message"]
    answer = scan(nobody, venues["shop"], **{"Accept-Language": "en"})
    assert answer.status_code == 400 and "ID number" in answer.json["message"]
    client = phone_of(app, PEOPLE["green"])
    for code in ("abcdefghjk", "ABC", "x" * 40):
        assert scan(client, code).status_code == 404, code
    forged = app.test_client()
    forged.set_cookie(devices.COOKIE, device_cookie(app, PEOPLE["green"])[:-2] + "xx")
    assert scan(forged, venues["shop"]).status_code == 400
    bad = client.post(f"/api/v1/public/venues/{venues['shop']}/scan", data="{", content_type="application/json")
    assert bad.status_code == 400
    assert _scans(app) == []


def test_a_person_the_phone_has_had_too_long_is_refused_with_the_way_back(app, venues):
    """The device was given them HEALTH_CODE_HOLDER_DAYS ago (the clock: the cookie's
    time): the scan is refused, saying how to find the code again, and nothing is logged."""
    client = app.test_client()
    with app.app_context():
        client.set_cookie(devices.COOKIE, devices.cookie_of([(person_hash_of(PEOPLE["green"]), "张*")],
                                                            utcnow() - dt.timedelta(days=14)))
    answer = scan(client, venues["shop"])
    assert answer.status_code == 400 and "短信验证码" in answer.json["message"] and "person" in answer.json["errors"]
    assert "find it again" in scan(client, venues["shop"], **{"Accept-Language": "en"}).json["message"].lower()
    assert _scans(app) == []


def test_a_person_without_a_code_or_with_an_expired_green_is_refused_at_a_shop(app, venues):
    late = resident_id(sequence=9)
    with app.app_context():
        now = utcnow()
        record_colour(person_hash_of(late), "green", "declared", now - dt.timedelta(days=15),
                      expires_at=now - dt.timedelta(days=1))
        db.session.commit()
    client = phone_of(app, late, resident_id(sequence=10))
    assert scan(client, venues["shop"], late).json == {**scan(client, venues["shop"], late).json,
                                                        "colour": "none", "admitted": False}
    answer = scan(client, venues["hospital"], resident_id(sequence=10))
    assert answer.json["colour"] == "none" and answer.json["admitted"] is True


def test_scans_of_one_person_are_limited(app, venues):
    client = phone_of(app, PEOPLE["green"])
    app.config.update(RATELIMIT_ENABLED=True, VENUE_SCANS_PER_PERSON_MINUTE=2)
    try:
        assert [scan(client, venues["shop"]).status_code for _ in range(3)] == [200, 200, 429]
        assert phone_of(app, PEOPLE["red"]).post(f"/api/v1/public/venues/{venues['shop']}/scan").status_code == 200
    finally:
        app.config.update(RATELIMIT_ENABLED=False, VENUE_SCANS_PER_PERSON_MINUTE=12)
    assert len(_scans(app)) == 3


def test_the_limit_counts_per_person_and_in_memory_while_the_storage_fails(app, monkeypatch, caplog):
    """The count lives in the limiter's storage; when it fails (Redis restarting) the
    scans are counted in this process's memory, and the storage is tried again after
    STORAGE_RETRY_SECONDS (the clock a parameter), not on every scan."""
    from types import SimpleNamespace

    from app.core import rate_limits

    item, calls = rate_limits.per_minute(2), []

    def down(*_args):
        calls.append(1)
        raise ConnectionError("no Redis")

    with app.app_context():
        assert [rate_limits.hit_shared(item, "test-scan", "a" * 64) for _ in range(3)] == [True, True, False]
        assert rate_limits.hit_shared(item, "test-scan", "b" * 64)        # another person counts apart
        monkeypatch.setattr(rate_limits, "limiter", SimpleNamespace(limiter=SimpleNamespace(hit=down)))
        monkeypatch.setattr(rate_limits, "_storage_down_until", 0.0)
        now = 1000.0
        counted = [rate_limits.hit_shared(item, "test-scan", "c" * 64, clock=lambda: now) for _ in range(3)]
        assert counted == [True, True, False] and len(calls) == 1 and "counting in memory" in caplog.text
        now += rate_limits.STORAGE_RETRY_SECONDS
        assert not rate_limits.hit_shared(item, "test-scan", "c" * 64, clock=lambda: now) and len(calls) == 2


@pytest.mark.skipif(not redis_answers(), reason="Redis does not answer on 127.0.0.1:6379")
def test_two_gunicorn_workers_count_a_persons_scans_together_in_redis(app, venues, tmp_path):
    """VENUE_SCANS_PER_PERSON_MINUTE=3 under two workers sharing Redis: one person's
    scans are let through 3 times in all (counted apart, each worker would let 3 through)."""
    prefix = f"test-{uuid.uuid4().hex[:12]}"  # a fresh count, and no other run's keys
    cookie = device_cookie(app, PEOPLE["green"])
    path = f"/api/v1/public/venues/{venues['shop']}/scan"
    with Gunicorn(app, tmp_path, workers=2, RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:6379/{REDIS_DB}",
                  RATELIMIT_KEY_PREFIX=prefix, VENUE_SCANS_PER_PERSON_MINUTE="3",
                  PUBLIC_RATE_LIMIT="1000/minute") as server:
        statuses, served_by = [], set()
        first_minute = int(time.time() // 60)
        with ThreadPoolExecutor(4) as pool:
            for _round in range(40):
                statuses += pool.map(lambda _n: server.request("POST", path, {}, {
                    "Cookie": f"{devices.COOKIE}={cookie}"})[0], range(8))
                served_by = {line.split()[0] for line in server.access_log.read_text().splitlines()
                             if "/scan" in line}
                if len(served_by) == 2:
                    break
        same_minute = int(time.time() // 60) == first_minute
    assert len(served_by) == 2, "both workers answered, so only a shared count explains the 3"
    assert set(statuses) == {200, 429}
    # A fixed window: a run across a minute's turn may see the next minute's 3 as well.
    assert statuses.count(200) == 3 if same_minute else statuses.count(200) <= 6
    assert len(_scans(app)) == statuses.count(200)


def test_the_first_time_the_id_number_and_phone_of_a_declaration_are_remembered(app, venues):
    id_number = PEOPLE["yellow"]
    with app.app_context():
        from app.core.identity import lookup_hash

        db.session.add(HealthDeclaration(
            person_hash=person_hash_of(id_number), name="李四", id_number_enc="x", id_number_masked="x",
            phone_enc="x", phone_hash=lookup_hash("13912345678"), phone_masked="x", declarant_phone_hash="p",
            fever=False, cough=False, declared_at=utcnow()))
        db.session.commit()
    client = app.test_client()
    page = client.get(f"/v/{venues['shop']}").get_data(as_text=True)
    assert "惠民超市" in page and "scan-person" not in page and 'id="identify-form"' in page
    token = FORM_TOKEN.search(page).group(1)
    url = f"/v/{venues['shop']}/identify"
    wrong = client.post(url, data={"id_number": id_number, "phone": "13900000000", "csrf_token": token})
    assert wrong.status_code == 400 and "先申报" in wrong.get_data(as_text=True)
    assert client.post(url, data={"id_number": id_number, "phone": "13912345678"}).status_code == 400  # no token
    right = client.post(url, data={"id_number": id_number, "phone": "13912345678", "csrf_token": token})
    assert right.status_code == 302 and right.location.endswith(f"/v/{venues['shop']}?scan=1")
    assert "HttpOnly" in right.headers["Set-Cookie"]
    page = client.get(f"/v/{venues['shop']}?scan=1").get_data(as_text=True)
    assert "李*" in page and re.search(r'data-person="[0-9a-f]{64}"', page)
    answer = scan(client, venues["shop"])
    assert answer.json["colour"] == "yellow" and answer.json["admitted"] is False and answer.json["name"] == "李*"
    assert client.get("/v/abcdefghjk").status_code == 404


# ---- the HTTP contract: {"qr"} or the person fields, and the venue in the answer -------

def _declared(app, id_number, name="李四", phone="13912345678"):
    with app.app_context():
        from app.core.identity import lookup_hash

        db.session.add(HealthDeclaration(
            person_hash=person_hash_of(id_number), name=name, id_number_enc="x", id_number_masked="x",
            phone_enc="x", phone_hash=lookup_hash(phone), phone_masked="x", declarant_phone_hash="p",
            fever=False, cough=False, declared_at=utcnow()))
        db.session.commit()


def _qr(app, id_number, issued_at):
    with app.app_context():
        return issue_code_token(person_hash_of(id_number), issued_at)


def _post(client, code, body, **headers):
    return client.post(f"/api/v1/public/venues/{code}/scan", json=body, headers=headers)


@pytest.mark.parametrize("colour,at_shop", [("green", True), ("red", False)])
def test_a_health_code_qr_is_scanned_at_a_shop_and_a_hospital(app, venues, colour, at_shop):
    _declared(app, PEOPLE[colour], name="王五")
    qr = _qr(app, PEOPLE[colour], utcnow())
    answer = _post(app.test_client(), venues["shop"], {"qr": qr})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert answer.json["colour"] == colour and answer.json["admitted"] is at_shop
    assert answer.json["venue"] == {"name": "惠民超市", "medical": False} and answer.json["name"] == "王*"
    answer = _post(app.test_client(), venues["hospital"], {"qr": qr})
    assert answer.json["admitted"] is True and answer.json["venue"] == {"name": "人民医院", "medical": True}
    assert "Set-Cookie" not in answer.headers  # no CSRF token here: the device is not written
    with app.app_context():
        person = person_hash_of(PEOPLE[colour])
    assert _scans(app) == [(person, colour, at_shop), (person, colour, True)]


def test_an_expired_or_forged_qr_answers_400_worded_and_logs_nothing(app, venues):
    stale = _qr(app, PEOPLE["green"], utcnow() - dt.timedelta(minutes=10))
    answer = _post(app.test_client(), venues["shop"], {"qr": stale})
    assert answer.status_code == 400 and "过期" in answer.json["message"] and answer.json["errors"]["qr"]
    answer = _post(app.test_client(), venues["shop"], {"qr": stale}, **{"Accept-Language": "en"})
    assert answer.status_code == 400 and "expired" in answer.json["message"]
    # A cookie of the device does not stand in for a QR that was refused.
    for body in ({"qr": stale[:-3] + "abc"}, {"qr": ""}, {"qr": 12}):
        assert _post(phone_of(app, PEOPLE["green"]), venues["shop"], body).status_code == 400, body
    assert _scans(app) == []


def test_the_id_number_and_phone_of_a_declaration_scan_without_a_cookie(app, venues):
    _declared(app, PEOPLE["yellow"])
    body = {"id_number": PEOPLE["yellow"], "phone": "13912345678"}
    answer = _post(app.test_client(), venues["shop"], body)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert {k: answer.json[k] for k in ("colour", "admitted", "venue", "name")} == {
        "colour": "yellow", "admitted": False, "venue": {"name": "惠民超市", "medical": False}, "name": "李*"}
    assert "Set-Cookie" not in answer.headers
    for wrong in ({**body, "phone": "13900000000"}, {"id_number": PEOPLE["yellow"]}, {"phone": "13912345678"},
                  {"id_number": 5, "phone": None}):
        answer = _post(app.test_client(), venues["shop"], wrong, **{"Accept-Language": "en"})
        assert answer.status_code == 400 and "Declare first" in answer.json["message"], wrong
        assert answer.json["errors"]["id_number"]
    assert len(_scans(app)) == 1


def test_the_fast_path_answers_the_device_cookie_and_leaves_qr_and_person_fields_to_the_route(
        app, venues, monkeypatch):
    route_calls = []
    route = app.view_functions["public_venues.scan"]
    monkeypatch.setitem(app.view_functions, "public_venues.scan",
                        lambda **kwargs: route_calls.append(kwargs) or route(**kwargs))
    answer = scan(phone_of(app, PEOPLE["green"]), venues["hospital"])
    assert answer.status_code == 200 and route_calls == []  # answered in front of Flask
    assert answer.json["venue"] == {"name": "人民医院", "medical": True} and answer.json["colour"] == "green"
    _declared(app, PEOPLE["green"])
    device = phone_of(app, PEOPLE["red"])  # the body's person wins over the device's
    assert _post(device, venues["shop"], {"qr": _qr(app, PEOPLE["green"], utcnow())}).json["colour"] == "green"
    assert _post(device, venues["shop"], {"id_number": PEOPLE["green"], "phone": "13912345678"}
                 ).json["colour"] == "green"
    assert len(route_calls) == 2


def test_the_spec_documents_the_contract_of_the_scan(api):
    operation = api("integrator").get("/api/v1/_openapi").json["paths"]["/api/v1/public/venues/{code}/scan"]["post"]
    body = operation["requestBody"]["content"]["application/json"]["schema"]["properties"]
    answer = operation["responses"]["200"]["content"]["application/json"]["schema"]["properties"]
    assert {"qr", "id_number", "phone", "person"} <= set(body)
    assert {"colour", "admitted", "venue"} <= set(answer) and set(answer["venue"]["properties"]) == {"name", "medical"}
