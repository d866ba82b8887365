"""Findings 比对发现 in the hands of people: the owner's officer (or the township, county,
city it escalated to) resolves one with an outcome and a note; its escalations resolve
with it."""
import datetime as dt
from typing import Optional

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.core.errors import Conflict, ValidationFailed
from app.core.extensions import db
from app.core.sqltools import insert_ignoring_conflicts, sql_int
from app.core.jurisdiction import code_within, within
from app.core.scoped_rows import clean_note, row_where
from app.core.transaction import transaction
from app.healthcode.rules import refresh_people
from app.crossmatch.escalation import FINDING_UNRESOLVED
from app.reporting.escalations import resolve_subject
from models.base import utcnow
from models.crossmatch import FINDING_KINDS, FINDING_PRIORITY, OUTCOME_LABELS, OUTCOMES, Finding


# Findings the health code rules read (app.healthcode.rules): resolving one changes a colour.
COLOUR_KINDS = ("companion",)


def scoped_finding(finding_id, jurisdiction: Optional[str], for_update=False) -> Finding:
    """Finding ``finding_id`` within ``jurisdiction``; NotFound outside, as when missing."""
    return row_where(Finding, finding_id, within(Finding, jurisdiction), for_update)


@transaction
def resolve(finding_id, outcome: str, note: Optional[str], *, jurisdiction: Optional[str],
            user_id: Optional[int], now: Optional[dt.datetime] = None) -> Finding:
    if outcome not in OUTCOMES:
        message = _l("Choose one of: %(values)s.", values="、".join(str(v) for v in OUTCOME_LABELS.values()))
        raise ValidationFailed(message, {"outcome": [message]})
    note = clean_note(note)
    finding = scoped_finding(finding_id, jurisdiction, for_update=True)
    if finding.status != "open":
        raise Conflict(_l("This finding is already resolved."))
    now = now or utcnow()
    finding.status, finding.outcome, finding.note = "resolved", outcome, note
    finding.resolved_at, finding.resolved_by_id = now, user_id
    # The change itself is audited as every ORM update is (app.core.audit).
    resolve_subject(FINDING_UNRESOLVED.subject_type, finding.id, now, FINDING_UNRESOLVED.resolution, by_id=user_id)
    if finding.kind in COLOUR_KINDS:
        db.session.flush()
        refresh_people([finding.person_hash], now)
    return finding


def open_counts(jurisdiction: Optional[str]) -> dict[str, int]:
    """Open findings per kind within a jurisdiction (the officer's tab)."""
    rows = db.session.execute(select(Finding.kind, func.count()).where(
        Finding.status == "open", within(Finding, jurisdiction)).group_by(Finding.kind))
    counts = {kind: 0 for kind in FINDING_KINDS}
    counts.update({kind: count for kind, count in rows})
    return counts


# "Slipped through" (漏管): the open findings of these kinds, counted per county.
SLIPPED_THROUGH_KINDS = ("arrived_without_filing", "no_test_after_arrival")
COUNTY_LENGTH = 6


def open_by_county(region_code: str, jurisdiction: Optional[str]) -> dict[str, dict[str, int]]:
    """``{county code: {kind: open findings}}`` of the findings owned within
    ``region_code`` and ``jurisdiction``, in one GROUP BY (a finding owned by a city
    counts under the city's code). For the statistics (app.stats.rollups)."""
    county = func.substr(Finding.region_code, sql_int(1), sql_int(COUNTY_LENGTH))
    rows = db.session.execute(select(county, Finding.kind, func.count()).where(
        Finding.status == "open", code_within(Finding.region_code, region_code),
        within(Finding, jurisdiction)).group_by(county, Finding.kind))
    counts: dict[str, dict[str, int]] = {}
    for code, kind, count in rows:
        counts.setdefault(code, {k: 0 for k in FINDING_KINDS})[kind] = count
    return counts


def raise_follow_up_symptom(*, person_hash: str, day: dt.date, region_code: str, filing_id: int,
                            name: str, id_masked: str, now: dt.datetime) -> bool:
    """A symptom or a fever at a follow-up during control (app.followups): a finding of
    kind ``follow_up_symptom``, once per person and day, owned by the follow-up's
    community, in the caller's transaction. True when it is new."""
    return _raise_once("follow_up_symptom", person_hash=person_hash, day=day, region_code=region_code,
                       filing_id=filing_id, name=name, id_masked=id_masked, event_at=now, now=now)


def raise_arrived_without_filing(*, person_hash: str, day: dt.date, region_code: str, filing_id: int,
                                 name: str, id_masked: str, event_at: dt.datetime, now: dt.datetime) -> bool:
    """Someone came through a checkpoint without a filing (app.checkpoints) and filed on
    the spot: a finding of kind ``arrived_without_filing`` for the destination, once per
    person and arrival day (the same episode the cross-matching uses), in the caller's
    transaction. True when it is new."""
    return _raise_once("arrived_without_filing", person_hash=person_hash, day=day, region_code=region_code,
                       filing_id=filing_id, name=name, id_masked=id_masked, event_at=event_at, now=now)


def _raise_once(kind: str, *, person_hash, day: dt.date, region_code, filing_id, name, id_masked,
                event_at: dt.datetime, now: dt.datetime) -> bool:
    inserted = db.session.execute(insert_ignoring_conflicts(Finding.__table__).values(
        kind=kind, priority=FINDING_PRIORITY[kind], person_hash=person_hash, episode=day.isoformat(),
        region_code=region_code, filing_id=filing_id, name_masked=(name or "")[:1] + "**", id_masked=id_masked,
        event_at=event_at, raised_at=now, status="open").returning(Finding.id))
    # Counted from RETURNING: the driver's rowcount is not reliable for ON CONFLICT DO NOTHING.
    return bool(inserted.all())
