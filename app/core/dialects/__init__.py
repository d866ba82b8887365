"""The SQL that PostgreSQL and SQLite speak differently: one module per dialect
(``postgresql``, ``sqlite``), each with the same names. A caller asks ``of(conn)`` for
the dialect of its connection (``for_url`` before there is one) and calls the
operation; nothing else compares dialect names. What both speak alike is in
app.core.sqltools.

Each module has:
- ``NAME``; ``insert(table)``: its own INSERT, which knows ON CONFLICT;
- ``upsert_adding(conn, upserts)``: add rows' measures to the rows of the same key;
- ``local_day(column, minutes)``: the day of a naive-UTC column shifted by minutes;
- ``allow_big_sorts(conn, megabytes)``: a set-based job's sorts stay in memory;
- ``json_without_keys(column_name, keys)``: a JSON text column without some keys;
- ``locked(query, skip_locked=False)``: the rows locked until the transaction ends;
- ``advisory_xact_lock(conn, key)``, ``lock_tables(conn, names)``: writers of the same
  work one after the other (SQLite has one writer at a time anyway);
- ``reserve_ids(conn, column, count)``, ``bulk_insert(conn, table, columns, rows)``,
  ``bulk_insert_columns(conn, table, parts)`` (parts of ``{column: values}``),
  ``drop_indexes_for_load(conn, indexes)``, ``create_indexes_after_load(conn, indexes)``:
  bulk loads;
- ``single_statement_engine()`` and ``ONE_STATEMENT_WRITES``: whether a write and the
  rows going with it can be one statement (PostgreSQL's data-modifying CTEs, run by
  ``postgresql.run_constant``), and the autocommit engine for them;
- ``unavailable(driver_error)``: the driver's error says the database cannot be reached;
- ``configure_engine(engine)``, ``process_lock(url, key, instance_dir)``.
"""
from sqlalchemy.engine import make_url

from app.core.dialects import postgresql, sqlite
from app.core.extensions import db

BY_NAME = {module.NAME: module for module in (postgresql, sqlite)}


def of(bind=None):
    """The dialect module of a connection, session or engine (the app's by default)."""
    if bind is None:
        bind = db.engine
    elif hasattr(bind, "get_bind"):  # a Session
        bind = bind.get_bind()
    return BY_NAME[bind.dialect.name]


def for_url(url: str):
    """The dialect module of a database URL."""
    return BY_NAME[make_url(url).get_backend_name()]
