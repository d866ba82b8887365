"""The holders of the public health-code API (shared/API.md "Public, next"): a
declaration made through ``POST /api/v1/public/healthcode/declare`` gives an opaque
``holder`` id (neither the person's keyed hash nor their ID number) and a secret
``token``; only the token's hash is kept (as a filing's edit token), and the two read
that person's code (``GET /api/v1/public/healthcode/<holder>``, header X-Code-Token).

The declaration is app.healthcode.declarations' own (its checks, its rules, its hold of a
known person declared from another phone): a held one issues no holder.

A holder reads the code HEALTH_CODE_HOLDER_DAYS after it was issued, then is refused
(``HolderExpired``, 410, saying how to go on): 我的健康码 over the API (``reissue``: the
ID number and phone of a declaration and the SMS code sent for them) issues new holders
for the people declared with that phone, as the page does for a phone.
"""
import datetime as dt
import hmac
import secrets
from typing import NamedTuple, Optional, Union

from sqlalchemy import select

from flask import current_app
from flask_babel import lazy_gettext as _l

from app.core import identity
from app.core.clock import iso_local
from app.core.errors import DomainError
from app.core.extensions import db
from app.core.transaction import transaction
from app.healthcode import declarations
from app.healthcode.codes import current_code, state_of
from app.healthcode.rules import RULE_LABELS
from app.healthcode.tokens import code_token_expires_at, issue_code_token
from models.healthcode import HealthCode, HealthCodeHolder

HOLDERS, HC = HealthCodeHolder.__table__, HealthCode.__table__
MAX_HOLDER_LENGTH = 32
EXPIRED = _l("This code token has expired. Get a new one with the ID number, the phone and an SMS code "
             "(POST /api/v1/public/healthcode/otp, then /mine), or declare again.")


class HolderExpired(DomainError):
    status = 410

    def __init__(self):
        super().__init__(EXPIRED, {"token": [EXPIRED]})


class Issued(NamedTuple):
    holder: str
    token: str
    person_hash: str


def holder_expires_at(issued_at: dt.datetime) -> dt.datetime:
    return issued_at + dt.timedelta(days=int(current_app.config["HEALTH_CODE_HOLDER_DAYS"]))


def _issue(person_hash: str, now: dt.datetime) -> Issued:
    holder, token = secrets.token_urlsafe(12), identity.new_token()
    db.session.execute(HOLDERS.insert().values(
        holder=holder, person_hash=person_hash, token_hash=identity.token_hash(token), created_at=now))
    return Issued(holder, token, person_hash)


@transaction
def declare(data, *, now: dt.datetime) -> Union[Issued, declarations.Held]:
    """``declarations.declare`` and, when it took effect, a new holder and token for the
    person declared, in the same transaction; Held as it answers."""
    declared = declarations.declare(data, now=now)
    if isinstance(declared, declarations.Held):
        return declared
    return _issue(declared.person_hash, now)


@transaction
def reissue(data, *, now: dt.datetime) -> Optional[list[dict]]:
    """我的健康码 over the API: when ``data``'s SMS code is right for its ID number and
    phone (app.healthcode.declarations.open_codes), a new holder for each person declared
    with that phone (the person of the ID number first); None when it is wrong or expired."""
    people = declarations.open_codes(data, now=now)
    if people is None:
        return None
    found = []
    for number, person in enumerate(people):
        issued = _issue(person.person_hash, now)
        found.append({"holder": issued.holder, "token": issued.token, "name": person.masked_name,
                      "self": number == 0, "token_expires_at": iso_local(holder_expires_at(now))})
    return found


def declared_answer(issued: Issued, now: dt.datetime) -> dict:
    """What the declaration answers: the holder, its token (and until when it reads the
    code), the colour decided and until when it holds (a self-declared green's end;
    null: until the rules change it)."""
    state = current_code(issued.person_hash, now)
    return {"holder": issued.holder, "token": issued.token, "colour": state.colour,
            "valid_until": iso_local(state.expires_at) if state.colour else None,
            "token_expires_at": iso_local(holder_expires_at(now))}


def code_answer(holder, token, now: dt.datetime) -> Optional[dict]:
    """The code of ``holder`` when ``token`` is its own (one statement, reads only): the
    colour, since when, the rule behind it in the caller's language, a QR token valid
    HEALTH_CODE_TOKEN_TTL seconds; None for an unknown holder or a wrong token alike;
    HolderExpired for the right token of a holder issued HEALTH_CODE_HOLDER_DAYS ago."""
    if not (isinstance(holder, str) and 0 < len(holder) <= MAX_HOLDER_LENGTH and isinstance(token, str) and token):
        return None
    row = db.session.execute(
        select(HOLDERS.c.person_hash, HOLDERS.c.token_hash, HOLDERS.c.created_at, HC.c.colour, HC.c.rule, HC.c.changed_at,
               HC.c.expires_at, HC.c.manual)
        .select_from(HOLDERS.outerjoin(HC, HC.c.person_hash == HOLDERS.c.person_hash))
        .where(HOLDERS.c.holder == holder)).first()
    if row is None or not hmac.compare_digest(row.token_hash, identity.token_hash(token)):
        return None
    if holder_expires_at(row.created_at) <= now:
        raise HolderExpired()
    state = state_of(row if row.colour else None, now)
    if state.colour is None:
        return {"colour": None, "since": None, "reasons": [], "qr": None, "qr_expires_at": None}
    reason = RULE_LABELS.get(state.rule)
    return {"colour": state.colour, "since": iso_local(state.as_of), "reasons": [str(reason)] if reason else [],
            "qr": issue_code_token(row.person_hash, now), "qr_expires_at": iso_local(code_token_expires_at(now))}
