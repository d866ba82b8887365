"""One-time codes by SMS that prove a person holds a phone, for the pages that find one's
things again on any phone with an ID number, that phone and the code: 我的报备
(app.filings.access) and 我的健康码 (app.healthcode.declarations).

1. ``identify``: the keyed hashes of the ID number and phone asked with (every mistake at
   once, too long refused).
2. ``count_request``: one request counted per phone (SMS_RATE_LIMIT) and per ID number
   (ID_NUMBER_RATE_LIMIT), whether or not they match anything, so no one learns whether
   a stranger is known; the caller's route counts per client IP.
3. ``send``: the code (CODE_MINUTES, CODE_TRIES wrong tries, used once) goes by SMS
   through the outbox; only keyed hashes of the ID number, phone and code are stored
   (``filer_code``), with the ``purpose`` it was asked for: a code for one page opens
   nothing on the other.
4. ``take``: whether the code given is right; a right one is used up, a wrong try counted.
"""
import datetime as dt
import hmac
import secrets

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select, update

from app.core import identity, rate_limits
from app.core.errors import FieldErrors
from app.core.extensions import db
from app.core.outbox import notification_values
from models import Notification
from models.filing import FilerCode

CODE_MINUTES = 10
CODE_TRIES = 5
MAX_LENGTH = {"id_number": 32, "phone": 20}  # the filing's and the declaration's columns
WRONG_CODE = _l("The code is wrong or has expired. Ask for a new one.")
CODES = FilerCode.__table__


def identify(data) -> tuple[str, str]:
    """The keyed hashes of ``data``'s ID number and phone, or ValidationFailed."""
    data = data if isinstance(data, dict) else {}
    problems = FieldErrors()
    values = {}
    for name in ("id_number", "phone"):
        value = data.get(name)
        value = identity.normalize_id_number(value) if name == "id_number" and isinstance(value, str) else value
        value = value.strip() if isinstance(value, str) else value
        if not isinstance(value, str) or not value:
            problems.add(name, _l("This field is required."))
        elif len(value) > MAX_LENGTH[name]:
            problems.add(name, _l("Too long: at most %(n)s characters.", n=MAX_LENGTH[name]))
        values[name] = value
    problems.raise_if_any(_l("Please correct the marked fields; nothing was saved."))
    return identity.lookup_hash(values["id_number"]), identity.lookup_hash(values["phone"])


def count_request(id_hash: str, phone_hash: str) -> None:
    """Count a code request; TooManyRequests when the phone or ID number has used its limit."""
    rate_limits.hit_all({rate_limits.ID_NUMBER: [id_hash], rate_limits.PHONE: [phone_hash]})


def send_if_known(data, purpose: str, known, message, now: dt.datetime) -> bool:
    """The whole request for a code: ``data``'s ID number and phone identified and counted,
    then a code sent only when ``known(id_hash, phone_hash)`` (a SELECT) finds a row;
    whether one was sent (the page answers the same either way)."""
    id_hash, phone_hash = identify(data)
    count_request(id_hash, phone_hash)
    if db.session.execute(known(id_hash, phone_hash).limit(1)).first() is None:
        return False
    send(purpose, id_hash, phone_hash, data["phone"], message, now)
    return True


def _code_hash(purpose: str, code: str, id_hash: str, phone_hash: str) -> str:
    return identity.lookup_hash(f"{purpose}:{id_hash}:{phone_hash}:{code}")


def send(purpose: str, id_hash: str, phone_hash: str, phone: str, message, now: dt.datetime) -> None:
    """Queue a new code for ``purpose`` to ``phone`` (in the caller's transaction);
    ``message(code, minutes)`` is the SMS text."""
    code = f"{secrets.randbelow(10 ** 6):06d}"
    session = db.session
    session.execute(delete(CODES).where(CODES.c.phone_hash == phone_hash, CODES.c.expires_at < now))
    session.execute(CODES.insert().values(
        purpose=purpose, id_number_hash=id_hash, phone_hash=phone_hash,
        code_hash=_code_hash(purpose, code, id_hash, phone_hash), created_at=now,
        expires_at=now + dt.timedelta(minutes=CODE_MINUTES), attempts=0))
    session.execute(Notification.__table__.insert().values(
        **notification_values("code", message(code, CODE_MINUTES), phone=phone.strip())))


def take(purpose: str, id_hash: str, phone_hash: str, code, now: dt.datetime) -> bool:
    """Whether ``code`` is the latest live code for ``purpose`` of this ID number and
    phone (used up when right; a wrong try counts towards CODE_TRIES)."""
    code = str(code or "").strip()
    session = db.session
    row = session.execute(select(CODES).where(
        CODES.c.purpose == purpose, CODES.c.phone_hash == phone_hash, CODES.c.id_number_hash == id_hash,
        CODES.c.used_at.is_(None), CODES.c.expires_at > now, CODES.c.attempts < CODE_TRIES)
        .order_by(CODES.c.id.desc()).limit(1)).first()
    if row is None:
        return False
    if not code or not hmac.compare_digest(row.code_hash, _code_hash(purpose, code, id_hash, phone_hash)):
        session.execute(update(CODES).where(CODES.c.id == row.id).values(attempts=CODES.c.attempts + 1))
        return False
    session.execute(update(CODES).where(CODES.c.id == row.id).values(used_at=now))
    return True


def forget_old_codes(conn, now: dt.datetime) -> int:
    """Delete the codes that expired a day or more before ``now`` (the nightly
    retention job); how many."""
    return conn.execute(delete(CODES).where(CODES.c.expires_at < now - dt.timedelta(days=1))).rowcount
