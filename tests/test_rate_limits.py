"""Rate limits (app.core.rate_limits): per client IP on the public endpoints and every login
endpoint, per phone and per ID number on public filings, 429 with a translated message
and Retry-After; counts in Redis shared by gunicorn workers."""
import datetime as dt
import uuid
from concurrent.futures import ThreadPoolExecutor
from unittest.mock import patch

import pytest
from sqlalchemy import select

from app.core.extensions import db, limiter
from models import Notification
from models.base import utcnow
from tests.conftest import post_login
from tests.filing_data import count_filings, iso, report, resident_id
from tests.live_gunicorn import Gunicorn, redis_answers

URL = "/api/v1/public/filings"
GENEROUS = "1000/minute"


@pytest.fixture
def limits(app):
    """``limits(PUBLIC_RATE_LIMIT="3/minute", ...)`` turns the limiter on with these
    settings and fresh in-memory counts; off again after the test."""
    saved = {key: app.config[key] for key in ("RATELIMIT_ENABLED", "RATELIMIT_STORAGE_URI",
                                              "PUBLIC_RATE_LIMIT", "SMS_RATE_LIMIT",
                                              "ID_NUMBER_RATE_LIMIT", "LOGIN_RATE_LIMIT")}

    def turn_on(**settings):
        app.config.update({"RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://",
                           "PUBLIC_RATE_LIMIT": GENEROUS, "SMS_RATE_LIMIT": GENEROUS,
                           "ID_NUMBER_RATE_LIMIT": GENEROUS, "LOGIN_RATE_LIMIT": GENEROUS, **settings})
        limiter.enabled = True
        # New storage: counts start at zero. The session's app was made with the limiter
        # off, so its request hooks are added now, after requests were served.
        with patch.object(app, "_got_first_request", False):
            limiter.init_app(app)

    yield turn_on
    app.config.update(saved)
    limiter.enabled = False


def _person(**overrides):
    """A report of a new person with a phone of their own."""
    return report(**{"id_number": resident_id(), "phone": f"139{uuid.uuid4().int % 10**8:08d}", **overrides})


