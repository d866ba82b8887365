"""The scan at a venue's door: the hottest path of the system (many scans per person a
day), so it is one INSERT statement and nothing else.

``record_scan`` reads the person's colour and the venue in the INSERT ... SELECT that
logs the visit, and returns what the page shows (RETURNING): the colour (``none``: no
code, or a self-declared green that expired), whether the doorkeeper lets the person
in (green anywhere, every colour at a medical institution), and the venue's name and
whether it is medical (the API's ``venue``; RETURNING names only the inserted row, so
they are read by its primary key there, still in the one statement). On PostgreSQL it is a
constant, prepared statement on an autocommit single-statement engine of its own (one
round trip: no BEGIN, COMMIT or ping), on the driver's cursor (no SQLAlchemy compile or
ORM session), and by default with asynchronous commit (VENUE_SCAN_SYNCHRONOUS_COMMIT=0:
a crash of the database may lose the last fraction of a second of scans, the log of who
was where, never the colours or anything else); elsewhere an ordinary transaction.

Who scans: a person the device remembers (app.healthcode.devices, a signed cookie), or
the first time on a phone, the ID number and phone of a declaration or a filing
(``identify``), after which the device remembers them.

The rate limit counts a person, not an address (a venue's visitors share the addresses
of their carriers' gateways), in Flask-Limiter's storage (Redis under gunicorn: one
count for all workers, one round trip of a few dozen microseconds; in memory while no
Redis answers), as app.core.rate_limits.hit_shared.
"""
import datetime as dt
import re
from typing import NamedTuple, Optional

from flask import current_app
from sqlalchemy import DateTime, bindparam, or_, select, text

from app.core import dialects, identity, rate_limits
from app.core.dialects.postgresql import run_constant, with_single_statement_engine
from app.core.extensions import db
from app.healthcode.codes import person_hash_of
from app.venues.service import CODE_ALPHABET
from models import Filing
from models.healthcode import HealthDeclaration
from models.venue import VENUE_CODE_LENGTH

VENUE_CODE = re.compile(f"^[{CODE_ALPHABET}]{{{VENUE_CODE_LENGTH}}}$")
PERSON_HASH = re.compile(r"^[0-9a-f]{64}$")
NO_CODE = "none"
SCAN_SCOPE = "venue_scan"  # the per-person limit's counts (app.core.rate_limits)

# The venue, the person's colour at ``now`` and the visit, in one statement.
SCAN_SQL = (
    "INSERT INTO venue_scan (venue_id, person_hash, scanned_at, colour, admitted) "
    "SELECT v.id, %(person)s, %(now)s, COALESCE(c.colour, 'none'), "
    "v.medical OR COALESCE(c.colour, 'none') = 'green' "
    "FROM venue v LEFT JOIN health_code c ON c.person_hash = %(person)s "
    "AND (c.expires_at IS NULL OR c.expires_at > %(now)s) "
    "WHERE v.code = %(code)s "
    "RETURNING colour, admitted, "
    "(SELECT name FROM venue WHERE venue.id = venue_scan.venue_id), "
    "(SELECT medical FROM venue WHERE venue.id = venue_scan.venue_id)")
_SQLITE_SCAN = text(re.sub(r"%\((\w+)\)s", r":\1", SCAN_SQL)).bindparams(bindparam("now", type_=DateTime))


class Scan(NamedTuple):
    colour: str       # green, yellow, red or none
    admitted: bool
    scanned_at: dt.datetime
    venue_name: str
    venue_medical: bool


def is_venue_code(code) -> bool:
    return isinstance(code, str) and bool(VENUE_CODE.match(code))


def is_person_hash(value) -> bool:
    return isinstance(value, str) and bool(PERSON_HASH.match(value))


def record_scan(code: str, person_hash: str, now: dt.datetime) -> Optional[Scan]:
    """Log ``person_hash`` scanning venue ``code`` at ``now``; None when there is no such
    venue (nothing written). Its own transaction: the statement is the whole unit."""
    if not is_venue_code(code) or not is_person_hash(person_hash):
        return None
    params = {"person": person_hash, "now": now, "code": code}
    engine = dialects.of().single_statement_engine(
        "venue_scans", synchronous_commit=current_app.config["VENUE_SCAN_SYNCHRONOUS_COMMIT"])
    if engine is not None:
        rows = with_single_statement_engine(lambda conn: run_constant(conn, SCAN_SQL, params), engine)
    else:
        with db.engine.begin() as conn:
            rows = conn.execute(_SQLITE_SCAN, params).all()
    if not rows:
        return None
    colour, admitted, venue_name, venue_medical = rows[0]
    return Scan(colour, bool(admitted), now, venue_name, bool(venue_medical))


def identify(id_number: str, phone: str) -> Optional[tuple[str, str]]:
    """``(person hash, masked name)`` of the person whose ID number and phone a
    self-declaration or a filing gave together; None when none did (declare first)."""
    person, phone_hash = person_hash_of(id_number or ""), identity.lookup_hash((phone or "").strip())
    if not person or not phone_hash:
        return None
    name = _declared_or_filed_name(person, phone_hash)
    return (person, identity.mask_name(name)) if name is not None else None


def masked_name_of(person_hash: str) -> str:
    """The masked name a health-code QR's holder declared or filed under ("" when
    neither is on file): the token names the person by their hash only."""
    name = _declared_or_filed_name(person_hash)
    return identity.mask_name(name) if name is not None else ""


def _declared_or_filed_name(person: str, phone_hash: Optional[str] = None) -> Optional[str]:
    """The name of the person's latest declaration, else of a filing; with
    ``phone_hash``, only one that gave this phone too."""
    declared = select(HealthDeclaration.name).where(HealthDeclaration.person_hash == person,
                                                    HealthDeclaration.anonymised_at.is_(None))
    filed = select(Filing.name).where(Filing.id_number_hash == person)
    if phone_hash is not None:
        declared = declared.where(HealthDeclaration.phone_hash == phone_hash)
        filed = filed.where(or_(Filing.phone_hash == phone_hash, Filing.proxy_phone_hash == phone_hash))
    name = db.session.scalar(declared.order_by(HealthDeclaration.declared_at.desc()).limit(1))
    if name is None:
        name = db.session.scalar(filed.order_by(Filing.id.desc()).limit(1))
    return name


def scan_allowed(person_hash: str) -> bool:
    """Whether this person may scan once more now (VENUE_SCANS_PER_PERSON_MINUTE, counted
    once for all gunicorn workers in the limiter's storage: app.core.rate_limits.hit_shared)."""
    config = current_app.config
    if not config.get("RATELIMIT_ENABLED", True):
        return True
    return rate_limits.hit_shared(rate_limits.per_minute(int(config["VENUE_SCANS_PER_PERSON_MINUTE"])),
                                  SCAN_SCOPE, person_hash)
