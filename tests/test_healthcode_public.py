"""The public health-code pages: declaring for oneself and for a family member, every
mistake at once, the code page (colour, masked name, dynamic QR), 切换申领人 between the
device's people, 我的健康码 by SMS code, the rate limits, and no GET writing anything.
SQLite and PostgreSQL."""
import datetime as dt
import re

import pytest
from sqlalchemy import func, select

from app.core import identity
from app.core.extensions import db
from app.healthcode import declarations, devices
from app.healthcode.codes import current_code, person_hash_of
from app.healthcode.tokens import CodeTokenRefused, read_code_token
from models import Notification
from models.base import utcnow
from models.filing import FilerCode
from models.healthcode import HealthCode, HealthCodeChange, HealthDeclaration
from tests.filing_data import OWN_COMMUNITY, resident_id
from tests.test_rate_limits import limits  # noqa: F401  (the fixture)

FORM, CODE, TOKEN = "/healthcode/", "/healthcode/code", "/healthcode/token"
MINE, MINE_CODE = "/healthcode/mine", "/healthcode/mine/code"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
PHONE, PARENT_PHONE = "13812345678", "13911112222"


def declaration(**overrides) -> dict:
    body = {"for_whom": "self", "name": "张三丰", "id_type": "resident_id", "id_number": resident_id(),
            "phone": PHONE, "residence_region_code": OWN_COMMUNITY, "residence_address": "体育路1号院3号楼401",
            "commitment": "1"}
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


def hash_of(app, id_number: str) -> str:
    with app.app_context():
        return person_hash_of(id_number)


def csrf(client, url=FORM) -> str:
    return CSRF.search(client.get(url).get_data(as_text=True)).group(1)


def post_form(client, url, data, page=FORM):
    return client.post(url, data={**data, "csrf_token": csrf(client, page)})


def declare(client, **overrides):
    body = declaration(**overrides)
    return post_form(client, FORM, body), body


def text_of(response) -> str:
    return response.get_data(as_text=True)


def field_errors(html: str) -> set:
    return set(re.findall(r'class="field[^"]*invalid[^"]*" data-field="([a-z_0-9]+)"', html))


def counts(app) -> dict:
    with app.app_context():
        return {model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
                for model in (HealthDeclaration, HealthCode, HealthCodeChange, Notification, FilerCode)}


# ---- declaring ---------------------------------------------------------------------------

def test_declaring_for_oneself_gives_a_green_code_page_with_the_masked_name(app, client):
    response, body = declare(client)
    assert response.status_code == 303
    person = hash_of(app, body["id_number"])
    assert response.headers["Location"].endswith(f"{CODE}?person={person}")
    cookie = response.headers["Set-Cookie"]
    assert devices.COOKIE in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert body["id_number"] not in cookie
    with app.app_context():
        row = db.session.scalars(select(HealthDeclaration)).one()
        assert row.person_hash == person and row.id_number_masked == identity.mask_id_number(body["id_number"])
        assert identity.decrypt(row.id_number_enc) == body["id_number"] and row.phone_masked == "138****5678"
        assert row.declarant_phone_hash == identity.lookup_hash(PHONE) and row.proxy_name is None
        assert row.residence_region_code == OWN_COMMUNITY and row.fever is False
        state = current_code(person, utcnow())
        assert state.colour == "green" and state.rule == "declared"
        assert state.expires_at - row.declared_at == dt.timedelta(days=14)
    page = client.get(response.headers["Location"])
    html = text_of(page)
    assert page.status_code == 200 and 'data-colour="green"' in html and "张**" in html
    assert "张三丰" not in html and body["id_number"] not in html and PHONE not in html
    assert 'id="code-qr" src="data:image/svg+xml;base64,' in html


def test_a_declared_fever_gives_yellow_at_once(app, client):
    response, body = declare(client, fever="1", close_contact_14d="1")
    assert response.status_code == 303
    html = text_of(client.get(response.headers["Location"]))
    assert 'data-colour="yellow"' in html
    with app.app_context():
        row = db.session.scalars(select(HealthDeclaration)).one()
        assert row.fever is True and row.cough is False and row.close_contact_14d is True
        assert current_code(row.person_hash, utcnow()).rule == "symptoms"


