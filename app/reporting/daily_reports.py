"""Daily and zero reports 日报告、零报告: preparing them and submitting them (who has
reported, and on time, is counted by app.reporting.compliance).

Every morning (DAILY_REPORT_TIME, local) the report of the previous local day is
prepared for every community of the province with its counts filled in from the
filings, a few set-based statements for all 52,378 communities. The counts of a day:

- new_filings: filings routed to the community that day: a filing counts for the
  community it was first routed to when it was filed, and for the receiving community
  of each transfer made that day (both had it in their queue);
- arrivals, risk_area_arrivals: filings of the community that arrived that day, and
  those of them from a medium/high-risk area in the 14 days before;
- checks: filings the community's officers checked that day;
- under_control: people of the community under a control measure at the end of the day.

The officer confirms and submits it, even when every count is zero (a zero report),
by DAILY_REPORT_DEADLINE; a later submission is marked late, and a missing one is
escalated (app.reporting.escalations). Preparing is idempotent: a report once prepared is kept as
it is (the officer may already be looking at it).
"""
import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Optional

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, DateTime, and_, case, distinct, false, func, literal, or_, select, true, union_all

from app.core import audit
from app.core import clock
from app.core.errors import Conflict
from app.core.extensions import db
from app.core.jurisdiction import code_within, scope_query
from app.ledgers import rewards
from app.core.scoped_rows import clean_note, scoped_row_for_update
from app.core.sqltools import insert_ignoring_conflicts
from app.core.transaction import transaction
from app.reporting.compliance import prepared_reports_added
from app.reporting.escalations import REPORT_MISSING, resolve_subject
from models import DailyReport, Filing, FilingCheck, FilingTransfer, Region
from models.base import utcnow
from models.region import LEVEL_COMMUNITY
from models.reporting import Escalation

log = logging.getLogger("console.reporting")

filing = Filing.__table__
transfer = FilingTransfer.__table__
check = FilingCheck.__table__


# ---- routing history ---------------------------------------------------------------

def first_community():
    """The community a filing was routed to when it was filed: where its first transfer
    came from, or where it still is."""
    first_from = (select(transfer.c.from_region_code).where(transfer.c.filing_id == filing.c.id)
                  .order_by(transfer.c.at, transfer.c.id).limit(1).scalar_subquery())
    return func.coalesce(first_from, filing.c.destination_region_code)


def routed_filings(start: dt.datetime, end: dt.datetime):
    """Every routing in [start, end) as rows (community, filing_id, receipt): a filing
    filed then, to its first community, and each transfer made then, to its receiver."""
    filed = (select(first_community().label("community"), filing.c.id.label("filing_id"),
                    filing.c.receipt)
             .where(filing.c.filed_at >= start, filing.c.filed_at < end))
    moved = (select(transfer.c.to_region_code, transfer.c.filing_id, filing.c.receipt)
             .join(filing, filing.c.id == transfer.c.filing_id)
             .where(transfer.c.at >= start, transfer.c.at < end))
    return union_all(filed, moved).subquery("routed")


# ---- preparing ---------------------------------------------------------------------

def _counts_of_day(start: dt.datetime, end: dt.datetime):
    """Three grouped subqueries keyed by ``community``, one pass over each table."""
    routed = routed_filings(start, end)
    new = (select(routed.c.community, func.count().label("new_filings"))
           .group_by(routed.c.community).subquery("new"))

    arrived = and_(filing.c.arrived_at >= start, filing.c.arrived_at < end)
    controlled = and_(filing.c.control_measure.is_not(None), filing.c.control_measure != "none",
                      filing.c.status != "cancelled",
                      or_(filing.c.control_start.is_(None), filing.c.control_start < end),
                      or_(filing.c.control_end.is_(None), filing.c.control_end >= end))
    people = (select(filing.c.destination_region_code.label("community"),
                     func.sum(case((arrived, 1), else_=0)).label("arrivals"),
                     func.sum(case((and_(arrived, filing.c.risk_area_14d.is_(True)), 1), else_=0))
                     .label("risk_area_arrivals"),
                     func.sum(case((controlled, 1), else_=0)).label("under_control"))
              .where(or_(arrived, controlled))
              .group_by(filing.c.destination_region_code).subquery("people"))

    checked = (select(check.c.region_code.label("community"),
                      func.count(distinct(check.c.filing_id)).label("checks"))
               .where(check.c.checked_at >= start, check.c.checked_at < end)
               .group_by(check.c.region_code).subquery("checked"))
    return new, people, checked


