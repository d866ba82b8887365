"""``flask stats``: the statistics' summary tables (app.stats.summary)."""
import click
from flask.cli import AppGroup

from app.core.cli import Progress

stats_cli = AppGroup("stats", help="The statistics' summary tables.")


@stats_cli.command("rebuild")
def stats_rebuild():
    """Recount the summary tables from the filings."""
    from app.stats.summary import rebuild_all_summaries

    rebuild_all_summaries(Progress("summaries"))


@stats_cli.command("fold")
def stats_fold():
    """Add the pending new filings to the summary tables now (the scheduler does it
    every SUMMARY_FOLD_SECONDS)."""
    from app.stats.summary import fold_pending_summaries

    folded = fold_pending_summaries()
    click.echo(f"{folded} pending filings folded into the summaries")


@stats_cli.command("verify")
@click.option("--region", default=None, help="Only within this region code.")
def stats_verify(region):
    """Compare the summary tables with a direct count of the filings."""
    from app.core.extensions import db
    from app.stats.summary import verify_summaries

    problems = verify_summaries(db.session, region)
    for problem in problems[:50]:
        click.echo(problem, err=True)
    if problems:
        raise click.ClickException(f"{len(problems)} differences")
    click.echo("the summaries equal a direct count of the filings")
