"""The traveller's side of issue 15: back to one's filings from any phone (one-time SMS
code, signed tokens, the receipt SMS's link), filing for someone else, every error at
once, the destination filled in from a poster's link, the help page, hotline calls."""
import datetime as dt
import logging
import re

import pytest
from sqlalchemy import select

from app.core import outbox
from app.core.extensions import db
from app.filings import links
from models import Filing, FilerCode, Notification
from models.base import utcnow
from tests.filing_data import OWN_COMMUNITY, filing_row, report, resident_id
from tests.test_rate_limits import limits  # noqa: F401  (the fixture)

URL = "/api/v1/public/filings"
OTP, MINE = "/api/v1/public/otp", "/api/v1/public/my-filings"
CHILD_PHONE = "13700001111"


def _messages(app, kind):
    with app.app_context():
        return [n.body for n in db.session.scalars(
            select(Notification).where(Notification.kind == kind).order_by(Notification.id))]


def _code(app) -> str:
    return re.search(r"\b(\d{6})\b", _messages(app, "code")[-1]).group(1)


def _family(client):
    """A mother filing for herself and her child, and a son filing for his father
    without travelling himself (from CHILD_PHONE)."""
    mother = report(name="王芳", id_number=resident_id(birth="19850101"), phone="13800000001")
    child = report(name="王小明", id_number=resident_id(birth="20150601"), phone="13800000001",
                   proxy_name="王芳", proxy_phone="13800000001", proxy_relation="child")
    assert client.post(f"{URL}/batch", json={"filings": [mother, child]}).status_code == 201
    father = report(name="李大爷", id_number=resident_id(birth="19480303"), phone="13600002222",
                    proxy_name="李明", proxy_phone=CHILD_PHONE, proxy_relation="parent")
    created = client.post(URL, json=father)
    assert created.status_code == 201, created.json
    return mother, child, father


def test_an_sms_code_lists_the_filings_made_with_a_phone_and_opens_each(app, client):
    mother, child, father = _family(client)
    # The son's phone with his father's ID number: the code goes to the son's phone.
    answer = client.post(OTP, json={"id_number": father["id_number"], "phone": CHILD_PHONE})
    assert answer.status_code == 202 and len(_messages(app, "code")) == 1
    wrong = client.post(MINE, json={"id_number": father["id_number"], "phone": CHILD_PHONE, "otp": "000000"
                                    if _code(app) != "000000" else "111111"})
    assert wrong.status_code == 400 and "otp" in wrong.json["errors"]
    listed = client.post(MINE, json={"id_number": father["id_number"], "phone": CHILD_PHONE, "otp": _code(app)})
    assert listed.status_code == 200, listed.json
    [entry] = listed.json["filings"]
    assert entry["name"] == "李大爷" and entry["self"] is True and entry["proxy_relation"] == "parent"
    assert entry["edits_left"] == 2 and entry["can_edit"] and entry["can_cancel"]
    assert re.fullmatch(r"s\.[0-9a-f]+\.[\w-]+", entry["token"])
    # The code is used up.
    again = client.post(MINE, json={"id_number": father["id_number"], "phone": CHILD_PHONE, "otp": _code(app)})
    assert again.status_code == 400

    # The mother's phone lists her filing and her child's; each token opens its filing only.
    client.post(OTP, json={"id_number": mother["id_number"], "phone": "13800000001"})
    listed = client.post(MINE, json={"id_number": mother["id_number"], "phone": "13800000001", "otp": _code(app)})
    by_name = {f["name"]: f for f in listed.json["filings"]}
    assert set(by_name) == {"王芳", "王小明"} and by_name["王芳"]["self"] and not by_name["王小明"]["self"]
    mine, kid = by_name["王芳"], by_name["王小明"]
    headers = {"X-Filing-Token": kid["token"]}
    assert client.get(f"{URL}/{kid['receipt']}", headers=headers).json["name"] == "王小明"
    assert client.get(f"{URL}/{mine['receipt']}", headers=headers).status_code == 404
    # View, edit (the filing's own limit of two) and cancel through the same token.
    for number, left in (("G1", 1), ("G2", 0)):
        edited = client.put(f"{URL}/{kid['receipt']}", json={"transport_no": number}, headers=headers)
        assert edited.status_code == 200 and edited.json["edits_left"] == left
    assert client.put(f"{URL}/{kid['receipt']}", json={"transport_no": "G3"}, headers=headers).status_code == 409
    assert client.delete(f"{URL}/{kid['receipt']}", headers=headers).json["status"] == "cancelled"


def test_no_code_for_a_stranger_and_the_same_answer(app, client):
    _mother, _child, father = _family(client)
    for body in ({"id_number": father["id_number"], "phone": "13900009999"},
                 {"id_number": resident_id(), "phone": CHILD_PHONE}):
        answer = client.post(OTP, json=body)
        assert answer.status_code == 202 and answer.json["message"]
    assert _messages(app, "code") == []
    # Any code for a phone that got none is refused.
    assert client.post(MINE, json={"id_number": father["id_number"], "phone": "13900009999",
                                   "otp": "123456"}).status_code == 400
    bad = client.post(OTP, json={"id_number": "x" * 40})
    assert bad.status_code == 400 and set(bad.json["errors"]) == {"id_number", "phone"}


