"""The filing service: every way a filing is created or changed goes through here.

Callers (the public page and API, staff paper entry, the import, the staff API and
screens) hand over a connection in their transaction and the clock (``now``, naive
UTC); the service validates with app.filings.rules, writes with SQLAlchemy Core, keeps a
revision, an audit entry and the outbox message in the same transaction, and calls
app.filings.events with the complete rows before and after every change (on PostgreSQL
the listeners' work for new filings is part of the inserting statement instead).

Edits by the filer are limited atomically in the database: a conditional UPDATE
(``edit_count < MAX_EDITS AND expected_arrival_at > now ...``) whose row count decides,
so concurrent edits can never pass the limit together.
"""
import datetime as dt
import json
import secrets
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Iterable, Optional

from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy import String, and_, func, or_, select, tuple_, update

from app.core import audit
from app.filings import events as filing_events
from app.filings import labels
from app.filings import links
from app.filings import rules
from app.core import identity
from app.core import rate_limits
from app.core.extensions import db
from app.core.errors import Conflict, FieldErrors, NotFound, OutsideJurisdiction, ValidationFailed
from app.core.jurisdiction import is_within, within
from app.core.clock import format_local, iso_local
from app.core.transaction import transaction
from app.core import dialects
from app.core.dialects.postgresql import run_constant, with_single_statement_engine
from app.core.sqltools import insert_ignoring_conflicts
from app.core.outbox import notification_values
from models import AuditLog, Notification, Region
from models.region import REGION_CODE_LENGTHS
from models.filing import (
    MAX_EDITS,
    Filing,
    FilingCheck,
    FilingRevision,
    FilingTransfer,
)
from models.user import ConsoleUser

FILING = Filing.__table__
COLUMNS = tuple(c.name for c in FILING.columns)
OPEN_STATUSES = ("submitted", "not_arrived")
# Sensitive input fields: (input name, masker, has a lookup hash).
SENSITIVE = {"id_number": (identity.mask_id_number, True), "phone": (identity.mask_phone, True),
             "proxy_phone": (identity.mask_phone, True)}
PLAIN_FIELDS = tuple(f for f in rules.INPUT_FIELDS if f not in SENSITIVE) + (
    "birth_date", "arrival_day", "late_notice", "is_backfill")
STAFF_EDITABLE = ("name", "origin_address", "transport_mode", "transport_no", "transit",
                  "destination_address", "work_unit", "other_symptoms", "fever", "cough",
                  "fatigue", "risk_area_14d", "abroad_14d", "close_contact_14d")
NOT_EDITABLE = _l("This filing can no longer be changed.")
ALREADY_FILED = _l("This person has already filed for that day.")


class DuplicateFiling(Conflict):
    """409: the person has a live filing for that day. Which one (``receipts``) stays
    inside the service: a stranger who knows an ID number must not learn its receipt."""

    def __init__(self, receipts: list[str], message=ALREADY_FILED):
        super().__init__(message, {"id_number": [ALREADY_FILED]})
        self.receipts = receipts


@dataclass
class Created:
    """What the filer gets back: ``token`` is shown once and only its hash is kept."""

    id: int
    receipt: str
    token: str
    status: str
    late_notice: bool
    community_code: str
    edits_left: int = MAX_EDITS

    def as_dict(self) -> dict:
        return {"receipt": self.receipt, "token": self.token, "status": self.status,
                "edits_left": self.edits_left, "late_notice": self.late_notice,
                "community_code": self.community_code}


# ---- reading ----------------------------------------------------------------------------

# Regions named by filings, kept a few minutes per process: the division codes hardly
# ever change, and the public filing path saves a query. Unknown codes are not kept.
REGION_CACHE_SECONDS = 300
_region_cache: dict[str, tuple[float, rules.RegionInfo]] = {}


def region_info(conn, codes: Iterable[str]) -> dict:
    """``{code: RegionInfo}`` of the codes that exist."""
    now, found = time.monotonic(), {}
    for code in {c for c in codes if c}:
        cached = _region_cache.get(code)
        if cached and cached[0] > now:
            found[code] = cached[1]
    wanted = {c for c in codes if c} - set(found)
    if wanted:
        rows = conn.execute(select(Region.code, Region.name, Region.level).where(Region.code.in_(wanted)))
        for code, name, level in rows:
            found[code] = rules.RegionInfo(code, name, level)
            _region_cache[code] = (now + REGION_CACHE_SECONDS, found[code])
    return found


def _row(conn, condition, lock=False) -> Optional[dict]:
    query = select(FILING).where(condition)
    if lock:
        query = dialects.of(conn).locked(query)
    row = conn.execute(query).mappings().first()
    return dict(row) if row else None


def scoped_row(conn, filing_id, jurisdiction: Optional[str], lock: bool = False) -> dict:
    """The filing ``filing_id`` if it lies within ``jurisdiction``, else NotFound
    (a row of another jurisdiction looks exactly like a missing one)."""
    try:
        filing_id = int(filing_id)
    except (TypeError, ValueError):
        raise NotFound()
    row = _row(conn, and_(FILING.c.id == filing_id,
                          within(Filing, jurisdiction, FILING.c)), lock)
    if row is None:
        raise NotFound()
    return row


