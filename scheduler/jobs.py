"""The scheduled jobs: plain functions of a date or a time, calling the services in
app/. Each is idempotent (running it twice changes nothing more) and runs the same
from the scheduler (scheduler.runner), from the command line (``flask jobs ...``) and
from tests with an explicit clock.

Daily jobs record the day they did in ``job_run``; ``catch_up(now)`` runs every day a
daily job has missed (the scheduler was down) exactly once.

A job never commits or rolls back: each unit of work is a domain function decorated with
``app.core.transaction.transaction`` (a daily job's work and its ``job_run`` row are one).
"""
import datetime as dt
import json
import logging
from dataclasses import dataclass
from typing import Callable

from flask import current_app
from sqlalchemy import func, select

from app.core import clock
from app.core.audit_chain import seal
from app.reporting.distribution import RoundResult, run_distribution_round
from app.reporting.escalations import EscalationRun, escalate
from app.core.extensions import db
from app.crossmatch.escalation import propose_finding_penalties
from app.crossmatch.matching import match
from app.followups.service import generate as generate_follow_ups
from app.healthcode.events import refresh_phone_contacts
from app.healthcode.retention import Forgotten, forget_old_visits
from app.healthcode.rules import recompute_all
from app.filings.retention import anonymise_finished_filings
from app.ledgers.jobs import resume_stalled_jobs
from app.reporting.daily_reports import prepare_daily_reports, propose_report_penalties
from app.core.sqltools import insert_ignoring_conflicts, refresh_planner_statistics
from app.core.transaction import transaction
from app.stats.summary import fold_pending_summaries
from models.base import utcnow
from models.reporting import JobRun

log = logging.getLogger("console.jobs")


@dataclass(frozen=True)
class DailyJob:
    name: str
    work: Callable[[dt.date, dt.datetime], dict]
    time_setting: str  # config key of the local time it runs at, the day after its day


def _prepare(day, now):
    return {"prepared": prepare_daily_reports(day, now)}


def _penalties(day, now):
    run = propose_report_penalties(day, now)
    return {"proposed": len(run.proposed)}


def _finding_penalties(day, now):
    return {"proposed": len(propose_finding_penalties(day, now).proposed)}


DAILY_REPORT = DailyJob("daily_report", _prepare, "DAILY_REPORT_TIME")
# Penalties look at missing reports, so they run at the deadline.
REPORT_PENALTIES = DailyJob("report_penalties", _penalties, "DAILY_REPORT_DEADLINE")
FINDING_PENALTIES = DailyJob("finding_penalties", _finding_penalties, "DAILY_REPORT_DEADLINE")
DAILY_JOBS = (DAILY_REPORT, REPORT_PENALTIES, FINDING_PENALTIES)


def run_daily_job(job: DailyJob, day: dt.date, now: dt.datetime | None = None) -> dict:
    """Do ``job`` for ``day`` and record it, in one unit of work."""
    detail = _do_daily_job(job, day, now or utcnow())
    log.info("%s for %s: %s", job.name, day, detail)
    return detail


@transaction
def _do_daily_job(job: DailyJob, day: dt.date, now: dt.datetime) -> dict:
    detail = job.work(day, now)
    db.session.execute(insert_ignoring_conflicts(JobRun.__table__).values(
        job=job.name, run_key=day.isoformat(), started_at=now, finished_at=utcnow(),
        detail=json.dumps(detail)))
    return detail


def daily_report_job(day: dt.date, now: dt.datetime | None = None) -> int:
    """Prepare the daily report of ``day`` for every community."""
    return run_daily_job(DAILY_REPORT, day, now)["prepared"]


def report_penalties_job(day: dt.date, now: dt.datetime | None = None) -> dict:
    return run_daily_job(REPORT_PENALTIES, day, now)


def planner_statistics_job(now: dt.datetime) -> None:
    """Nightly: fresh statistics for the query planner (app.core.sqltools)."""
    transaction(refresh_planner_statistics)()
    log.info("planner statistics refreshed at %s", clock.format_local(now))


def fold_summaries_job(now: dt.datetime) -> int:
    """Every few seconds: the pending filings into the summary tables (app.stats.summary)."""
    folded = fold_pending_summaries()
    if folded:
        log.debug("%s filings folded into the summaries at %s", folded, clock.format_local(now))
    return folded


