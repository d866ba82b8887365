"""Self-declaration 健康申报 on the public page, for oneself or a family member (家人代办),
and 我的健康码: one's codes found again on another phone.

``declare`` checks every answer at once (the person's fields with the filing's own
rules, app.filings.rules), stores the declaration (ID number and phones encrypted, keyed
hash, masked), then decides the person's colour again at once
(app.healthcode.rules.refresh_people: a declared fever or cough is yellow, nothing found
a green valid HEALTH_CODE_DECLARED_GREEN_DAYS). Attempts count per ID number
(ID_NUMBER_RATE_LIMIT), as the filing page's do; the route counts per client IP.

A person already known with a phone on file (``phones_on_file``: an earlier declaration,
a filing, a ledger row) is declared only from a phone on file: when neither the declarant's
phone nor the person's phone given is one of them, the declaration is HELD (``Held``):
nothing is stored, no colour changes or shows, and an SMS code goes to the phone on file
(HELD_PURPOSE, limited per person by HEALTH_CODE_HOLD_SMS_RATE_LIMIT); the same
declaration sent again with that code (``otp``) takes effect. Otherwise anyone who knows
a stranger's ID number could see their colour, or change it with a declared symptom.
A person not yet known declares freely.

我的健康码 (``send_code``, ``open_codes``): the ID number and the phone of a declaration
(the person's or that of whoever declared for them) ask for an SMS code
(app.core.sms_codes, shared with 我的报备); the right code gives the people declared
with that phone, for the new phone to remember (app.healthcode.devices).
"""
import datetime as dt
from typing import NamedTuple, Optional, Union

from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy import DateTime, Text, cast, literal, null, or_, select, union_all

from app.core import identity, rate_limits, sms_codes
from app.core.errors import FieldErrors, ValidationFailed
from app.core.extensions import db
from app.core.transaction import transaction
from app.filings import rules as filing_rules
from app.filings.rules import FilingInput, _choice, _Input, _text  # the filing form's fields
from app.filings.service import region_info
from app.healthcode import rules
from app.healthcode.codes import person_hash_of
from models import Filing, Resident
from models.healthcode import HealthDeclaration
from models.region import LEVEL_COMMUNITY

HD, F, R = HealthDeclaration.__table__, Filing.__table__, Resident.__table__
PURPOSE = "health-code"  # the SMS codes' namespace (app.core.sms_codes)
HELD_PURPOSE = "declare-held"  # a held declaration's code opens nothing else (filer_code.purpose: 16 at most)
FOR_WHOM = ("self", "family")
MAX_LENGTH = {**filing_rules.MAX_LENGTH, "residence_address": 200}
PROXY_FIELDS = ("proxy_name", "proxy_phone", "proxy_relation")


# The person's fields are the filing form's own (the same names, kinds and messages);
# then where one lives, and who declares for a family member.
SHARED_FIELDS = ("name", "id_type", "id_number", "phone", "fever", "cough", "close_contact_14d", "abroad_14d",
                 "risk_area_14d", "commitment", "proxy_name", "proxy_phone")
DeclarationInput = _Input.from_dict({
    "for_whom": _choice(FOR_WHOM, default="self"),
    **{name: FilingInput._declared_fields[name] for name in SHARED_FIELDS},
    "residence_region_code": _text(),
    "residence_address": _text(required=True),
    "proxy_relation": _choice(filing_rules.PROXY_RELATIONS),
}, name="DeclarationInput")
DECLARATION_INPUT = DeclarationInput()
FIELDS = tuple(DECLARATION_INPUT.fields)


class Declared(NamedTuple):
    person_hash: str
    masked_name: str


class Held(NamedTuple):
    """A declaration waiting for the SMS code sent to the person's phone on file
    (``phone_masked``); ``wrong_code``: the code given was wrong or expired."""
    phone_masked: str
    wrong_code: bool = False




def held_message(held: Held) -> str:
    """What the declarant reads when a declaration is held."""
    return _("This person is already known with another phone. To protect them, we sent a code by SMS "
             "to %(phone)s: enter it and submit again to finish the declaration.", phone=held.phone_masked)