def row_by_token(conn, receipt: str, token: Optional[str], *, now: dt.datetime, lock: bool = False) -> dict:
    """The filing of ``receipt`` when ``token`` is its secret, or a signed token opening
    it at ``now`` (app.filings.links); NotFound otherwise."""
    row = _row(conn, FILING.c.receipt == (receipt or "").strip().upper(), lock)
    if row is None or not token or not (
            secrets.compare_digest(row["token_hash"], identity.token_hash(token)) or links.opens(row, token, now)):
        raise NotFound()
    return row


def row_by_receipt(conn, receipt: str) -> Optional[dict]:
    return _row(conn, FILING.c.receipt == (receipt or "").strip().upper())


# ---- creating -----------------------------------------------------------------------------

@transaction
def create_filings(conn, inputs: list, *, now: dt.datetime, channel: str,
                   jurisdiction: Optional[str], user_id: Optional[int] = None,
                   prefix=lambda index: "", by: Optional[tuple] = None) -> list[Created]:
    """Validate and store one or more filings (a family: all or none). ``jurisdiction``
    is the staff member's (their destinations must lie within it); None for no one's (a
    job, the CLI, a test acting for the whole system).
    ``prefix(index)`` names the input in error keys (``filings.1.``, a row number)."""
    prepared = prepare_filings(conn, inputs, now=now, jurisdiction=jurisdiction, prefix=prefix)
    return store_filings(conn, prepared, now=now, channel=channel, user_id=user_id, by=by)


def create_one_filing(data, *, now: dt.datetime, channel: str) -> Created:
    """One person's filing, by the public page or API: the hot path. Its write is one
    statement on PostgreSQL (see _write_pg), atomic by itself, so it runs on the
    single-statement engine: no BEGIN and COMMIT round trips. (A family's filings keep
    their transaction: a repeated person must undo the others.)"""
    def file(conn):
        return _file_publicly(conn, [data], now=now, channel=channel)[0]

    with _resending_receipts(now):
        engine = dialects.of().single_statement_engine()
        if engine is None or _listeners_in_statement(engine) is None:  # several statements
            with db.engine.begin() as conn:
                return file(conn)
        return with_single_statement_engine(file)


def create_family(people: list, *, now: dt.datetime, channel: str) -> list[Created]:
    """A family's public filings in one transaction: all are stored or none."""
    with _resending_receipts(now):
        with db.engine.begin() as conn:
            return _file_publicly(conn, people, now=now, channel=channel,
                                  prefix=lambda index: f"filings.{index}.")


def _file_publicly(conn, inputs: list, *, now, channel, prefix=lambda index: "") -> list[Created]:
    prepared = prepare_filings(conn, inputs, now=now, jurisdiction=None, prefix=prefix)  # anyone may file
    if rate_limits.enabled():  # the hashes are work the benchmark's path does not need
        rate_limits.hit_all({
            rate_limits.ID_NUMBER: [identity.lookup_hash(p.values["id_number"]) for p in prepared],
            rate_limits.PHONE: [identity.lookup_hash(_sms_phone(p.values)) for p in prepared]})
    return store_filings(conn, prepared, now=now, channel=channel, by=audit.PUBLIC)


RESENT = _l("This person has already filed for that day; the receipt was sent by SMS to the "
            "phone given in that filing. Change or cancel that filing with it.")


@contextmanager
def _resending_receipts(now: dt.datetime):
    """A public filing repeating a person's day answers only that the receipt went by SMS
    to the phone on file, and sends it again there (SMS_RATE_LIMIT per phone, so a
    stranger cannot flood that phone); after the refused transaction, in one of its own."""
    try:
        yield
    except DuplicateFiling as duplicate:
        resend_receipts(duplicate.receipts, now=now)
        raise DuplicateFiling(duplicate.receipts, RESENT) from None


def resend_receipts(receipts: list[str], *, now: dt.datetime) -> int:
    """Queue the receipt SMS of these filings again, within each phone's limit; how many."""
    queued = 0
    with db.engine.begin() as conn:
        rows = [dict(r) for r in conn.execute(select(FILING).where(FILING.c.receipt.in_(receipts))).mappings()]
        names = region_info(conn, [row["destination_region_code"] for row in rows])
        for row in rows:
            phone = _sms_phone({name: identity.decrypt(row[f"{name}_enc"]) for name in ("phone", "proxy_phone")})
            community = names.get(row["destination_region_code"])
            if phone is None or not rate_limits.try_hit(rate_limits.PHONE, identity.lookup_hash(phone)):
                continue
            conn.execute(Notification.__table__.insert(), [_receipt_message(
                row, phone, community.name if community else row["destination_region_code"], now)])
            queued += 1
    return queued


