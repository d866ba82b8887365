"""Follow-up during control 随访: the rules, written once.

- Who is followed up: a filing that has arrived (its check recorded) with a control
  measure other than "none" (``Filing.control_measure``, ``control_start``,
  ``control_end``; no end: the control goes on), one follow-up per local day from the
  start's day to the end's day.
- Due: FOLLOW_UP_DUE_TIME (local) of its day. ``generate(day)`` adds the day's
  follow-ups of every community in one ``INSERT ... SELECT``, idempotent per
  (filing, day).
- Who sees and records one: the jurisdiction rule on the filing's destination community;
  a grid member (a jurisdiction below the community) sees those of the people of their
  grid: a ledger resident of the grid has the filing's ID-number hash.
- Missed (not recorded by its due time): escalates township > county > city like a
  missing report (app.reporting.escalations).
- Transferred: a filing moved to another community takes its follow-ups not yet
  recorded along, and their escalations (``FollowUpMissed.still_to_do_of_filing``, the
  one rule of app.reporting.escalations that moves open findings too).
- A symptom or a temperature of FEVER_FROM or more raises a finding
  ``follow_up_symptom`` (once per person and day).
"""
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Optional

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, exists, func, literal, or_, select

from app.core import clock
from app.core.errors import Conflict, FieldErrors
from app.core.extensions import db
from app.core import jurisdiction as jurisdiction_rule
from app.core.scoped_rows import clean_note, row_where
from app.core.sqltools import insert_ignoring_conflicts
from app.core.transaction import transaction
from app.crossmatch.findings import raise_follow_up_symptom
from app.reporting.escalations import SubjectKind, register_subject_kind, resolve_subject
from models import Filing
from models.base import utcnow
from models.followup import FollowUp
from models.reporting import REASON_LABELS, RESOLUTION_LABELS

FEVER_FROM = Decimal("37.3")
TEMPERATURE_RANGE = (Decimal("34.0"), Decimal("43.0"))
SYMPTOMS_MAX = 200
UNDER_CONTROL_STATUS = "arrived"


def due_time(day: dt.date) -> dt.datetime:
    return clock.at_local_time(day, current_app.config["FOLLOW_UP_DUE_TIME"])


# ---- the scope -------------------------------------------------------------------------

def within(jurisdiction: Optional[str]):
    """SQL condition: the follow-up lies within ``jurisdiction`` (a grid member's: of a
    resident of that grid, app.core.jurisdiction.within)."""
    return jurisdiction_rule.within(FollowUp, jurisdiction)


def scoped_follow_up(follow_up_id, jurisdiction: Optional[str], for_update=False) -> FollowUp:
    """Follow-up ``follow_up_id`` within ``jurisdiction``; NotFound outside, as when missing."""
    return row_where(FollowUp, follow_up_id, within(jurisdiction), for_update)


# ---- generation (the scheduler) -----------------------------------------------------

@transaction
def generate(day: dt.date, now: dt.datetime) -> int:
    """The follow-ups of ``day`` for everyone under control, in one statement for all
    communities; a (filing, day) that has one already is passed over. How many are new."""
    start, end = clock.day_window(day)
    f = Filing.__table__
    under_control = (select(f.c.id, f.c.destination_region_code, f.c.id_number_hash, literal(day),
                            literal(due_time(day)), literal("due"), literal(now))
                     .where(f.c.status == UNDER_CONTROL_STATUS, f.c.anonymised_at.is_(None),
                            f.c.control_measure.is_not(None), f.c.control_measure != "none",
                            f.c.control_start < end,
                            or_(f.c.control_end.is_(None), f.c.control_end >= start)))
    statement = (insert_ignoring_conflicts(FollowUp.__table__)
                 .from_select(["filing_id", "region_code", "person_hash", "day", "due_at", "status",
                               "created_at"], under_control)
                 .returning(FollowUp.__table__.c.id))
    return len(db.session.execute(statement).all())


# ---- reading -------------------------------------------------------------------------

def to_do(jurisdiction: Optional[str], now: dt.datetime, day: Optional[dt.date] = None,
          status: Optional[str] = "due"):
    """(follow-up, filing) pairs within ``jurisdiction``: by default those still to do up
    to today (the late first); with ``day``, that day's; ``status`` None: done or not."""
    query = select(FollowUp, Filing).join(Filing, Filing.id == FollowUp.filing_id).where(within(jurisdiction))
    query = query.where(FollowUp.day == day) if day else query.where(FollowUp.day <= clock.local_today(now))
    if status:
        query = query.where(FollowUp.status == status)
    return db.session.execute(query.order_by(FollowUp.due_at, FollowUp.id)).all()


