"""PostgreSQL's spelling of app.core.dialects' operations, and its fast paths: one
constant, prepared statement for a write and the rows going with it (data-modifying
CTEs over JSON parameters), on an autocommit engine of its own."""
import datetime as dt
import json
import logging
import re
from functools import lru_cache
from itertools import chain

import psycopg
from psycopg.copy import QueuedLibpqWriter
from flask import current_app
from sqlalchemy import Date, DateTime, cast, create_engine, func, literal_column, text
from sqlalchemy.dialects.postgresql import insert  # noqa: F401  (the dialect's INSERT, with ON CONFLICT)
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from app.core.extensions import db

log = logging.getLogger("console.scheduler")

NAME = "postgresql"
# Data-modifying CTEs: a write and its companion rows in one statement (run_constant).
# Writers on other connections go on beside an open transaction (row locks only).
ONE_WRITER = False
ONE_STATEMENT_WRITES = True


def configure_engine(engine) -> None:
    """Nothing to change."""


def unavailable(error: BaseException) -> bool:
    return isinstance(error, (psycopg.OperationalError, psycopg.InterfaceError))


@lru_cache(maxsize=8)
def _upsert_adding_sql(shapes: tuple) -> str:
    """The upserts of ``shapes`` ((table, key, measures), ...) in one constant statement
    (data-modifying CTEs), each table's rows a JSON parameter named after it. The rows go
    in key order, so concurrent writers lock them in the same order."""
    upserts = []
    for table, key, measures in shapes:
        names, keys = ", ".join((*key, *measures)), ", ".join(key)
        adds = ", ".join(f"{m} = {table.name}.{m} + excluded.{m}" for m in measures)
        upserts.append(f"INSERT INTO {table.name} ({names}) SELECT {names} "
                       f"FROM json_populate_recordset(NULL::{table.name}, %({table.name})s::json) "
                       f"ORDER BY {keys} ON CONFLICT ({keys}) DO UPDATE SET {adds}")
    if len(upserts) == 1:
        return upserts[0]
    ctes = ", ".join(f"upsert_{number} AS ({sql} RETURNING 1)" for number, sql in enumerate(upserts[:-1], start=1))
    return f"WITH {ctes}\n{upserts[-1]}"


def upsert_adding(conn, upserts) -> None:
    """For each ``(table, key, measures, rows)``: add the rows' measures to the table's
    rows of the same key, inserting the missing ones; all tables in one round trip,
    prepared once (a filing's change costs one statement)."""
    shapes = tuple((table, tuple(key), tuple(measures)) for table, key, measures, _rows in upserts)
    run_constant(conn, _upsert_adding_sql(shapes),
                 {table.name: json.dumps(rows, default=str) for table, _key, _measures, rows in upserts})


def local_day(column, minutes: int):
    return cast(column + literal_column(f"INTERVAL '{minutes} minutes'"), Date)


def shifted(column, seconds: int):
    """A naive-UTC time moved by a fixed number of seconds."""
    return cast(column + literal_column(f"INTERVAL '{int(seconds)} seconds'"), DateTime)


def least(*columns):
    """The smallest of several values of a row."""
    return func.least(*columns)


def byte_order(column):
    """``column`` sorted by its bytes: the order of its index for the ASCII of hashes and
    codes, without the locale's comparisons (several times faster over millions)."""
    return column.collate("C")


def prepare_for_big_joins(conn) -> None:
    """Set-based matching: compiling its statements to machine code (JIT) costs seconds
    and saves nothing; its hash joins over a million feed rows fit in memory in one
    batch with 64 MB (the default 4 MB spills them to disk in 16). For the rest of
    the transaction."""
    conn.execute(text("SET LOCAL jit = off"))
    conn.execute(text("SET LOCAL work_mem = '64MB'"))


def allow_big_sorts(conn, megabytes: int) -> None:
    """A set-based job sorting millions of rows: sort them in memory, not in temporary
    files, for the rest of the transaction."""
    conn.execute(text(f"SET LOCAL work_mem = '{int(megabytes)}MB'"))


def json_without_keys(column_name: str, keys):
    listed = ", ".join(f"'{key}'" for key in keys)
    return literal_column(f"({column_name}::jsonb - ARRAY[{listed}])::text")


def locked(query, skip_locked: bool = False):
    """``FOR UPDATE`` (``SKIP LOCKED``: rows another transaction holds are left to it)."""
    return query.with_for_update(skip_locked=skip_locked)


def advisory_xact_lock(conn, key: int) -> None:
    conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def lock_tables(conn, names) -> None:
    """Writers of these tables wait until the transaction ends; readers do not."""
    conn.execute(text(f"LOCK TABLE {', '.join(names)} IN EXCLUSIVE MODE"))


def reserve_ids(conn, column, count: int) -> list[int]:
    return list(conn.execute(text(
        f"SELECT nextval(pg_get_serial_sequence('{column.table.name}', '{column.name}')) "
        f"FROM generate_series(1, :n)"), {"n": count}).scalars())