@dataclass
class Prepared:
    values: dict        # the checked plain values
    destination: rules.RegionInfo
    columns: dict = field(default_factory=dict)  # stored as given (an import's external_id)


def prepare_filings(conn, inputs: list, *, now, jurisdiction: Optional[str],
                    prefix=lambda i: "") -> list[Prepared]:
    """Load and check every input; ValidationFailed with every problem of every input.
    Destinations must lie within ``jurisdiction`` (None: anywhere)."""
    loaded, errors, shape_errors = [], {}, []
    for index, data in enumerate(inputs):
        valid, problems = rules.load_partly(rules.FILING_INPUT, data, prefix(index))
        loaded.append(valid)
        shape_errors.append(problems)
        errors.update(problems)
    regions = region_info(conn, set().union(*(rules.region_codes(d) for d in loaded if d)))
    prepared, seen = [], {}
    for index, data in enumerate(loaded):
        if data is None:
            continue
        problems = FieldErrors(prefix(index))
        values = rules.check_filing(data, now, regions, problems)
        # A field refused for its shape keeps that message alone; the rest are checked too.
        problems.errors = {key: messages for key, messages in problems.errors.items()
                           if key not in shape_errors[index]}
        if shape_errors[index]:
            errors.update(problems.errors)
            continue
        destination = values.get("destination_region_code")
        if jurisdiction is not None and destination in regions and not is_within(destination, jurisdiction):
            problems.add("destination_region_code", OutsideJurisdiction().message)
        person = (values.get("id_number"), values.get("arrival_day"))
        if not problems and person in seen:
            problems.add("id_number", _l("This person is already in this submission for the same day."))
        seen.setdefault(person, index)
        errors.update(problems.errors)
        if not problems:
            prepared.append(Prepared(values, regions[destination]))
    if errors:
        raise ValidationFailed(rules.FIX_FIELDS, errors)
    return prepared


def store_filings(conn, prepared: list[Prepared], *, now, channel, user_id=None, by=None) -> list[Created]:
    """``by``: the audit's actor when the caller knows it (app.core.audit.PUBLIC)."""
    batch_id = secrets.token_hex(8) if len(prepared) > 1 else None
    tokens, rows, receivers = {}, [], {}
    for item in prepared:
        token = identity.new_token()
        row = _new_row(item.values, now=now, channel=channel, user_id=user_id, batch_id=batch_id,
                       token=token)
        row.update(item.columns)
        tokens[id(row)] = token
        receivers[id(row)] = item
        rows.append(row)
    changes = {"channel": [None, channel]}
    revision = _revision_values("create", changes, user_id, now)
    entry = audit.entry_values("create", "Filing", changes=changes, by=by)

    def companions(new_rows):
        """The rows written with each new filing: its revision, audit entry and SMS."""
        messages = [(row["receipt"], _receipt_message(row, _sms_phone(receivers[id(row)].values),
                                                      receivers[id(row)].destination.name, now))
                    for row in new_rows]
        return [(FilingRevision.__table__, "filing_id", [(row["receipt"], revision) for row in new_rows]),
                (AuditLog.__table__, "entity_id", [(row["receipt"], {
                    **entry, "region_code": row["destination_region_code"]}) for row in new_rows]),
                (Notification.__table__, "filing_id", [(receipt, m) for receipt, m in messages if m])]

    listener_parts = _listeners_in_statement(conn)
    ids = _insert_new(conn, rows, companions, listener_parts)
    for row in rows:
        row["id"] = ids[row["receipt"]]
    if listener_parts is None:
        filing_events.filings_changed(conn, [(None, row) for row in rows])
    return [Created(row["id"], row["receipt"], tokens[id(row)], row["status"],
                    row["late_notice"], row["destination_region_code"]) for row in rows]


def _new_row(values, *, now, channel, user_id, batch_id, token) -> dict:
    row = dict.fromkeys(COLUMNS)
    del row["id"]
    row.update({key: values.get(key) for key in PLAIN_FIELDS})
    row.update(_protected(values))
    row.update(receipt=identity.new_receipt(), token_hash=identity.token_hash(token),
               status="submitted", channel=channel, batch_id=batch_id, edit_count=0,
               check_count=0, filed_at=now, updated_at=now, filed_by_id=user_id)
    return row


def _protected(values: dict, only: Iterable[str] = tuple(SENSITIVE)) -> dict:
    """The encrypted, hashed and masked columns of the sensitive values in ``only``."""
    columns = {}
    for name in only:
        masker, hashed = SENSITIVE[name]
        stored = identity.protect(values.get(name), masker)
        columns[f"{name}_enc"], columns[f"{name}_masked"] = stored["enc"], stored["masked"] or None
        if hashed:
            columns[f"{name}_hash"] = stored["hash"]
    return columns


