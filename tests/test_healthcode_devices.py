"""The device's people (切换申领人): a signed cookie of person hashes and masked names."""
from flask import Response
from werkzeug.http import parse_cookie

from app.core.identity import mask_name
from app.healthcode import devices

ALICE, BOB = "a" * 64, "b" * 64


def _cookie_of(response: Response) -> str:
    header = response.headers["Set-Cookie"]
    return parse_cookie(header.split(";")[0])[devices.COOKIE]


def _remembered(app, people, cookie=None):
    """The cookie value after remembering ``people`` one by one on a device holding ``cookie``."""
    headers = {"Cookie": f"{devices.COOKIE}={cookie}"} if cookie else {}
    with app.test_request_context("/", headers=headers):
        response = Response()
        for person_hash, name in people:
            devices.remember_device_person(response, person_hash, name)
        return response, _cookie_of(response)


def _people(app, cookie):
    with app.test_request_context("/", headers={"Cookie": f"{devices.COOKIE}={cookie}"}):
        return devices.device_people(devices.request)


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
        assert devices.device_person(devices.request, BOB) == (BOB, "李**")
        assert devices.device_person(devices.request, None) == (ALICE, "张*")
        assert devices.device_person(devices.request, "c" * 64) is None


def test_a_family_is_kept_up_to_its_limit(app):
    people = [(f"{n:064d}", "王*") for n in range(devices.MAX_PEOPLE + 3)]
    cookie = None
    for person in people:
        _response, cookie = _remembered(app, [person], cookie)
    kept = _people(app, cookie)
    assert len(kept) == devices.MAX_PEOPLE and kept[0] == people[-1] and people[0] not in kept
    with app.test_request_context("/"):
        response = Response()
        devices.remember_device_people(response, people[:3])
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
