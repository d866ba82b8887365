"""Findings chase their owners like everything else: an open finding escalates township
> county > city on the timers of app.reporting.escalations (due CHECK_DEADLINE_HOURS
after it was raised, then ESCALATION_STEP_HOURS a level), and repeated findings of a
community propose penalties by the rule of late reports (PENALTY_REPEAT_COUNT within
PENALTY_WINDOW_DAYS): ``missed_tests`` for tests not taken, ``code_mismanagement`` for
risk-area arrivals without control and contacts left unmanaged."""
import datetime as dt
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, exists, func, select, update

from app.core import clock
from app.core.extensions import db
from app.reporting.escalations import UNRESOLVED, SubjectKind, check_deadline, register_subject_kind
from models.base import utcnow
from models.crossmatch import Finding
from models.reporting import REASON_LABELS, RESOLUTION_LABELS, Escalation


@dataclass(frozen=True)
class FindingUnresolved(SubjectKind):
    """An open finding, due CHECK_DEADLINE_HOURS after it was raised."""

    def overdue(self, cutoff: dt.datetime):
        f = Finding.__table__
        return select(f.c.id, f.c.region_code.label("community"), f.c.raised_at.label("deadline"),
                      f.c.kind.label("ref")).where(f.c.status == "open", f.c.raised_at <= cutoff - check_deadline())

    def deadline(self, row_deadline: dt.datetime) -> dt.datetime:
        return row_deadline + check_deadline()

    def settled(self, subject_id):
        f = Finding.__table__
        return exists().where(f.c.id == subject_id, f.c.status != "open")

    def still_to_do_of_filing(self, filing_id):
        # A transferred filing takes its open findings along; resolved ones stay.
        f = Finding.__table__
        return f, and_(f.c.filing_id == filing_id, f.c.status == "open")


FINDING_UNRESOLVED = FindingUnresolved("finding", "finding_unresolved", "finding_resolved")
register_subject_kind(FINDING_UNRESOLVED)
REASON_LABELS.setdefault("finding_unresolved", _l("Cross-matching finding not resolved"))
RESOLUTION_LABELS.setdefault("finding_resolved", _l("Finding resolved"))
RESOLUTION_LABELS.setdefault("finding_withdrawn", _l("Finding withdrawn (its feed was undone)"))


def withdraw_findings(finding_ids, now: dt.datetime) -> None:
    """The escalations of findings about to disappear (their batch undone) are resolved."""
    db.session.execute(update(Escalation).where(
        Escalation.subject_type == FINDING_UNRESOLVED.subject_type, Escalation.subject_id.in_(finding_ids),
        Escalation.status.in_(UNRESOLVED)).values(status="resolved", resolved_at=now,
                                                  resolution="finding_withdrawn"),
        execution_options={"synchronize_session": False})


# ---- penalties -------------------------------------------------------------------------

PENALTY_KINDS = {
    "missed_tests": ("no_test_after_arrival", "missing_second_test"),
    "code_mismanagement": ("from_risk_area", "contact_arrived"),
}
PENALTY_REASONS = {
    "missed_tests": _l("%(count)s arrivals without the required tests from %(first)s to %(last)s"),
    "code_mismanagement": _l("%(count)s risk-area arrivals or contacts without control from %(first)s to %(last)s"),
}


@dataclass
class FindingPenaltyRun:
    proposed: list = field(default_factory=list)   # (region code, reason category)


def propose_finding_penalties(day: dt.date, now: dt.datetime | None = None) -> FindingPenaltyRun:
    """Propose a penalty for each community with PENALTY_REPEAT_COUNT or more findings of
    a category raised in the PENALTY_WINDOW_DAYS days up to ``day`` (a wrong match does
    not count). One proposal per region, category and month (app.ledgers.rewards)."""
    from app.ledgers.rewards import propose_penalty

    now = now or utcnow()
    config, run = current_app.config, FindingPenaltyRun()
    first = day - dt.timedelta(days=config["PENALTY_WINDOW_DAYS"] - 1)
    since, until = clock.day_window(first)[0], clock.day_window(day)[1]
    for category, kinds in PENALTY_KINDS.items():
        rows = db.session.execute(
            select(Finding.region_code, func.count(), func.max(Finding.id))
            .where(Finding.kind.in_(kinds), Finding.raised_at >= since, Finding.raised_at < until,
                   func.length(Finding.region_code) == 12,
                   func.coalesce(Finding.outcome, "") != "wrong_match")
            .group_by(Finding.region_code)).all()
        for code, count, latest in rows:
            if count < config["PENALTY_REPEAT_COUNT"]:
                continue
            reason = str(PENALTY_REASONS[category]) % {"count": count, "first": first.isoformat(),
                                                       "last": day.isoformat()}
            record = propose_penalty(db.session, code, category, reason, proposed_at=now)
            if record.source_type is None:
                record.source_type, record.source_id = "finding", latest
            run.proposed.append((code, category))
    return run