def _insert_new(conn, rows: list[dict], companions, listener_parts, attempts: int = 3) -> dict:
    """Insert new filings with their companion rows; ``{receipt: id}``. A row repeating
    a filing (same person, same arrival day) raises DuplicateFiling (the caller's
    transaction is rolled back: all or none). Receipt collisions (about 1 in 10**9)
    draw a new receipt."""
    if dialects.of(conn).ONE_STATEMENT_WRITES:
        ids = _write_pg(conn, rows, companions, listener_parts or ())
    else:
        ids = _write_in_steps(conn, rows, companions)
    missing = [row for row in rows if row["receipt"] not in ids]
    if missing:
        existing = find_existing(conn, [(r["id_number_hash"], r["arrival_day"]) for r in missing])
        if existing:
            raise DuplicateFiling(list(existing.values()))
        if attempts <= 1:
            raise RuntimeError("could not draw unique receipts")
        for row in missing:
            row["receipt"] = identity.new_receipt()
        ids.update(_insert_new(conn, missing, companions, listener_parts, attempts - 1))
    return ids


def _write_in_steps(conn, rows, companions) -> dict:
    """The filings, then the companion rows of those inserted (SQLite)."""
    statement = insert_ignoring_conflicts(FILING, conn)
    result = conn.execute(statement.returning(FILING.c.id, FILING.c.receipt), rows if len(rows) > 1 else rows[0])
    ids = {receipt: id_ for id_, receipt in result}
    inserted = [row for row in rows if row["receipt"] in ids]
    for table, link, entries in companions(inserted):
        values = [{**entry, link: _link_value(table, link, ids[receipt])} for receipt, entry in entries]
        if values:
            conn.execute(table.insert(), values)
    return ids


def _link_value(table, link, filing_id):
    return str(filing_id) if isinstance(table.c[link].type, String) else filing_id


def _listeners_in_statement(bind) -> Optional[tuple[str, ...]]:
    """The filing listeners' CTEs when _write_pg inserts the filings (PostgreSQL and every
    listener able to), else None: the listeners then hear of the new filings afterwards."""
    if not dialects.of(bind).ONE_STATEMENT_WRITES:
        return None
    return filing_events.statement_parts_for_inserted(NEW_FILING)


def _write_pg(conn, rows, companions, listener_parts: tuple[str, ...]) -> dict:
    """One statement, one round trip: the filings and, in data-modifying CTEs, the
    companion rows of the filings actually inserted (joined by receipt) and the
    listeners' work (the summaries' pending share). The rows travel as JSON parameters, so the
    statement never changes: PostgreSQL prepares it once and psycopg parses it once.
    The public filing path is lean because of this."""
    params = {"filing": _json(rows)}
    for table, _link, entries in companions(rows):
        params[table.name] = _json([{"receipt": receipt, **entry} for receipt, entry in entries])
    return {receipt: id_ for id_, receipt in run_constant(conn, _pg_statement(listener_parts), params)}


def _json(rows) -> str:
    return json.dumps(rows, ensure_ascii=False, default=lambda value: value.isoformat())


COMPANION_LINKS = ((FilingRevision.__table__, "filing_id"), (AuditLog.__table__, "entity_id"),
                   (Notification.__table__, "filing_id"))


NEW_FILING = "new_filing"  # the CTE of _pg_statement returning the inserted filings


@lru_cache(maxsize=4)
def _pg_statement(listener_parts: tuple[str, ...]) -> str:
    from sqlalchemy.dialects import postgresql

    def sql_type(column_):
        return column_.type.compile(dialect=postgresql.dialect())

    names = ", ".join(name for name in COLUMNS if name != "id")
    parts = [f"WITH {NEW_FILING} AS (INSERT INTO filing ({names}) SELECT {names} "
             f"FROM json_populate_recordset(NULL::filing, %(filing)s::json) "
             f"ON CONFLICT DO NOTHING RETURNING *)"]
    for table, link in COMPANION_LINKS:
        given = [c for c in table.columns if c.name not in ("id", link)]
        names = ", ".join(c.name for c in given)
        values = ", ".join(f"given.{c.name}" for c in given)  # the new filing has columns of these names
        definition = ", ".join(f"{c.name} {sql_type(c)}" for c in given)
        parts.append(f"new_{table.name} AS (INSERT INTO {table.name} ({names}, {link}) "
                     f"SELECT {values}, {NEW_FILING}.id::{sql_type(table.c[link])} "
                     f"FROM json_to_recordset(%({table.name})s::json) AS given(receipt text, {definition}) "
                     f"JOIN {NEW_FILING} USING (receipt))")
    parts += [f"listener_{number} AS ({sql})" for number, sql in enumerate(listener_parts, start=1)]
    return ",\n".join(parts) + f"\nSELECT id, receipt FROM {NEW_FILING}"


def find_existing(conn, people: list[tuple], exclude_id=None) -> dict:
    """``{(id_number_hash, arrival_day): receipt}`` of the live filings of these people."""
    people = [p for p in people if p[0] and p[1]]
    if not people:
        return {}
    query = select(FILING.c.id_number_hash, FILING.c.arrival_day, FILING.c.receipt).where(
        tuple_(FILING.c.id_number_hash, FILING.c.arrival_day).in_(people),
        FILING.c.status != "cancelled")
    if exclude_id is not None:
        query = query.where(FILING.c.id != exclude_id)
    return {(h, d): receipt for h, d, receipt in conn.execute(query)}


