"""Escalations 督办: what is not done in time climbs township > county > city.

Two kinds of subject fall due: a daily report not submitted by its deadline
(DAILY_REPORT_DEADLINE the day after the report's day) and a filing not checked within
CHECK_DEADLINE_HOURS of its expected arrival. At the subject's deadline an escalation is
raised to the community's township; ESCALATION_STEP_HOURS later, if that one is still
not resolved (acknowledging it does not stop the clock), one is raised to the county;
another step later, to the city. Each level keeps its own row (models.reporting.Escalation)
for the people of that level to acknowledge and resolve.

``escalate(now)`` is a pure function of the time it is given and of the data: the level
a subject reaches depends only on its deadline, so a run after downtime raises exactly
what a punctual scheduler would have, and a second run raises nothing more. A subject
that is settled (report submitted; filing checked or cancelled) resolves its open
escalations. Every change notifies the handlers of the target region and the
community's officers through the outbox.
"""
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Optional

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, exists, func, select, update
from sqlalchemy.orm import aliased

from app.core import audit
from app.core.errors import Conflict
from app.core.extensions import db
from app.core.jurisdiction import scope_query
from app.filings.events import on_filing_change
from app.core.recipients import (OFFICER_ROLES, accounts_at, escalation_handler_roles,
                            send_to_accounts, summarize)
from app.core.scoped_rows import clean_note, scoped_row_for_update
from app.core.sqltools import insert_ignoring_conflicts
from app.core.transaction import transaction
from models import DailyReport, Filing, Region
from models.base import utcnow
from models.reporting import (ESCALATION_LEVEL_LABELS, ESCALATION_LEVELS, REASON_LABELS,
                              TARGET_CODE_LENGTH, Escalation)

UNRESOLVED = ("open", "acknowledged")


def step() -> dt.timedelta:
    return dt.timedelta(hours=current_app.config["ESCALATION_STEP_HOURS"])


def check_deadline() -> dt.timedelta:
    return dt.timedelta(hours=current_app.config["CHECK_DEADLINE_HOURS"])


@dataclass(frozen=True)
class SubjectKind:
    """Where one kind of subject lives and when it is due or settled."""

    subject_type: str
    reason: str
    resolution: str

    def overdue(self, cutoff: dt.datetime):
        """(id, community, deadline, ref) of unsettled subjects whose deadline <= cutoff."""
        if self.subject_type == "daily_report":
            d = DailyReport.__table__
            return select(d.c.id, d.c.region_code.label("community"),
                          d.c.due_at.label("deadline"), d.c.report_date.label("ref")
                          ).where(d.c.status == "prepared", d.c.due_at <= cutoff)
        f = Filing.__table__
        return select(f.c.id, f.c.destination_region_code.label("community"),
                      f.c.expected_arrival_at.label("deadline"), f.c.receipt.label("ref")
                      ).where(f.c.status == "submitted", f.c.expected_arrival_at <= cutoff - check_deadline())

    def deadline(self, row_deadline: dt.datetime) -> dt.datetime:
        return row_deadline + check_deadline() if self.subject_type == "filing" else row_deadline

    def settled(self, subject_id):
        """SQL condition: the subject ``subject_id`` needs no chasing any more."""
        if self.subject_type == "daily_report":
            d = DailyReport.__table__
            return exists().where(d.c.id == subject_id, d.c.status == "submitted")
        f = Filing.__table__
        return exists().where(f.c.id == subject_id, f.c.status != "submitted")

    def still_to_do_of_filing(self, filing_id):
        """For a kind whose subjects are rows about a filing, owned by its community (a
        table with ``filing_id`` and ``region_code``): ``(table, condition)`` selecting
        those of filing ``filing_id`` still to be done, which go with the filing to a new
        community (``subjects_follow_their_filing``). None: this kind has none."""
        return None


REPORT_MISSING = SubjectKind("daily_report", "report_missing", "report_submitted")
CHECK_OVERDUE = SubjectKind("filing", "check_overdue", "filing_settled")
# Other parts of the domain add their subjects with register_subject_kind.
KINDS = [REPORT_MISSING, CHECK_OVERDUE]


