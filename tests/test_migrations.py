"""The schema's migrations (app.core.migrations, models/migrations): they build exactly the
models' tables, and they upgrade a database of the release before them, rows kept.
Each test runs on a scratch database of its own (a file on SQLite, ``<name>_migrations``
on PostgreSQL), never on the session's."""
import datetime as dt

import pytest
from alembic.script import ScriptDirectory
from flask import Flask
from flask_appbuilder import Model
from flask_migrate import upgrade
from sqlalchemy import inspect, select, text

from app import init_database
from app.core.extensions import db
from app.core.migrations import (BASELINE_REVISION, MIGRATIONS_DIR, init_migrations, schema_differences,
                            upgrade_database)
from tests.conftest import DATABASE_URL, IS_POSTGRES

AT = dt.datetime(2026, 3, 1, 8, 30)
# One row of each kind a province holds, in the columns of the baseline (0001).
BASELINE_ROWS = {
    "region": [{"code": "41", "name": "河南省", "level": 1}],
    "ab_user": [{"id": 1, "first_name": "A", "last_name": "B", "username": "officer",
                 "email": "officer@example.invalid", "active": True, "fail_login_count": 2,
                 "region_code": "41"}],
    "filing": [{
        "id": 1, "receipt": "R0001", "token_hash": "t" * 64, "status": "submitted",
        "channel": "public", "name": "张三", "id_type": "resident_id", "id_number_enc": "x",
        "id_number_hash": "h" * 64, "id_number_masked": "410***1234", "origin_country": "CN",
        "expected_arrival_at": AT, "transport_mode": "train", "destination_region_code": "41",
        "destination_address": "路1号", "fever": False, "cough": False, "fatigue": False,
        "risk_area_14d": False, "abroad_14d": False, "close_contact_14d": False,
        "commitment": True, "late_notice": False, "is_backfill": False, "edit_count": 0,
        "filed_at": AT, "updated_at": AT, "check_count": 0}],
    "audit_log": [{"id": 1, "at": AT, "action": "create", "entity": "filing", "entity_id": "1",
                   "region_code": "41"}],
    "notification": [{"id": 1, "created_at": AT, "kind": "receipt", "channel": "sms",
                      "body": "回执", "status": "pending", "attempts": 0}],
}


@pytest.fixture
def scratch(tmp_path):
    """An app like the console's (the same engine set-up and migrations) on an empty
    scratch database."""
    if IS_POSTGRES:
        url = _empty_postgres_database(DATABASE_URL.split("?")[0] + "_migrations")
    else:
        url = f"sqlite:///{tmp_path}/migrations.db"
    app = Flask("migrations_test")
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    with app.app_context():
        init_database(app)
        init_migrations(app)
        yield app
        db.session.remove()
        db.engine.dispose()


