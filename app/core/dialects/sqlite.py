"""SQLite's spelling of app.core.dialects' operations (one writer at a time, no row
locks, no time zones)."""
import fcntl
import os
import sqlite3
from functools import lru_cache
from pathlib import Path

from sqlalchemy import event, func, literal_column, select
from sqlalchemy.dialects.sqlite import insert  # the dialect's INSERT, with ON CONFLICT
from sqlalchemy.engine import make_url

NAME = "sqlite"
# No data-modifying CTEs: a write and its companion rows are several statements.
ONE_STATEMENT_WRITES = False
# One writer at a time: a write on another connection waits for (or breaks) an open transaction.
ONE_WRITER = True
UPSERT_CHUNK = 1000
UNAVAILABLE = ("database is locked", "unable to open database file", "disk I/O error")


def configure_engine(engine) -> None:
    """Write-ahead logging (WAL), and transactions begun by SQLAlchemy.

    Python's sqlite3 starts a transaction only before a write, so a SAVEPOINT taken
    first (an import checks each row in one) opens and its RELEASE commits the whole
    transaction. Let SQLAlchemy begin transactions itself, as its documentation for
    pysqlite recommends, so savepoints nest and a rollback undoes everything."""

    @event.listens_for(engine, "connect")
    def _no_driver_transactions(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        # Readers and the writer do not wait for each other: a long import checking its
        # rows must not hold up the console's writes (nor its own progress reports).
        dbapi_connection.execute("PRAGMA journal_mode=WAL")

    @event.listens_for(engine, "begin")
    def _begin(connection):
        connection.exec_driver_sql("BEGIN")


def unavailable(error: BaseException) -> bool:
    # SQLite says "no such column" with the same class too: only these messages count.
    return isinstance(error, sqlite3.OperationalError) and str(error).startswith(UNAVAILABLE)


@lru_cache(maxsize=16)
def _upsert_statement(table, measures: tuple):
    """``INSERT ... ON CONFLICT (key) DO UPDATE SET m = m + excluded.m``, built once: building
    and caching it anew costs more than running it for one filing's change."""
    statement = insert(table)
    return statement.on_conflict_do_update(
        index_elements=[c.name for c in table.primary_key.columns],
        set_={m: table.c[m] + statement.excluded[m] for m in measures})


def upsert_adding(conn, upserts) -> None:
    """For each ``(table, key, measures, rows)``: add the rows' measures to the table's
    rows of the same key (its primary key), inserting the missing ones."""
    for table, _key, measures, rows in upserts:
        if not rows:
            continue
        statement = _upsert_statement(table, tuple(measures))
        for start in range(0, len(rows), UPSERT_CHUNK):
            conn.execute(statement, rows[start:start + UPSERT_CHUNK])


def local_day(column, minutes: int):
    return func.date(column, literal_column(f"'{minutes:+d} minutes'"))


def shifted(column, seconds: int):
    """A naive-UTC time (or a date's midnight) moved by a fixed number of seconds, in
    the form SQLite keeps it (text, so the text is rebuilt, fractions kept)."""
    return func.strftime("%Y-%m-%d %H:%M:%S", column, literal_column(f"'{int(seconds):+d} seconds'")) \
        .concat(func.coalesce(func.substr(column, 20), ""))


def least(*columns):
    """The smallest of several values of a row (min with several arguments is a scalar)."""
    return func.min(*columns)


def byte_order(column):
    """SQLite compares text by its bytes already."""
    return column


def prepare_for_big_joins(conn) -> None:
    """Nothing to set: SQLite plans without a JIT."""


def allow_big_sorts(conn, megabytes: int) -> None:
    """Nothing to set: SQLite sorts in its own cache."""


def json_without_keys(column_name: str, keys):
    paths = ", ".join(f"'$.{key}'" for key in keys)
    return literal_column(f"json_remove({column_name}, {paths})")


def locked(query, skip_locked: bool = False):
    """No row locks: the one writer at a time holds the database."""
    return query


def advisory_xact_lock(conn, key: int) -> None:
    """Nothing to do: a write transaction excludes every other writer."""


def lock_tables(conn, names) -> None:
    """Nothing to do: a write transaction excludes every other writer."""


def reserve_ids(conn, column, count: int) -> list[int]:
    # One writer at a time: the next ids are free until this transaction ends.
    start = (conn.execute(select(func.max(column))).scalar() or 0) + 1
    return list(range(start, start + count))


def bulk_insert(conn, table, columns, rows) -> None:
    if rows:
        conn.execute(table.insert(), [dict(zip(columns, row)) for row in rows])


def bulk_insert_columns(conn, table, parts) -> None:
    """Each part (``{column: values}``) as one executemany of its rows."""
    for part in parts:
        columns = list(part)
        rows = [dict(zip(columns, row)) for row in zip(*part.values())]
        if rows:
            conn.execute(table.insert(), rows)


def drop_indexes_for_load(conn, indexes) -> list:
    """Kept: a SQLite database is not loaded with millions."""
    return []


def create_indexes_after_load(conn, indexes) -> None:
    """Nothing was dropped."""


def single_statement_engine(purpose: str = "", synchronous_commit: bool = True):
    return None


def process_lock(url: str, key: int, instance_dir):
    """A lock held for a process's life (the scheduler's): an exclusive ``flock`` on a
    file next to the database file (one host by nature); ``key`` is PostgreSQL's."""
    database = make_url(url).database
    if database and database != ":memory:":
        return FileLock(Path(database).with_name(Path(database).name + ".scheduler.lock"))
    return FileLock(Path(instance_dir) / "scheduler.lock")


class FileLock:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.handle = None

    def acquire(self) -> bool:
        if self.handle is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self.handle = handle
        return True

    def release(self) -> None:
        if self.handle is not None:
            fcntl.flock(self.handle, fcntl.LOCK_UN)
            self.handle.close()
            self.handle = None
