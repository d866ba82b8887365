"""app.core.dialects: each operation does the same on the database the suite runs on
(SQLite by default, PostgreSQL with TEST_DATABASE_URL), and no other module of the
code asks which database it is."""
import datetime as dt
import re
from pathlib import Path

from sqlalchemy import DateTime, func, literal, select, text

from app.core import dialects
from app.core.clock import sql_local_day
from app.core.extensions import db
from models import Filing, StatsBreakdown, StatsDaily
from models.stats import BREAKDOWN_KEY, DAILY_KEY, DAILY_MEASURES
from tests.conftest import IS_POSTGRES

ROOT = Path(__file__).resolve().parent.parent
DIALECT_CHECK = re.compile(r"dialect\.name|get_backend_name\(|[=!]=\s*[\"'](postgresql|sqlite)[\"']")
DAY = dt.date(2026, 3, 1)


def test_the_dialect_is_the_databases(app):
    with app.app_context():
        expected = "postgresql" if IS_POSTGRES else "sqlite"
        assert dialects.of().NAME == dialects.of(db.session).NAME == expected
        with db.engine.connect() as conn:
            assert dialects.of(conn).NAME == expected
        assert dialects.for_url(app.config["SQLALCHEMY_DATABASE_URI"]).NAME == expected


def test_no_module_outside_the_dialects_asks_which_database_it_is():
    asking = [f"{path.relative_to(ROOT)}:{number}"
              for package in ("app", "views", "scheduler")
              for path in sorted((ROOT / package).rglob("*.py"))
              if "dialects" not in path.relative_to(ROOT).parts
              for number, line in enumerate(path.read_text().splitlines(), start=1)
              if DIALECT_CHECK.search(line)]
    assert asking == []


def test_the_local_day_of_a_utc_time(app):
    """Asia/Shanghai is UTC+8: 15:59 UTC is still the 1st there, 16:00 the 2nd; a shift
    (a deadline's) moves it."""
    with app.app_context():
        dialect = dialects.of(db.session)

        def day(utc: dt.datetime, shift=dt.timedelta()):
            value = db.session.scalar(select(sql_local_day(literal(utc, DateTime), dialect, shift)))
            return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)

        assert day(dt.datetime(2026, 3, 1, 15, 59)) == DAY
        assert day(dt.datetime(2026, 3, 1, 16, 0)) == DAY + dt.timedelta(days=1)
        assert day(dt.datetime(2026, 3, 1, 16, 0), -dt.timedelta(hours=1)) == DAY


def test_json_without_keys(app):
    import json

    with app.app_context():
        source = select(text("'{\"name\": \"x\", \"phone\": \"1\", \"status\": \"closed\"}' AS changes")).subquery()
        kept = db.session.scalar(select(dialects.of(db.session).json_without_keys("changes", ("name", "phone")))
                                 .select_from(source))
        assert json.loads(kept) == {"status": "closed"}


def _daily(code: str, n: int) -> dict:
    return {"level": 5, "region_code": code, "day": DAY, **dict.fromkeys(DAILY_MEASURES, n)}


def _breakdown(code: str, n: int) -> dict:
    return {"level": 5, "region_code": code, "kind": "t", "day": DAY, "value": "car", "filings": n}


def test_upsert_adding_inserts_and_adds(app):
    """Missing rows are inserted, present ones get the measures added; several tables at
    once, or one."""
    daily = (StatsDaily.__table__, DAILY_KEY, DAILY_MEASURES)
    breakdown = (StatsBreakdown.__table__, BREAKDOWN_KEY, ("filings",))
    with app.app_context():
        dialect = dialects.of(db.session)
        dialect.upsert_adding(db.session, [(*daily, [_daily("410105001003", 1)]), (*breakdown, [])])
        dialect.upsert_adding(db.session, [(*daily, [_daily("410105001003", 2), _daily("410105001006", 5)]),
                                           (*breakdown, [_breakdown("410105001003", 3)])])
        dialect.upsert_adding(db.session, [(*breakdown, [_breakdown("410105001003", 4)])])
        db.session.commit()
        assert dict(db.session.execute(select(StatsDaily.region_code, StatsDaily.closed)).all()) == {
            "410105001003": 3, "410105001006": 5}
        assert db.session.scalar(select(StatsBreakdown.filings)) == 7


def test_locked_rows_are_for_update_only_where_rows_lock(app):
    with app.app_context():
        dialect = dialects.of(db.session)
        claimed = str(dialect.locked(select(Filing.id), skip_locked=True).compile(db.engine))
        held = str(dialect.locked(select(Filing.id)).compile(db.engine))
        if IS_POSTGRES:
            assert claimed.endswith("FOR UPDATE SKIP LOCKED") and held.endswith("FOR UPDATE")
        else:
            assert "FOR UPDATE" not in claimed + held
        dialect.advisory_xact_lock(db.session, 1234)  # waits for nobody here
        dialect.lock_tables(db.session, ("stats_daily",))
        db.session.rollback()


def test_reserved_ids_are_free_and_bulk_rows_land(app):
    from tests.report_fixtures import PREPARED_AT, add_filing

    with app.app_context():
        add_filing("410105001003", PREPARED_AT)
        db.session.commit()
        dialect = dialects.of(db.session)
        highest = db.session.scalar(select(func.max(Filing.id)))
        ids = dialect.reserve_ids(db.session, Filing.__table__.c.id, 3)
        assert len(set(ids)) == 3 and min(ids) > highest
        table = StatsDaily.__table__
        columns = [*DAILY_KEY, *DAILY_MEASURES]
        dialect.bulk_insert(db.session.connection(), table, columns, [
            [5, code, DAY, *[1] * len(DAILY_MEASURES)] for code in ("410105001003", "410105001006")])
        dialect.bulk_insert(db.session.connection(), table, columns, [])
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(table)) == 2


def test_indexes_dropped_for_a_load_come_back(app):
    """PostgreSQL drops the filings' plain indexes for a bulk load and builds them again;
    SQLite keeps them."""
    indexes = [index for index in Filing.__table__.indexes if not index.unique]
    with app.app_context():
        dialect = dialects.of(db.session)

        def present():
            return set(db.session.scalars(text("SELECT indexname FROM pg_indexes" if IS_POSTGRES else
                                               "SELECT name FROM sqlite_master WHERE type = 'index'")))

        wanted = {index.name for index in indexes}
        assert wanted <= present()
        dropped = dialect.drop_indexes_for_load(db.session, indexes)
        assert {index.name for index in dropped} == (wanted if IS_POSTGRES else set())
        assert present() & wanted == (set() if IS_POSTGRES else wanted)
        dialect.create_indexes_after_load(db.session, dropped)
        assert wanted <= present()
        db.session.rollback()
        assert wanted <= present()


def test_single_statement_writes_where_the_database_has_them(app):
    with app.app_context():
        dialect = dialects.of()
        assert dialect.ONE_STATEMENT_WRITES is IS_POSTGRES
        assert (dialect.single_statement_engine() is not None) is IS_POSTGRES