def _sms_phone(values: dict) -> Optional[str]:
    """The mobile a receipt goes to: the person's, or the filer's for a family member."""
    return next((p for p in (values.get("phone"), values.get("proxy_phone")) if identity.is_mobile(p)), None)


def _receipt_message(row, phone: Optional[str], community: str, now: dt.datetime) -> Optional[dict]:
    """The SMS receipt to ``phone`` (none without a mobile)."""
    if phone is None:
        return None
    body = _("Arrival report received. Receipt %(receipt)s for %(name)s, arriving %(day)s at "
             "%(community)s. Show the receipt at checkpoints.",
             receipt=row["receipt"], name=row["name"], day=format_local(row["expected_arrival_at"]),
             community=community)
    link = links.receipt_link(row["receipt"], links.issue(links.LINK, row["receipt"], identity.lookup_hash(phone), now))
    if link:
        body += " " + _("View, change or cancel it: %(link)s", link=link)
    return notification_values("receipt", body, region_code=row["destination_region_code"], phone=phone)


# ---- the filer's changes ----------------------------------------------------------------

def edit_filing(conn, receipt: str, token: Optional[str], data, *, now) -> dict:
    """Apply the filer's changes (the given fields only). 409 when no edit is left, the
    arrival has passed or the filing is closed; 400 for invalid values."""
    before = row_by_token(conn, receipt, token, now=now, lock=True)
    changes = rules.load(rules.FILING_CHANGES, data)
    _refuse_unless_changeable(before, now, counting_edits=True)
    if not changes:
        raise ValidationFailed(_l("Give at least one field to change."))
    current = filer_input(before)
    problems = FieldErrors()
    values = rules.check_filing({**current, **changes}, now, region_info(
        conn, rules.region_codes({**current, **changes})), problems)
    if problems:
        raise ValidationFailed(rules.FIX_FIELDS, problems.errors)
    if "expected_arrival_at" not in changes:
        values["late_notice"] = before["late_notice"]
    updates = _changed_columns(before, current, values)
    if not updates:
        raise ValidationFailed(_l("Nothing differs from the filing; no edit was used."))
    person = (updates.get("id_number_hash", before["id_number_hash"]),
              updates.get("arrival_day", before["arrival_day"]))
    existing = find_existing(conn, [person], exclude_id=before["id"])
    if existing:
        raise DuplicateFiling(list(existing.values()))
    updates["updated_at"] = now
    result = conn.execute(
        update(FILING).where(*_changeable(before["id"], now),
                             FILING.c.edit_count < MAX_EDITS)
        .values(**updates, edit_count=FILING.c.edit_count + 1))
    if result.rowcount != 1:  # another edit won the race for the last one
        raise Conflict(_no_edits_left_message())
    after = {**before, **updates, "edit_count": before["edit_count"] + 1}
    _record(conn, [(before, after, "edit", revision_changes(before, after))], None, now)
    return after


def cancel_filing(conn, receipt: str, token: Optional[str], *, now) -> dict:
    before = row_by_token(conn, receipt, token, now=now, lock=True)
    _refuse_unless_changeable(before, now, counting_edits=False)
    result = conn.execute(update(FILING).where(*_changeable(before["id"], now))
                          .values(status="cancelled", updated_at=now))
    if result.rowcount != 1:
        raise Conflict(NOT_EDITABLE)
    after = {**before, "status": "cancelled", "updated_at": now}
    _record(conn, [(before, after, "cancel", {"status": [before["status"], "cancelled"]})], None, now)
    return after


def _changeable(filing_id, now):
    """The conditions under which the filer may still change a filing, as SQL."""
    return (FILING.c.id == filing_id, FILING.c.status == "submitted",
            FILING.c.arrived_at.is_(None), FILING.c.expected_arrival_at > now)


def _refuse_unless_changeable(row, now, counting_edits: bool):
    """The same conditions, checked first to say clearly why a change is refused."""
    if row["status"] == "cancelled":
        raise Conflict(_l("This filing was cancelled; it can no longer be changed."))
    if row["status"] != "submitted" or row["arrived_at"] is not None:
        raise Conflict(_l("The arrival has been recorded; the filing can no longer be changed."))
    if row["expected_arrival_at"] <= now:
        raise Conflict(_l("The expected arrival time has passed; the filing can no longer be changed."))
    if counting_edits and row["edit_count"] >= MAX_EDITS:
        raise Conflict(_no_edits_left_message())


def _no_edits_left_message():
    return _l("This filing has already been changed %(n)s times, the most allowed; "
              "it can no longer be changed.", n=MAX_EDITS)


