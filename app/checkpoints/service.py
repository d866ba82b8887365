"""Checkpoints 卡口 (数字哨兵): who is posted where, the scan at the checkpoint and the pass
log, the paper form filled on the spot, and the transit list.

The jurisdiction rule has one narrow, named exception here: a checkpoint sees people
bound for anywhere in the province (``province_wide_lookup``), because travellers
through Zhengzhou's station are bound for every city. It answers only the masked name,
the destination, the filing's status and the colour; everything else a checkpoint
reads (its checkpoints, its passes, the transit list) is scoped as usual.
"""
import datetime as dt
import re
from typing import NamedTuple, Optional

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, or_, select

from app.core import clock, identity
from app.core.errors import NotFound, ValidationFailed
from app.core.extensions import db
from app.core.jurisdiction import code_within, is_within
from app.core.scoped_rows import row_where
from app.core.transaction import transaction
from app.crossmatch.findings import raise_arrived_without_filing
from app.crossmatch.matching import FILING_NEAR_ARRIVAL
from app.healthcode.codes import current_code
from app.healthcode.tokens import CodeTokenRefused, read_code_token
from app.regions.service import labels_for
from models.checkpoint import DIRECTIONS, Checkpoint, CheckpointPass, checkpoint_staff
from models.filing import Filing

# How long after a pass without a filing the paper form filled on the spot still
# counts as that pass's filing (the person waits at the desk meanwhile).
PAPER_FORM_WINDOW = dt.timedelta(hours=6)
RECEIPT_PATTERN = re.compile(r"/report/receipt/([%s]{%d})\b" % (identity.RECEIPT_ALPHABET, identity.RECEIPT_LENGTH),
                             re.IGNORECASE)
BARE_RECEIPT = re.compile(r"^[%s]{%d}$" % (identity.RECEIPT_ALPHABET, identity.RECEIPT_LENGTH))
OTHER_DOCUMENT = re.compile(r"^[A-Z0-9]{6,20}$")
MAX_SCANNED = 400

# What a terminal names (shared/API.md, POST /api/v1/checkpoint/pass): each is read as
# that only. ``scanned`` (the screen, POST /api/v1/checkpoint/scan) is told by its text.
NAMED_FIELDS = ("receipt", "id_number", "qr")
SCANNED = "scanned"

NOT_UNDERSTOOD = _l("Not a receipt, an ID number or a health code. Scan again or type the number.")
UNKNOWN_RECEIPT = _l("No filing has this receipt. Type the person's ID number instead.")
EXPIRED_CODE = _l("This health code has expired or is not valid: ask for the live code page.")
BAD_DIRECTION = _l("Choose entering or leaving.")
NOT_AN_ID_NUMBER = _l("Not a valid ID number.")


class PassengerAtCheckpoint(NamedTuple):
    """All a checkpoint learns of a person: nothing else leaves the lookup."""

    name_masked: Optional[str]
    destination: Optional[str]      # the destination region's name (code), or None without a filing
    filing_status: Optional[str]    # the filing's status, None without a filing
    colour: Optional[str]           # green, yellow, red, or None (no valid code)


class _Person(NamedTuple):
    person_hash: str
    filing: Optional[Filing]


# ---- where an account is posted ---------------------------------------------------------

def posted_checkpoints(user_id: Optional[int], jurisdiction: Optional[str]) -> list[Checkpoint]:
    """The active checkpoints the account works at, within its jurisdiction."""
    if user_id is None:
        return []
    return list(db.session.scalars(
        select(Checkpoint).join(checkpoint_staff, checkpoint_staff.c.checkpoint_id == Checkpoint.id)
        .where(checkpoint_staff.c.user_id == user_id, Checkpoint.active.is_(True),
               code_within(Checkpoint.region_code, jurisdiction))
        .order_by(Checkpoint.name)))


def _posted_checkpoint(checkpoint_id, user_id, jurisdiction) -> Checkpoint:
    """One of the account's checkpoints; NotFound for any other (as for a missing one)."""
    posted = exists().where(checkpoint_staff.c.checkpoint_id == Checkpoint.id,
                            checkpoint_staff.c.user_id == user_id)
    checkpoint = row_where(Checkpoint, checkpoint_id, code_within(Checkpoint.region_code, jurisdiction) & posted)
    if not checkpoint.active:
        raise NotFound()
    return checkpoint


def is_posted(user_id: Optional[int]) -> bool:
    return user_id is not None and db.session.scalar(
        select(exists().where(checkpoint_staff.c.user_id == user_id))) is True


# ---- the scan: the one exception to the jurisdiction rule ---------------------------------

