""""My filings" 我的报备: a filer gets back to their filings from any phone.

1. ``send_code``: the ID number and the phone of a filing (the person's phone, or the
   phone of whoever filed for them) ask for a one-time code; it goes by SMS (the outbox)
   only when they match a live filing, and the answer is the same either way, so no one
   learns whether a stranger has filed. Counted per phone (SMS_RATE_LIMIT) and per ID
   number (ID_NUMBER_RATE_LIMIT), whether or not they match; per client IP by the route.
2. ``open_filings``: the code (CODE_MINUTES, CODE_TRIES wrong tries, used once) proves
   the phone; the answer lists every live filing made with that phone (the person's own
   and the family members filed from it), each with a session token (app.filings.links)
   that opens just that filing for the filer's view, edit and cancel, whose rules and
   limits stay the filing service's.

Only keyed hashes of the ID number, the phone and the code are stored (``filer_code``).
"""
import datetime as dt
import hmac
import secrets
from typing import Optional

from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy import delete, or_, select, update

from app.core import identity, rate_limits
from app.core.clock import iso_local
from app.core.errors import ValidationFailed
from app.core.extensions import db
from app.core.outbox import notification_values
from app.core.transaction import transaction
from app.filings import links
from app.filings import service as filings
from app.filings.rules import MAX_LENGTH
from models import Notification
from models.filing import FilerCode, Filing

FILING = Filing.__table__
CODE_MINUTES = 10
CODE_TRIES = 5
MAX_LISTED = 50
WRONG_CODE = _l("The code is wrong or has expired. Ask for a new one.")


def _hashes(data) -> tuple[str, str]:
    """The keyed hashes of the ID number and phone of ``data``, or ValidationFailed."""
    data = data if isinstance(data, dict) else {}
    problems = {}
    values = {}
    for name in ("id_number", "phone"):
        value = data.get(name)
        value = identity.normalize_id_number(value) if name == "id_number" and isinstance(value, str) else value
        value = value.strip() if isinstance(value, str) else value
        if not isinstance(value, str) or not value:
            problems[name] = [_l("This field is required.")]
        elif len(value) > MAX_LENGTH[name]:
            problems[name] = [_l("Too long: at most %(n)s characters.", n=MAX_LENGTH[name])]
        values[name] = value
    if problems:
        raise ValidationFailed(_l("Please correct the marked fields; nothing was saved."), problems)
    return identity.lookup_hash(values["id_number"]), identity.lookup_hash(values["phone"])


def _made_with(phone_hash: str):
    return or_(FILING.c.phone_hash == phone_hash, FILING.c.proxy_phone_hash == phone_hash)


def _code_hash(code: str, id_hash: str, phone_hash: str) -> str:
    return identity.lookup_hash(f"filer-code:{id_hash}:{phone_hash}:{code}")


@transaction
def send_code(data, *, now: dt.datetime) -> bool:
    """Queue a one-time code to the phone of ``data`` when ``data`` names a live filing
    made with it; whether one was queued (the caller answers the same either way)."""
    id_hash, phone_hash = _hashes(data)
    rate_limits.hit_all({rate_limits.ID_NUMBER: [id_hash], rate_limits.PHONE: [phone_hash]})
    session = db.session
    known = session.execute(select(FILING.c.id).where(
        FILING.c.id_number_hash == id_hash, _made_with(phone_hash),
        FILING.c.anonymised_at.is_(None)).limit(1)).first()
    if known is None:
        return False
    code = f"{secrets.randbelow(10 ** 6):06d}"
    table = FilerCode.__table__
    session.execute(delete(table).where(table.c.phone_hash == phone_hash, table.c.expires_at < now))
    session.execute(table.insert().values(
        id_number_hash=id_hash, phone_hash=phone_hash, code_hash=_code_hash(code, id_hash, phone_hash),
        created_at=now, expires_at=now + dt.timedelta(minutes=CODE_MINUTES), attempts=0))
    body = _("Your code for \"my filings\" is %(code)s (valid %(n)s minutes). Do not give it to anyone.",
             code=code, n=CODE_MINUTES)
    session.execute(Notification.__table__.insert().values(
        **notification_values("code", body, phone=data["phone"].strip())))
    return True


@transaction
def open_filings(data, *, now: dt.datetime) -> Optional[list[dict]]:
    """The filings made with the phone of ``data`` when its ``otp`` is right (the code is
    used up); None when it is wrong or expired (the wrong try is counted)."""
    id_hash, phone_hash = _hashes(data)
    code = str(data.get("otp") or "").strip()
    table = FilerCode.__table__
    session = db.session
    row = session.execute(select(table).where(
        table.c.phone_hash == phone_hash, table.c.id_number_hash == id_hash, table.c.used_at.is_(None),
        table.c.expires_at > now, table.c.attempts < CODE_TRIES).order_by(table.c.id.desc()).limit(1)).first()
    if row is None:
        return None
    if not code or not hmac.compare_digest(row.code_hash, _code_hash(code, id_hash, phone_hash)):
        session.execute(update(table).where(table.c.id == row.id).values(attempts=table.c.attempts + 1))
        return None
    session.execute(update(table).where(table.c.id == row.id).values(used_at=now))
    conn = session.connection()
    rows = [dict(r) for r in conn.execute(
        select(FILING).where(_made_with(phone_hash), FILING.c.anonymised_at.is_(None))
        .order_by(FILING.c.expected_arrival_at.desc(), FILING.c.id.desc()).limit(MAX_LISTED)).mappings()]
    return [_listed(conn, filing, id_hash, phone_hash, now) for filing in rows]


def _listed(conn, row: dict, id_hash: str, phone_hash: str, now: dt.datetime) -> dict:
    view = filings.filer_view(conn, row, now)
    token = links.issue(links.SESSION, row["receipt"], phone_hash, now)
    return {"receipt": row["receipt"], "token": token, "status": row["status"], "name": row["name"],
            "expected_arrival_at": iso_local(row["expected_arrival_at"]), "edits_left": view["edits_left"],
            "can_edit": view["can_edit"], "can_cancel": view["can_cancel"],
            "destination_name": view["destination_name"], "proxy_relation": row["proxy_relation"],
            "self": row["id_number_hash"] == id_hash, "token_expires_at": iso_local(links.expires_at(token))}


def forget_old_codes(conn, now: dt.datetime) -> int:
    """Delete the codes that expired a day or more before ``now`` (the nightly
    retention job); how many."""
    table = FilerCode.__table__
    return conn.execute(delete(table).where(table.c.expires_at < now - dt.timedelta(days=1))).rowcount
