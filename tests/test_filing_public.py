"""The public filing API (shared/API.md "Public"): every rule of the report, the receipt,
edits and cancellation, on SQLite and PostgreSQL."""
import datetime as dt
import json
import threading

import pytest
from sqlalchemy import select, text

from app.filings import events as filing_events
from app.filings import service as filings
from app.core.extensions import db
from models import AuditLog, Filing, FilingRevision, Notification
from models.base import utcnow
from tests.conftest import IS_POSTGRES
from tests.filing_data import (
    OTHER_COUNTY_COMMUNITY,
    OWN_COMMUNITY,
    count_filings,
    filing_row,
    iso,
    report,
    resident_id,
    store,
)

URL = "/api/v1/public/filings"


@pytest.fixture
def heard(app):
    """The filing change hook's calls: [(before, after)]."""
    calls = []

    def listener(conn, before, after):
        calls.append((before, after))

    filing_events.on_filing_change(listener)
    yield calls
    filing_events._listeners.remove(listener)


def post(client, body, **headers):
    return client.post(URL, json=body, headers=headers)


def token_headers(created):
    return {"X-Filing-Token": created["token"]}


# ---- filing ---------------------------------------------------------------------------------

def test_a_valid_report_gets_a_receipt_and_a_token(app, client, heard):
    body = report()
    response = post(client, body)
    assert response.status_code == 201, response.json
    answer = response.json
    assert set(answer) == {"receipt", "token", "status", "edits_left", "late_notice", "community_code"}
    assert answer["status"] == "submitted" and answer["edits_left"] == 2
    assert answer["late_notice"] is False and answer["community_code"] == OWN_COMMUNITY
    assert len(answer["receipt"]) == 10
    with app.app_context():
        row = db.session.execute(select(Filing).where(Filing.receipt == answer["receipt"])).scalar_one()
        assert row.channel == "api" and row.birth_date == dt.date(1990, 3, 7)
        assert row.gender == ("male" if int(body["id_number"][16]) % 2 else "female")
        assert row.id_number_masked == body["id_number"][:3] + "*" * 11 + body["id_number"][-4:]
        assert row.phone_masked == "138****5678"
        assert row.token_hash != answer["token"]
        revisions = db.session.scalars(select(FilingRevision).where(FilingRevision.filing_id == row.id)).all()
        assert [r.action for r in revisions] == ["create"]
        sms = db.session.scalars(select(Notification).where(Notification.kind == "receipt")).all()
        assert len(sms) == 1 and answer["receipt"] in sms[0].body and sms[0].status == "pending"
        assert sms[0].recipient_masked == "138****5678"
        assert db.session.scalars(select(AuditLog).where(AuditLog.entity == "Filing", AuditLog.action == "create")).all()
    # The hook hears the complete new row.
    assert len(heard) == 1 and heard[0][0] is None
    assert set(heard[0][1]) == {c.name for c in Filing.__table__.columns}
    assert heard[0][1]["receipt"] == answer["receipt"] and heard[0][1]["id"] == row.id


def test_the_report_page_files_with_the_web_channel(app, client):
    answer = post(client, report(), **{"X-Filing-Channel": "web"}).json
    with app.app_context():
        assert db.session.execute(select(Filing.channel).where(Filing.receipt == answer["receipt"])).scalar() == "web"


def test_filing_less_than_three_days_ahead_is_accepted_and_flagged(client):
    response = post(client, report(days_ahead=2))
    assert response.status_code == 201 and response.json["late_notice"] is True
    assert post(client, report(days_ahead=4)).json["late_notice"] is False


def test_a_backfill_after_arrival_is_flagged(app, client):
    now = utcnow()
    arrived = now - dt.timedelta(days=1)
    response = post(client, report(now=now, days_ahead=-1, arrived_at=iso(arrived),
                                   departure_at=iso(arrived - dt.timedelta(hours=3))))
    assert response.status_code == 201, response.json
    assert response.json["late_notice"] is True
    with app.app_context():
        row = db.session.execute(select(Filing).where(Filing.receipt == response.json["receipt"])).scalar_one()
        assert row.is_backfill and row.arrived_at is not None and row.status == "submitted"