def check_declaration(data) -> dict:
    """The values of a valid declaration (plain ID number and phones: the caller protects
    them), or ValidationFailed naming every mistake at its field."""
    loaded, shape_errors = filing_rules.load_partly(DECLARATION_INPUT, data)
    if loaded is None:
        raise ValidationFailed(filing_rules.FIX_FIELDS, shape_errors)
    problems = FieldErrors()
    values = {key: loaded.get(key) for key in FIELDS}
    for key in FIELDS:
        if isinstance(values[key], str) and key in MAX_LENGTH and len(values[key]) > MAX_LENGTH[key]:
            problems.add(key, _l("Too long: at most %(n)s characters.", n=MAX_LENGTH[key]))
    filing_rules.check_person(values, problems)
    if values.get("commitment") is not True and "commitment" not in shape_errors:
        problems.add("commitment", _l("Please confirm the commitment."))
    if values.get("for_whom") == "family":
        for key in PROXY_FIELDS:
            if not values.get(key) and key not in shape_errors:
                problems.add(key, filing_rules.REQUIRED)
        filing_rules.check_proxy(values, problems)
    else:
        values.update(dict.fromkeys(PROXY_FIELDS))
    _check_residence(values, problems)
    # A field refused for its shape keeps that message alone; the rest are checked too.
    errors = {**{k: v for k, v in problems.errors.items() if k not in shape_errors}, **shape_errors}
    if errors:
        raise ValidationFailed(filing_rules.FIX_FIELDS, errors)
    return values


def _check_residence(values, problems):
    code = values.get("residence_region_code")
    if not code:
        return
    region = region_info(db.session.connection(), {code}).get(code) if len(code) <= 12 else None
    if region is None or region.level != LEVEL_COMMUNITY or not code.startswith(filing_rules.province_code()):
        problems.add("residence_region_code", _l("Choose the community (village) where you live in the province."))


@transaction
def declare(data, *, now: dt.datetime) -> Union[Declared, Held]:
    """Store a declaration and decide the person's colour again: the person declared;
    or Held, nothing stored, when the person is known with another phone (the module's
    docstring) and ``data``'s ``otp`` is not the code sent for it."""
    data = dict(data) if isinstance(data, dict) else data
    otp = data.pop("otp", None) if isinstance(data, dict) else None
    values = check_declaration(data)
    person_hash = person_hash_of(values["id_number"])
    phone = identity.protect(values["phone"], identity.mask_phone)
    declarant_phone = values["proxy_phone"] or values["phone"]
    declarant_phone_hash = identity.lookup_hash(declarant_phone.strip())
    rate_limits.hit_all({rate_limits.ID_NUMBER: [person_hash]})
    held = _hold(person_hash, {phone["hash"], declarant_phone_hash}, declarant_phone_hash, otp, now)
    if held is not None:
        return held
    db.session.execute(HD.insert().values(
        person_hash=person_hash, name=values["name"], id_type=values["id_type"],
        id_number_enc=identity.encrypt(values["id_number"]),
        id_number_masked=identity.mask_id_number(values["id_number"]),
        phone_enc=phone["enc"], phone_hash=phone["hash"], phone_masked=phone["masked"],
        declarant_phone_hash=declarant_phone_hash,
        residence_region_code=values["residence_region_code"], residence_address=values["residence_address"],
        fever=bool(values["fever"]), cough=bool(values["cough"]),
        close_contact_14d=bool(values["close_contact_14d"]), abroad_14d=bool(values["abroad_14d"]),
        risk_area_14d=bool(values["risk_area_14d"]), proxy_name=values["proxy_name"],
        proxy_relation=values["proxy_relation"], declared_at=now))
    rules.refresh_people([person_hash], now)
    return Declared(person_hash, identity.mask_name(values["name"]))