def test_a_code_allows_five_wrong_tries_then_none(app, client):
    _mother, _child, father = _family(client)
    person = {"id_number": father["id_number"], "phone": CHILD_PHONE}
    client.post(OTP, json=person)
    code = _code(app)
    wrong = "%06d" % ((int(code) + 1) % 10 ** 6)
    assert [client.post(MINE, json={**person, "otp": wrong}).status_code for _ in range(5)] == [400] * 5
    assert client.post(MINE, json={**person, "otp": code}).status_code == 400


def test_codes_are_rate_limited_per_phone_and_per_id_number(app, client, limits):  # noqa: F811
    limits(SMS_RATE_LIMIT="2/day", ID_NUMBER_RATE_LIMIT="4/day")
    _mother, _child, father = _family(client)
    person = {"id_number": father["id_number"], "phone": CHILD_PHONE}
    assert [client.post(OTP, json=person).status_code for _ in range(3)] == [202, 202, 429]
    # The per-ID-number count: the filing and two codes are 3 of 4 (the refused try counted none).
    other_phone = {"id_number": father["id_number"], "phone": "13900001234"}
    assert [client.post(OTP, json=other_phone).status_code for _ in range(2)] == [202, 429]
    assert len(_messages(app, "code")) == 2


def test_signed_tokens_expire_and_stop_with_the_phone(app, client):
    created = client.post(URL, json=report(phone="13811110000")).json
    with app.test_request_context():
        filing_id = db.session.scalar(select(Filing.id).where(Filing.receipt == created["receipt"]))
        row = filing_row(app, filing_id)
        now = utcnow()
        session = links.issue(links.SESSION, row["receipt"], row["phone_hash"], now)
        assert links.opens(row, session, now + dt.timedelta(minutes=29))
        assert not links.opens(row, session, now + dt.timedelta(minutes=31))
        link = links.issue(links.LINK, row["receipt"], row["phone_hash"], now)
        assert links.opens(row, link, now + dt.timedelta(days=29))
        assert not links.opens(row, link, now + dt.timedelta(days=31))
        assert not links.opens({**row, "phone_hash": "other"}, link, now)
        assert not links.opens({**row, "anonymised_at": now}, link, now)
        assert not links.opens(row, link[:-2] + "xx", now)
        assert not links.opens(row, "s.zz.abc", now)


def test_the_receipt_sms_carries_a_link_that_opens_the_filing_and_no_log_shows_it(app, client, caplog):
    created = client.post(URL, json=report(phone="13811112222")).json
    [body] = _messages(app, "receipt")
    link = re.search(r"http://localhost/report/receipt/(\w+)#t=(\S+)", body)
    assert link and link.group(1) == created["receipt"]
    token = link.group(2)
    assert token != created["token"] and token.startswith("l.")
    shown = client.get(f"{URL}/{created['receipt']}", headers={"X-Filing-Token": token})
    assert shown.status_code == 200 and shown.json["can_edit"]
    caplog.set_level(logging.INFO)
    client.post(OTP, json={"id_number": report()["id_number"], "phone": "13811112222"})
    with app.app_context():
        assert outbox.deliver_pending(sender="log") == 1
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert created["receipt"] in logged and token not in logged and "#t=***" in logged


def test_the_code_sms_is_not_logged(app, client, caplog):
    _mother, _child, father = _family(client)
    client.post(OTP, json={"id_number": father["id_number"], "phone": CHILD_PHONE})
    code = _code(app)
    caplog.set_level(logging.INFO)
    with app.app_context():
        outbox.deliver_pending(sender="log")
        assert db.session.scalar(select(db.func.count()).select_from(FilerCode)) == 1
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "SMS to" in logged and code not in logged


# ---- the form -----------------------------------------------------------------------------

def test_every_error_at_once_and_too_long_is_said_not_cut(app, client):
    body = report(name=None, origin_region_code=None, commitment=False, destination_address="路" * 201,
                  expected_arrival_at="not a time")
    answer = client.post(URL, json=body)
    assert answer.status_code == 400
    errors = answer.json["errors"]
    assert {"name", "origin_region_code", "commitment", "destination_address", "expected_arrival_at"} <= set(errors)
    assert errors["destination_address"] == ["太长：最多 200 个字符。"]
    assert errors["expected_arrival_at"] == ["请输入日期和时间，例如 2026-05-01 14:30。"]
    family = client.post(f"{URL}/batch", json={"filings": [report(), report(name=None, commitment=False)]})
    assert set(family.json["errors"]) == {"filings.1.name", "filings.1.commitment"}


def test_filing_for_someone_else_needs_the_filers_name_and_phone(app, client):
    body = report(proxy_relation="parent")
    answer = client.post(URL, json=body)
    assert answer.status_code == 400 and set(answer.json["errors"]) == {"proxy_name", "proxy_phone"}
    ok = client.post(URL, json={**body, "proxy_name": "李明", "proxy_phone": CHILD_PHONE})
    assert ok.status_code == 201