def retention_job(now: dt.datetime) -> int:
    """Nightly: anonymise the filings finished more than RETENTION_DAYS ago (app.filings.retention)."""
    count = transaction(anonymise_finished_filings)(db.session.connection(), now,
                                                    current_app.config["RETENTION_DAYS"])
    log.info("retention at %s: %s filings anonymised", clock.format_local(now), count)
    return count


def visit_retention_job(now: dt.datetime) -> Forgotten:
    """Nightly: the old declarations, venue scans and checkpoint passes forgotten
    (app.healthcode.retention)."""
    forgotten = transaction(forget_old_visits)(db.session.connection(), now)
    log.info("retention at %s: %s declarations anonymised, %s venue scans deleted, %s checkpoint passes "
             "anonymised, %s expired code holders deleted", clock.format_local(now), *forgotten)
    return forgotten


def audit_seal_job(now: dt.datetime) -> int:
    """Every few seconds: the new audit entries into the hash chain (app.core.audit_chain)."""
    return seal(db.engine)


def escalate_job(now: dt.datetime) -> EscalationRun:
    run = escalate(now)
    log.info("escalations at %s: raised %s, resolved %s", clock.format_local(now), run.raised, run.resolved)
    return run


def matching_job(now: dt.datetime) -> dict:
    """Every MATCHING_INTERVAL_MINUTES: the cross-matching rules (app.crossmatch.matching), and
    the colours of those a contact names by their phone alone (app.healthcode.events)."""
    raised = match(now)
    log.info("matching at %s: new findings %s", clock.format_local(now), raised)
    changed = refresh_phone_contacts(now)
    if changed:
        log.info("matching at %s: %s people coloured by a contact known by their phone", clock.format_local(now),
                 changed)
    return raised


def health_codes_job(now: dt.datetime) -> int:
    """Nightly: everyone's health code decided again (app.healthcode.rules); idempotent."""
    changed = recompute_all(now)
    log.info("health codes at %s: %s changed", clock.format_local(now), changed)
    return changed


def ledger_imports_job(now: dt.datetime) -> list:
    """Every minute: the ledger import jobs whose web worker died or never started them
    (app.ledgers.jobs), run again here."""
    resumed = resume_stalled_jobs(now)
    if resumed:
        log.info("ledger import jobs resumed at %s: %s", clock.format_local(now), resumed)
    return resumed


def follow_ups_job(now: dt.datetime) -> int:
    """Every FOLLOW_UP_INTERVAL_MINUTES: today's follow-ups for everyone under control, all
    communities in one statement (app.followups.service; idempotent per filing and day)."""
    day = clock.local_today(now)
    added = generate_follow_ups(day, now)
    log.info("follow-ups of %s: %s new", day, added)
    return added


def distribution_job(now: dt.datetime) -> RoundResult:
    result = run_distribution_round(now)
    log.info("distribution round to %s: %s filings, %s communities, %s messages",
             result.window_end, result.filings, result.communities, result.notifications)
    return result


def missed_days(job: DailyJob, now: dt.datetime) -> list[dt.date]:
    """Days ``job`` should have done by ``now`` and has not: since the first day it
    ever did (a new installation starts with the latest day), at most CATCH_UP_MAX_DAYS."""
    latest = clock.latest_day_due(now, current_app.config[job.time_setting])
    first_ever = db.session.scalar(select(func.min(JobRun.run_key)).where(JobRun.job == job.name))
    if first_ever is None:
        return [latest]
    start = max(dt.date.fromisoformat(first_ever),
                latest - dt.timedelta(days=current_app.config["CATCH_UP_MAX_DAYS"] - 1))
    done = set(db.session.scalars(select(JobRun.run_key).where(
        JobRun.job == job.name, JobRun.run_key >= start.isoformat(), JobRun.run_key <= latest.isoformat())))
    days = (start + dt.timedelta(days=n) for n in range((latest - start).days + 1))
    return [day for day in days if day.isoformat() not in done]


def catch_up(now: dt.datetime) -> dict[str, list[dt.date]]:
    """Run every daily job for every day it missed, oldest first. The scheduler calls
    this at start and at each daily time, so the regular run is just the newest day."""
    done = {}
    for job in DAILY_JOBS:
        days = missed_days(job, now)
        for day in days:
            run_daily_job(job, day, now)
        done[job.name] = days
    return done