def report_deadline(day: dt.date, prepared_at: dt.datetime) -> dt.datetime:
    """DAILY_REPORT_DEADLINE the day after ``day``; a report prepared late (after
    downtime) still gives the officer the usual time between preparation and deadline."""
    config = current_app.config
    deadline = clock.report_due_at(day)
    usual_time = deadline - clock.at_local_time(day + dt.timedelta(days=1), config["DAILY_REPORT_TIME"])
    return max(deadline, prepared_at + usual_time)


@transaction
def prepare_daily_reports(day: dt.date, now: dt.datetime | None = None, within: Optional[list[str]] = None) -> int:
    """Prepare the report of ``day`` for every community that has none yet (of the
    regions ``within``, default the province), in one INSERT ... SELECT, and count them
    into the compliance summary. Returns how many were prepared (0 when run again)."""
    now = now or utcnow()
    start, end = clock.day_window(day)
    new, people, checked = _counts_of_day(start, end)
    region = Region.__table__
    counts = {
        "new_filings": func.coalesce(new.c.new_filings, 0),
        "arrivals": func.coalesce(people.c.arrivals, 0),
        "checks": func.coalesce(checked.c.checks, 0),
        "risk_area_arrivals": func.coalesce(people.c.risk_area_arrivals, 0),
        "under_control": func.coalesce(people.c.under_control, 0),
    }
    nothing = and_(new.c.new_filings.is_(None), people.c.community.is_(None), checked.c.checks.is_(None))
    source = (select(region.c.code, literal(day, Date), *counts.values(),
                     case((nothing, true()), else_=false()), literal("prepared"),
                     literal(now, DateTime), literal(report_deadline(day, now), DateTime), false())
              .select_from(region.outerjoin(new, new.c.community == region.c.code)
                           .outerjoin(people, people.c.community == region.c.code)
                           .outerjoin(checked, checked.c.community == region.c.code))
              .where(region.c.level == LEVEL_COMMUNITY,
                     or_(*(code_within(region.c.code, code)
                           for code in within or [current_app.config["PROVINCE_CODE"]]))))
    columns = ["region_code", "report_date", *counts, "zero_report", "status", "prepared_at",
               "due_at", "late"]
    # Counted from RETURNING: the driver's rowcount of INSERT ... SELECT is not reliable.
    inserted = db.session.execute(insert_ignoring_conflicts(DailyReport.__table__).from_select(columns, source)
                                  .returning(DailyReport.region_code, DailyReport.report_date)).all()
    prepared_reports_added(db.session, inserted)
    prepared = len(inserted)
    audit.record(db.session, "prepare", "DailyReport", day.isoformat(),
                 changes={"report_date": day.isoformat(), "prepared": prepared})
    return prepared


# ---- submitting --------------------------------------------------------------------

@transaction
def submit_report(report_id, *, jurisdiction: Optional[str], note: str | None = None,
                  now: dt.datetime | None = None) -> DailyReport:
    """The officer confirms the prepared counts (all zero too) and submits. Late when
    after the deadline. Resolves the report's escalations; the compliance summary
    follows (app.reporting.compliance). 404 outside ``jurisdiction``, 409 when already
    submitted."""
    now = now or utcnow()
    note = clean_note(note)
    report = scoped_row_for_update(DailyReport, report_id, jurisdiction)
    if report.status == "submitted":
        raise Conflict(_l("This report has already been submitted."))
    user_id, _username = audit.actor()
    report.status, report.submitted_at, report.submitted_by_id = "submitted", now, user_id
    report.late = now > report.due_at
    report.note = note
    resolve_subject(REPORT_MISSING.subject_type, report.id, now, REPORT_MISSING.resolution, user_id)
    return report


