"""``flask regions``: the division codes (shared/API.md "Command line")."""
import click
from flask.cli import AppGroup

from app.core.cli import Progress, fail_with_problems

regions_cli = AppGroup("regions", help="Division codes.")


@regions_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def regions_import(path):
    """Import division codes from a CSV (code,name,level,parent_code). All or nothing."""
    from app.core.errors import ImportRejected
    from app.regions.service import import_regions

    try:
        result = import_regions(path, Progress("regions"))
    except ImportRejected as error:
        fail_with_problems([f"line {line}: {reason}" for line, reason in error.problems], error.message)
    click.echo(f"added {result.added}, updated {result.updated}, unchanged {result.unchanged}")