def register_subject_kind(kind: SubjectKind) -> None:
    """Escalate one more kind of subject (a subclass of SubjectKind) on the same timers."""
    if all(known.subject_type != kind.subject_type for known in KINDS):
        KINDS.append(kind)


@dataclass
class EscalationRun:
    raised: dict = field(default_factory=lambda: {level: 0 for level in ESCALATION_LEVELS})
    resolved: int = 0
    notifications: int = 0


@transaction
def escalate(now: dt.datetime) -> EscalationRun:
    """Resolve what was settled, raise what fell due, notify; one unit of work."""
    run = EscalationRun()
    for kind in KINDS:
        settled = _resolve_settled(kind, now)
        run.resolved += len(settled)
        run.notifications += notify(settled, "resolved")
    for index, level in enumerate(ESCALATION_LEVELS):
        for kind in KINDS:
            raised = _raise_level(kind, index, level, now)
            run.raised[level] += len(raised)
            run.notifications += notify(raised, "raised")
    if run.resolved or any(run.raised.values()):
        audit.record(db.session, "escalate", "Escalation", changes={
            "now": now.isoformat(), "raised": run.raised, "resolved": run.resolved})
    return run


def _notify_query(*where):
    """What a message says about each escalation: its level, reason, subject and community."""
    return (select(Escalation.level, Escalation.reason, Escalation.subject_ref, Escalation.region_code,
                   Escalation.target_region_code, Region.name.label("community_name"))
            .outerjoin(Region, Region.code == Escalation.region_code).where(*where))


def _raise_level(kind: SubjectKind, index: int, level: str, now: dt.datetime) -> list[dict]:
    """Raise ``level`` for every subject due at it by ``now`` that does not have it yet
    (and, above the township, whose previous level is still unresolved)."""
    candidates = kind.overdue(now - index * step()).subquery()
    this_level = aliased(Escalation)
    query = (select(candidates, Region.name)
             .outerjoin(Region, Region.code == candidates.c.community)
             .where(~exists().where(this_level.subject_type == kind.subject_type,
                                    this_level.subject_id == candidates.c.id,
                                    this_level.level == level)))
    if index:
        below = aliased(Escalation)
        query = query.where(exists().where(
            below.subject_type == kind.subject_type, below.subject_id == candidates.c.id,
            below.level == ESCALATION_LEVELS[index - 1], below.status.in_(UNRESOLVED)))
    last = index == len(ESCALATION_LEVELS) - 1
    rows, names = [], {}
    for subject_id, community, deadline, ref, name in db.session.execute(query):
        deadline = kind.deadline(deadline)
        names[community] = name
        rows.append(dict(
            level=level, reason=kind.reason, subject_type=kind.subject_type,
            subject_id=subject_id, subject_ref=str(ref), region_code=community,
            target_region_code=community[:TARGET_CODE_LENGTH[level]], deadline_at=deadline,
            raised_at=now, due_at=None if last else deadline + (index + 1) * step(),
            status="open"))
    if rows:
        # A plain executemany: the driver sends one statement many times, fast.
        db.session.execute(insert_ignoring_conflicts(Escalation.__table__), rows)
    return [{**row, "community_name": names[row["region_code"]]} for row in rows]


def _resolve_settled(kind: SubjectKind, now: dt.datetime) -> list[dict]:
    settled = (Escalation.subject_type == kind.subject_type, Escalation.status.in_(UNRESOLVED),
               kind.settled(Escalation.subject_id))
    rows = [dict(row._mapping) for row in db.session.execute(_notify_query(*settled))]
    if rows:
        db.session.execute(update(Escalation).where(*settled).values(
            status="resolved", resolved_at=now, resolution=kind.resolution),
            execution_options={"synchronize_session": False})
    return rows