def test_a_posters_link_fills_the_destination_in(app, client):
    page = client.get("/report/?to=410105001003").get_data(as_text=True)
    assert 'data-preset="410105001003"' in page and "体育社区" in page
    township = client.get("/report/?to=410105001").get_data(as_text=True)
    assert 'data-preset="410105001"' in township
    for wrong in ("999999", "4401", "abc", "4" * 40):
        page = client.get(f"/report/?to={wrong}")
        assert page.status_code == 200 and 'data-preset=""' in page.get_data(as_text=True)


def test_the_help_and_my_filings_pages(app, client):
    help_page = client.get("/report/help").get_data(as_text=True)
    assert "12345" in help_page and "我的报备" in help_page and "扫描" in help_page
    english = client.get("/report/help?lang=en").get_data(as_text=True)
    assert "How arrival reporting works" in english
    mine = client.get("/report/mine?lang=zh").get_data(as_text=True)
    assert "短信验证码" in mine and 'id="send-code"' in mine


def test_the_public_access_endpoints_are_in_the_spec(api):
    paths = api("integrator").get("/api/v1/_openapi")
    if paths.status_code != 200:
        paths = api("admin").get("/api/v1/_openapi")
    paths = paths.json["paths"]
    assert "post" in paths["/api/v1/public/otp"] and "post" in paths["/api/v1/public/my-filings"]
    assert "202" in paths["/api/v1/public/otp"]["post"]["responses"]


# ---- staff: hotline calls -----------------------------------------------------------------

def test_hotline_calls_are_their_own_channel(app, api, web):
    response = api("officer").post("/api/v1/filing/?channel=hotline", json=report())
    assert response.status_code == 201, response.json
    assert filing_row(app, response.json["id"])["channel"] == "hotline"
    page = web("officer").get("/filingentry/paper?channel=hotline").get_data(as_text=True)
    assert "录入热线来电" in page and "?channel=hotline" in page and "12345" in page
    listed = api("officer").get(f"/api/v1/filing/{response.json['id']}")
    assert listed.json["result"]["channel"] == "hotline"


def test_the_receipt_page_points_to_my_filings(app, client):
    created = client.post(URL, json=report()).json
    page = client.get(f"/report/receipt/{created['receipt']}").get_data(as_text=True)
    assert 'href="/report/mine"' in page


pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


# ---- posters and 明白纸 ---------------------------------------------------------------------

def _pdf_text(pdf: bytes) -> str:
    """The page streams of a PDF (ASCII85 and Flate, as reportlab writes them), decoded:
    the URL is drawn in a Latin font, so it reads as it is."""
    import base64
    import zlib

    streams = re.findall(rb"stream\r?\n(.*?)endstream", pdf, re.S)
    return "\n".join(zlib.decompress(base64.a85decode(s.strip(), adobe=True)).decode("latin-1")
                     for s in streams if s.strip().endswith(b"~>"))


def test_staff_print_posters_of_their_jurisdiction(app, web, tmp_path):
    officer = web("officer")
    answer = officer.get("/regionview/poster/410105001003")
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    pdf = answer.get_data()
    assert pdf.startswith(b"%PDF") and len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 2
    assert b"STSong-Light" in pdf
    assert "http://localhost/report/?to=410105001003" in _pdf_text(pdf)
    (tmp_path / "poster.pdf").write_bytes(pdf)
    listed = officer.get("/regionview/list/").get_data(as_text=True)
    assert "/regionview/poster/410105001003" in listed and "海报和明白纸" in listed
    for other in ("410105001006", "410102001002", "410105001", "41010500100399", "abc"):
        assert officer.get(f"/regionview/poster/{other}").status_code == 404, other
    township = web("township")
    assert township.get("/regionview/poster/410105001").status_code == 200
    assert township.get("/regionview/poster/410105001006").status_code == 200
    assert township.get("/regionview/poster/410105").status_code == 404  # a county: no poster
    assert web("township2").get("/regionview/poster/410105001003").status_code == 404


def test_poster_text_wraps_within_its_width(app):
    from app.filings.posters import FONT, register_font, wrap
    from reportlab.pdfbase import pdfmetrics

    register_font()
    text = "来（返）人员请在出行前向目的地社区（村）报备。" * 4
    lines = wrap(text, 12, 200)
    assert "".join(lines) == text and all(pdfmetrics.stringWidth(line, FONT, 12) <= 200 for line in lines)
    english = wrap("Scan the QR code on the poster, or open the report page", 12, 120)
    assert " ".join(english) == "Scan the QR code on the poster, or open the report page"


def test_the_retention_job_forgets_old_codes(app, client):
    from app.filings import retention

    _mother, _child, father = _family(client)
    client.post(OTP, json={"id_number": father["id_number"], "phone": CHILD_PHONE})
    counts = []
    with app.app_context():
        for later in (dt.timedelta(hours=2), dt.timedelta(days=2)):
            with db.engine.begin() as conn:
                retention.anonymise_finished_filings(conn, utcnow() + later, 28)
                counts.append(conn.execute(select(db.func.count()).select_from(FilerCode)).scalar())
    assert counts == [1, 0]