def _identify(scanned: str, now: dt.datetime, field: str = SCANNED) -> _Person:
    """The person a scanned or typed text names and their filing, looked up across the
    whole province. ``field`` says what the text is (``receipt``: a receipt or its QR
    link, ``id_number``, ``qr``: a health-code QR) or, ``scanned``, any of them, told by
    the text; a refusal names ``field``. Private: only ``province_wide_lookup`` and
    ``log_pass`` call it, and neither hands it out."""
    text = (scanned or "").strip()
    if not text or len(text) > MAX_SCANNED:
        raise _refused(field, NOT_UNDERSTOOD)
    if field == "qr":
        return _by_code_token(text, now, field)
    if field == "id_number":
        return _found(_by_id_number(text, now), field, NOT_AN_ID_NUMBER)
    receipt, in_link = _receipt_in(text)
    if field == "receipt" or in_link:
        return _found(_filed(receipt, now), field, UNKNOWN_RECEIPT)
    return _filed(receipt, now) or _by_id_number(text, now) or _by_code_token(text, now, field)


def _refused(field: str, message) -> ValidationFailed:
    return ValidationFailed(message, {field: [message]})


def _found(person: Optional[_Person], field: str, message) -> _Person:
    """``person``, or the refusal naming ``field`` when there is none."""
    if person is None:
        raise _refused(field, message)
    return person


def _receipt_in(text: str) -> tuple[Optional[str], bool]:
    """The receipt a text carries (in a receipt QR's link, or bare), and whether in a link."""
    in_link = RECEIPT_PATTERN.search(text.split("#")[0])
    if in_link:
        return in_link.group(1).upper(), True
    return (text.upper() if BARE_RECEIPT.match(text.upper()) else None), False


def _filed(receipt: Optional[str], now: dt.datetime) -> Optional[_Person]:
    filing = db.session.scalar(select(Filing).where(Filing.receipt == receipt)) if receipt else None
    if filing is None:
        return None
    return _Person(filing.id_number_hash, _live_filing(filing.id_number_hash, now, preferred=filing))


def _by_id_number(text: str, now: dt.datetime) -> Optional[_Person]:
    upper = text.upper()
    if not (identity.parse_resident_id(upper) or OTHER_DOCUMENT.match(upper)):
        return None
    person_hash = identity.lookup_hash(identity.normalize_id_number(upper))
    return _Person(person_hash, _live_filing(person_hash, now))


def _by_code_token(text: str, now: dt.datetime, field: str) -> _Person:
    try:
        person_hash = read_code_token(text, now)
    except CodeTokenRefused:
        # A signed token has a dot: that one was a health code, only no longer valid.
        raise _refused(field, EXPIRED_CODE if field == "qr" or "." in text else NOT_UNDERSTOOD)
    return _Person(person_hash, _live_filing(person_hash, now))


def _live_filing(person_hash: str, now: dt.datetime, preferred: Optional[Filing] = None) -> Optional[Filing]:
    """The person's filing for this arrival: not cancelled, expected (or arrived) within
    FILING_NEAR_ARRIVAL of ``now``, as the cross-matching judges an arrival; the scanned
    one when it is such, else the nearest. A filing of another trip is none."""
    if preferred is not None and _for_this_arrival(preferred, now):
        return preferred
    low, high = now - FILING_NEAR_ARRIVAL, now + FILING_NEAR_ARRIVAL
    filings = db.session.scalars(select(Filing).where(
        Filing.id_number_hash == person_hash, Filing.status != "cancelled",
        or_(Filing.expected_arrival_at.between(low, high), Filing.arrived_at.between(low, high))))
    return min(filings, key=lambda f: abs(f.expected_arrival_at - now), default=None)


def _for_this_arrival(filing: Filing, now: dt.datetime) -> bool:
    return filing.status != "cancelled" and any(
        at is not None and abs(at - now) <= FILING_NEAR_ARRIVAL for at in (filing.expected_arrival_at, filing.arrived_at))


def _shown(person: _Person, now: dt.datetime) -> PassengerAtCheckpoint:
    filing = person.filing
    destination = None
    if filing is not None:
        destination = labels_for([filing.destination_region_code]).get(filing.destination_region_code,
                                                                          filing.destination_region_code)
    return PassengerAtCheckpoint(
        name_masked=masked_name(filing.name) if filing is not None else None,
        destination=destination,
        filing_status=filing.status if filing is not None else None,
        colour=current_code(person.person_hash, now).colour)


def masked_name(name: Optional[str]) -> Optional[str]:
    """张** : the surname only, as the findings show a name."""
    return (name or "")[:1] + "**" if name else None


