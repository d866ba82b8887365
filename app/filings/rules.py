"""The rules of a filing, in one place: what a valid report, check and transfer is.

Used by every way a filing comes in (the public page and API, staff paper entry, the
Excel import) and by every change to it. ``FILING_INPUT`` (marshmallow) checks the
shape: types, choices, required fields, unknown fields. ``check_filing`` then applies
the rules that need several fields, the clock or the region table: the GB 11643 check
digit (birth date and gender derived), phone numbers, dates in order, the destination
being a community of the province. Times without an offset are local (Asia/Shanghai);
everything returned is naive UTC, ready to store.
"""
import datetime as dt
import re
from dataclasses import dataclass
from typing import Callable, Optional

from babel import Locale
from flask import current_app
from flask_babel import lazy_gettext as _l
from marshmallow import RAISE, Schema, ValidationError, fields, pre_load
from marshmallow.validate import OneOf

from app.core import identity
from app.core.errors import FieldErrors, ValidationFailed
from app.core.clock import local_date, to_utc
from app.core.text_input import check_storable
from models.filing import (
    CHECK_METHODS,
    CONTROL_MEASURES,
    ID_TYPES,
    TEST_RESULTS,
    TRANSPORT_MODES,
)
from models.region import LEVEL_COMMUNITY, LEVEL_COUNTY

LATE_NOTICE = dt.timedelta(days=3)      # filed less than this ahead: accepted, flagged
MAX_AHEAD = dt.timedelta(days=90)       # further ahead is a typo in the year, not a plan
BACKFILL_WINDOW = dt.timedelta(days=30)  # a backfill reports a recent arrival
CLOCK_SKEW = dt.timedelta(minutes=5)     # phones' clocks are a little off
PROXY_RELATIONS = ("spouse", "child", "parent", "grandparent", "grandchild", "sibling",
                   "relative", "other")

# Longest accepted text per field (the columns' sizes).
MAX_LENGTH = {
    "name": 50, "id_number": 32, "phone": 20, "origin_address": 200, "transport_no": 30,
    "transit": 100, "destination_address": 200, "work_unit": 100, "other_symptoms": 200,
    "proxy_name": 50, "proxy_phone": 20, "proxy_relation": 20, "reason": 200, "note": 500,
}
OTHER_ID_RE = re.compile(r"^[A-Z0-9\-]{5,32}$")
NOT_COUNTRIES = {"EU", "EZ", "UN", "QO", "XA", "XB", "ZZ"}

FIRST_YEAR, LAST_YEAR = 1900, 2999
REQUIRED = _l("This field is required.")
CHOOSE = _l("Choose one of the listed values.")
FIX_FIELDS = _l("Please correct the marked fields; nothing was saved.")
TRUTHY = fields.Boolean.truthy | {"是", "Y", "y"}
FALSY = fields.Boolean.falsy | {"否", "N", "n"}


def _messages(invalid):
    return {"required": REQUIRED, "null": REQUIRED, "invalid": invalid}


def _text(required=False):
    return fields.String(required=required, validate=check_storable,
                         error_messages=_messages(_l("Enter text.")))


def _choice(choices, required=False, default=None):
    extra = {"load_default": default} if default is not None else {}
    return fields.String(required=required, validate=OneOf(choices, error=CHOOSE),
                         error_messages=_messages(CHOOSE), **extra)


def _flag(required=False, default=False):
    extra = {} if required else {"load_default": default}
    return fields.Boolean(required=required, truthy=TRUTHY, falsy=FALSY,
                          error_messages=_messages(_l("Answer yes or no.")), **extra)


class _Time(fields.DateTime):
    """A date-time of this era: year 1 with an offset cannot even be turned into UTC."""

    def _deserialize(self, value, attr, data, **kwargs):
        moment = super()._deserialize(value, attr, data, **kwargs)
        if not FIRST_YEAR <= moment.year <= LAST_YEAR:
            raise self.make_error("invalid")
        return moment