def test_declaring_for_a_family_member_keeps_who_declared_and_the_phone(app, client):
    response, parent = declare(client, for_whom="family", name="李四", id_number=resident_id(birth="19450101"),
                               phone=PARENT_PHONE, proxy_name="李小明", proxy_phone="13700001111",
                               proxy_relation="parent")
    assert response.status_code == 303
    with app.app_context():
        row = db.session.scalars(select(HealthDeclaration)).one()
        assert row.proxy_name == "李小明" and row.proxy_relation == "parent"
        assert row.declarant_phone_hash == identity.lookup_hash("13700001111")
        assert row.phone_hash == identity.lookup_hash(PARENT_PHONE)
    assert "李*" in text_of(client.get(response.headers["Location"]))


def test_proxy_fields_are_asked_for_a_family_member_and_ignored_for_oneself(app, client):
    response, _ = declare(client, for_whom="family")
    assert response.status_code == 400
    assert {"proxy_name", "proxy_phone", "proxy_relation"} <= field_errors(text_of(response))
    response, _ = declare(client, for_whom="self", proxy_name="someone", proxy_relation="spouse")
    assert response.status_code == 303
    with app.app_context():
        assert db.session.scalars(select(HealthDeclaration)).one().proxy_name is None


def test_every_mistake_is_shown_at_once_at_its_field_and_nothing_is_stored(app, client):
    before = counts(app)
    response = post_form(client, FORM, {})
    assert response.status_code == 400
    assert field_errors(text_of(response)) == {"name", "id_number", "phone", "residence_address", "commitment"}
    response, _ = declare(client, name="张" * 51, id_number="410105199003071234", phone="12345",
                          residence_region_code="410105001", residence_address="x" * 201, id_type="nonsense",
                          fever="perhaps", commitment=None)
    html = text_of(response)
    assert response.status_code == 400
    assert field_errors(html) == {"name", "id_number", "phone", "residence_region_code", "residence_address",
                                  "id_type", "fever", "commitment"}
    assert html.count("at most 50 characters") + html.count("最多 50") + html.count("50") >= 1
    assert 'value="' + "张" * 51 + '"' in html  # kept as typed, never cut
    assert counts(app) == before


def test_unknown_fields_and_odd_bodies_answer_400_never_500(app, client):
    response, _ = declare(client, extra="x")
    assert response.status_code == 400
    assert client.post(FORM, data="not a form", content_type="text/plain",
                       headers={"X-CSRFToken": csrf(client)}).status_code == 400
    response, _ = declare(client, residence_region_code="4" * 40, id_type="passport", id_number="E1")
    assert response.status_code == 400 and field_errors(text_of(response)) == {"residence_region_code", "id_number"}
    response, _ = declare(client, name="\x00")
    assert response.status_code == 400 and counts(app)["health_declaration"] == 0


def test_a_declaration_without_the_csrf_token_is_refused(app, client):
    response = client.post(FORM, data=declaration())
    assert response.status_code == 400 and counts(app)["health_declaration"] == 0


def test_a_self_declared_green_ends_after_its_days_then_the_page_asks_to_declare_again(app, client):
    """The clock is a parameter: a declaration 15 days ago, seen now."""
    body = declaration()
    with app.test_request_context("/"):
        declared = declarations.declare(body, now=utcnow() - dt.timedelta(days=15))
        assert current_code(declared.person_hash, utcnow()).colour is None
    client.set_cookie(devices.COOKIE, _device_cookie(app, [declared]))
    html = text_of(client.get(CODE))
    assert 'data-colour=""' in html and 'id="code-missing"' in html and 'id="code-qr"' not in html


def _device_cookie(app, people, given_at=None) -> str:
    with app.app_context():
        return devices.cookie_of(people, given_at or utcnow())


