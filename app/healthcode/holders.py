"""The holders of the public health-code API (shared/API.md "Public, next"): a
declaration made through ``POST /api/v1/public/healthcode/declare`` gives an opaque
``holder`` id (neither the person's keyed hash nor their ID number) and a secret
``token``; only the token's hash is kept (as a filing's edit token), and the two read
that person's code (``GET /api/v1/public/healthcode/<holder>``, header X-Code-Token).

The declaration is app.healthcode.declarations' own (its checks, its rules, its hold of a
known person declared from another phone): a held one issues no holder.
"""
import datetime as dt
import hmac
import secrets
from typing import NamedTuple, Optional, Union

from sqlalchemy import select

from app.core import identity
from app.core.clock import iso_local
from app.core.extensions import db
from app.core.transaction import transaction
from app.healthcode import declarations
from app.healthcode.codes import current_code, state_of
from app.healthcode.rules import RULE_LABELS
from app.healthcode.tokens import code_token_expires_at, issue_code_token
from models.healthcode import HealthCode, HealthCodeHolder

HOLDERS, HC = HealthCodeHolder.__table__, HealthCode.__table__
MAX_HOLDER_LENGTH = 32


class Issued(NamedTuple):
    holder: str
    token: str
    person_hash: str


@transaction
def declare(data, *, now: dt.datetime) -> Union[Issued, declarations.Held]:
    """``declarations.declare`` and, when it took effect, a new holder and token for the
    person declared, in the same transaction; Held as it answers."""
    declared = declarations.declare(data, now=now)
    if isinstance(declared, declarations.Held):
        return declared
    holder, token = secrets.token_urlsafe(12), identity.new_token()
    db.session.execute(HOLDERS.insert().values(
        holder=holder, person_hash=declared.person_hash, token_hash=identity.token_hash(token), created_at=now))
    return Issued(holder, token, declared.person_hash)


def declared_answer(issued: Issued, now: dt.datetime) -> dict:
    """What the declaration answers: the holder, its token, the colour decided and until
    when it holds (a self-declared green's end; null: until the rules change it)."""
    state = current_code(issued.person_hash, now)
    return {"holder": issued.holder, "token": issued.token, "colour": state.colour,
            "valid_until": iso_local(state.expires_at) if state.colour else None}


def code_answer(holder, token, now: dt.datetime) -> Optional[dict]:
    """The code of ``holder`` when ``token`` is its own (one statement, reads only): the
    colour, since when, the rule behind it in the caller's language, a QR token valid
    HEALTH_CODE_TOKEN_TTL seconds; None for an unknown holder or a wrong token alike."""
    if not (isinstance(holder, str) and 0 < len(holder) <= MAX_HOLDER_LENGTH and isinstance(token, str) and token):
        return None
    row = db.session.execute(
        select(HOLDERS.c.person_hash, HOLDERS.c.token_hash, HC.c.colour, HC.c.rule, HC.c.changed_at,
               HC.c.expires_at, HC.c.manual)
        .select_from(HOLDERS.outerjoin(HC, HC.c.person_hash == HOLDERS.c.person_hash))
        .where(HOLDERS.c.holder == holder)).first()
    if row is None or not hmac.compare_digest(row.token_hash, identity.token_hash(token)):
        return None
    state = state_of(row if row.colour else None, now)
    if state.colour is None:
        return {"colour": None, "since": None, "reasons": [], "qr": None, "qr_expires_at": None}
    reason = RULE_LABELS.get(state.rule)
    return {"colour": state.colour, "since": iso_local(state.as_of), "reasons": [str(reason)] if reason else [],
            "qr": issue_code_token(row.person_hash, now), "qr_expires_at": iso_local(code_token_expires_at(now))}