def _time(required=False):
    return _Time(required=required, error_messages={
        **_messages(_l("Enter a date and time, e.g. 2026-05-01 14:30.")),
        "format": _l("Enter a date and time, e.g. 2026-05-01 14:30.")})


class _Input(Schema):
    """Strips text, treats empty values as absent, refuses unknown fields."""

    class Meta:
        unknown = RAISE

    error_messages = {"unknown": _l("Unknown field."),
                      "type": _l("The request body must be a JSON object.")}

    @pre_load
    def _blank_is_absent(self, data, **kwargs):
        if not isinstance(data, dict):
            return data
        cleaned = {}
        for key, value in data.items():
            if isinstance(value, str):
                value = value.strip()
            if value not in ("", None):
                cleaned[key] = value
        return cleaned


class FilingInput(_Input):
    """The fields of one person's report (shared/API.md)."""

    name = _text(required=True)
    id_type = _choice(ID_TYPES, default="resident_id")
    id_number = _text(required=True)
    phone = _text(required=True)
    gender = _choice(("male", "female"))
    origin_country = _text()
    origin_region_code = _text()
    origin_address = _text()
    departure_at = _time()
    expected_arrival_at = _time(required=True)
    transport_mode = _choice(TRANSPORT_MODES, required=True)
    transport_no = _text()
    transit = _text()
    destination_region_code = _text(required=True)
    destination_address = _text(required=True)
    work_unit = _text()
    fever = _flag()
    cough = _flag()
    fatigue = _flag()
    other_symptoms = _text()
    risk_area_14d = _flag()
    abroad_14d = _flag()
    close_contact_14d = _flag()
    commitment = _flag(required=True)
    proxy_name = _text()
    proxy_phone = _text()
    proxy_relation = _text()
    arrived_at = _time()


FILING_INPUT = FilingInput()
# What the filer may change later: any field but the arrival (that is a backfill's).
FILING_CHANGES = FilingInput(partial=True, exclude=("arrived_at",))
INPUT_FIELDS = tuple(FILING_INPUT.fields)


class CheckInput(_Input):
    """An officer's check (核查)."""

    method = _choice(CHECK_METHODS, required=True)
    arrived = _flag(required=True)
    arrived_at = _time()
    actual_transport_mode = _choice(TRANSPORT_MODES)
    tested = _flag()
    test_at = _time()
    test_result = _choice(TEST_RESULTS)
    control_measure = _choice(CONTROL_MEASURES)
    control_start = _time()
    control_end = _time()
    note = _text()


class TransferInput(_Input):
    to_region_code = _text(required=True)
    reason = _text(required=True)


CHECK_INPUT = CheckInput()
TRANSFER_INPUT = TransferInput()


def load(schema: Schema, data, prefix: str = "") -> dict:
    """The schema's load, with its errors as ValidationFailed (``prefix`` + field)."""
    try:
        return schema.load(data if data is not None else {})
    except ValidationError as error:
        raise ValidationFailed(FIX_FIELDS, _flatten(error.messages, prefix))


def load_partly(schema: Schema, data, prefix: str = "") -> tuple[Optional[dict], dict]:
    """The schema's load that keeps going: ``(the valid fields, errors by field)``, so
    the rules of the fields that did load are checked too and every mistake is shown at
    once. ``None`` for the fields when ``data`` is not an object at all."""
    try:
        return schema.load(data if data is not None else {}), {}
    except ValidationError as error:
        valid = error.valid_data if isinstance(data, dict) and isinstance(error.valid_data, dict) else None
        return valid, _flatten(error.messages, prefix)


def _flatten(messages, prefix) -> dict:
    if not isinstance(messages, dict):
        return {prefix.rstrip(".") or "_schema": _as_list(messages)}
    flat = {}
    for key, value in messages.items():
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = _as_list(value)
    return flat


def _as_list(messages) -> list:
    # marshmallow keeps a lazy (translated) message as it is, not in a list
    return list(messages) if isinstance(messages, (list, tuple)) else [messages]


