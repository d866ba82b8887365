"""Rewards and penalties 奖惩: proposed for a unit or a person (by staff, or by the
scheduler through ``propose_penalty``), decided by someone of a higher level, and
totalled per jurisdiction.

The level rule: a record is decided only by an account whose jurisdiction code is a
strict prefix of the record's code. A township proposes for its communities and
approves them; its own township's records go to the county.
"""
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Optional

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, inspect, select
from sqlalchemy.exc import IntegrityError

from app.core import clock
from app.core.errors import Conflict, DomainError, FieldErrors, ValidationFailed
from app.core.extensions import db
from app.core.jurisdiction import code_within, is_within
from app.core.transaction import transaction
from app.ledgers.choices import REWARD_KINDS, choice_label
from app.ledgers.units import merge_errors
from app.regions.service import ANY_JURISDICTION, check_assignable_region, get_jurisdiction_unit, label
from models.base import utcnow
from models.ledger import JURISDICTION_CODE_LENGTHS
from models.rewards import KINDS, PENALTY_CATEGORIES, REWARD_CATEGORIES, SOURCE_TYPES, TARGETS, \
    RewardPenalty

CATEGORIES_BY_KIND = {"reward": REWARD_CATEGORIES, "penalty": PENALTY_CATEGORIES}
REASON_MAX = 500


def period_of(moment_utc: Optional[dt.datetime] = None) -> str:
    """``YYYY-MM``: the month, in the console's time zone, of a naive UTC time."""
    return clock.month_of(moment_utc or utcnow())


# ---- proposals ---------------------------------------------------------------------

def prepare_record(record: RewardPenalty, proposer_id: Optional[int] = None, *,
                   jurisdiction: Optional[str]) -> None:
    """Check a proposal made or edited by staff within ``jurisdiction`` (theirs); only a
    proposal can still change."""
    if record.id is not None and _stored_status(record) != "proposed":
        raise Conflict(_l("This record is decided and can no longer change."))
    errors = FieldErrors()
    record.target = record.target or "unit"
    if record.target not in TARGETS:
        errors.add("target", _l("Choose one of the listed values."))
    if record.target == "person":
        if record.staff is None:
            errors.add("staff", _l("Choose the person from the staff roster."))
        elif not record.region_code:
            record.region_code = record.staff.region_code
    else:
        record.staff = None
    try:
        check_assignable_region(record.region_code, "region_code", ANY_JURISDICTION, jurisdiction=jurisdiction)
    except DomainError as error:
        merge_errors(errors, error, "region_code")
    if record.staff is not None and record.region_code and not record.staff.region_code.startswith(record.region_code):
        errors.add("staff", _l("The person must work in the unit concerned."))
    _check_kind_and_reason(record, errors)
    _check_source(record, errors)
    errors.raise_if_any()
    if record.id is None:
        record.status = "proposed"
        record.proposed_at = record.proposed_at or utcnow()
        record.period = period_of(record.proposed_at)
        record.proposed_by_id = proposer_id


def _stored_status(record) -> Optional[str]:
    history = inspect(record).attrs.status.history
    return history.deleted[0] if history.deleted else record.status


def _check_kind_and_reason(record, errors) -> None:
    if record.kind not in KINDS:
        errors.add("kind", _l("Choose reward or penalty."))
    elif record.reason_category not in CATEGORIES_BY_KIND[record.kind]:
        errors.add("reason_category", _l("This reason does not fit a %(kind)s.",
                                         kind=choice_label(REWARD_KINDS, record.kind)))
    record.reason = (record.reason or "").strip()
    if not record.reason or len(record.reason) > REASON_MAX:
        errors.add("reason", _l("Describe the reason (at most %(n)s characters).", n=REASON_MAX))
    _check_amount(record, errors)


def _check_amount(record, errors) -> None:
    if record.amount not in (None, ""):
        try:
            record.amount = Decimal(str(record.amount))
        except InvalidOperation:
            record.amount = Decimal(-1)
        if record.amount < 0 or record.amount >= Decimal("1e10"):
            errors.add("amount", _l("Enter an amount of 0 or more (yuan)."))
    else:
        record.amount = None


def _check_source(record, errors) -> None:
    record.source_type = record.source_type or None
    if record.source_type is None:
        record.source_id = None
    elif record.source_type not in SOURCE_TYPES:
        errors.add("source_type", _l("Choose one of the listed values."))
    elif not isinstance(record.source_id, int) or record.source_id <= 0:
        errors.add("source_id", _l("Enter the number of the escalation or finding."))