def filing_of(follow_up: FollowUp) -> Filing:
    return db.session.get(Filing, follow_up.filing_id)


def count_due_today(jurisdiction: Optional[str], now: dt.datetime) -> int:
    """Follow-ups still to do, up to today, within ``jurisdiction`` (the home counts)."""
    return db.session.scalar(select(func.count()).select_from(FollowUp).where(
        within(jurisdiction), FollowUp.status == "due", FollowUp.day <= clock.local_today(now)))


# ---- recording -----------------------------------------------------------------------

def _temperature(value, errors: FieldErrors) -> Optional[Decimal]:
    if value is None or str(value).strip() == "":
        errors.add("temperature", _l("Enter the temperature."))
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        number = None
    low, high = TEMPERATURE_RANGE
    if number is None or not number.is_finite() or not low <= number <= high:
        errors.add("temperature", _l("A temperature in ℃ from %(low)s to %(high)s.", low=low, high=high))
        return None
    return number.quantize(Decimal("0.1"))


@transaction
def record(follow_up_id, *, temperature, symptoms: Optional[str], tested: bool, note: Optional[str],
           jurisdiction: Optional[str], user_id: Optional[int], now: Optional[dt.datetime] = None) -> FollowUp:
    """Record a follow-up (late ones too); its escalations resolve; a symptom or a fever
    raises a finding. NotFound outside ``jurisdiction``; Conflict when done already."""
    now = now or utcnow()
    errors = FieldErrors()
    degrees = _temperature(temperature, errors)
    symptoms = (symptoms or "").strip() or None
    if symptoms and len(symptoms) > SYMPTOMS_MAX:
        errors.add("symptoms", _l("At most %(n)s characters.", n=SYMPTOMS_MAX))
    if not isinstance(tested, bool):
        errors.add("tested", _l("Yes or no."))
    errors.raise_if_any()
    note = clean_note(note)
    follow_up = scoped_follow_up(follow_up_id, jurisdiction, for_update=True)
    if follow_up.status != "due":
        raise Conflict(_l("This follow-up is recorded already."))
    if follow_up.day > clock.local_today(now):
        raise Conflict(_l("This follow-up is for a later day."))
    follow_up.status, follow_up.temperature, follow_up.symptoms = "done", degrees, symptoms
    follow_up.tested, follow_up.note, follow_up.done_at, follow_up.done_by_id = tested, note, now, user_id
    resolve_subject(FOLLOW_UP_MISSED.subject_type, follow_up.id, now, FOLLOW_UP_MISSED.resolution, by_id=user_id)
    if symptoms or degrees >= FEVER_FROM:
        filing = filing_of(follow_up)
        raise_follow_up_symptom(person_hash=follow_up.person_hash, day=follow_up.day,
                                region_code=follow_up.region_code, filing_id=filing.id, name=filing.name,
                                id_masked=filing.id_number_masked, now=now)
    return follow_up


# ---- escalation ----------------------------------------------------------------------

@dataclass(frozen=True)
class FollowUpMissed(SubjectKind):
    """A follow-up not recorded by its due time escalates like a missing report."""

    def overdue(self, cutoff: dt.datetime):
        t = FollowUp.__table__
        return select(t.c.id, t.c.region_code.label("community"), t.c.due_at.label("deadline"),
                      t.c.day.label("ref")).where(t.c.status == "due", t.c.due_at <= cutoff)

    def deadline(self, row_deadline: dt.datetime) -> dt.datetime:
        return row_deadline

    def settled(self, subject_id):
        t = FollowUp.__table__
        return exists().where(t.c.id == subject_id, t.c.status != "due")

    def still_to_do_of_filing(self, filing_id):
        # A transferred filing takes its follow-ups not yet recorded along (today's, late
        # and later days'); those recorded stay with whoever recorded them.
        t = FollowUp.__table__
        return t, and_(t.c.filing_id == filing_id, t.c.status == "due")


FOLLOW_UP_MISSED = FollowUpMissed("follow_up", "follow_up_missed", "follow_up_recorded")
register_subject_kind(FOLLOW_UP_MISSED)
REASON_LABELS.setdefault("follow_up_missed", _l("Follow-up during control not recorded"))
RESOLUTION_LABELS.setdefault("follow_up_recorded", _l("Follow-up recorded"))