# ---- regions --------------------------------------------------------------------------

@dataclass(frozen=True)
class RegionInfo:
    code: str
    name: str
    level: int


RegionLookup = Callable[[set], dict]  # codes -> {code: RegionInfo}


def province_code() -> str:
    return current_app.config["PROVINCE_CODE"]


# ---- a filing ------------------------------------------------------------------------

def check_filing(data: dict, now: dt.datetime, regions: dict, problems: FieldErrors) -> dict:
    """The stored values of a valid filing (plain ID number and phone: the caller
    encrypts them), from ``data`` loaded by FILING_INPUT. ``regions`` holds the
    RegionInfo of the codes it names (``region_codes``). Problems go to ``problems``."""
    values = {key: data.get(key) for key in INPUT_FIELDS}
    for key, limit in MAX_LENGTH.items():
        if isinstance(values.get(key), str) and len(values[key]) > limit:
            problems.add(key, _l("Too long: at most %(n)s characters.", n=limit))
    check_person(values, problems)
    _check_origin(values, regions, problems)
    _check_destination(values, regions, problems)
    _check_times(values, now, problems)
    if values.get("commitment") is not True:
        problems.add("commitment", _l("Please confirm the commitment."))
    check_proxy(values, problems)
    return values


def check_proxy(values, problems):
    """Someone filing for another person (a family member, or an elderly parent while not
    travelling oneself) gives their own name and phone: the receipt and "my filings"
    reach them through it."""
    if not any(values.get(key) for key in ("proxy_name", "proxy_phone", "proxy_relation")):
        return
    for key in ("proxy_name", "proxy_phone"):
        if not values.get(key):
            problems.add(key, REQUIRED)
    if values.get("proxy_phone") and not identity.is_phone(values["proxy_phone"]):
        problems.add("proxy_phone", _l("Not a valid phone number."))


def region_codes(data: dict) -> set:
    return {data.get("destination_region_code"), data.get("origin_region_code")} - {None}


def check_person(values, problems):
    id_type = values.get("id_type") or "resident_id"
    values["id_type"] = id_type
    number = identity.normalize_id_number(values.get("id_number"))
    values["id_number"] = number
    if id_type == "resident_id":
        parsed = identity.parse_resident_id(number)
        if parsed is None:
            problems.add("id_number", _l("Not a valid resident ID number (check the last character)."))
        else:
            values.update(parsed)
        if not identity.is_mobile(values.get("phone")):
            problems.add("phone", _l("Enter a mainland mobile number of 11 digits."))
    else:
        values["birth_date"] = None
        if not OTHER_ID_RE.match(number or ""):
            problems.add("id_number", _l("Enter the document number: 5 to 32 letters or digits."))
        if not identity.is_phone(values.get("phone")):
            problems.add("phone", _l("Not a valid phone number."))


def _check_origin(values, regions, problems):
    country = (values.get("origin_country") or "CN").upper()
    values["origin_country"] = country
    if country in NOT_COUNTRIES or country not in Locale("en").territories or not country.isalpha():
        problems.add("origin_country", _l("Unknown country code."))
    code = values.get("origin_region_code")
    if country == "CN":
        region = regions.get(code)
        if not code:
            problems.add("origin_region_code", REQUIRED)
        elif region is None or region.level != LEVEL_COUNTY:
            problems.add("origin_region_code", _l("Choose the county (district) you come from."))
    elif code:
        values["origin_region_code"] = None  # a foreign origin has only an address


def _check_destination(values, regions, problems):
    region = regions.get(values.get("destination_region_code"))
    if region is None or region.level != LEVEL_COMMUNITY or not region.code.startswith(province_code()):
        problems.add("destination_region_code",
                     _l("Choose the community (village) of your destination in the province."))


