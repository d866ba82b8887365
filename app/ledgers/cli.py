"""``flask ledgers import|export``: a whole ledger from or to Excel (an operator's
commands: no jurisdiction)."""
import click
from flask.cli import AppGroup

from app.core.cli import Progress, fail_with_problems
from app.ledgers.tables import TABLES

ledgers_cli = AppGroup("ledgers", help="Township ledgers: Excel import and export.")


@ledgers_cli.command("import")
@click.argument("table", type=click.Choice(sorted(TABLES)))
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--async", "as_job", is_flag=True,
              help="Queue it as an import job the scheduler runs; follow it with `flask ledgers job ID`.")
def ledgers_import(table, path, as_job):
    """Import a filled ledger template (.xlsx or .csv), for the whole system (an
    operator's command: no jurisdiction). All rows or none; every bad row listed."""
    from pathlib import Path

    from app.core.errors import ImportRejected
    from app.ledgers import jobs
    from app.ledgers.engine import import_file

    if as_job:
        job_id = jobs.enqueue(table, Path(path).read_bytes(), Path(path).name, jurisdiction=None, user_id=None)
        click.echo(f"queued as import job {job_id}: the scheduler runs it within a minute or so; "
                   f"`flask ledgers job {job_id}` shows where it is")
        return
    try:
        result = import_file(TABLES[table], Path(path).read_bytes(), Path(path).name, Progress(table),
                             jurisdiction=None)
    except ImportRejected as error:
        fail_with_problems([f"row {row}: {column}: {message}" for row, column, message in error.problems],
                           error.message)
    click.echo(f"created {result.created}, updated {result.updated}, unchanged {result.unchanged}")


@ledgers_cli.command("job")
@click.argument("job_id", type=int)
@click.option("--run", is_flag=True, help="Run it here and now if nobody runs it.")
def ledgers_job(job_id, run):
    """Where an import job is: its progress, then its counts or its problems."""
    from app.core.extensions import db
    from app.ledgers import jobs
    from models.ledger import ImportJob

    if run:
        jobs.run(job_id)
    job = db.session.get(ImportJob, job_id)
    if job is None:
        raise click.ClickException(f"no import job {job_id}")
    state = jobs.state_of(job)
    click.echo(f"job {job_id} ({job.ledger}): {state['status']}, {state['done']}/{state['total'] or '?'} rows checked")
    if state["status"] == "done":
        click.echo(f"created {state['created']}, updated {state['updated']}, unchanged {state['unchanged']}")
    for row, messages in list(state["errors"].items())[:50]:
        click.echo(f"row {row}: {'; '.join(messages)}", err=True)
    if state["status"] in ("rejected", "failed"):
        raise SystemExit(1)


@ledgers_cli.command("export")
@click.argument("table", type=click.Choice(sorted(TABLES)))
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
def ledgers_export(table, path):
    """Export a whole ledger to .xlsx (in the columns of its import template)."""
    from pathlib import Path

    from app.ledgers.engine import export_all

    Path(path).write_bytes(export_all(TABLES[table], jurisdiction=None))
    click.echo(f"wrote {path}")
