"""The device's people (切换申领人): a signed cookie of person hashes, masked names and
when each was given; a person is shown HEALTH_CODE_HOLDER_DAYS (the clock a parameter)."""
import datetime as dt

from flask import Response
from werkzeug.http import parse_cookie

from app.core.identity import mask_name
from app.healthcode import devices

ALICE, BOB = "a" * 64, "b" * 64
NOW = dt.datetime(2026, 3, 1, 2, 0)
DAY = dt.timedelta(days=1)


def _cookie_of(response: Response) -> str:
    header = response.headers["Set-Cookie"]
    return parse_cookie(header.split(";")[0])[devices.COOKIE]


def _remembered(app, people, cookie=None, now=NOW):
    """The cookie value after remembering ``people`` one by one on a device holding ``cookie``."""
    headers = {"Cookie": f"{devices.COOKIE}={cookie}"} if cookie else {}
    with app.test_request_context("/", headers=headers):
        response = Response()
        for person_hash, name in people:
            devices.remember_device_person(response, person_hash, name, now)
        return response, _cookie_of(response)


def _people(app, cookie, now=NOW):
    with app.test_request_context("/", headers={"Cookie": f"{devices.COOKIE}={cookie}"}):
        return devices.device_people(devices.request, now)


def test_the_cookie_is_signed_httponly_lax_and_holds_no_number(app):
    response, cookie = _remembered(app, [(ALICE, "张*")])
    header = response.headers["Set-Cookie"]
    assert "HttpOnly" in header and "SameSite=Lax" in header and "Path=/" in header
    assert _people(app, cookie) == [(ALICE, "张*")]
    assert "4101" not in cookie and "138" not in cookie


def test_the_latest_person_comes_first_and_each_person_once(app):
    _response, cookie = _remembered(app, [(ALICE, "张*")])
    _response, cookie = _remembered(app, [(BOB, "李**")], cookie)
    assert _people(app, cookie) == [(BOB, "李**"), (ALICE, "张*")]
    _response, cookie = _remembered(app, [(ALICE, "张*")], cookie)
    assert _people(app, cookie) == [(ALICE, "张*"), (BOB, "李**")]
    with app.test_request_context("/", headers={"Cookie": f"{devices.COOKIE}={cookie}"}):
        assert devices.device_person(devices.request, BOB, NOW) == (BOB, "李**")
        assert devices.device_person(devices.request, None, NOW) == (ALICE, "张*")
        assert devices.device_person(devices.request, "c" * 64, NOW) is None


def test_a_family_is_kept_up_to_its_limit(app):
    people = [(f"{n:064d}", "王*") for n in range(devices.MAX_PEOPLE + 3)]
    cookie = None
    for person in people:
        _response, cookie = _remembered(app, [person], cookie)
    kept = _people(app, cookie)
    assert len(kept) == devices.MAX_PEOPLE and kept[0] == people[-1] and people[0] not in kept
    with app.test_request_context("/"):
        response = Response()
        devices.remember_device_people(response, people[:3], NOW)
        assert _people(app, _cookie_of(response)) == people[:3]


def test_a_forged_or_damaged_cookie_is_no_people(app):
    _response, cookie = _remembered(app, [(ALICE, "张*")])
    assert _people(app, cookie[:-2] + "xx") == []
    assert _people(app, "not-a-cookie") == []
    from itsdangerous import URLSafeSerializer
    other_key = URLSafeSerializer("another-secret", salt=devices.SALT).dumps([[ALICE, "张*"]])
    assert _people(app, other_key) == []
    wrong_shape = URLSafeSerializer(app.config["SECRET_KEY"], salt=devices.SALT).dumps({"a": 1})
    assert _people(app, wrong_shape) == []


def test_a_name_shows_its_first_character_at_most():
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳娜娜") == "欧***"
    assert mask_name("李") == "李*"
    assert mask_name(" John Smith ") == "J*********"
    assert mask_name("") == "" and mask_name(None) is None


def test_a_person_is_shown_for_the_holder_days_then_listed_as_expired(app, monkeypatch):
    """Each person keeps the time the device was given them: ALICE given at NOW, BOB ten
    days later; at NOW + 14 days ALICE has expired (HEALTH_CODE_HOLDER_DAYS), BOB not;
    given again (我的健康码, a declaration) she is shown for as long again."""
    _response, cookie = _remembered(app, [(ALICE, "张*")])
    _response, cookie = _remembered(app, [(BOB, "李**")], cookie, now=NOW + 10 * DAY)
    later = NOW + 14 * DAY
    assert _people(app, cookie, later - dt.timedelta(seconds=1)) == [(BOB, "李**"), (ALICE, "张*")]
    assert _people(app, cookie, later) == [(BOB, "李**")]
    with app.test_request_context("/", headers={"Cookie": f"{devices.COOKIE}={cookie}"}):
        assert devices.expired_device_people(devices.request, later) == [(ALICE, "张*")]
        assert devices.device_person(devices.request, ALICE, later) is None
        assert devices.expired_device_person(devices.request, ALICE, later) == (ALICE, "张*")
        assert devices.expired_device_person(devices.request, BOB, later) is None
    _response, cookie = _remembered(app, [(ALICE, "张*")], cookie, now=later)
    assert _people(app, cookie, NOW + 25 * DAY) == [(ALICE, "张*")]   # BOB's 14 days ended at NOW + 24
    monkeypatch.setitem(app.config, "HEALTH_CODE_HOLDER_DAYS", 30)
    assert _people(app, cookie, NOW + 25 * DAY) == [(ALICE, "张*"), (BOB, "李**")]


def test_an_entry_without_its_time_counts_as_expired(app):
    from itsdangerous import URLSafeSerializer

    first_format = URLSafeSerializer(app.config["SECRET_KEY"], salt=devices.SALT).dumps([[ALICE, "张*"]])
    assert _people(app, first_format) == []
    with app.test_request_context("/", headers={"Cookie": f"{devices.COOKIE}={first_format}"}):
        assert devices.expired_device_people(devices.request, NOW) == [(ALICE, "张*")]