def resolve_subject(subject_type: str, subject_id: int, now: dt.datetime, resolution: str,
                    by_id=None) -> int:
    """Resolve every open escalation of one subject (a report just submitted), in the
    caller's transaction. Returns how many were resolved."""
    of_subject = (Escalation.subject_type == subject_type, Escalation.subject_id == subject_id,
                  Escalation.status.in_(UNRESOLVED))
    rows = [dict(r._mapping) for r in db.session.execute(_notify_query(*of_subject))]
    if rows:
        db.session.execute(update(Escalation).where(*of_subject).values(
            status="resolved", resolved_at=now, resolved_by_id=by_id, resolution=resolution),
            execution_options={"synchronize_session": False})
        audit.record(db.session, "resolve", "Escalation", f"{subject_type} {subject_id}",
                     rows[0]["region_code"], {"resolution": resolution, "levels": [r["level"] for r in rows]})
        notify(rows, "resolved")
    return len(rows)


@on_filing_change
def resolve_when_filing_settles(conn, before, after) -> None:
    """A filing that leaves "submitted" (checked, closed, cancelled) needs no more
    chasing: its open escalations resolve in the same transaction, and the levels that
    were chasing it hear so now rather than at the next escalation run."""
    if not before or before.get("status") != "submitted" or (after and after.get("status") == "submitted"):
        return
    open_one = conn.execute(select(Escalation.id).where(
        Escalation.subject_type == CHECK_OVERDUE.subject_type, Escalation.subject_id == before["id"],
        Escalation.status.in_(UNRESOLVED)).limit(1)).first()
    if open_one:
        now = (after or {}).get("updated_at") or utcnow()
        resolve_subject(CHECK_OVERDUE.subject_type, before["id"], now, CHECK_OVERDUE.resolution,
                        by_id=audit.actor()[0])


resolve_when_filing_settles.sql_for_inserted = lambda source: []  # a new filing settles nothing


@on_filing_change
def subjects_follow_their_filing(conn, before, after) -> None:
    """A filing transferred to another community takes along what is still to be done
    about it (every kind's ``still_to_do_of_filing``: open findings, follow-ups not yet
    recorded): the new owner sees and does them, the former one no longer does, and their
    unresolved escalations chase the new owner's township, county and city. What is done
    stays with whoever did it."""
    if not before or not after or before["destination_region_code"] == after["destination_region_code"]:
        return
    community = after["destination_region_code"]
    target = case(*((Escalation.level == level, community[:length]) for level, length in TARGET_CODE_LENGTH.items()),
                  else_=Escalation.target_region_code)
    for kind in KINDS:
        still_to_do = kind.still_to_do_of_filing(before["id"])
        if still_to_do is None:
            continue
        table, condition = still_to_do
        conn.execute(update(Escalation.__table__).where(
            Escalation.subject_type == kind.subject_type, Escalation.status.in_(UNRESOLVED),
            Escalation.subject_id.in_(select(table.c.id).where(condition)))
            .values(region_code=community, target_region_code=target))
        conn.execute(update(table).where(condition).values(region_code=community))


subjects_follow_their_filing.sql_for_inserted = lambda source: []  # a new filing has nothing to take along


def escalation_levels_of_reports(report_ids) -> dict[int, str]:
    """``report id -> highest level`` of its unresolved escalations (for screens)."""
    levels: dict[int, str] = {}
    ids = list(report_ids)
    if not ids:
        return levels
    rows = db.session.execute(select(Escalation.subject_id, Escalation.level).where(
        Escalation.subject_type == REPORT_MISSING.subject_type, Escalation.subject_id.in_(ids),
        Escalation.status.in_(UNRESOLVED)))
    for subject_id, level in rows:
        if ESCALATION_LEVELS.index(level) >= ESCALATION_LEVELS.index(levels.get(subject_id, level)):
            levels[subject_id] = level
    return levels


# ---- people acting on escalations ------------------------------------------------------

def _scoped_escalation(escalation_id, jurisdiction: Optional[str]) -> Escalation:
    escalation = scoped_row_for_update(Escalation, escalation_id, jurisdiction)
    if escalation.status == "resolved":
        raise Conflict(_l("This escalation is already resolved."))
    return escalation


def count_to_acknowledge(jurisdiction: Optional[str]) -> int:
    """Escalations that reached ``jurisdiction`` and nobody there has acknowledged yet."""
    query = scope_query(db.session.query(func.count(Escalation.id)), Escalation, jurisdiction)
    return query.filter(Escalation.status == "open").scalar()