def test_a_person_given_to_this_phone_too_long_is_refused_with_the_way_back(app, client):
    """The clock is a parameter (when the device was given the person): 14 days
    (HEALTH_CODE_HOLDER_DAYS) later the code page answers 410 saying so in the page's
    language, with 我的健康码 and the declaration as the ways back; the QR refresh too;
    我的健康码 gives the person again, shown for as long again."""
    response, body = declare(client)
    person = hash_of(app, body["id_number"])
    client.set_cookie(devices.COOKIE, _device_cookie(app, [(person, "张**")], utcnow() - dt.timedelta(days=14)))
    for url in (CODE, f"{CODE}?person={person}"):
        page = client.get(url)
        html = text_of(page)
        assert page.status_code == 410 and 'id="expired-message"' in html and "短信验证码" in html, url
        assert 'href="/healthcode/mine"' in html and 'id="code-qr"' not in html and "张**" in html
    assert "SMS code" in text_of(client.get(f"{CODE}?person={person}&lang=en"))
    refreshed = client.get(f"{TOKEN}?person={person}")
    assert refreshed.status_code == 410 and "token" not in refreshed.json and refreshed.json["message"]
    assert client.get(f"{CODE}?person={'f' * 64}").status_code == 302   # no one else here: declare
    ask = {"id_number": body["id_number"], "phone": PHONE}
    post_form(client, MINE_CODE, ask, page=MINE)
    opened = post_form(client, MINE, {**ask, "otp": _sms_code(app)}, page=MINE)
    assert opened.status_code == 303
    page = client.get(f"{CODE}?person={person}")
    assert page.status_code == 200 and 'id="code-qr"' in text_of(page)


# ---- the device's people and the QR -----------------------------------------------------------

def test_switching_between_the_people_declared_from_this_phone(app, client):
    first, me = declare(client)
    second, child = declare(client, for_whom="family", name="王小", id_number=resident_id(birth="20150601"),
                            proxy_name="张三丰", proxy_phone=PHONE, proxy_relation="child")
    mine, childs = hash_of(app, me["id_number"]), hash_of(app, child["id_number"])
    html = text_of(client.get(CODE))  # the latest declared comes first
    assert "王*" in html and 'id="switch-person"' in html
    assert f"person={mine}" in html and f"person={childs}" in html
    html = text_of(client.get(f"{CODE}?person={mine}"))
    assert '<div class="code-name" id="code-name">张**</div>' in html
    assert text_of(client.get(FORM)).count("people-links") == 1  # the form lists them too
    assert client.get(f"{CODE}?person={'f' * 64}").status_code == 404
    stranger = app.test_client()
    assert stranger.get(f"{CODE}?person={mine}").status_code == 302  # no people on that phone
    assert stranger.get(f"{TOKEN}?person={mine}").status_code == 404


def test_the_qr_token_is_fresh_each_time_and_refused_after_five_minutes(app, client):
    response, body = declare(client)
    person = hash_of(app, body["id_number"])
    before = counts(app)
    answer = client.get(f"{TOKEN}?person={person}")
    assert answer.status_code == 200 and answer.json["colour"] == "green"
    assert answer.json["qr"].startswith("data:image/svg+xml;base64,")
    assert devices.COOKIE not in answer.headers.get("Set-Cookie", "")
    assert counts(app) == before
    token, issued = answer.json["token"], utcnow().replace(second=0, microsecond=0)
    with app.app_context():
        assert read_code_token(token, issued + dt.timedelta(minutes=5)) == person
        with pytest.raises(CodeTokenRefused):
            read_code_token(token, issued + dt.timedelta(minutes=5, seconds=1))


def test_the_token_endpoint_is_limited_per_client(app, client, limits):  # noqa: F811
    response, body = declare(client)
    limits(HEALTH_CODE_TOKEN_RATE_LIMIT="2/minute")
    url = f"{TOKEN}?person={hash_of(app, body['id_number'])}"
    assert [client.get(url).status_code for _ in range(3)] == [200, 200, 429]
    assert client.get(CODE).status_code == 200  # the page itself is not counted with it


def test_declarations_are_limited_per_id_number(app, client, limits):  # noqa: F811
    limits(ID_NUMBER_RATE_LIMIT="2/day")
    number = resident_id()
    statuses = [declare(client, id_number=number)[0].status_code for _ in range(3)]
    assert statuses == [303, 303, 429]
    assert counts(app)["health_declaration"] == 2


