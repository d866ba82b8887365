"""Read and record a person's health code. The rules that decide a colour call
``record_colour``; every reader (the code page, the verify API, a venue scan, a
checkpoint) calls ``current_codes``. A person is the keyed hash of their ID number
(``person_hash_of``), the same as a filing's ``id_number_hash``."""
import datetime as dt
import json
from typing import Iterable, NamedTuple, Optional

from app.core.extensions import db
from app.core.identity import lookup_hash, normalize_id_number
from models.healthcode import COLOURS, HealthCode, HealthCodeChange


class CodeState(NamedTuple):
    """A person's code as a reader sees it at ``now``: ``colour`` is None when there is
    none or it expired (a self-declared green after its 14 days: declare again)."""

    colour: Optional[str]
    rule: Optional[str]
    as_of: Optional[dt.datetime]
    expires_at: Optional[dt.datetime]
    manual: bool


NO_CODE = CodeState(None, None, None, None, False)


def person_hash_of(id_number: str) -> str:
    return lookup_hash(normalize_id_number(id_number))


def state_of(code: Optional[HealthCode], now: dt.datetime) -> CodeState:
    if code is None:
        return NO_CODE
    expired = code.expires_at is not None and code.expires_at <= now
    return CodeState(None if expired else code.colour, code.rule, code.changed_at,
                     code.expires_at, bool(code.manual) and not expired)


def current_codes(person_hashes: Iterable[str], now: dt.datetime) -> dict[str, CodeState]:
    """Each person's code at ``now`` (one query); a person without one maps to NO_CODE."""
    hashes = list({h for h in person_hashes if h})
    found = {code.person_hash: code for code in
             db.session.query(HealthCode).filter(HealthCode.person_hash.in_(hashes))} if hashes else {}
    return {h: state_of(found.get(h), now) for h in hashes}


def current_code(person_hash: str, now: dt.datetime) -> CodeState:
    return current_codes([person_hash], now).get(person_hash, NO_CODE)


def record_colour(person_hash: str, colour: str, rule: str, now: dt.datetime, *, inputs=None,
                  expires_at: Optional[dt.datetime] = None, manual: bool = False,
                  by_id: Optional[int] = None, reason: Optional[str] = None,
                  region_code: Optional[str] = None) -> bool:
    """Set a person's colour as ``rule`` decided it, keeping the change in the history
    (with ``inputs``, JSON-serialisable). Returns whether anything changed: the same
    colour by the same rule with the same expiry is no change (rules are re-run)."""
    if colour not in COLOURS:
        raise ValueError(colour)
    code = db.session.get(HealthCode, person_hash)
    if code is not None and (code.colour, code.rule, code.expires_at, bool(code.manual)) == (
            colour, rule, expires_at, manual):
        if region_code and code.region_code != region_code:
            code.region_code = region_code
        return False
    previous = code.colour if code is not None else None
    if code is None:
        code = HealthCode(person_hash=person_hash)
        db.session.add(code)
    code.colour, code.rule, code.changed_at = colour, rule, now
    code.expires_at, code.manual = expires_at, manual
    if region_code:
        code.region_code = region_code
    db.session.add(HealthCodeChange(
        person_hash=person_hash, colour=colour, previous_colour=previous, rule=rule,
        inputs=json.dumps(inputs, ensure_ascii=False, default=str) if inputs is not None else None,
        reason=reason, changed_at=now, changed_by_id=by_id))
    db.session.flush()
    return True


def history(person_hash: str, limit: int = 50) -> list[HealthCodeChange]:
    """The person's changes, newest first: "why am I yellow?"."""
    return (db.session.query(HealthCodeChange)
            .filter(HealthCodeChange.person_hash == person_hash)
            .order_by(HealthCodeChange.changed_at.desc(), HealthCodeChange.id.desc())
            .limit(limit).all())
