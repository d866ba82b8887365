"""Command-line interface for operators (shared/API.md "Command line"): each domain
keeps its commands beside its services; this only registers them, with the scheduler's."""


def register_commands(app):
    from app.core.cli import audit_cli, users_cli
    from app.crossmatch.cli import feeds_cli
    from app.ledgers.cli import ledgers_cli
    from app.regions.cli import regions_cli
    from app.setup_cli import demo_cli, setup
    from app.stats.cli import stats_cli
    from scheduler.cli import register_commands as register_job_commands

    for command in (users_cli, audit_cli, regions_cli, demo_cli, stats_cli, ledgers_cli, feeds_cli, setup):
        app.cli.add_command(command)
    app.extensions.setdefault("demo_hooks", [])
    app.extensions.setdefault("demo_place_hooks", [])
    register_job_commands(app)