def test_no_get_writes_anything(app, client):
    response, body = declare(client)
    person = hash_of(app, body["id_number"])
    before = counts(app)
    for url in (FORM, f"{FORM}?for=family", CODE, f"{CODE}?person={person}", f"{TOKEN}?person={person}", MINE):
        answer = client.get(url)
        assert answer.status_code == 200, url
        assert devices.COOKIE not in answer.headers.get("Set-Cookie", ""), url
    assert counts(app) == before


# ---- 我的健康码 ----------------------------------------------------------------------------------

def _sms_code(app) -> str:
    with app.app_context():
        body = db.session.scalars(select(Notification.body).where(Notification.kind == "code")
                                  .order_by(Notification.id.desc())).first()
    return re.search(r"\b(\d{6})\b", body).group(1)


def test_my_health_code_on_a_new_phone_by_sms_code(app, client):
    declare(client)
    declare(client, for_whom="family", name="李四", id_number=resident_id(birth="19450101"),
            phone=PARENT_PHONE, proxy_name="张三丰", proxy_phone=PHONE, proxy_relation="parent")
    _, me = declare(client)
    new_phone = app.test_client()
    ask = {"id_number": me["id_number"], "phone": PHONE}
    sent = post_form(new_phone, MINE_CODE, ask, page=MINE)
    assert sent.status_code == 200 and 'id="sent-message"' in text_of(sent)
    wrong = post_form(new_phone, MINE, {**ask, "otp": "000000"}, page=MINE)
    assert wrong.status_code == 400 and "otp" in field_errors(text_of(wrong))
    opened = post_form(new_phone, MINE, {**ask, "otp": _sms_code(app)}, page=MINE)
    assert opened.status_code == 303 and devices.COOKIE in opened.headers["Set-Cookie"]
    html = text_of(new_phone.get(opened.headers["Location"]))
    assert "张**" in html and "李*" in html  # both people declared with that phone
    again = post_form(new_phone, MINE, {**ask, "otp": _sms_code(app)}, page=MINE)
    assert again.status_code == 400  # a code is used once


def test_my_health_code_says_the_same_for_a_stranger_and_sends_nothing(app, client):
    declare(client)
    stranger = {"id_number": resident_id(), "phone": "13600000000"}
    sent = post_form(app.test_client(), MINE_CODE, stranger, page=MINE)
    assert sent.status_code == 200 and 'id="sent-message"' in text_of(sent)
    assert counts(app)["notification"] == 0
    empty = post_form(app.test_client(), MINE_CODE, {"id_number": "", "phone": "1" * 21}, page=MINE)
    assert empty.status_code == 400 and field_errors(text_of(empty)) == {"id_number", "phone"}


def test_a_code_for_my_filings_does_not_open_my_health_code(app, client):
    from app.core import sms_codes

    _, me = declare(client)
    with app.test_request_context("/"):
        id_hash, phone_hash = person_hash_of(me["id_number"]), identity.lookup_hash(PHONE)
        sms_codes.send("filer-code", id_hash, phone_hash, PHONE, lambda code, n: code, utcnow())
        db.session.commit()
    code = _sms_code(app)
    opened = post_form(app.test_client(), MINE, {"id_number": me["id_number"], "phone": PHONE, "otp": code},
                       page=MINE)
    assert opened.status_code == 400