def province_wide_lookup(scanned: str, now: dt.datetime) -> PassengerAtCheckpoint:
    """THE EXCEPTION to the jurisdiction rule: a checkpoint finds a person bound for
    anywhere in the province, and learns the masked name, the destination, the filing's
    status and the colour, nothing more (no ID number, phone, address, trip or id)."""
    return _shown(_identify(scanned, now), now)


# ---- the pass log ----------------------------------------------------------------------

@transaction
def log_pass(checkpoint_id, scanned: str, *, direction: str, transit: bool, jurisdiction: Optional[str],
             user_id: Optional[int], now: dt.datetime, field: str = SCANNED) -> tuple[int, PassengerAtCheckpoint]:
    """Look the person up (province-wide, as ``province_wide_lookup``; ``field``: what
    ``scanned`` is, see ``_identify``) and log their pass at one of the account's
    checkpoints. Returns the pass's id and what the checkpoint may see."""
    if direction not in DIRECTIONS:
        raise ValidationFailed(BAD_DIRECTION, {"direction": [BAD_DIRECTION]})
    checkpoint = _posted_checkpoint(checkpoint_id, user_id, jurisdiction)
    person = _identify(scanned, now, field)
    shown = _shown(person, now)
    filing = person.filing
    passed = CheckpointPass(
        checkpoint_id=checkpoint.id, region_code=checkpoint.region_code, passed_at=now,
        day=clock.local_date(now), direction=direction, transit=bool(transit), person_hash=person.person_hash,
        filing_id=filing.id if filing is not None else None,
        # A transit passenger stays on the train: no filing is due, so none is missing.
        without_filing=filing is None and not transit and direction == "in",
        colour=shown.colour, name_masked=shown.name_masked,
        destination_region_code=filing.destination_region_code if filing is not None else None,
        logged_by_id=user_id)
    db.session.add(passed)
    db.session.flush()
    return passed.id, shown


def scoped_pass(pass_id, jurisdiction: Optional[str]) -> CheckpointPass:
    """A pass at a checkpoint within ``jurisdiction``; NotFound outside, as when missing."""
    return row_where(CheckpointPass, pass_id, code_within(CheckpointPass.region_code, jurisdiction))


@transaction
def link_paper_filings(filing_ids: list[int], *, user_id: Optional[int], now: dt.datetime) -> int:
    """The paper forms just filled at a checkpoint (channel ``checkpoint``): each becomes
    the filing of the person's passes without one that this account logged within
    PAPER_FORM_WINDOW, and each such arrival raises an ``arrived_without_filing``
    finding for the new filing's destination (idempotent: once per person and day).
    Returns how many passes were linked."""
    if not filing_ids or user_id is None:
        return 0
    linked = 0
    for filing in db.session.scalars(select(Filing).where(Filing.id.in_(filing_ids))):
        passes = db.session.scalars(select(CheckpointPass).where(
            CheckpointPass.person_hash == filing.id_number_hash, CheckpointPass.filing_id.is_(None),
            CheckpointPass.logged_by_id == user_id, CheckpointPass.passed_at >= now - PAPER_FORM_WINDOW))
        for passed in passes:
            passed.filing_id = filing.id
            passed.destination_region_code = filing.destination_region_code
            passed.name_masked = masked_name(filing.name)
            linked += 1
            if passed.without_filing:
                raise_arrived_without_filing(
                    person_hash=filing.id_number_hash, day=passed.day, region_code=filing.destination_region_code,
                    filing_id=filing.id, name=filing.name, id_masked=filing.id_number_masked, now=now,
                    event_at=passed.passed_at)
    return linked


def transit_passes(jurisdiction: Optional[str], since: dt.date, until: dt.date) -> list[CheckpointPass]:
    """The transit passengers (中转) through the checkpoints of a jurisdiction on these
    days, newest first: the investigation team's list."""
    return list(db.session.scalars(select(CheckpointPass).where(
        CheckpointPass.transit.is_(True), code_within(CheckpointPass.region_code, jurisdiction),
        CheckpointPass.day >= since, CheckpointPass.day <= until).order_by(CheckpointPass.passed_at.desc())))


def check_staff_within(checkpoint: Checkpoint, jurisdiction: Optional[str]) -> None:
    """The write check of a checkpoint's staff: every account posted there lies within
    the writer's jurisdiction (the form offers no others; an API body might)."""
    for user in checkpoint.staff:
        if not is_within(user.region_code, jurisdiction):
            raise ValidationFailed(_l("Not within your jurisdiction."), {"staff": [_l("Not within your jurisdiction.")]})