def propose_penalty(session, region_code: str, reason_category: str, reason: str,
                    escalation_id: Optional[int] = None,
                    proposed_at: Optional[dt.datetime] = None) -> RewardPenalty:
    """The scheduler's proposal: a penalty for ``region_code`` (a community or
    township that reported late or not at all). Idempotent per region, reason category
    and month (Asia/Shanghai) of ``proposed_at`` (naive UTC, default now): proposing
    again returns the first record. Flushes; the caller commits."""
    if reason_category not in PENALTY_CATEGORIES:
        raise ValidationFailed(_l("Unknown reason."), {"reason_category": [reason_category]})
    proposed_at = proposed_at or utcnow()
    period = period_of(proposed_at)
    key = f"{region_code}|{reason_category}|{period}"
    existing = session.scalar(select(RewardPenalty).where(RewardPenalty.auto_key == key))
    if existing is not None:
        return existing
    record = RewardPenalty(
        region_code=region_code, target="unit", kind="penalty", reason_category=reason_category,
        reason=(reason or "")[:REASON_MAX], period=period, auto_key=key, status="proposed",
        proposed_at=proposed_at, source_type="escalation" if escalation_id else None,
        source_id=escalation_id)
    try:
        with session.begin_nested():  # two schedulers racing: the second finds the first
            session.add(record)
    except IntegrityError:
        return session.scalar(select(RewardPenalty).where(RewardPenalty.auto_key == key))
    return record


# ---- decisions ---------------------------------------------------------------------

def may_decide(record: RewardPenalty, approver_code: Optional[str]) -> bool:
    """The approver's jurisdiction is a strict prefix of the record's code."""
    return bool(approver_code) and is_within(record.region_code, approver_code) \
        and len(approver_code) < len(record.region_code)


@transaction
def decide(record: RewardPenalty, approve: bool, approver_id: Optional[int],
           approver_code: Optional[str], note: Optional[str] = None, amount=None,
           now: Optional[dt.datetime] = None) -> RewardPenalty:
    """Approve or reject a proposal; ``amount`` (yuan), if given, is the one decided."""
    if record.status != "proposed":
        raise Conflict(_l("This record is already decided."))
    if not may_decide(record, approver_code):
        raise ValidationFailed(
            _l("Only a higher level than the unit concerned may decide this record."),
            {"region_code": [_l("Only a higher level than the unit concerned may decide this record.")]})
    if amount not in (None, ""):
        record.amount = amount
        errors = FieldErrors()
        _check_amount(record, errors)
        errors.raise_if_any()
    record.status = "approved" if approve else "rejected"
    record.decided_at = now or utcnow()
    record.decided_by_id = approver_id
    record.decision_note = (note or "").strip()[:200] or None
    return record


# ---- totals ------------------------------------------------------------------------

@dataclass
class TotalsRow:
    code: str
    label: str
    rewards: int = 0
    reward_amount: Decimal = Decimal(0)
    penalties: int = 0
    penalty_amount: Decimal = Decimal(0)
    proposed: int = 0


@dataclass
class Totals:
    region: TotalsRow
    children: list = field(default_factory=list)


def child_code_length(code: str) -> Optional[int]:
    """Totals go one level down, from the province to a ledger unit."""
    longer = [n for n in JURISDICTION_CODE_LENGTHS if n > len(code or "")]
    return longer[0] if longer else None


def totals(region_code: Optional[str] = None, *, jurisdiction: Optional[str]) -> Totals:
    """Approved rewards and penalties (count and amount) and open proposals for a
    jurisdiction and for each unit one level down. ``region_code`` defaults to
    ``jurisdiction`` (the reader's) and must lie within it."""
    region_code = region_code or jurisdiction or current_app.config["PROVINCE_CODE"]
    if not is_within(region_code, jurisdiction):
        raise ValidationFailed(_l("This region is outside your jurisdiction."),
                               {"region": [_l("This region is outside your jurisdiction.")]})
    length = child_code_length(region_code) or len(region_code)
    group = func.substr(RewardPenalty.region_code, 1, length)
    approved = RewardPenalty.status == "approved"

    def summed(kind, amount=False):
        value = func.coalesce(RewardPenalty.amount, 0) if amount else 1
        return func.sum(case((approved & (RewardPenalty.kind == kind), value), else_=0))

    rows = db.session.execute(
        select(group, summed("reward"), summed("reward", True), summed("penalty"),
               summed("penalty", True),
               func.sum(case((RewardPenalty.status == "proposed", 1), else_=0)))
        .where(code_within(RewardPenalty.region_code, region_code)).group_by(group).order_by(group)
    ).all()
    total = TotalsRow(region_code, _label(region_code))
    children = []
    for code, rewards, reward_amount, penalties, penalty_amount, proposed in rows:
        row = TotalsRow(code, _label(code), int(rewards or 0), Decimal(reward_amount or 0),
                        int(penalties or 0), Decimal(penalty_amount or 0), int(proposed or 0))
        children.append(row)
        for attr in ("rewards", "reward_amount", "penalties", "penalty_amount", "proposed"):
            setattr(total, attr, getattr(total, attr) + getattr(row, attr))
    return Totals(total, children)


def _label(code: str) -> str:
    place = get_jurisdiction_unit(code)
    return label(place) if place is not None else code
