"""SQL both databases speak, where SQLAlchemy needs the dialect spelled out."""
from sqlalchemy import literal_column, text

from app.extensions import db


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


def run_constant(conn, sql: str, params: dict) -> list[tuple]:
    """PostgreSQL: a constant statement with ``%(name)s`` parameters on the driver's own
    cursor, in the transaction of ``conn`` (a Connection or a Session). For the hot
    filing path: it skips SQLAlchemy's per-call compile and result setup, which cost
    as much CPU as the statement itself."""
    connection = conn.connection() if hasattr(conn, "get_bind") else conn
    with connection.connection.driver_connection.cursor() as cursor:
        cursor.execute(sql, params, prepare=True)
        return cursor.fetchall() if cursor.description else []


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