@pytest.mark.parametrize("change, field", [
    ({"id_number": "410105199003071230"}, "id_number"),          # wrong check digit
    ({"id_number": "41010519901307123X"}, "id_number"),          # no 13th month
    ({"phone": "12812345678"}, "phone"),
    ({"phone": "1381234567"}, "phone"),
    ({"destination_region_code": "410105001999"}, "destination_region_code"),  # unknown
    ({"destination_region_code": "410105001"}, "destination_region_code"),     # a township
    ({"destination_region_code": "440305"}, "destination_region_code"),        # not this province
    ({"origin_region_code": "4403"}, "origin_region_code"),     # a city, not a county
    ({"origin_region_code": None}, "origin_region_code"),
    ({"commitment": False}, "commitment"),
    ({"commitment": None}, "commitment"),
    ({"name": None}, "name"),
    ({"name": "长" * 51}, "name"),
    ({"transport_mode": "rocket"}, "transport_mode"),
    ({"expected_arrival_at": "tomorrow"}, "expected_arrival_at"),
    ({"origin_country": "XX"}, "origin_country"),
    ({"favourite_colour": "red"}, "favourite_colour"),
    ({"id_type": "passport", "id_number": "E1"}, "id_number"),
])
def test_invalid_input_answers_400_per_field_and_stores_nothing(app, client, change, field):
    response = post(client, report(**change) if None not in change.values() else
                    {k: v for k, v in report().items() if k not in change})
    assert response.status_code == 400, response.json
    assert field in response.json["errors"], response.json
    assert response.json["message"]
    assert count_filings(app) == 0


def test_missing_fields_are_named_in_the_language_of_the_request(app, client):
    response = client.post(URL, json={"name": "张三"}, headers={"Accept-Language": "en"})
    assert response.status_code == 400
    assert response.json["errors"]["phone"] == ["This field is required."]
    assert response.json["errors"]["commitment"] == ["This field is required."]
    assert client.post(URL, json={}).json["errors"]["name"] == ["此项必填。"]
    assert client.post(URL, json=[1]).json["errors"]["_schema"] == ["请求内容必须是 JSON 对象。"]


def test_arrival_before_departure_answers_400(app, client):
    now = utcnow()
    body = report(now=now, departure_at=iso(now + dt.timedelta(days=6)))
    response = post(client, body)
    assert response.status_code == 400 and "departure_at" in response.json["errors"]
    assert count_filings(app) == 0


def test_an_arrival_in_the_past_needs_a_backfill(app, client):
    response = post(client, report(days_ahead=-1))
    assert response.status_code == 400 and "expected_arrival_at" in response.json["errors"]
    response = post(client, report(days_ahead=5, arrived_at=iso(utcnow() + dt.timedelta(days=1))))
    assert response.status_code == 400 and "arrived_at" in response.json["errors"]
    assert count_filings(app) == 0