def filer_input(row: dict) -> dict:
    """The row as checked input (plain values, aware UTC times) to merge changes into."""
    current = {key: row.get(key) for key in rules.INPUT_FIELDS if key not in SENSITIVE}
    for key in ("departure_at", "expected_arrival_at", "arrived_at"):
        if current[key] is not None:
            current[key] = current[key].replace(tzinfo=dt.timezone.utc)
    for name in SENSITIVE:
        current[name] = identity.decrypt(row[f"{name}_enc"])
    return current


def _changed_columns(before: dict, current: dict, values: dict) -> dict:
    updates = {key: values.get(key) for key in PLAIN_FIELDS
               if key in values and values.get(key) != before.get(key)}
    changed_sensitive = [n for n in SENSITIVE if (values.get(n) or None) != (current.get(n) or None)]
    updates.update(_protected(values, changed_sensitive))
    return updates


# ---- officers: checks and transfers ---------------------------------------------------------

@transaction
def record_check(conn, filing_id, data, *, now, jurisdiction, user_id=None) -> tuple[int, dict]:
    """An officer's check of a filing in their jurisdiction; returns (check id, row)."""
    check = rules.check_check(rules.load(rules.CHECK_INPUT, data), now)
    before = scoped_row(conn, filing_id, jurisdiction, lock=True)
    if before["status"] == "cancelled":
        raise Conflict(_l("This filing was cancelled; it cannot be checked."))
    check_id = conn.execute(FilingCheck.__table__.insert().returning(FilingCheck.id).values(
        filing_id=before["id"], region_code=before["destination_region_code"], checked_by_id=user_id,
        checked_at=now, **check)).scalar_one()
    updates = {"status": rules.status_after_check(check, now), "last_checked_at": now,
               "updated_at": now}
    if check["arrived"]:
        updates["arrived_at"] = check["arrived_at"]
    if check["tested"]:
        updates["test_result"] = check["test_result"]
    if check.get("control_measure"):
        updates.update({key: check[key] for key in ("control_measure", "control_start", "control_end")})
    conn.execute(update(FILING).where(FILING.c.id == before["id"])
                 .values(**updates, check_count=FILING.c.check_count + 1))
    after = {**before, **updates, "check_count": before["check_count"] + 1}
    changes = revision_changes(before, after)
    changes["check"] = [None, check_id]
    _record(conn, [(before, after, "check", changes)], user_id, now)
    return check_id, after


@transaction
def transfer_filing(conn, filing_id, data, *, now, jurisdiction, user_id=None) -> tuple[int, dict]:
    """Move a filing of the officer's jurisdiction to another community of the province
    (any: the traveller went elsewhere); the history is kept. Returns (transfer id, row)."""
    loaded = rules.load(rules.TRANSFER_INPUT, data)
    before = scoped_row(conn, filing_id, jurisdiction, lock=True)
    if before["status"] == "cancelled":
        raise Conflict(_l("This filing was cancelled; it cannot be transferred."))
    target = region_info(conn, [loaded["to_region_code"]]).get(loaded["to_region_code"])
    transfer = rules.check_transfer(loaded, before["destination_region_code"], target)
    transfer_id = conn.execute(FilingTransfer.__table__.insert().returning(FilingTransfer.id).values(
        filing_id=before["id"], from_region_code=before["destination_region_code"], by_id=user_id,
        at=now, **transfer)).scalar_one()
    updates = {"destination_region_code": target.code, "updated_at": now}
    conn.execute(update(FILING).where(FILING.c.id == before["id"]).values(**updates))
    after = {**before, **updates}
    changes = {"destination_region_code": [before["destination_region_code"], target.code],
               "reason": [None, transfer["reason"]]}
    _record(conn, [(before, after, "transfer", changes)], user_id, now)
    conn.execute(Notification.__table__.insert().values(**notification_values(
        "transfer", _("Filing %(receipt)s (%(name)s) was transferred to your community: %(reason)s",
                      receipt=before["receipt"], name=before["name"], reason=transfer["reason"]),
        region_code=target.code), filing_id=before["id"]))
    _tell_traveller_of_transfer(conn, before, target.code)
    return transfer_id, after


def _tell_traveller_of_transfer(conn, row: dict, community_code: str) -> None:
    """An SMS (through the outbox, in the transfer's transaction) to the traveller, or to
    whoever filed for them: which community takes their filing now."""
    phone = _sms_phone({name: identity.decrypt(row[f"{name}_enc"]) for name in ("phone", "proxy_phone")})
    if phone is None:
        return
    body = _("Your arrival report %(receipt)s (%(name)s) now goes to %(community)s; its officer will contact you.",
             receipt=row["receipt"], name=row["name"], community=_path_name(conn, community_code))
    conn.execute(Notification.__table__.insert().values(**notification_values(
        "transfer_sms", body, region_code=community_code, phone=phone)))


# ---- staff corrections and deletion (FAB's edit and delete, on the ORM row) --------------

