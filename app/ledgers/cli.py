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
def ledgers_import(table, path):
    """Import a filled ledger template (.xlsx or .csv), for the whole system (an
    operator's command: no jurisdiction). All rows or none; every bad row listed."""
    from pathlib import Path

    from app.core.errors import ImportRejected
    from app.ledgers.engine import import_file

    try:
        result = import_file(TABLES[table], Path(path).read_bytes(), Path(path).name, Progress(table),
                             jurisdiction=None)
    except ImportRejected as error:
        fail_with_problems([f"row {row}: {column}: {message}" for row, column, message in error.problems],
                           error.message)
    click.echo(f"created {result.created}, updated {result.updated}, unchanged {result.unchanged}")


@ledgers_cli.command("export")
@click.argument("table", type=click.Choice(sorted(TABLES)))
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
def ledgers_export(table, path):
    """Export a whole ledger to .xlsx (in the columns of its import template)."""
    from pathlib import Path

    from app.ledgers.engine import export_all

    Path(path).write_bytes(export_all(TABLES[table], jurisdiction=None))
    click.echo(f"wrote {path}")