def test_not_json_answers_400(app, client):
    response = client.post(URL, data="name=x", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400 and response.json["errors"]
    assert count_filings(app) == 0


def test_errors_follow_accept_language(client):
    body = report(phone="123")
    zh = client.post(URL, json=body)
    en = client.post(URL, json=body, headers={"Accept-Language": "en"})
    assert en.json["errors"]["phone"] == ["Enter a mainland mobile number of 11 digits."]
    assert zh.json["errors"]["phone"] == ["请输入 11 位中国大陆手机号码。"]


def test_foreigners_file_with_a_passport_and_a_foreign_phone(app, client):
    body = report(id_type="passport", id_number="e12345678", phone="+44 20 7946 0958", gender="female",
                  origin_country="GB", origin_region_code=None, origin_address="London")
    response = post(client, body)
    assert response.status_code == 201, response.json
    with app.app_context():
        row = db.session.execute(select(Filing).where(Filing.receipt == response.json["receipt"])).scalar_one()
        assert row.gender == "female" and row.origin_region_code is None and row.id_number_masked == "E*****678"
        # no SMS to a foreign number
        assert db.session.execute(select(db.func.count()).select_from(Notification)).scalar() == 0


def test_the_database_holds_no_plain_id_number_or_phone(app, client):
    body = report(proxy_name="李四", proxy_phone="13900001111", proxy_relation="spouse")
    created = post(client, body).json
    client.put(f"{URL}/{created['receipt']}", json={"phone": "13700002222"}, headers=token_headers(created))
    plain = [body["id_number"], body["phone"], "13900001111", "13700002222", created["token"]]
    with app.app_context():
        for table in ("filing", "filing_revision", "notification", "audit_log"):
            for row in db.session.execute(text(f"SELECT * FROM {table}")):
                dump = json.dumps([str(v) for v in row], ensure_ascii=False)
                assert not [p for p in plain if p in dump], (table, dump)


# ---- the receipt: view, edit, cancel --------------------------------------------------------

def test_the_filer_sees_the_filing_masked_with_the_token(client):
    body = report()
    created = post(client, body).json
    response = client.get(f"{URL}/{created['receipt']}", headers=token_headers(created))
    assert response.status_code == 200
    shown = response.json
    assert shown["id_number"] == body["id_number"][:3] + "*" * 11 + body["id_number"][-4:]
    assert body["id_number"] not in json.dumps(shown)
    assert shown["phone"] == "138****5678" and shown["edits_left"] == 2 and shown["status"] == "submitted"
    assert shown["destination_name"].endswith("体育社区居民居委会") and shown["can_edit"] is True
    assert shown["expected_arrival_at"].endswith("+08:00")


@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_a_wrong_or_missing_token_answers_404(app, client, method):
    created = post(client, report()).json
    url = f"{URL}/{created['receipt']}"
    kwargs = {"json": {"transport_no": "G1"}} if method == "put" else {}
    assert getattr(client, method)(url, headers={"X-Filing-Token": "nope"}, **kwargs).status_code == 404
    assert getattr(client, method)(url, **kwargs).status_code == 404
    assert getattr(client, method)(f"{URL}/ZZZZZZZZZZ", headers=token_headers(created), **kwargs).status_code == 404
    row = filing_row(app, filing_id_of(app, created["receipt"]))
    assert row["edit_count"] == 0 and row["status"] == "submitted" and row["transport_no"] == "G802"


def filing_id_of(app, receipt):
    with app.app_context():
        return db.session.execute(select(Filing.id).where(Filing.receipt == receipt)).scalar_one()


def test_two_edits_then_the_third_is_refused(app, client, heard):
    created = post(client, report()).json
    url, headers = f"{URL}/{created['receipt']}", token_headers(created)
    first = client.put(url, json={"transport_no": "G1"}, headers=headers)
    assert first.status_code == 200 and first.json["edits_left"] == 1 and first.json["transport_no"] == "G1"
    second = client.put(url, json={"phone": "13900001111", "fever": True}, headers=headers)
    assert second.status_code == 200 and second.json["edits_left"] == 0 and second.json["phone"] == "139****1111"
    third = client.put(url, json={"transport_no": "G3"}, headers=headers, environ_base={})
    assert third.status_code == 409
    assert third.json["message"] == "该报备已修改 2 次，已达上限，不能再修改。"
    english = client.put(url, json={"transport_no": "G3"}, headers={**headers, "Accept-Language": "en"})
    assert "already been changed 2 times" in english.json["message"]
    row = filing_row(app, filing_id_of(app, created["receipt"]))
    assert row["edit_count"] == 2 and row["transport_no"] == "G1" and row["fever"] is True
    with app.app_context():
        actions = db.session.scalars(select(FilingRevision.action).where(FilingRevision.filing_id == row["id"])
                                     .order_by(FilingRevision.id)).all()
        assert actions == ["create", "edit", "edit"]
        changes = json.loads(db.session.scalars(select(FilingRevision.changes).where(
            FilingRevision.filing_id == row["id"]).order_by(FilingRevision.id.desc())).first())
        assert changes["phone_masked"] == ["138****5678", "139****1111"] and changes["fever"] == [False, True]
    edits = [(b, a) for b, a in heard if b is not None]
    assert len(edits) == 2 and edits[1][0]["edit_count"] == 1 and edits[1][1]["edit_count"] == 2
    assert all(set(a) == set(b) == {c.name for c in Filing.__table__.columns} for b, a in edits)


def test_an_edit_with_nothing_new_uses_no_edit(app, client):
    created = post(client, report()).json
    url, headers = f"{URL}/{created['receipt']}", token_headers(created)
    assert client.put(url, json={"transport_no": "G802"}, headers=headers).status_code == 400
    assert client.put(url, json={}, headers=headers).status_code == 400
    assert filing_row(app, filing_id_of(app, created["receipt"]))["edit_count"] == 0


def test_an_invalid_edit_changes_nothing(app, client):
    created = post(client, report()).json
    url, headers = f"{URL}/{created['receipt']}", token_headers(created)
    response = client.put(url, json={"departure_at": iso(utcnow() + dt.timedelta(days=30))}, headers=headers)
    assert response.status_code == 400 and "departure_at" in response.json["errors"]
    assert client.put(url, json={"arrived_at": iso(utcnow())}, headers=headers).status_code == 400
    assert filing_row(app, filing_id_of(app, created["receipt"]))["edit_count"] == 0


def test_an_edit_after_the_expected_arrival_is_refused(app, client):
    # Filed a week ago for an arrival yesterday: the clock is the service's parameter.
    week_ago = utcnow() - dt.timedelta(days=7)
    created = store(app, now=week_ago, days_ahead=6)
    response = client.put(f"{URL}/{created.receipt}", json={"transport_no": "G9"},
                          headers={"X-Filing-Token": created.token})
    assert response.status_code == 409 and "已过预计到达时间" in response.json["message"]
    assert client.delete(f"{URL}/{created.receipt}", headers={"X-Filing-Token": created.token}).status_code == 409
    row = filing_row(app, created.id)
    assert row["edit_count"] == 0 and row["transport_no"] == "G802" and row["status"] == "submitted"


def test_the_edit_limit_holds_in_the_database(app):
    """The conditional UPDATE decides, even when the check before it is bypassed."""
    created = store(app)
    with app.test_request_context():
        with db.engine.begin() as conn:
            conn.execute(Filing.__table__.update().where(Filing.id == created.id).values(edit_count=2))
        original = filings._refuse_unless_changeable
        filings._refuse_unless_changeable = lambda *args, **kwargs: None
        try:
            with pytest.raises(filings.Conflict):
                with db.engine.begin() as conn:
                    filings.edit_filing(conn, created.receipt, created.token, {"transport_no": "X1"}, now=utcnow())
        finally:
            filings._refuse_unless_changeable = original
    assert filing_row(app, created.id)["transport_no"] == "G802"


def test_an_edit_can_move_the_filing_to_another_community(app, client, heard):
    created = post(client, report()).json
    response = client.put(f"{URL}/{created['receipt']}", json={"destination_region_code": OTHER_COUNTY_COMMUNITY},
                          headers=token_headers(created))
    assert response.status_code == 200
    before, after = heard[-1]
    assert before["destination_region_code"] == OWN_COMMUNITY
    assert after["destination_region_code"] == OTHER_COUNTY_COMMUNITY


def test_cancel_before_arrival(app, client, heard):
    created = post(client, report()).json
    url, headers = f"{URL}/{created['receipt']}", token_headers(created)
    response = client.delete(url, headers=headers)
    assert response.status_code == 200 and response.json["status"] == "cancelled"
    assert response.json["can_edit"] is False
    assert heard[-1][1]["status"] == "cancelled" and heard[-1][0]["status"] == "submitted"
    assert client.delete(url, headers=headers).status_code == 409
    assert client.put(url, json={"transport_no": "G1"}, headers=headers).status_code == 409


def test_concurrent_edits_never_pass_the_limit(app, client):
    if not IS_POSTGRES:
        pytest.skip("SQLite serialises writers; the race is a PostgreSQL test")
    created = post(client, report()).json
    url, headers = f"{URL}/{created['receipt']}", token_headers(created)
    statuses, start = [], threading.Barrier(20)

    def edit(number):
        local = app.test_client()
        start.wait()
        statuses.append(local.put(url, json={"transport_no": f"G{number}"}, headers=headers).status_code)

    threads = [threading.Thread(target=edit, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200, 200] + [409] * 18
    row = filing_row(app, filing_id_of(app, created["receipt"]))
    assert row["edit_count"] == 2
    with app.app_context():
        edits = db.session.execute(select(db.func.count()).select_from(FilingRevision).where(
            FilingRevision.filing_id == row["id"], FilingRevision.action == "edit")).scalar()
    assert edits == 2


# ---- repeated filings, families ----------------------------------------------------------

def test_a_repeated_filing_is_recognised(app, client):
    body = report()
    first = post(client, body).json
    again = post(client, {**body, "transport_no": "G1"})
    assert again.status_code == 409 and again.json["errors"]["id_number"]
    assert count_filings(app) == 1
    # Another day is another trip; a cancelled filing frees the day.
    other_day = dict(body, expected_arrival_at=iso(utcnow() + dt.timedelta(days=9)), departure_at=None)
    assert post(client, {k: v for k, v in other_day.items() if v is not None}).status_code == 201
    client.delete(f"{URL}/{first['receipt']}", headers=token_headers(first))
    assert post(client, body).status_code == 201


def test_a_family_of_three_in_one_request(app, client, heard):
    filer = report(name="王芳", id_number=resident_id(birth="19850101"), phone="13800000001")
    child = report(name="王小明", id_number=resident_id(birth="20150601"), phone="13800000001",
                   proxy_name="王芳", proxy_phone="13800000001", proxy_relation="child")
    grandma = report(name="李秀英", id_number=resident_id(birth="19500202"), phone="13800000002",
                     proxy_name="王芳", proxy_phone="13800000001", proxy_relation="grandparent")
    response = client.post(f"{URL}/batch", json={"filings": [filer, child, grandma]})
    assert response.status_code == 201, response.json
    receipts = [f["receipt"] for f in response.json["filings"]]
    assert len(set(receipts)) == 3 and all(f["token"] for f in response.json["filings"])
    with app.app_context():
        rows = db.session.scalars(select(Filing).where(Filing.receipt.in_(receipts))).all()
        assert len({r.batch_id for r in rows}) == 1 and rows[0].batch_id
        assert {r.proxy_relation for r in rows} == {None, "child", "grandparent"}
        assert db.session.execute(select(db.func.count()).select_from(Notification)).scalar() == 3
    assert len([1 for before, _after in heard if before is None]) == 3


def test_a_family_with_one_bad_member_stores_nobody(app, client):
    people = [report(), report(), report(phone="12345")]
    response = client.post(f"{URL}/batch", json={"filings": people})
    assert response.status_code == 400 and list(response.json["errors"]) == ["filings.2.phone"]
    same = report()
    response = client.post(f"{URL}/batch", json={"filings": [same, dict(same)]})
    assert response.status_code == 400 and "filings.1.id_number" in response.json["errors"]
    assert client.post(f"{URL}/batch", json={"filings": []}).status_code == 400
    assert client.post(f"{URL}/batch", json=[report()]).status_code == 400
    assert count_filings(app) == 0


def test_a_family_member_already_filed_stops_the_family(app, client):
    member = report()
    existing = post(client, member).json
    response = client.post(f"{URL}/batch", json={"filings": [report(), member]})
    assert response.status_code == 409 and response.json["errors"]["id_number"]
    assert existing["receipt"] not in response.get_data(as_text=True)
    assert count_filings(app) == 1


def test_a_receipt_collision_draws_a_new_receipt(app, client, monkeypatch):
    first = post(client, report()).json
    drawn = iter([first["receipt"], "NEWRECEIPT"])
    monkeypatch.setattr(filings.identity, "new_receipt", lambda: next(drawn))
    second = post(client, report())
    assert second.status_code == 201 and second.json["receipt"] == "NEWRECEIPT"
    with app.app_context():
        sms = db.session.scalars(select(Notification.body).order_by(Notification.id)).all()
        assert len(sms) == 2 and "NEWRECEIPT" in sms[1]
        revisions = db.session.execute(select(db.func.count()).select_from(FilingRevision)).scalar()
        assert revisions == 2


# ---- the hot path on PostgreSQL -------------------------------------------------------------

needs_postgres = pytest.mark.skipif(not IS_POSTGRES, reason="PostgreSQL's one-statement filing path")


@needs_postgres
def test_a_public_filing_is_one_statement_outside_a_transaction_block(app, client, monkeypatch):
    """The filing, its revision, audit entry, SMS and its pending share of the summaries
    in one autocommit statement."""
    from sqlalchemy import event

    from app.core.dialects import postgresql
    from app.stats import summary as stats_summary

    statements, other_writes = [], []
    original = filings.run_constant

    def spy(conn, sql, params):
        statements.append((conn.connection.driver_connection.autocommit, sql))
        return original(conn, sql, params)

    def sqlalchemy_statement(conn, cursor, statement, *args):
        if not statement.lstrip().upper().startswith("SELECT"):
            other_writes.append(statement)

    monkeypatch.setattr(filings, "run_constant", spy)
    with app.app_context():
        engine = postgresql.single_statement_engine()
    event.listen(engine, "before_cursor_execute", sqlalchemy_statement)
    try:
        response = post(client, report(risk_area_14d=True))
    finally:
        event.remove(engine, "before_cursor_execute", sqlalchemy_statement)
    assert response.status_code == 201, response.json
    assert len(statements) == 1 and other_writes == []
    autocommit, sql = statements[0]
    assert autocommit is True
    assert all(f"INSERT INTO {name}" in sql for name in (
        "filing", "filing_revision", "audit_log", "notification", "stats_pending"))
    with app.app_context():
        assert stats_summary.verify_summaries(db.session) == []
        assert stats_summary.fold_pending(db.session) == 1
        db.session.commit()
        assert stats_summary.verify_summaries(db.session) == []
        entry = db.session.scalars(select(AuditLog).where(AuditLog.entity == "Filing")).one()
        assert entry.action == "create" and entry.username == "public"
        assert db.session.execute(select(db.func.count()).select_from(Notification)).scalar() == 1


@needs_postgres
def test_a_listener_without_sql_hears_new_filings_after_the_statement(app, client, heard):
    """A listener that cannot work inside the statement still hears every new filing,
    in the same transaction, and the summaries stay exact."""
    from app.stats import summary as stats_summary

    assert filing_events.statement_parts_for_inserted("new_filing") is None
    response = post(client, report())
    assert response.status_code == 201
    assert [(before, after["receipt"]) for before, after in heard] == [(None, response.json["receipt"])]
    with app.app_context():
        assert stats_summary.verify_summaries(db.session) == []


@needs_postgres
def test_a_dropped_database_connection_is_retried_once(app, client):
    """The single-statement engine pings no connection before use: when the database
    dropped it (a restart), the filing is written on a new one."""
    import time

    from app.core.dialects import postgresql

    assert post(client, report()).status_code == 201
    with app.app_context():
        with postgresql.single_statement_engine().connect() as conn:
            pooled = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()
        db.session.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pooled})
        deadline = time.monotonic() + 10
        while db.session.execute(text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"),
                                 {"pid": pooled}).scalar() and time.monotonic() < deadline:
            db.session.rollback()  # a new snapshot of pg_stat_activity
        db.session.rollback()
    response = post(client, report())
    assert response.status_code == 201, response.json
    assert count_filings(app) == 2


