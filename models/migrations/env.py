"""Alembic's environment for the console's schema (run through Flask-Migrate: `flask db ...`,
or app.core.migrations). The app is already created, so the engine and the models are its own."""
from alembic import context
from flask import current_app
from flask_appbuilder import Model

# Every table, FAB's included, is on FAB's declarative base (db.metadata holds none).
target_metadata = Model.metadata


def skip_empty_revision(_context, _revision, directives):
    """`flask db migrate` with the models unchanged writes no empty revision."""
    if getattr(context.config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
        directives[:] = []
        print("No changes in the schema: no revision written.")


def run_migrations_online():
    with current_app.extensions["migrate"].db.engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata,
                          process_revision_directives=skip_empty_revision,
                          **current_app.extensions["migrate"].configure_args)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    context.configure(url=current_app.extensions["migrate"].db.engine.url,
                      target_metadata=target_metadata, literal_binds=True,
                      **current_app.extensions["migrate"].configure_args)
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations_online()