def _reports(jurisdiction: Optional[str], status: str, limit: int) -> list[DailyReport]:
    query = scope_query(db.session.query(DailyReport), DailyReport, jurisdiction).filter(DailyReport.status == status)
    return query.order_by(DailyReport.report_date.desc(), DailyReport.region_code).limit(limit).all()


def reports_awaiting(jurisdiction: Optional[str], limit: int = 14) -> list[DailyReport]:
    """Reports within ``jurisdiction`` still to be submitted, newest first."""
    return _reports(jurisdiction, "prepared", limit)


def count_awaiting(jurisdiction: Optional[str], day: dt.date) -> int:
    """Reports of ``day`` within ``jurisdiction`` not yet submitted (the home's to-do)."""
    query = scope_query(db.session.query(func.count(DailyReport.id)), DailyReport, jurisdiction)
    return query.filter(DailyReport.status == "prepared", DailyReport.report_date == day).scalar()


def reports_submitted(jurisdiction: Optional[str], limit: int = 7) -> list[DailyReport]:
    return _reports(jurisdiction, "submitted", limit)


def default_report_date(now: dt.datetime | None = None) -> dt.date:
    """The day whose report is due today: the latest one prepared by now."""
    return clock.latest_day_due(now or utcnow(), current_app.config["DAILY_REPORT_TIME"])


# ---- penalties for repeated late or missing reports -----------------------------------

@dataclass
class PenaltyRun:
    proposed: list = field(default_factory=list)   # (region code, reason category)


@transaction
def propose_report_penalties(day: dt.date, now: dt.datetime | None = None) -> PenaltyRun:
    """Propose (not apply) a penalty for each community with PENALTY_REPEAT_COUNT or
    more late, or missing, reports in the PENALTY_WINDOW_DAYS days up to ``day``.
    The rewards service (app.ledgers.rewards) keeps one proposal per region, category and
    period; a person approves or rejects it."""
    now = now or utcnow()
    run = PenaltyRun()
    config = current_app.config
    first = day - dt.timedelta(days=config["PENALTY_WINDOW_DAYS"] - 1)
    missing = and_(DailyReport.status == "prepared", DailyReport.due_at <= now)
    late = DailyReport.late.is_(True)
    counts = db.session.execute(
        select(DailyReport.region_code,
               func.sum(case((late, 1), else_=0)), func.sum(case((missing, 1), else_=0)))
        .where(DailyReport.report_date >= first, DailyReport.report_date <= day, or_(late, missing))
        .group_by(DailyReport.region_code)).all()
    window_start = clock.day_window(first)[0]
    for code, late_count, missing_count in counts:
        for category, count, message in (
                ("late_report", late_count, _l("%(count)s late daily reports from %(first)s to %(last)s")),
                ("missing_report", missing_count, _l("%(count)s daily reports not submitted from %(first)s to %(last)s"))):
            if (count or 0) < config["PENALTY_REPEAT_COUNT"]:
                continue
            reason = str(message) % {"count": count, "first": first.isoformat(), "last": day.isoformat()}
            rewards.propose_penalty(db.session, code, category, reason,
                            escalation_id=_latest_report_escalation(code, window_start),
                            proposed_at=now)
            run.proposed.append((code, category))
    return run


def _latest_report_escalation(region_code: str, since: dt.datetime):
    return db.session.scalar(select(func.max(Escalation.id)).where(
        Escalation.region_code == region_code, Escalation.reason == REPORT_MISSING.reason,
        Escalation.raised_at >= since))

