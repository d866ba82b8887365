"""``flask feeds ...``: import a feed file, undo a batch, write a template, match by hand.
An operator's commands: the whole system, no jurisdiction."""
from pathlib import Path

import click
from flask.cli import AppGroup

from app.core.excel import TableRefused
from models.crossmatch import SOURCES

feeds_cli = AppGroup("feeds", help="Cross-matching feeds: import, undo, match.")


@feeds_cli.command("import")
@click.argument("source", type=click.Choice(SOURCES))
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--now", help="When it is imported and matched (ISO; local unless it has an offset).")
def feeds_import(source, path, now):
    """Import a feed file (.xlsx or .csv, the template's headers) as one batch, then match."""
    from app.core.cli import Progress, fail_with_problems, parse_now
    from app.crossmatch.feeds import import_feed, refresh_colours

    try:  # as a job imports a big file: the rows commit, then the colours are decided
        outcome = import_feed(source, jurisdiction=None, data=Path(path).read_bytes(), filename=Path(path).name,
                              now=parse_now(now), progress=Progress(source), colours_after_commit=True)
    except TableRefused as refused:
        raise click.ClickException(str(refused.message))
    batch = outcome.batch
    if outcome.refused:
        fail_with_problems([f"line {p.line}: {p.field}: {p.message}" for p in outcome.rejected],
                           f"batch {batch.id} rejected")
    if outcome.unchanged:
        click.echo(f"unchanged: the same file is batch {batch.id}")
        return
    click.echo(f"batch {batch.id}: {batch.accepted} rows, findings {outcome.findings}")
    refresh_colours(batch.id, batch.imported_at)
    click.echo("the health codes of the people it names decided again")


@feeds_cli.command("undo")
@click.argument("batch_id", type=int)
def feeds_undo(batch_id):
    """Undo a batch: its rows and the findings only it caused disappear."""
    from app.core.errors import DomainError
    from app.crossmatch.feeds import undo_batch

    try:
        batch = undo_batch(batch_id, jurisdiction=None, user_id=None)
    except DomainError as error:
        raise click.ClickException(str(error.message))
    click.echo(f"batch {batch.id} undone")


@feeds_cli.command("template")
@click.argument("source", type=click.Choice(SOURCES))
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
def feeds_template(source, path):
    """Write the import template of a source (.xlsx, with a sheet explaining the columns)."""
    from app.crossmatch.feeds import template

    Path(path).write_bytes(template(source))
    click.echo(f"wrote {path}")


@feeds_cli.command("match")
@click.option("--now", help="As of when (ISO; local unless it has an offset; default: now).")
def feeds_match(now):
    """Run the matching once (idempotent)."""
    from app.crossmatch.matching import match
    from app.core.cli import parse_now

    click.echo(f"new findings: {match(parse_now(now))}")