# ---- what a stranger who knows an ID number learns --------------------------------------------

def _receipt_sms(app):
    from app.core.identity import decrypt

    with app.app_context():
        return [(decrypt(m.recipient), m.body) for m in db.session.scalars(
            select(Notification).where(Notification.kind == "receipt").order_by(Notification.id))]


@pytest.mark.parametrize("batch", [False, True])
def test_a_duplicate_tells_a_stranger_no_receipt_and_resends_it_to_the_phone_on_file(app, client, batch):
    victim = report(name="王建国", phone="13811112222")
    first = post(client, victim).json
    stranger = {**victim, "name": "李四", "phone": "13799998888"}
    answer = (client.post(f"{URL}/batch", json={"filings": [report(), stranger]}) if batch
              else post(client, stranger))
    assert answer.status_code == 409
    assert first["receipt"] not in answer.get_data(as_text=True)
    assert "短信" in answer.json["message"] and answer.json["errors"]["id_number"]
    english = post(client, stranger, **{"Accept-Language": "en"}).json["message"]
    assert "by SMS to the phone given in that filing" in english and first["receipt"] not in english
    sent = _receipt_sms(app)
    assert [phone for phone, _body in sent] == ["13811112222"] * 3  # filed, then resent twice
    assert all(first["receipt"] in body for _phone, body in sent)
    assert count_filings(app) == 1


