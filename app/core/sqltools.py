"""SQL both databases speak, where SQLAlchemy needs the dialect spelled out."""
import re
import sqlite3
from functools import lru_cache

import psycopg
from flask import current_app
from sqlalchemy import create_engine, literal_column, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from app.core.extensions import db


def dialect_of(conn=None) -> str:
    """``postgresql`` or ``sqlite``: of a connection, a session, or the app's engine."""
    if conn is None:
        return db.engine.dialect.name
    bind = conn.get_bind() if hasattr(conn, "get_bind") else conn
    return bind.dialect.name


def dialect_insert(table, dialect: str = None):
    """The dialect's own ``INSERT`` (it knows ``ON CONFLICT``)."""
    if (dialect or dialect_of()) == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table)


def insert_ignoring_conflicts(table, dialect: str = None):
    """``INSERT ... ON CONFLICT DO NOTHING`` on PostgreSQL and SQLite: a row that
    would repeat a unique key is skipped, which makes set-based jobs idempotent."""
    return dialect_insert(table, dialect).on_conflict_do_nothing()


def sql_int(value: int):
    """An integer written into the SQL: PostgreSQL matches a GROUP BY expression to the
    select list only when they are identical, which two bind parameters are not."""
    return literal_column(str(int(value)))


def single_statement_engine():
    """PostgreSQL: an engine of its own for writes that are one statement (the public
    filing): autocommit, so the statement is its own transaction with no BEGIN and
    COMMIT round trips, and no ping before each use (``with_single_statement_engine``
    tries once more on a dropped connection instead). None elsewhere."""
    if db.engine.dialect.name != "postgresql":
        return None
    engine = current_app.extensions.get("single_statement_engine")
    if engine is None:
        engine = create_engine(db.engine.url, isolation_level="AUTOCOMMIT", pool_pre_ping=False)
        current_app.extensions["single_statement_engine"] = engine
    return engine


def with_single_statement_engine(work):
    """``work(conn)`` on a connection of the single-statement engine, once more on a
    new connection when the pooled one turned out dead (the database restarted): the
    dead one wrote nothing. Every other pooled connection died with it, so the pool is
    renewed: the retry, and the requests after it, get fresh ones."""
    engine = single_statement_engine()
    for last_try in (False, True):
        with engine.connect() as conn:
            try:
                return work(conn)
            except (DBAPIError, psycopg.OperationalError):
                if last_try or not _dropped(conn):
                    raise
                conn.invalidate()
                engine.dispose(close=False)  # connections in use elsewhere finish by themselves


def _dropped(conn) -> bool:
    return conn.invalidated or conn.connection.driver_connection.broken


def database_unavailable(error: BaseException) -> bool:
    """True when ``error`` says the database cannot be reached now (down, restarting,
    the connection dropped, the pool exhausted): the request may succeed later, so it
    answers 503, unlike a fault of the statement itself (a bug: 500)."""
    if isinstance(error, DBAPIError):
        if error.connection_invalidated:
            return True
        error = error.orig  # the driver's own
    if isinstance(error, sqlite3.OperationalError):  # SQLite says "no such column" so too
        return str(error).startswith(SQLITE_UNAVAILABLE)
    return isinstance(error, (PoolTimeout, psycopg.OperationalError, psycopg.InterfaceError))


SQLITE_UNAVAILABLE = ("database is locked", "unable to open database file", "disk I/O error")


def run_constant(conn, sql: str, params: dict) -> list[tuple]:
    """PostgreSQL: a constant statement with ``%(name)s`` parameters on the driver's own
    cursor, in the transaction of ``conn`` (a Connection or a Session). For the hot
    filing path: it skips SQLAlchemy's per-call compile and result setup, which cost
    as much CPU as the statement itself, and psycopg's parsing of the placeholders,
    which it caches only for statements under 4 KB (the filing statement is longer)."""
    connection = conn.connection() if hasattr(conn, "get_bind") else conn
    native, names = _native_placeholders(sql)
    with psycopg.RawCursor(connection.connection.driver_connection) as cursor:
        cursor.execute(native, [params[name] for name in names], prepare=True)
        return cursor.fetchall() if cursor.description else []


@lru_cache(maxsize=32)
def _native_placeholders(sql: str) -> tuple[bytes, tuple[str, ...]]:
    """``%(name)s`` turned into PostgreSQL's own ``$1, $2``: (statement, names in order)."""
    names = []

    def number(match):
        if match.group(1) not in names:
            names.append(match.group(1))
        return f"${names.index(match.group(1)) + 1}"
    return re.sub(r"%\((\w+)\)s", number, sql).encode(), tuple(names)


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