def test_a_burst_from_one_client_gets_429_with_retry_after_in_its_language(app, client, limits):
    limits(PUBLIC_RATE_LIMIT="3/minute;200/day")
    statuses = [client.post(URL, json=_person()).status_code for _ in range(3)]
    refused = client.post(URL, json=_person())
    assert statuses == [201] * 3 and refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    assert refused.json["message"] == "请求过于频繁，请稍后再试。" and refused.json["errors"] == {}
    english = client.post(URL, json=_person(), headers={"Accept-Language": "en"})
    assert english.status_code == 429 and english.json["message"] == "Too many requests; try again later."
    assert client.post(f"{URL}/batch", json={"filings": [_person()]}).status_code == 429
    assert count_filings(app) == 3
    # Another client has its own count.
    other = client.post(URL, json=_person(), environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert other.status_code == 201


def test_reading_receipts_counts_apart_from_filing_and_the_page_answers_429_as_a_page(app, client, limits):
    limits(PUBLIC_RATE_LIMIT="2/minute")
    created = client.post(URL, json=_person()).json
    pages = [client.get(f"/report/receipt/{created['receipt']}").status_code for _ in range(3)]
    assert pages == [200, 200, 429]
    page = client.get(f"/report/receipt/{created['receipt']}")
    assert "请求过于频繁" in page.get_data(as_text=True) and page.headers["Retry-After"]
    assert page.mimetype == "text/html"
    assert client.post(URL, json=_person()).status_code == 201  # the second write of two


def test_a_phone_gets_at_most_sms_rate_limit_filings(app, client, limits):
    limits(SMS_RATE_LIMIT="2/day")
    phone = "13912340000"
    answers = [client.post(URL, json=_person(phone=phone)) for _ in range(3)]
    assert [a.status_code for a in answers] == [201, 201, 429]
    assert int(answers[2].headers["Retry-After"]) > 60  # a day's window
    # Another phone, and a family member whose receipt goes to the filer's phone: counted there.
    assert client.post(URL, json=_person()).status_code == 201
    member = _person(proxy_name="王芳", proxy_phone=phone, proxy_relation="child", phone="+85212345678",
                     id_type="passport", id_number="E12345678", origin_country="HK")
    member.pop("origin_region_code")
    assert client.post(URL, json=member).status_code == 429
    assert count_filings(app) == 3


def test_an_id_number_gets_at_most_id_number_rate_limit_attempts(app, client, limits):
    """Probing the days of a stranger's ID number stops after a few tries."""
    limits(ID_NUMBER_RATE_LIMIT="3/day")
    number = resident_id()
    answers = [client.post(URL, json=_person(id_number=number, expected_arrival_at=iso(
        utcnow() + dt.timedelta(days=days)), departure_at=None)).status_code for days in (4, 4, 5, 6)]
    assert answers == [201, 409, 201, 429]
    assert client.post(URL, json=_person()).status_code == 201


def test_the_counters_hold_keyed_hashes_never_a_number(app, client, limits):
    limits()
    body = _person()
    assert client.post(URL, json=body).status_code == 201
    keys = " ".join(str(key) for key in limiter.storage.storage)
    assert "phone" in keys and "id_number" in keys
    assert body["phone"] not in keys and body["id_number"] not in keys


def test_a_duplicate_resends_the_receipt_within_the_phones_limit(app, client, limits):
    limits(SMS_RATE_LIMIT="3/day")
    victim = _person()
    assert client.post(URL, json=victim).status_code == 201  # SMS 1 to the victim's phone
    answers = [client.post(URL, json={**victim, "phone": f"1370000111{n}", "name": "李四"})
               for n in range(4)]  # a stranger's tries, each from a phone of theirs
    assert {a.status_code for a in answers} == {409}
    assert len({a.json["message"] for a in answers}) == 1  # the same answer, sent or not
    with app.app_context():
        sms = db.session.scalars(select(Notification).where(Notification.kind == "receipt")).all()
    assert len(sms) == 3 and {m.recipient_masked for m in sms} == {victim["phone"][:3] + "****" + victim["phone"][-4:]}


@pytest.mark.parametrize("path", ["/login/", "/api/v1/security/login"])
def test_every_login_endpoint_is_limited_per_client_ip(app, limits, path):
    limits(LOGIN_RATE_LIMIT="3/minute")
    client = app.test_client()

    def attempt(where):
        if where == "/login/":  # with the form's token, as a browser signs in
            return post_login(client, "officer", "wrong")
        return client.post(where, json={"username": "officer", "password": "wrong", "provider": "db"})

    assert [attempt(path).status_code for _ in range(2)] != [429, 429]
    other = "/api/v1/security/login" if path == "/login/" else "/login/"
    assert attempt(other).status_code != 429  # the third, on the other endpoint: counted together
    refused = attempt(path)
    assert refused.status_code == 429 and refused.headers["Retry-After"]
    if path.startswith("/api/"):
        assert refused.json["message"] == "请求过于频繁，请稍后再试。"
    assert client.get("/login/").status_code == 200  # only attempts count
    assert client.post(path, json={}, environ_base={"REMOTE_ADDR": "10.9.9.9"}).status_code != 429


def test_turned_off_nothing_is_limited(app, client):
    """RATELIMIT_ENABLED off (the test app, the benchmarks): no count, no 429."""
    phone = "13912349999"
    assert {client.post(URL, json=_person(phone=phone)).status_code for _ in range(12)} == {201}


# ---- shared between gunicorn workers through Redis ----------------------------------------------

REDIS_DB = 13  # this suite's database on the machine's Redis


@pytest.mark.skipif(not redis_answers(), reason="Redis does not answer on 127.0.0.1:6379")
def test_two_gunicorn_workers_share_the_counts_in_redis(app, tmp_path):
    prefix = f"test-{uuid.uuid4().hex[:12]}"  # a fresh count, and no other run's keys
    with Gunicorn(app, tmp_path, workers=2, RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:6379/{REDIS_DB}",
                  RATELIMIT_KEY_PREFIX=prefix, PUBLIC_RATE_LIMIT="6/minute") as server:
        # Unknown receipts answer 404 once counted, 4 at a time (both workers busy), until
        # both workers have answered (a loaded machine may leave one idle for a while).
        statuses, served_by = [], set()
        with ThreadPoolExecutor(4) as pool:
            for _round in range(40):
                urls = [f"/report/receipt/NOSUCHCODE{len(statuses) + n}" for n in range(20)]
                statuses += pool.map(server.status, urls)
                served_by = {line.split()[0] for line in server.access_log.read_text().splitlines()
                             if "/report/receipt/NOSUCH" in line}
                if len(served_by) == 2:
                    break
    # Counted apart, each worker would let its own 6 through.
    assert statuses.count(404) == 6 and statuses.count(429) == len(statuses) - 6
    assert len(served_by) == 2, "both workers answered, so only a shared count explains the 6"


@pytest.mark.parametrize("hops, seen", [(0, "127.0.0.1"), (1, "203.0.113.9")])
def test_behind_proxy_hops_the_forwarded_address_is_the_client(hops, seen):
    """The per-IP limits count request.remote_addr: behind PROXY_HOPS trusted proxies it
    is the address they forwarded; without, a forged header changes nothing."""
    from flask import Flask, request

    from app import init_proxy

    bare = Flask(__name__)
    bare.config["PROXY_HOPS"] = hops
    init_proxy(bare)
    bare.add_url_rule("/ip", "ip", lambda: request.remote_addr)
    answer = bare.test_client().get("/ip", headers={"X-Forwarded-For": "203.0.113.9"},
                                    environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert answer.get_data(as_text=True) == seen
