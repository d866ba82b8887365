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

The codes themselves: app.core.sms_codes (shared with 我的健康码).
"""
import datetime as dt
from typing import Optional

from flask_babel import gettext as _
from sqlalchemy import or_, select

from app.core import sms_codes
from app.core.clock import iso_local
from app.core.extensions import db
from app.core.transaction import transaction
from app.filings import links
from app.filings import service as filings
from models.filing import Filing

FILING = Filing.__table__
PURPOSE = "filer-code"  # the codes' namespace (app.core.sms_codes)
MAX_LISTED = 50
WRONG_CODE = sms_codes.WRONG_CODE


def _made_with(phone_hash: str):
    return or_(FILING.c.phone_hash == phone_hash, FILING.c.proxy_phone_hash == phone_hash)


def _message(code: str, minutes: int) -> str:
    return _("Your code for \"my filings\" is %(code)s (valid %(n)s minutes). Do not give it to anyone.",
             code=code, n=minutes)


@transaction
def send_code(data, *, now: dt.datetime) -> bool:
    """Queue a one-time code to the phone of ``data`` when ``data`` names a live filing
    made with it; whether one was queued (the caller answers the same either way)."""
    return sms_codes.send_if_known(data, PURPOSE, lambda id_hash, phone_hash: select(FILING.c.id).where(
        FILING.c.id_number_hash == id_hash, _made_with(phone_hash), FILING.c.anonymised_at.is_(None)),
        _message, now)


@transaction
def open_filings(data, *, now: dt.datetime) -> Optional[list[dict]]:
    """The filings made with the phone of ``data`` when its ``otp`` is right (the code is
    used up); None when it is wrong or expired (the wrong try is counted)."""
    id_hash, phone_hash = sms_codes.identify(data)
    if not sms_codes.take(PURPOSE, id_hash, phone_hash, data.get("otp"), now):
        return None
    conn = db.session.connection()
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
