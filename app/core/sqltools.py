"""SQL both databases speak, where SQLAlchemy needs help (what they speak differently
is in app.core.dialects)."""
from sqlalchemy import literal_column, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from app.core import dialects
from app.core.extensions import db


def insert_ignoring_conflicts(table, bind=None):
    """``INSERT ... ON CONFLICT DO NOTHING`` on PostgreSQL and SQLite (of ``bind``, a
    connection or session, or the app's engine): a row that would repeat a unique key is
    skipped, which makes set-based jobs idempotent."""
    return dialects.of(bind).insert(table).on_conflict_do_nothing()


def sql_int(value: int):
    """An integer written into the SQL: PostgreSQL matches a GROUP BY expression to the
    select list only when they are identical, which two bind parameters are not."""
    return literal_column(str(int(value)))


def database_error_line(error: BaseException) -> str:
    """One line saying what the database refused, without the statement or its values
    (the driver's first line: ``UNIQUE constraint failed: filing.id_number_hash, ...``,
    ``duplicate key value violates unique constraint "..."``)."""
    cause = getattr(error, "orig", None) or error
    lines = str(cause).strip().splitlines()
    return f"{type(cause).__name__}: {lines[0] if lines else ''}".rstrip(": ")


def database_unavailable(error: BaseException) -> bool:
    """True when ``error`` says the database cannot be reached now (down, restarting,
    the connection dropped, the pool exhausted): the request may succeed later, so it
    answers 503, unlike a fault of the statement itself (a bug: 500)."""
    if isinstance(error, DBAPIError):
        if error.connection_invalidated:
            return True
        error = error.orig  # the driver's own
    return isinstance(error, PoolTimeout) or any(
        dialect.unavailable(error) for dialect in dialects.BY_NAME.values())


# Tables whose volume decides the plans of the screens people wait on.
PLANNED_TABLES = ("region", "filing", "filing_check", "stats_daily", "stats_breakdown", "daily_report")


def refresh_planner_statistics(conn=None) -> None:
    """ANALYZE the big tables, after a bulk load and nightly. Without statistics SQLite
    guesses and takes the wrong index: an officer's queue took 2.6 s with 1.4 million
    filings, and milliseconds once analyzed. PostgreSQL's autovacuum catches up by itself,
    but only some time after a bulk load."""
    conn = conn or db.session
    for table in PLANNED_TABLES:
        conn.execute(text(f"ANALYZE {table}"))