def bulk_insert(conn, table, columns, rows) -> None:
    """``COPY``: several times faster than INSERTs for a bulk load."""
    if not rows:
        return
    cursor = conn.connection.driver_connection.cursor()
    with cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


COPY_BLOCK_ROWS = 10_000
# COPY's text format: a backslash, tab, newline or carriage return in a value is escaped.
COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
TO_ESCAPE = re.compile(r"[\\\t\n\r]")


def copy_text(value) -> str:
    """A value as COPY's text format writes it (what psycopg's text dumpers give)."""
    if value is None:
        return "\\N"
    if isinstance(value, str):  # (translate is slow: most values need nothing)
        return value.translate(COPY_ESCAPES) if TO_ESCAPE.search(value) else value
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def copy_texts(values) -> list[str]:
    """``copy_text`` of each value, each distinct one made once."""
    texts = {value: copy_text(value) for value in set(values)}
    return list(map(texts.__getitem__, values))


def bulk_insert_columns(conn, table, parts) -> None:
    """``COPY`` of parts given column by column (``{column: values}``, every part the
    same columns), in text format, sent in blocks of many rows by a thread of their own
    (psycopg's queued writer): the database stores a part while the caller makes the
    next. Much faster than ``write_row`` of each row, which adapts each value alone."""
    parts = iter(parts)
    first = next(parts, None)
    if first is None:
        return
    columns = list(first)
    cursor = conn.connection.driver_connection.cursor()
    with cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN",
                     writer=QueuedLibpqWriter(cursor)) as copy:
        for part in chain((first,), parts):
            lines = list(map("\t".join, zip(*(copy_texts(part[column]) for column in columns))))
            for start in range(0, len(lines), COPY_BLOCK_ROWS):
                copy.write("\n".join(lines[start:start + COPY_BLOCK_ROWS]) + "\n")


def drop_indexes_for_load(conn, indexes) -> list:
    """Dropped during a bulk load of millions and built again after it
    (``create_indexes_after_load``): several times faster than keeping them up to date
    row by row. Returns those dropped."""
    for index in indexes:
        conn.execute(text(f"DROP INDEX IF EXISTS {index.name}"))
    return list(indexes)


def create_indexes_after_load(conn, indexes) -> None:
    if not indexes:
        return
    conn.execute(text("SET maintenance_work_mem = '256MB'"))
    for index in indexes:
        index.create(conn.connection(), checkfirst=True)


def single_statement_engine(purpose: str = "", synchronous_commit: bool = True):
    """PostgreSQL: an engine of its own for writes that are one statement (the public
    filing): autocommit, so the statement is its own transaction with no BEGIN and
    COMMIT round trips, and no ping before each use (``with_single_statement_engine``
    tries once more on a dropped connection instead). ``purpose`` names a pool of its
    own; ``synchronous_commit=False``: its commits answer before the WAL is on disk
    (a crash of the database may lose its last fraction of a second of writes, never
    corrupt them), for a log whose last rows matter less than its speed (venue scans)."""
    key = "single_statement_engine" + (f".{purpose}" if purpose else "")
    engine = current_app.extensions.get(key)
    if engine is None:
        options = {} if synchronous_commit else {"connect_args": {"options": "-c synchronous_commit=off"}}
        engine = create_engine(db.engine.url, isolation_level="AUTOCOMMIT", pool_pre_ping=False, **options)
        current_app.extensions[key] = engine
    return engine


def with_single_statement_engine(work, engine=None):
    """``work(conn)`` on a connection of the single-statement engine (or ``engine``,
    another of them), once more on a new connection when the pooled one turned out
    dead (the database restarted): the dead one wrote nothing. Every other pooled
    connection died with it, so the pool is renewed: the retry, and the requests
    after it, get fresh ones."""
    engine = engine or single_statement_engine()
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


def process_lock(url: str, key: int, _instance_dir=None):
    """A lock held for a process's life (the scheduler's): another host may take it over
    once this process or its connection dies."""
    return AdvisoryLock(url, key)


class AdvisoryLock:
    """A session advisory lock (``pg_try_advisory_lock``) on a connection kept open for
    this purpose only: released when the process or its connection dies."""

    def __init__(self, url: str, key: int):
        # Its own engine without a pool: the lock lives and dies with this connection.
        self.engine = create_engine(url, poolclass=NullPool)
        self.key = key
        self.connection = None

    def acquire(self) -> bool:
        if self.connection is not None:
            if self._alive():
                return True
            self._drop()
            log.warning("lost the scheduler lock's connection")
        try:
            connection = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        except Exception as error:  # database down: nobody can run jobs now
            log.warning("cannot reach the database for the scheduler lock: %s", error)
            return False
        if connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key}).scalar():
            self.connection = connection
            return True
        connection.close()
        return False

    def _alive(self) -> bool:
        try:
            self.connection.execute(text("SELECT 1"))
            return True
        except Exception:
            return False

    def _drop(self):
        try:
            self.connection.close()
        except Exception:
            pass
        self.connection = None

    def release(self) -> None:
        if self.connection is not None:
            try:
                self.connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self.key})
            finally:
                self._drop()
