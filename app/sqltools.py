"""SQL both databases speak, where SQLAlchemy needs the dialect spelled out."""
from app.extensions import db


def insert_ignoring_conflicts(table):
    """``INSERT ... ON CONFLICT DO NOTHING`` on PostgreSQL and SQLite: a row that
    would repeat a unique key is skipped, which makes set-based jobs idempotent."""
    if db.engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table).on_conflict_do_nothing()