@transaction
def acknowledge(escalation_id, *, jurisdiction: Optional[str], now: dt.datetime | None = None) -> Escalation:
    """The region it reached has seen it and follows it up (the clock keeps running).
    NotFound outside ``jurisdiction``."""
    escalation = _scoped_escalation(escalation_id, jurisdiction)
    if escalation.status == "acknowledged":
        raise Conflict(_l("This escalation is already acknowledged."))
    escalation.status = "acknowledged"
    escalation.acknowledged_at = now or utcnow()
    escalation.acknowledged_by_id = audit.actor()[0]
    notify([_notify_values(escalation)], "acknowledged", actor=audit.actor()[1])
    return escalation


@transaction
def resolve(escalation_id, *, jurisdiction: Optional[str], note: str | None = None,
            now: dt.datetime | None = None) -> Escalation:
    """Resolved by hand (e.g. the report came in on paper): this level and the levels
    below it for the same subject, which all lie within the resolver's ``jurisdiction``."""
    note = clean_note(note)
    escalation = _scoped_escalation(escalation_id, jurisdiction)
    levels = ESCALATION_LEVELS[:ESCALATION_LEVELS.index(escalation.level) + 1]
    same_subject = (Escalation.subject_type == escalation.subject_type,
                    Escalation.subject_id == escalation.subject_id,
                    Escalation.level.in_(levels), Escalation.status.in_(UNRESOLVED))
    rows = [dict(r._mapping) for r in db.session.execute(_notify_query(*same_subject))]
    user_id, username = audit.actor()
    for row in db.session.scalars(select(Escalation).where(*same_subject)):
        row.status, row.resolved_at, row.resolved_by_id = "resolved", now or utcnow(), user_id
        row.resolution, row.note = "manual", note
    notify(rows, "resolved", actor=username)
    return escalation


def _notify_values(escalation: Escalation) -> dict:
    return dict(level=escalation.level, reason=escalation.reason, subject_ref=escalation.subject_ref,
                region_code=escalation.region_code, target_region_code=escalation.target_region_code,
                community_name=escalation.community_name())


# ---- notifications -------------------------------------------------------------------

DESCRIPTION = _l("%(reason)s: %(community)s %(subject)s (to the %(level)s)")
HEADERS = {
    "raised": _l("Escalated, not done in time: %(items)s"),
    "acknowledged": _l("Escalation acknowledged by %(user)s: %(items)s"),
    "resolved": _l("Escalation resolved: %(items)s"),
}


def notify(escalations: list[dict], change: str, actor: str | None = None) -> int:
    """One message per recipient for this change, listing the escalations it concerns:
    to the handlers of each target region and to the officers of each community."""
    if not escalations:
        return 0
    handlers = accounts_at(db.session, {e["target_region_code"] for e in escalations},
                           escalation_handler_roles())
    officers = accounts_at(db.session, {e["region_code"] for e in escalations}, OFFICER_ROLES)
    describe = _describer()
    items = defaultdict(list)
    for e in escalations:
        recipients = [(e["target_region_code"], user_id) for user_id in handlers.get(e["target_region_code"], ())]
        recipients += [(e["region_code"], user_id) for user_id in officers.get(e["region_code"], ())]
        if recipients:
            text = describe(e)
            for key in recipients:
                items[key].append(text)
    header = str(HEADERS[change])
    messages = {key: header % {"items": summarize(texts), "user": actor or ""}
                for key, texts in items.items()}
    return send_to_accounts(db.session, "escalation", messages)


def _describer():
    """A function describing one escalation, translated once, not once per row."""
    template = str(DESCRIPTION)
    reasons = {key: str(label) for key, label in REASON_LABELS.items()}
    levels = {key: str(label) for key, label in ESCALATION_LEVEL_LABELS.items()}

    def describe(e: dict) -> str:
        return template % {"reason": reasons.get(e["reason"], e["reason"]),
                           "community": e.get("community_name") or e["region_code"],
                           "subject": e["subject_ref"] or "", "level": levels.get(e["level"], e["level"])}
    return describe