def _check_times(values, now, problems):
    expected = to_utc(values.get("expected_arrival_at"))
    departure = to_utc(values.get("departure_at"))
    arrived = to_utc(values.get("arrived_at"))
    values.update(expected_arrival_at=expected, departure_at=departure, arrived_at=arrived)
    if expected is None:
        return
    values["arrival_day"] = local_date(expected)
    if departure and departure > expected:
        problems.add("departure_at", _l("The departure must not be after the expected arrival."))
    values["is_backfill"] = arrived is not None
    if arrived is not None:
        if arrived > now + CLOCK_SKEW:
            problems.add("arrived_at", _l("The arrival time must not be in the future."))
        elif arrived < now - BACKFILL_WINDOW:
            problems.add("arrived_at", _l("A backfill reports an arrival of the last 30 days."))
        elif departure and departure > arrived:
            problems.add("departure_at", _l("The departure must not be after the arrival."))
        values["late_notice"] = True
        return
    if expected < now - CLOCK_SKEW:
        problems.add("expected_arrival_at", _l(
            "The expected arrival has passed. If you have already arrived, give your arrival time (a backfill)."))
    elif expected > now + MAX_AHEAD:
        problems.add("expected_arrival_at", _l("The expected arrival is more than 90 days ahead."))
    values["late_notice"] = expected - now < LATE_NOTICE


# ---- a check and a transfer ----------------------------------------------------------

def check_check(data: dict, now: dt.datetime) -> dict:
    """Column values of a FilingCheck from CHECK_INPUT's output, or ValidationFailed."""
    problems = FieldErrors()
    values = {key: data.get(key) for key in CheckInput._declared_fields}
    for key in ("arrived_at", "test_at", "control_start", "control_end"):
        values[key] = to_utc(values[key])
        if key != "control_end" and values[key] and values[key] > now + CLOCK_SKEW:
            problems.add(key, _l("This time must not be in the future."))
    if len(values.get("note") or "") > MAX_LENGTH["note"]:
        problems.add("note", _l("Too long: at most %(n)s characters.", n=MAX_LENGTH["note"]))
    if values["arrived"]:
        values["arrived_at"] = values["arrived_at"] or now
    elif values["arrived_at"]:
        problems.add("arrived_at", _l("Give an arrival time only when the person has arrived."))
    values["tested"] = bool(values.get("tested"))
    if values["tested"]:
        if not values.get("test_result"):
            problems.add("test_result", REQUIRED)
        values["test_at"] = values["test_at"] or now
    elif values.get("test_at") or values.get("test_result"):
        problems.add("tested", _l("Tick 'tested' to record a test."))
    measure = values.get("control_measure")
    if measure and measure != "none":
        values["control_start"] = values["control_start"] or now
    elif values.get("control_start") or values.get("control_end"):
        problems.add("control_measure", _l("Choose the control measure for its start and end."))
    if values.get("control_end") and values["control_end"] < values["control_start"]:
        problems.add("control_end", _l("The end must not be before the start."))
    if problems:
        raise ValidationFailed(FIX_FIELDS, problems.errors)
    return values


def status_after_check(check: dict, now: dt.datetime) -> str:
    """A check decides the status: arrived or not; closed once its control has ended."""
    if check.get("control_end") and check["control_end"] <= now:
        return "closed"
    return "arrived" if check["arrived"] else "not_arrived"


def check_transfer(data: dict, current_code: str, target: Optional[RegionInfo]) -> dict:
    problems = FieldErrors()
    if target is None or target.level != LEVEL_COMMUNITY or not target.code.startswith(province_code()):
        problems.add("to_region_code", _l("Choose a community (village) of the province."))
    elif target.code == current_code:
        problems.add("to_region_code", _l("The filing is already in this community."))
    if len(data.get("reason") or "") > MAX_LENGTH["reason"]:
        problems.add("reason", _l("Too long: at most %(n)s characters.", n=MAX_LENGTH["reason"]))
    if problems:
        raise ValidationFailed(FIX_FIELDS, problems.errors)
    return {"to_region_code": target.code, "reason": data["reason"]}