def test_an_edit_onto_a_strangers_day_does_not_tell_their_receipt(app, client):
    victim = post(client, report()).json
    victim_number = filing_row(app, filing_id_of(app, victim["receipt"]))["id_number_masked"]
    own = post(client, report(id_number=resident_id())).json
    row = filing_row(app, filing_id_of(app, victim["receipt"]))
    from app.core.identity import decrypt

    with app.app_context():
        number = decrypt(row["id_number_enc"])
    assert victim_number != number
    answer = client.put(f"{URL}/{own['receipt']}", json={"id_number": number}, headers=token_headers(own))
    assert answer.status_code == 409 and victim["receipt"] not in answer.get_data(as_text=True)


def test_the_receipt_page_without_the_token_shows_the_status_and_nothing_personal(app, client):
    created = store(app, name="王建国", destination_address="体育路1号院")
    page = client.get(f"/report/receipt/{created.receipt}").get_data(as_text=True)
    assert created.receipt in page and "<svg" in page and 'id="receipt-status"' in page and "待核查" in page
    summary = page.split('id="token-card"')[0]  # what the server shows before any token
    for personal in ("王", "体育社区", "体育路", "金水区", "G802"):
        assert personal not in summary, personal
    row = filing_row(app, created.id)
    from app.core.clock import format_local

    with app.app_context():
        assert format_local(row["expected_arrival_at"]) not in page
