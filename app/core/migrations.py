"""The schema's migrations: Alembic through Flask-Migrate, the revisions in
models/migrations/versions (`flask db migrate -m ...` adds one, README "Schema changes")."""
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_appbuilder import Model
from flask_migrate import Migrate, stamp, upgrade
from sqlalchemy import inspect

from app.core.extensions import db

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "models" / "migrations"
# The schema of the last release that made its tables with create_all (no migrations).
BASELINE_REVISION = "0001"
migrate = Migrate()


def init_migrations(app) -> None:
    # Batch mode: SQLite alters a table by copying it, Alembic does that in a batch.
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True,
                     compare_type=True)


def upgrade_database() -> None:
    """Bring the database to the newest revision. Tables without Alembic's version table
    were made by create_all: of the release before migrations (the baseline, stamped so
    and upgraded from there) or, on a development copy, of the models as they are now."""
    tables = inspect(db.engine).get_table_names()
    if "ab_user" in tables and "alembic_version" not in tables:
        with db.engine.connect() as connection:
            current = not schema_differences(connection)
        stamp(revision="head" if current else BASELINE_REVISION)
    upgrade()


def schema_differences(connection) -> list:
    """How the database's tables differ from the models (Alembic's autogenerate
    comparison, as `flask db migrate` makes it); empty when they match."""
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return [difference for difference in compare_metadata(context, Model.metadata)
            if not _is_alembic_own(difference)]


def _is_alembic_own(difference) -> bool:
    # Alembic's version table is in the database and in no model.
    return difference[0] == "remove_table" and difference[1].name == "alembic_version"