def _empty_postgres_database(url):
    import psycopg

    base, name = url.rsplit("/", 1)
    server = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(server.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return url


def _insert_baseline_rows():
    with db.engine.begin() as conn:
        for table, rows in BASELINE_ROWS.items():
            for row in rows:
                conn.execute(text(f"INSERT INTO {table} ({', '.join(row)}) "
                                  f"VALUES ({', '.join(':' + c for c in row)})"), row)


def _rows(conn, table, columns):
    """The rows in the models' column types (dates read back as dates on SQLite too)."""
    table = Model.metadata.tables[table]
    query = select(*(table.c[column] for column in columns)).order_by(table.c[columns[0]])
    return [dict(row._mapping) for row in conn.execute(query)]


def _is_at_head(conn):
    head = ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == head


def test_the_migrations_build_exactly_the_models_tables(scratch):
    upgrade()
    with db.engine.connect() as conn:
        assert "filing" in inspect(conn).get_table_names()
        assert schema_differences(conn) == []


def test_an_upgrade_from_the_baseline_keeps_every_row(scratch):
    upgrade(revision=BASELINE_REVISION)
    _insert_baseline_rows()
    upgrade()
    with db.engine.connect() as conn:
        for table, rows in BASELINE_ROWS.items():
            assert _rows(conn, table, list(rows[0])) == rows, table
        user = _rows(conn, "ab_user", ["session_version", "failed_login_since", "locked_until",
                                        "totp_secret_enc", "totp_last_step"])
        assert user == [{"session_version": 0, "failed_login_since": None, "locked_until": None,
                         "totp_secret_enc": None, "totp_last_step": None}]
        assert _rows(conn, "audit_log", ["chain_seq", "entry_hash"]) == [
            {"chain_seq": None, "entry_hash": None}]  # sealed later by app.core.audit_chain
        assert _rows(conn, "filing", ["anonymised_at"]) == [{"anonymised_at": None}]
        assert _rows(conn, "notification", ["filing_id"]) == [{"filing_id": None}]
        assert schema_differences(conn) == []


def test_the_compliance_summary_is_counted_from_the_reports_on_upgrade(scratch):
    upgrade(revision="0002")
    report = {"region_code": "410105001003", "report_date": dt.date(2026, 3, 1), "new_filings": 0,
              "arrivals": 0, "checks": 0, "risk_area_arrivals": 0, "under_control": 0,
              "zero_report": True, "prepared_at": AT, "due_at": AT}
    with db.engine.begin() as conn:
        for id_, code, status, late in ((1, "410105001003", "submitted", False),
                                        (2, "410105001006", "submitted", True),
                                        (3, "410105002001", "prepared", False)):
            conn.execute(Model.metadata.tables["daily_report"].insert().values(
                {**report, "id": id_, "region_code": code, "status": status, "late": late}))
        # The old cache, frozen at no report on time: forgotten.
        conn.execute(text("INSERT INTO report_compliance (level, region_code, day, on_time) "
                          "VALUES (3, '410105', '2026-03-01', 0)"))
    upgrade()
    with db.engine.connect() as conn:
        assert _rows(conn, "report_compliance", ["region_code", "day", "reports", "on_time", "late"]) == [
            {"region_code": "410105", "day": dt.date(2026, 3, 1), "reports": 3, "on_time": 1, "late": 1}]
        assert schema_differences(conn) == []


def test_findings_raised_from_a_phone_alone_are_known_by_phone_on_upgrade(scratch):
    upgrade(revision="0019")
    with db.engine.begin() as conn:
        conn.execute(text("INSERT INTO feed_batch (id, source, file_hash, region_code, imported_at, status, "
                          "row_count, accepted, rejected_count, findings_raised) "
                          "VALUES (1, 'contact', 'f', '41', :at, 'imported', 2, 2, 0, 2)"), {"at": AT})
        for line, id_hash, phone_hash in ((2, None, "p" * 64), (3, "i" * 64, "q" * 64)):
            conn.execute(text("INSERT INTO feed_contact (batch_id, line, region_code, kind, exposed_on, "
                              "id_number_hash, phone_hash) VALUES (1, :line, '41', 'close', :on, :id, :phone)"),
                         {"line": line, "on": AT.date(), "id": id_hash, "phone": phone_hash})
        for id_, person in ((1, "p" * 64), (2, "i" * 64)):
            conn.execute(text("INSERT INTO finding (id, kind, priority, person_hash, episode, region_code, "
                              "batch_id, raised_at, status) VALUES (:id, 'contact_arrived', 2, :person, "
                              "'2026-03-01', '410105001003', 1, :at, 'open')"), {"id": id_, "person": person, "at": AT})
    upgrade()
    with db.engine.connect() as conn:
        assert _rows(conn, "finding", ["id", "person_known_by"]) == [
            {"id": 1, "person_known_by": "phone"}, {"id": 2, "person_known_by": "id_number"}]


def test_setup_stamps_a_database_of_the_release_before_migrations_and_upgrades_it(scratch):
    # The baseline is that release's create_all schema; without the version table the
    # database is as create_all left it.
    upgrade(revision=BASELINE_REVISION)
    _insert_baseline_rows()
    with db.engine.begin() as conn:
        conn.execute(text("DROP TABLE alembic_version"))
    upgrade_database()
    with db.engine.connect() as conn:
        assert _is_at_head(conn)
        assert schema_differences(conn) == []
        assert _rows(conn, "filing", ["id", "receipt"]) == [{"id": 1, "receipt": "R0001"}]


def test_setup_stamps_a_database_made_by_create_all_of_the_current_models(scratch):
    Model.metadata.create_all(db.engine)
    upgrade_database()
    with db.engine.connect() as conn:
        assert _is_at_head(conn)