def staff_edit(session, item: Filing, *, now, user_id=None) -> None:
    """Called before FAB saves a staff member's correction of ``item``: checks the
    changed values and keeps the revision and the change hook in the same transaction.
    Staff corrections do not use up the filer's edits."""
    before = committed_values(item)
    problems = FieldErrors()
    for key in STAFF_EDITABLE:
        value = getattr(item, key)
        if isinstance(value, str):
            value = value.strip() or None
            setattr(item, key, value)
        limit = rules.MAX_LENGTH.get(key)
        if limit and value and len(value) > limit:
            problems.add(key, _l("Too long: at most %(n)s characters.", n=limit))
    if item.transport_mode not in rules.TRANSPORT_MODES:
        problems.add("transport_mode", rules.CHOOSE)
    for key in ("name", "destination_address"):
        if not getattr(item, key):
            problems.add(key, rules.REQUIRED)
    if problems:
        raise ValidationFailed(rules.FIX_FIELDS, problems.errors)
    item.updated_at = now
    after = {column: getattr(item, column) for column in COLUMNS}
    if after == {**before, "updated_at": now}:
        return
    _record(session.connection(), [(before, after, "edit", revision_changes(before, after))],
            user_id, now, audited=False)


def staff_delete(session, item: Filing) -> None:
    """Called before FAB deletes a filing: its history goes with it, the hook hears it."""
    conn = session.connection()
    before = committed_values(item)
    for table in (FilingCheck.__table__, FilingTransfer.__table__, FilingRevision.__table__):
        conn.execute(table.delete().where(table.c.filing_id == item.id))
    filing_events.filing_changed(conn, before, None)


def committed_values(item: Filing) -> dict:
    """The row as stored (before the pending changes of this session)."""
    from sqlalchemy import inspect

    state = inspect(item)
    values = {}
    for column in COLUMNS:
        history = state.attrs[column].history
        values[column] = (history.deleted[0] if history.deleted else
                          history.unchanged[0] if history.unchanged else getattr(item, column))
    return values


# ---- what changed: revisions, audit, the change hook -----------------------------------

def revision_changes(before: dict, after: dict) -> dict:
    """``{"field": [old, new]}`` for revisions: sensitive values only masked, and what
    is read from the ID number hidden (app.core.audit.shown)."""
    changes = {}
    for key in COLUMNS:
        if key in ("updated_at", "edit_count") or key.endswith(("_enc", "_hash")):
            continue
        old, new = before.get(key), after.get(key)
        if old != new:
            changes[key] = [audit.shown(key, old), audit.shown(key, new)]
    return changes


def _revision_values(action, changes, user_id, now) -> dict:
    return {"at": now, "action": action, "by_id": user_id,
            "changes": json.dumps(changes, ensure_ascii=False, default=str)}


def _record(conn, changes: list[tuple], user_id, now, audited: bool = True) -> None:
    """Revision rows, audit entries (Core writes are not audited by the ORM hook) and the
    change hook for ``[(before, after, action, revision changes)]``."""
    conn.execute(FilingRevision.__table__.insert(), [
        {"filing_id": after["id"], **_revision_values(action, diff, user_id, now)}
        for before, after, action, diff in changes])
    if audited:
        for before, after, action, diff in changes:
            audit.record(conn, action, "Filing", after["id"], after["destination_region_code"], diff)
    filing_events.filings_changed(conn, [(before, after) for before, after, _a, _d in changes])


# ---- views of a filing -------------------------------------------------------------------

PUBLIC_FIELDS = ("receipt", "status", "channel", "name", "id_type", "gender", "origin_country",
                 "origin_region_code", "origin_address", "transport_mode", "transport_no",
                 "transit", "destination_region_code", "destination_address", "work_unit",
                 "fever", "cough", "fatigue", "other_symptoms", "risk_area_14d", "abroad_14d",
                 "close_contact_14d", "commitment", "proxy_name", "proxy_relation",
                 "late_notice", "is_backfill", "edit_count")
PUBLIC_TIMES = ("departure_at", "expected_arrival_at", "arrived_at", "filed_at", "updated_at")


def filer_view(conn, row: dict, now) -> dict:
    """The filing as its filer sees it (GET with the token): ID number and phones masked."""
    view = {key: row[key] for key in PUBLIC_FIELDS}
    view.update({key: iso_local(row[key]) for key in PUBLIC_TIMES})
    view.update(id_number=row["id_number_masked"], phone=row["phone_masked"],
                proxy_phone=row["proxy_phone_masked"], edits_left=max(0, MAX_EDITS - row["edit_count"]))
    names = region_info(conn, [row["destination_region_code"], row["origin_region_code"]])
    view["destination_name"] = _path_name(conn, row["destination_region_code"])
    origin = names.get(row["origin_region_code"])
    view["origin_name"] = origin.name if origin else labels.country_name(row["origin_country"])
    changeable = row["status"] == "submitted" and row["arrived_at"] is None and row["expected_arrival_at"] > now
    view["can_edit"] = changeable and row["edit_count"] < MAX_EDITS
    view["can_cancel"] = changeable
    return view