def test_my_health_code_requests_are_limited_per_phone(app, client, limits):  # noqa: F811
    _, me = declare(client)
    limits(SMS_RATE_LIMIT="2/day")
    ask = {"id_number": me["id_number"], "phone": PHONE}
    statuses = [post_form(client, MINE_CODE, ask, page=MINE).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert counts(app)["notification"] == 2


def test_the_pages_speak_english(app, client):
    html = text_of(client.get(f"{FORM}?lang=en"))
    assert "Health declaration" in html and "For a family member" in html
    html = text_of(client.get(f"{FORM}?lang=zh"))
    assert "健康申报" in html


def test_the_qr_svg_draws_exactly_the_codes_modules():
    from views.healthcode.public import qr_modules, qr_svg_text

    modules = qr_modules("some token.signature")
    svg = qr_svg_text(modules)
    drawn = [[False] * len(modules) for _ in modules]
    for x, y, width in re.findall(r"M(\d+) (\d+)h(\d+)v1h-\d+z", svg):
        for column in range(int(x), int(x) + int(width)):
            drawn[int(y)][column] = True
    assert drawn == modules and f'viewBox="0 0 {len(modules)} {len(modules)}"' in svg


# ---- a known person is declared only from a phone on file -------------------------------------

STRANGER_PHONE = "13600009999"


def _code_of(app, person) -> tuple:
    with app.app_context():
        state = current_code(person, utcnow())
        return state.colour, state.rule


def test_a_stranger_declaring_for_a_known_person_sees_no_colour_and_changes_nothing(app, client):
    _, me = declare(client)
    person = hash_of(app, me["id_number"])
    before, colour = counts(app), _code_of(app, person)
    stranger = app.test_client()
    held, _ = declare(stranger, id_number=me["id_number"], phone=STRANGER_PHONE, fever="1")
    html = text_of(held)
    assert held.status_code == 200 and 'id="held-message"' in html and "138****5678" in html
    assert "data-colour" not in html and 'name="otp"' in html
    assert devices.COOKIE not in held.headers.get("Set-Cookie", "")
    after = counts(app)
    assert after["notification"] == before["notification"] + 1  # the code, to the phone on file
    assert {k: v for k, v in after.items() if k not in ("notification", "filer_code")} == \
        {k: v for k, v in before.items() if k not in ("notification", "filer_code")}
    assert _code_of(app, person) == colour
    with app.app_context():
        sent = db.session.scalars(select(Notification).order_by(Notification.id.desc())).first()
        assert identity.decrypt(sent.recipient) == PHONE and me["id_number"] not in sent.body
    # as family, giving another family phone: held as well
    held, _ = declare(stranger, for_whom="family", id_number=me["id_number"], phone="13700002222",
                      proxy_name="王五", proxy_phone=STRANGER_PHONE, proxy_relation="parent", cough="1")
    assert held.status_code == 200 and 'id="held-message"' in text_of(held)
    assert _code_of(app, person) == colour and counts(app)["health_declaration"] == 1


def test_a_held_declaration_takes_effect_with_the_code_sent_to_the_phone_on_file(app, client):
    _, me = declare(client)
    person = hash_of(app, me["id_number"])
    stranger = app.test_client()
    declare(stranger, id_number=me["id_number"], phone=STRANGER_PHONE, fever="1")
    wrong, _ = declare(stranger, id_number=me["id_number"], phone=STRANGER_PHONE, fever="1", otp="000000")
    assert wrong.status_code == 400 and "otp" in field_errors(text_of(wrong))
    assert _code_of(app, person) == ("green", "declared")
    done, _ = declare(stranger, id_number=me["id_number"], phone=STRANGER_PHONE, fever="1", otp=_sms_code(app))
    assert done.status_code == 303 and devices.COOKIE in done.headers["Set-Cookie"]
    assert 'data-colour="yellow"' in text_of(stranger.get(done.headers["Location"]))
    assert _code_of(app, person) == ("yellow", "symptoms")
    # the new phone is on file now: it declares again without a code
    again, _ = declare(stranger, id_number=me["id_number"], phone=STRANGER_PHONE)
    assert again.status_code == 303 and _code_of(app, person) == ("green", "declared")


def test_a_person_known_by_a_filing_is_held_and_a_new_person_declares_freely(app, client):
    from tests.filing_data import store

    known = resident_id(birth="19800101")
    store(app, id_number=known, phone=PARENT_PHONE)
    held, _ = declare(client, id_number=known)
    assert held.status_code == 200 and "139****2222" in text_of(held)
    assert counts(app)["health_declaration"] == 0
    new, _ = declare(client, id_number=resident_id(birth="19800202"), phone=STRANGER_PHONE)
    assert new.status_code == 303
    # the filing's own phone declares at once
    assert declare(client, id_number=known, phone=PARENT_PHONE)[0].status_code == 303


def test_codes_for_a_held_declaration_are_limited_per_person(app, client, limits):  # noqa: F811
    _, me = declare(client)
    limits(HEALTH_CODE_HOLD_SMS_RATE_LIMIT="2/day")
    before = counts(app)["notification"]
    statuses = [declare(app.test_client(), id_number=me["id_number"], phone=STRANGER_PHONE)[0].status_code
                for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert counts(app)["notification"] == before + 2
