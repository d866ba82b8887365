"""``flask jobs ...`` (each scheduled job once, by hand; idempotent) and ``flask scheduler``.

Times given on the command line are local (TIMEZONE) unless they carry an offset:
``--now 2026-03-02T10:00`` is 10:00 in Asia/Shanghai, ``--now 2026-03-02T02:00Z`` the same.
"""
import datetime as dt
import logging

import click
from flask import current_app
from flask.cli import AppGroup

from app.core import clock
from app.core.cli import parse_now as _now
from models.base import utcnow
from scheduler import jobs

jobs_cli = AppGroup("jobs", help="Run a scheduled job once (idempotent).")


def _day(value: str | None, setting: str) -> dt.date:
    if not value:
        return clock.latest_day_due(utcnow(), current_app.config[setting])
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"not an ISO date: {value}")


NOW_HELP = "ISO date-time (local unless it has an offset; default: now)."


@jobs_cli.command("daily-report")
@click.option("--date", "day", help="The report's day, YYYY-MM-DD (default: the latest due).")
@click.option("--now", help="When it is prepared: " + NOW_HELP)
def daily_report(day, now):
    """Prepare the daily report of a day for every community."""
    day = _day(day, "DAILY_REPORT_TIME")
    prepared = jobs.daily_report_job(day, _now(now))
    click.echo(f"daily reports of {day}: {prepared} prepared")


@jobs_cli.command("escalate")
@click.option("--now", help=NOW_HELP)
def escalate(now):
    """Raise, climb and resolve escalations as of a time."""
    now = _now(now)
    run = jobs.escalate_job(now)
    raised = ", ".join(f"{level} {count}" for level, count in run.raised.items())
    click.echo(f"escalations at {clock.format_local(now)}: raised {raised}; resolved {run.resolved}; "
               f"{run.notifications} notifications")


@jobs_cli.command("follow-ups")
@click.option("--now", help=NOW_HELP)
def follow_ups(now):
    """Add today's follow-ups for everyone under a control measure."""
    now = _now(now)
    click.echo(f"follow-ups of {clock.local_today(now)}: {jobs.follow_ups_job(now)} new")


@jobs_cli.command("health-codes")
@click.option("--now", help=NOW_HELP)
def health_codes(now):
    """Decide everyone's health code again as of a time (the nightly job)."""
    now = _now(now)
    click.echo(f"health codes at {clock.format_local(now)}: {jobs.health_codes_job(now)} changed")


@jobs_cli.command("distribute")
@click.option("--now", help=NOW_HELP)
def distribute(now):
    """Tell each community's officers what was routed to it since the last round."""
    result = jobs.distribution_job(_now(now))
    click.echo(f"distribution: {result.filings} filings to {result.communities} communities, "
               f"{result.notifications} notifications")


@jobs_cli.command("penalties")
@click.option("--date", "day", help="The last day of the window, YYYY-MM-DD (default: the latest due).")
def penalties(day):
    """Propose penalties for communities with repeated late or missing reports."""
    day = _day(day, "DAILY_REPORT_DEADLINE")
    detail = jobs.report_penalties_job(day)
    click.echo(f"penalties up to {day}: {detail}")


@jobs_cli.command("purge")
@click.option("--now", help=NOW_HELP)
def purge(now):
    """Anonymise the filings finished more than RETENTION_DAYS ago, and forget the old
    declarations, venue scans and checkpoint passes (their *_RETENTION_DAYS)."""
    now = _now(now)
    count = jobs.retention_job(now)
    click.echo(f"retention at {clock.format_local(now)}: {count} filings anonymised "
               f"(finished more than {current_app.config['RETENTION_DAYS']} days before)")
    forgotten = jobs.visit_retention_job(now)
    click.echo(f"{forgotten.declarations} health declarations anonymised, {forgotten.scans} venue scans deleted, "
               f"{forgotten.passes} checkpoint passes anonymised, {forgotten.holders} expired code holders deleted")


@jobs_cli.command("catch-up")
@click.option("--now", help=NOW_HELP)
def catch_up(now):
    """Run every daily job for each day it missed."""
    for job, days in jobs.catch_up(_now(now)).items():
        click.echo(f"{job}: {', '.join(d.isoformat() for d in days) or 'nothing missed'}")


@click.command("scheduler")
def scheduler_command():
    """Run the scheduler (only one per database runs jobs; others stand by)."""
    from scheduler.runner import run_scheduler

    logging.getLogger("console").setLevel(logging.INFO)
    run_scheduler(current_app._get_current_object())


def register_commands(app):
    app.cli.add_command(jobs_cli)
    app.cli.add_command(scheduler_command)