def _path_name(conn, code: Optional[str]) -> Optional[str]:
    """``郑州市 金水区 经八路街道 体育社区`` (the province left out)."""
    if not code:
        return None
    prefixes = [code[:n] for n in REGION_CODE_LENGTHS[1:] if n <= len(code)]
    names = region_info(conn, prefixes)
    return " ".join(names[p].name for p in prefixes if p in names)


def receipt_summary(row: dict) -> dict:
    """What the receipt alone shows (anyone with the code or its QR): that it exists and
    its status, nothing about the person, the trip or the place; those need the token."""
    return {"receipt": row["receipt"], "status": row["status"]}


@transaction
def reveal(conn, filing_id, *, jurisdiction, fields: Iterable[str] = tuple(SENSITIVE)) -> dict:
    """The plain ID number and phones of a filing (or only ``fields`` of them: the phone
    to call it), for a role allowed to see them; every unmasking is written to the audit log."""
    row = scoped_row(conn, filing_id, jurisdiction)
    plain = {name: identity.decrypt(row[f"{name}_enc"]) for name in fields}
    audit.record(conn, "unmask", "Filing", row["id"], row["destination_region_code"],
                 {"fields": [name for name, value in plain.items() if value]})
    return plain


def history(conn, filing_id: int) -> dict:
    """Checks, transfers and revisions of a filing, oldest first, with who did them."""
    def rows(table, order):
        return [dict(r) for r in conn.execute(
            select(table).where(table.c.filing_id == filing_id).order_by(order)).mappings()]

    checks = rows(FilingCheck.__table__, FilingCheck.__table__.c.id)
    transfers = rows(FilingTransfer.__table__, FilingTransfer.__table__.c.id)
    revisions = rows(FilingRevision.__table__, FilingRevision.__table__.c.id)
    for revision in revisions:
        revision["changes"] = json.loads(revision["changes"] or "{}")
    user_ids = {r.get("checked_by_id") or r.get("by_id") for r in checks + transfers + revisions} - {None}
    names = dict(conn.execute(select(ConsoleUser.id, ConsoleUser.username)
                              .where(ConsoleUser.id.in_(user_ids))).all()) if user_ids else {}
    for entry in checks + transfers + revisions:
        entry["by"] = names.get(entry.get("checked_by_id") or entry.get("by_id"))
    return {"checks": checks, "transfers": transfers, "revisions": revisions}


# ---- the officer's queue --------------------------------------------------------------------

QUEUE_BUCKETS = ("due", "overdue", "new", "open")


def check_deadline() -> dt.timedelta:
    """How long after the expected arrival an unchecked filing becomes overdue."""
    from flask import current_app

    return dt.timedelta(hours=int(current_app.config.get("CHECK_DEADLINE_HOURS", 24)))


def queue_condition(bucket: str, now: dt.datetime):
    """Open filings (waiting for a check, or checked and not yet arrived), by when:
    ``due`` arriving within a day or arrived within the deadline, ``overdue`` past the
    deadline, ``new`` arriving later, ``open`` all of them."""
    arrival, deadline = FILING.c.expected_arrival_at, check_deadline()
    condition = FILING.c.status.in_(OPEN_STATUSES)
    if bucket == "due":
        return and_(condition, arrival <= now + dt.timedelta(days=1), arrival >= now - deadline)
    if bucket == "overdue":
        return and_(condition, arrival < now - deadline)
    if bucket == "new":
        return and_(condition, arrival > now + dt.timedelta(days=1))
    return condition


def queue_counts(conn, jurisdiction, now) -> dict:
    scope = within(Filing, jurisdiction, FILING.c)
    return {bucket: conn.execute(select(func.count()).select_from(FILING).where(
        scope, queue_condition(bucket, now))).scalar_one() for bucket in QUEUE_BUCKETS}


def queue_page(conn, jurisdiction, bucket, now, page: int = 0, size: int = 50) -> list[dict]:
    query = (select(FILING).where(within(Filing, jurisdiction, FILING.c),
                                  queue_condition(bucket, now))
             .order_by(FILING.c.expected_arrival_at, FILING.c.id).limit(size).offset(page * size))
    return [dict(r) for r in conn.execute(query).mappings()]


def find_filings(conn, jurisdiction, term: str, limit: int = 50) -> list[dict]:
    """Filings of the jurisdiction by receipt, ID number or phone (exact: by the keyed
    hash, nothing is decrypted)."""
    term = (term or "").strip()
    if not term:
        return []
    hashed = identity.lookup_hash(identity.normalize_id_number(term))
    query = (select(FILING).where(
        within(Filing, jurisdiction, FILING.c),
        or_(FILING.c.receipt == term.upper(), FILING.c.id_number_hash == hashed,
            FILING.c.phone_hash == identity.lookup_hash(term)))
        .order_by(FILING.c.expected_arrival_at.desc()).limit(limit))
    return [dict(r) for r in conn.execute(query).mappings()]