def _hold(person_hash: str, phones_given: set, declarant_phone_hash: str, otp, now: dt.datetime) -> Optional[Held]:
    """None when the declaration may take effect: the person is not known with a phone,
    one of ``phones_given`` is on file, or ``otp`` is the code sent for this declarant's
    phone (used up). Otherwise Held: without a code, a new one goes to the phone on file."""
    on_file = phones_on_file(person_hash)
    if not on_file or phones_given & {phone_hash for phone_hash, _enc in on_file}:
        return None
    number = next((enc for _hash, enc in on_file if enc), None)
    if number is None:  # hashes without a number (damaged rows): no one to ask, as if not known
        return None
    recipient = identity.decrypt(number)
    masked = identity.mask_phone(recipient)
    otp = str(otp).strip() if isinstance(otp, (str, int)) else ""
    if otp:
        if sms_codes.take(HELD_PURPOSE, person_hash, declarant_phone_hash, otp, now):
            return None
        return Held(masked, wrong_code=True)  # the wrong try is counted: no exception, the transaction keeps it
    rate_limits.hit_all({rate_limits.HELD_DECLARATION: [person_hash]})
    sms_codes.send(HELD_PURPOSE, person_hash, declarant_phone_hash, recipient, _held_message, now)
    return Held(masked)


def phones_on_file(person_hash: str) -> list[tuple[str, Optional[str]]]:
    """``[(phone_hash, phone_enc)]`` of every phone on file for the person: their own in
    their declarations, filings and ledger rows (the latest first, with the encrypted
    number a code can go to), then the phones that declared or filed for them (no number:
    a code goes to the person's own phone when there is one)."""
    def phones(hash_column, enc_column, at_column, own, *where):
        return select(hash_column.label("phone_hash"), enc_column.label("phone_enc"), at_column.label("at"),
                      literal(own).label("own")).where(hash_column.isnot(None), *where)

    no_number, no_time = cast(null(), Text), cast(null(), DateTime)
    found = union_all(
        phones(HD.c.phone_hash, HD.c.phone_enc, HD.c.declared_at, 1, HD.c.person_hash == person_hash),
        phones(HD.c.declarant_phone_hash, no_number, HD.c.declared_at, 0, HD.c.person_hash == person_hash),
        phones(F.c.phone_hash, F.c.phone_enc, F.c.filed_at, 1, F.c.id_number_hash == person_hash),
        phones(F.c.proxy_phone_hash, F.c.proxy_phone_enc, F.c.filed_at, 0, F.c.id_number_hash == person_hash),
        phones(R.c.phone_hash, R.c.phone_enc, no_time, 1, R.c.id_number_hash == person_hash)).subquery("found")
    rows = db.session.execute(select(found)).all()
    oldest = dt.datetime.min
    rows.sort(key=lambda row: (row.own, row.phone_enc is not None, row.at or oldest), reverse=True)
    return [(row.phone_hash, row.phone_enc) for row in rows]


def _held_message(code: str, minutes: int) -> str:
    return _("Someone is making a health declaration for you with your ID number. If it is you or your family, "
             "give them the code %(code)s (valid %(n)s minutes); otherwise ignore this message.",
             code=code, n=minutes)


# ---- 我的健康码 ------------------------------------------------------------------------------

def _declared_with(phone_hash: str):
    return or_(HD.c.phone_hash == phone_hash, HD.c.declarant_phone_hash == phone_hash)


def _message(code: str, minutes: int) -> str:
    return _("Your code for \"my health code\" is %(code)s (valid %(n)s minutes). Do not give it to anyone.",
             code=code, n=minutes)


@transaction
def send_code(data, *, now: dt.datetime) -> bool:
    """Queue an SMS code to the phone of ``data`` when a declaration of that ID number was
    made with it; whether one was queued (the page answers the same either way)."""
    return sms_codes.send_if_known(data, PURPOSE, lambda id_hash, phone_hash: select(HD.c.id).where(
        HD.c.person_hash == id_hash, _declared_with(phone_hash)), _message, now)


@transaction
def open_codes(data, *, now: dt.datetime) -> Optional[list[Declared]]:
    """The people declared with the phone of ``data`` (the person of the ID number first)
    when its ``otp`` is right, the code used up; None when it is wrong or expired."""
    id_hash, phone_hash = sms_codes.identify(data)
    if not sms_codes.take(PURPOSE, id_hash, phone_hash, data.get("otp"), now):
        return None
    latest = {}
    for person_hash, name in db.session.execute(
            select(HD.c.person_hash, HD.c.name).where(_declared_with(phone_hash))
            .order_by(HD.c.declared_at.desc(), HD.c.id.desc()).limit(200)):
        latest.setdefault(person_hash, name)
    people = sorted(latest.items(), key=lambda item: item[0] != id_hash)
    return [Declared(person_hash, identity.mask_name(name)) for person_hash, name in people]
