"""Feeds: test results, close contacts, arrivals seen, risk areas, imported in batches.

A file (CSV or XLSX with the template's Chinese or English headers) or JSON rows (the
keys of shared/API.md) is one batch: every row is checked first; a file with any bad row
is refused whole (the batch is kept as ``rejected``, listing each bad row with its line,
column and reason) and nothing of it is stored. The same file imported again (its
SHA-256) changes nothing and answers the first batch. ID numbers and phones are stored
like a filing's (app.core.identity: encrypted, the same keyed hash, masked), so the
matching joins on the hash in SQL. After the rows are stored the matching runs
(app.crossmatch.matching) in the same transaction.

Who imports: the province or a city (Command, Integrator), rows of its own jurisdiction
only; the command line imports for the whole province. A batch is seen (and undone)
only by whoever imported it and by the province.
"""
import datetime as dt
import hashlib
import json
import re
from itertools import zip_longest
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Callable, Optional

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select, text as sql_text, update

from app.core import audit, clock, identity
from app.core.errors import Conflict, FieldErrors, NotFound, ValidationFailed
from app.core.excel import TableRefused, read_table
from app.core.extensions import db
from app.core.jurisdiction import code_within, is_within
from app.core import dialects
from app.core.transaction import transaction
from app.healthcode.events import people_of_batch, refresh_batch, refresh_risk_area_batch, risk_area_travellers
from app.healthcode.rules import refresh_people
from app.ledgers.cells import CellError, both_languages, choice, date, text
from app.ledgers.engine import template as ledger_template
from app.venues import companions
from models import Region
from models.base import utcnow
from models.healthcode import COLOUR_LABELS
from models.crossmatch import (CONTACT_KINDS, FEED_MODELS, RISK_LEVELS, SOURCE_LABELS, SOURCES,
                               TEST_RESULTS, FeedBatch, Finding)

MAX_FILE_ROWS = 200_000
BIG_BATCH = 10_000
# The province (2 digits) or a city (4): who may import feeds.
IMPORTER_CODE_LENGTH = 4
ID_NUMBER_RE = re.compile(r"^[0-9A-Z]{5,30}$")
DATETIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M")
REFUSED_MESSAGE = _l("The file has errors; nothing was imported.")
TIME_FORMAT = _l("Enter a time like 2022-03-15 08:30 (or ISO 8601 with its offset).")

RESULT_LABELS = {"negative": _l("Negative"), "positive": _l("Positive"), "pending": _l("Pending")}
CONTACT_KIND_LABELS = {"close": _l("Close contact"), "secondary": _l("Secondary close contact")}
RISK_LEVEL_LABELS = {"high": _l("High risk"), "medium": _l("Medium risk")}
# Another province's colours (mutual recognition): a red or yellow counts in the rules.
CODE_COLOUR_LABELS = COLOUR_LABELS
assert set(RESULT_LABELS) == set(TEST_RESULTS) and set(CONTACT_KIND_LABELS) == set(CONTACT_KINDS) \
    and set(RISK_LEVEL_LABELS) == set(RISK_LEVELS)


# ---- cells ---------------------------------------------------------------------------

def id_number(value):
    value = identity.normalize_id_number(value)
    if not value:
        return None
    if len(value) == 18 and identity.parse_resident_id(value) is None:
        raise CellError(_l("Not a valid resident ID number."))
    if not ID_NUMBER_RE.match(value):
        raise CellError(_l("Not a valid ID number."))
    return value


def phone(value):
    value = (value or "").strip()
    if not value:
        return None
    if not identity.is_phone(value):
        raise CellError(_l("Not a valid phone number."))
    return value


def moment(value):
    """A time: ISO 8601 with its offset, or a local time as people write it."""
    if value in (None, ""):
        return None
    value = str(value).strip()
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        parsed = None
        for time_format in DATETIME_FORMATS:
            try:
                parsed = dt.datetime.strptime(value, time_format)
                break
            except ValueError:
                continue
    try:
        if parsed is None:
            raise ValueError(value)
        return clock.to_utc(parsed)
    except (OverflowError, ValueError):  # no such time, or none UTC can hold (year 1 local)
        raise CellError(TIME_FORMAT)


def day_start_or_moment(value, next_day=False):
    """A date means its local midnight (``next_day``: the end of that day); a time is as given."""
    if value not in (None, "") and len(str(value).strip()) <= 10:
        day = date(value)
        try:
            return clock.day_start(day + dt.timedelta(days=1 if next_day else 0))
        except (OverflowError, ValueError):
            raise CellError(TIME_FORMAT)
    return moment(value)


def region_code(value):
    value = (value or "").strip()
    if not value:
        return None
    if not value.isdigit() or len(value) not in (4, 6, 9, 12):
        raise CellError(_l("Enter a division code (city, county, township or community)."))
    return value


def county_code(value):
    value = (value or "").strip()
    if value and not (value.isdigit() and len(value) == 6):
        raise CellError(_l("Enter a 6-digit county code."))
    return value or None


# ---- the sources' columns --------------------------------------------------------------

@dataclass
class FeedColumn:
    key: str
    header: object
    parse: Callable
    required: bool = False
    note: object = ""
    options: Optional[dict] = None

    def __post_init__(self):
        if self.options is not None:
            self.parse = choice(self.options)


ID_NOTE = _l("ID number; a resident ID is checked by its check digit.")
REGION_NOTE = _l("Division code; must lie within your jurisdiction.")
COLUMNS: dict[str, list[FeedColumn]] = {
    "test_result": [
        FeedColumn("id_number", _l("ID card number"), id_number, True, ID_NOTE),
        FeedColumn("name", _l("Full name"), text(50)),
        FeedColumn("sampled_at", _l("Sampled at"), moment, True, _l("e.g. 2022-03-15 08:30")),
        FeedColumn("result", _l("Result"), None, True, options=RESULT_LABELS),
        FeedColumn("lab", _l("Laboratory"), text(100)),
        FeedColumn("region_code", _l("Sampling region"), region_code,
                   note=_l("Division code; empty: your jurisdiction.")),
    ],
    "contact": [
        FeedColumn("id_number", _l("ID card number"), id_number, note=_l("ID number and/or phone.")),
        FeedColumn("phone", _l("Mobile phone"), phone, note=_l("ID number and/or phone.")),
        FeedColumn("name", _l("Full name"), text(50)),
        FeedColumn("kind", _l("Contact kind"), None, True, options=CONTACT_KIND_LABELS),
        FeedColumn("exposed_on", _l("Exposure date"), date, True, _l("e.g. 2022-03-15")),
        FeedColumn("case_ref", _l("Source case"), text(50)),
        FeedColumn("region_code", _l("Reporting region"), region_code, True, REGION_NOTE),
    ],
    "arrival_push": [
        FeedColumn("id_number", _l("ID card number"), id_number, note=_l("ID number and/or phone.")),
        FeedColumn("phone", _l("Mobile phone"), phone, note=_l("ID number and/or phone.")),
        FeedColumn("seen_at", _l("Arrival seen at"), moment, True, _l("e.g. 2022-03-15 08:30")),
        FeedColumn("region_code", _l("Seen in (city or county)"), region_code, True, REGION_NOTE),
        FeedColumn("origin_region_code", _l("Origin (county code)"), county_code),
    ],
    "risk_area": [
        FeedColumn("region_code", _l("County or township code"), region_code, True,
                   _l("Any county or township of the country.")),
        FeedColumn("level", _l("Risk level"), None, True, options=RISK_LEVEL_LABELS),
        FeedColumn("effective_from", _l("Effective from"), day_start_or_moment, True,
                   _l("A date (from its start) or a time.")),
        FeedColumn("effective_until", _l("Effective until"), lambda v: day_start_or_moment(v, next_day=True),
                   note=_l("A date (through its end) or a time; empty: still in force.")),
    ],
}
COLUMNS["code_state"] = [
    FeedColumn("id_number", _l("ID card number"), id_number, True, ID_NOTE),
    FeedColumn("name", _l("Full name"), text(50)),
    FeedColumn("colour", _l("Colour"), None, True, options=CODE_COLOUR_LABELS),
    FeedColumn("as_of", _l("Colour as of"), moment, True, _l("e.g. 2022-03-15 08:30")),
    FeedColumn("province", _l("Province that gave it"), text(20)),
    FeedColumn("region_code", _l("Region"), region_code, note=_l("Division code; empty: your jurisdiction.")),
]
IDENTIFIED_BY_ID_OR_PHONE = {"contact", "arrival_push"}


def check_source(source: str) -> None:
    if source not in SOURCES:
        raise NotFound()


def source_label(source: str):
    return SOURCE_LABELS.get(source, source)


def template(source: str) -> bytes:
    """The empty sheet with the headers, then a sheet explaining each column (the
    ledgers' template: the columns have the same header, required, note and options)."""
    check_source(source)
    return ledger_template(SimpleNamespace(title=source_label(source), import_columns=COLUMNS[source]))


# ---- reading a batch -------------------------------------------------------------------

@dataclass
class Rejected:
    line: int
    field: str
    message: str

    def as_dict(self):
        return {"line": self.line, "field": self.field, "message": self.message}


@dataclass
class ImportOutcome:
    batch: FeedBatch
    unchanged: bool = False           # the same file was imported before: nothing changed
    rejected: list = field(default_factory=list)
    findings: dict = field(default_factory=dict)

    @property
    def refused(self) -> bool:
        return self.batch.status == "rejected"


@dataclass
class Rows:
    """A batch's rows column by column: a feed of a million is checked and stored a
    column at a time, each distinct value once (a feed repeats most of its values: a
    person's two tests, the same sampling minute, the same lab). ``lines``: each row's
    line in the file (its index in JSON rows); ``cells``: each key's values in that
    order (None where a row has none); ``unknown``: (row index, key) of the fields no
    column has (JSON rows)."""
    lines: list
    cells: dict
    unknown: list = field(default_factory=list)

    def __len__(self):
        return len(self.lines)

    def only(self, indexes: list[int]) -> "Rows":
        """The rows at these indexes."""
        return Rows([self.lines[i] for i in indexes],
                    {key: [values[i] for i in indexes] for key, values in self.cells.items()})

    def part(self, start: int, stop: int) -> "Rows":
        return Rows(self.lines[start:stop], {key: values[start:stop] for key, values in self.cells.items()})


NO_ROWS = Rows([], {})


def file_rows(source: str, data: bytes, filename: str) -> tuple[Rows, list[Rejected]]:
    """The rows of a file, or the problems of its header."""
    try:
        headers, rows = read_table(data, filename or "", MAX_FILE_ROWS)
    except TableRefused as refused:
        return NO_ROWS, [Rejected(1, "", str(refused.message))]
    by_name = {}
    for column in COLUMNS[source]:
        for name in both_languages(column.header) | {column.key}:
            by_name[name] = column.key
    keys, problems = [], []
    for header in headers:
        key = by_name.get((header or "").strip().lower())
        if header and key is None:
            problems.append(Rejected(1, header, str(_l("Unknown column; use the template's headers."))))
        keys.append(key)
    for column in COLUMNS[source]:
        if column.required and column.key not in keys:
            problems.append(Rejected(1, str(column.header), str(_l("This column is missing."))))
    if not rows and not problems:
        problems.append(Rejected(2, "", str(_l("The file has no rows."))))
    if problems:
        return NO_ROWS, problems
    # Rows may be shorter (a missing cell is None) or longer (cells past the headers are
    # nobody's) than the header; a column named twice: its last.
    transposed = list(zip_longest(*rows))
    missing = (None,) * len(rows)
    position = {key: number for number, key in enumerate(keys) if key}
    return Rows(list(range(2, len(rows) + 2)),
                {key: transposed[number] if number < len(transposed) else missing
                 for key, number in position.items()}), []


def json_rows(source: str, rows) -> tuple[Rows, list[Rejected]]:
    if not isinstance(rows, list) or not rows or not all(isinstance(r, dict) for r in rows):
        return NO_ROWS, [Rejected(0, "rows", str(_l("Send a non-empty list of objects.")))]
    known = {column.key for column in COLUMNS[source]}
    keys = {key: None for row in rows for key in row}
    unknown = [(index, key) for index, row in enumerate(rows) for key in row if key not in known]
    return Rows(list(range(1, len(rows) + 1)),
                {key: [None if (value := row.get(key)) is None else str(value) for row in rows] for key in keys},
                unknown), []


def parse_distinct(parse: Callable, cells) -> tuple[dict, dict]:
    """``parse`` of each distinct cell: ``{cell: value}`` (None where it failed) and
    ``{cell: message}`` of those that failed."""
    answers, failures = {}, {}
    for cell in set(cells):
        try:
            answers[cell] = parse(cell)
        except CellError as error:
            answers[cell], failures[cell] = None, str(error.args[0])
    return answers, failures


def check_rows(source: str, rows: Rows, jurisdiction: Optional[str],
               progress: Optional[Callable[[int, int], None]] = None) -> tuple[Rows, list[Rejected]]:
    """Parse and check every row, a column at a time: the good rows' values, and
    Rejected of the bad ones (by line, then in the order of the columns)."""
    columns, total = COLUMNS[source], len(rows)
    progress and progress(0, total)
    unknown_field, required = str(_l("Unknown field.")), str(_l("Required."))
    found = [(index, -1, key, unknown_field) for index, key in rows.unknown]  # (row index, rank, key, message)
    values = {}
    for rank, column in enumerate(columns):
        cells = rows.cells.get(column.key) or (None,) * total
        answers, failures = parse_distinct(column.parse, cells)
        if column.required:
            failures.update({cell: required for cell, value in answers.items()
                             if value in (None, "") and cell not in failures})
        values[column.key] = list(map(answers.__getitem__, cells))
        if failures:
            found += [(index, rank, column.key, failures[cell]) for index, cell in enumerate(cells) if cell in failures]
        progress and progress(total * (rank + 1) // len(columns), total)
    bad = {index for index, *_ in found}
    last = len(columns)
    if source in IDENTIFIED_BY_ID_OR_PHONE:
        message = str(_l("Give the ID number, the phone or both."))
        found += [(index, last, "id_number", message) for index, (number, phone_number)
                  in enumerate(zip(values["id_number"], values["phone"]))
                  if not number and not phone_number and index not in bad]
    if source == "risk_area":
        message = str(_l("Must be after the start."))
        found += [(index, last, "effective_until", message) for index, (start, until)
                  in enumerate(zip(values["effective_from"], values["effective_until"]))
                  if index not in bad and until is not None and until <= start]
    bad = {index for index, *_ in found}
    good = Rows(rows.lines, values)
    if bad:
        good = good.only([index for index in range(total) if index not in bad])
    found.sort(key=lambda problem: problem[:2])
    problems = [Rejected(rows.lines[index], key, message) for index, _rank, key, message in found]
    return good, problems + _check_regions(source, good, jurisdiction)


def _check_regions(source, rows: Rows, jurisdiction) -> list[Rejected]:
    """Region codes exist; a feed row's lies within the importer's jurisdiction (a risk
    area may be anywhere in the country)."""
    cells = rows.cells.get("region_code") or ()
    codes = sorted(set(cells) - {None})
    existing = set()
    for start in range(0, len(codes), 1000):
        existing.update(db.session.scalars(select(Region.code).where(Region.code.in_(codes[start:start + 1000]))))
    refused = {}
    for code in codes:
        if code not in existing:
            refused[code] = _l("Unknown region.")
        elif source != "risk_area" and not is_within(code, jurisdiction):
            refused[code] = _l("This region is outside your jurisdiction.")
        elif source == "risk_area" and len(code) not in (6, 9):
            refused[code] = _l("Enter a county or township code.")
    refused = {code: str(message) for code, message in refused.items()}
    return [Rejected(line, "region_code", refused[code]) for line, code in zip(rows.lines, cells) if code in refused]


# ---- storing ---------------------------------------------------------------------------

STORE_PART = 50_000  # rows made ready at a time: the database stores one while the next is made


class StoredRows:
    """Checked rows as the feed's table stores them, for one batch, a part at a time.
    An ID number or a phone is stored encrypted, keyed-hashed and masked
    (app.core.identity), each distinct one once per batch: the same number's ciphertext
    is reused within a file (its hash shows the equality anyway)."""

    SENSITIVE = (("id_number", identity.mask_id_number), ("phone", identity.mask_phone))

    def __init__(self, source: str, batch: FeedBatch):
        self.source, self.batch = source, batch
        self.protected = {key: {} for key, _masker in self.SENSITIVE}
        self.local_days = {}

    def __call__(self, rows: Rows) -> dict[str, list]:
        batch, total = self.batch, len(rows)
        stored, values = {"batch_id": [batch.id] * total, "line": rows.lines}, dict(rows.cells)
        if self.source == "risk_area":
            return {**stored, **values, "created_at": [batch.imported_at] * total,
                    "created_by_id": [batch.imported_by_id] * total}
        for key, masker in self.SENSITIVE:
            if key in values:
                plain, forms = values.pop(key), self.protected[key]
                forms.update(identity.protect_all((value for value in plain if value not in forms), masker))
                triples = list(map(forms.__getitem__, plain))
                for number, form in enumerate(("enc", "hash", "masked")):
                    stored[f"{key}_{form}"] = [triple[number] for triple in triples]
        stored.update(values)
        stored["region_code"] = [code or batch.region_code for code in stored.get("region_code", (None,) * total)]
        if self.source == "test_result":
            days = self.local_days
            days.update({moment: clock.local_date(moment) for moment in set(stored["sampled_at"]) - days.keys()})
            stored["sampled_day"] = list(map(days.__getitem__, stored["sampled_at"]))
        return stored


def check_importer(jurisdiction: Optional[str]) -> None:
    if jurisdiction is not None and len(jurisdiction) > IMPORTER_CODE_LENGTH:
        raise ValidationFailed(_l("Feeds are imported by the province or a city."),
                               {"file": [_l("Feeds are imported by the province or a city.")]})


def content_hash(data: bytes | None = None, rows=None) -> str:
    if data is None:
        data = json.dumps(rows, sort_keys=True, ensure_ascii=False, default=str).encode()
    return hashlib.sha256(data).hexdigest()


@transaction
def import_feed(source: str, *, jurisdiction: Optional[str], user_id: Optional[int] = None,
                data: Optional[bytes] = None, filename: Optional[str] = None, rows=None,
                now: Optional[dt.datetime] = None, progress: Optional[Callable[[int, int], None]] = None,
                then_match: bool = True, colours_after_commit: bool = False) -> ImportOutcome:
    """Import a file (``data``, ``filename``) or JSON ``rows`` of ``source`` as one batch
    for an importer of ``jurisdiction`` (None: the whole system), then match (unless
    ``then_match`` is false: the scheduler's run will), then decide again the colours of
    the people it names (unless ``colours_after_commit``: the caller, a job importing a
    big file, calls ``refresh_colours`` once this has committed). A refused file leaves
    only its ``rejected`` batch."""
    check_source(source)
    check_importer(jurisdiction)
    now = now or utcnow()
    digest = content_hash(data, rows)
    earlier = db.session.scalar(select(FeedBatch).where(
        FeedBatch.source == source, FeedBatch.file_hash == digest, FeedBatch.status == "imported",
        code_within(FeedBatch.region_code, jurisdiction)).order_by(FeedBatch.id).limit(1))
    if earlier is not None:
        return ImportOutcome(earlier, unchanged=True)
    parsed, problems = file_rows(source, data, filename) if data is not None else json_rows(source, rows)
    checking, storing = progress_halves(progress, len(parsed))
    good, bad = check_rows(source, parsed, jurisdiction, checking) if not problems else (NO_ROWS, [])
    problems = sorted(problems + bad, key=lambda p: p.line)
    batch = FeedBatch(source=source, filename=(filename or "")[:200] or None, file_hash=digest,
                      region_code=jurisdiction or current_app.config["PROVINCE_CODE"],
                      imported_by_id=user_id, imported_at=now, row_count=len(parsed) or len(problems),
                      status="rejected" if problems else "imported")
    db.session.add(batch)
    if problems:
        batch.rejected_count = len({p.line for p in problems})
        batch.rejected = json.dumps([p.as_dict() for p in problems[:1000]], ensure_ascii=False)
        db.session.flush()
        return ImportOutcome(batch, rejected=problems)
    db.session.flush()
    _store_rows(source, batch, good, storing)
    findings = {}
    if then_match:
        from app.crossmatch.matching import match  # the rules read what was just stored
        findings = match(now, jurisdiction=None)
        batch.findings_raised = db.session.scalar(
            select(db.func.count()).select_from(Finding).where(Finding.batch_id == batch.id))
    if not colours_after_commit:
        _refresh_colours(source, batch.id, now)
    audit.record(db.session, "import", "FeedBatch", batch.id, batch.region_code,
                 {"source": source, "file": filename, "accepted": batch.accepted})
    return ImportOutcome(batch, findings=findings)


def progress_halves(progress: Optional[Callable[[int, int], None]], total: int) -> tuple:
    """One progress from 0 to 2 × ``total`` rows: checking them, then storing them."""
    if progress is None:
        return None, None
    return (lambda done, _rows: progress(done, 2 * total)), (lambda done, _rows: progress(total + done, 2 * total))


def _store_rows(source, batch, good: Rows, progress) -> None:
    """Store the checked rows by the dialect's bulk load (COPY on PostgreSQL), in the
    session's transaction, a part at a time: while the database stores one part, the
    next is made ready (its numbers encrypted and hashed)."""
    table = FEED_MODELS[source].__table__
    conn = db.session.connection()
    total, stored = len(good), StoredRows(source, batch)
    progress and progress(0, total)

    def parts():
        for start in range(0, total, STORE_PART):
            yield stored(good.part(start, start + STORE_PART))
            progress and progress(min(start + STORE_PART, total), total)

    dialects.of(conn).bulk_insert_columns(conn, table, parts())
    batch.accepted = total
    if total >= BIG_BATCH:
        # The matching that follows plans its joins by the table's statistics: a big batch
        # changes them more than autovacuum has caught up with yet.
        db.session.execute(sql_text(f"ANALYZE {table.name}"))


# ---- seeing and undoing batches ----------------------------------------------------------

def province_level(jurisdiction: Optional[str]) -> bool:
    return jurisdiction is None or len(jurisdiction) <= 2


def visible_batches(query, jurisdiction: Optional[str], user_id: Optional[int]):
    """Batches (and so their rows) are seen by whoever imported them and the province."""
    query = query.where(code_within(FeedBatch.region_code, jurisdiction))
    if province_level(jurisdiction):
        return query
    return query.where(FeedBatch.imported_by_id == user_id) if user_id else query.where(False)


def batch_rows_count(batch: FeedBatch) -> int:
    model = FEED_MODELS[batch.source]
    return db.session.scalar(select(db.func.count()).select_from(model).where(model.batch_id == batch.id))


@transaction
def undo_batch(batch_id: int, *, jurisdiction: Optional[str], user_id: Optional[int],
               now: Optional[dt.datetime] = None) -> FeedBatch:
    """Delete the batch's rows and the findings it caused (their escalations resolve),
    then match again: a finding another batch also supports comes back from that one."""
    from app.crossmatch.escalation import withdraw_findings
    from app.crossmatch.matching import match

    now = now or utcnow()
    batch = db.session.scalar(visible_batches(select(FeedBatch), jurisdiction, user_id)
                              .where(FeedBatch.id == batch_id).with_for_update(of=FeedBatch))
    if batch is None:
        raise NotFound()
    if batch.status != "imported":
        raise Conflict(_l("Only an imported batch can be undone."))
    concerned = _people_of_batch(batch)
    caused = select(Finding.id).where(Finding.batch_id == batch.id)
    withdraw_findings(caused, now)
    db.session.execute(delete(Finding).where(Finding.batch_id == batch.id))
    model = FEED_MODELS[batch.source]
    db.session.execute(delete(model).where(model.batch_id == batch.id))
    db.session.execute(update(FeedBatch).where(FeedBatch.id == batch.id).values(
        status="undone", undone_at=now, undone_by_id=user_id))
    match(now, jurisdiction=None)
    refresh_people(concerned, now)
    audit.record(db.session, "undo", "FeedBatch", batch.id, batch.region_code, {"source": batch.source})
    db.session.refresh(batch)
    return batch


@transaction
def refresh_colours(batch_id: int, now: dt.datetime) -> None:
    """The colours of the people an imported batch names, decided again as of its import
    (``now``), in a transaction of their own: after ``import_feed(...,
    colours_after_commit=True)`` has committed."""
    _refresh_colours(db.session.get(FeedBatch, batch_id).source, batch_id, now)


def _refresh_colours(source: str, batch_id: int, now: dt.datetime) -> None:
    """The health codes of the people the batch names change at once (app.healthcode)."""
    if source == "risk_area":
        refresh_risk_area_batch(batch_id, now)
    else:
        refresh_batch(FEED_MODELS[source], batch_id, now)
    if source == "test_result":  # those it made red: their space-time companions turn yellow
        companions.after_test_results(batch_id, now)


def _people_of_batch(batch: FeedBatch) -> list[str]:
    """Whose colour an undone batch may change, read before its rows go: the people it
    names, and those its findings are about (a space-time companion, say)."""
    found = set(db.session.scalars(select(Finding.person_hash).where(Finding.batch_id == batch.id)))
    if batch.source == "risk_area":
        return list(found | set(db.session.scalars(risk_area_travellers(batch.id))))
    return list(found | set(db.session.scalars(people_of_batch(FEED_MODELS[batch.source], batch.id))))


def rejected_rows(batch: FeedBatch) -> list[dict]:
    return json.loads(batch.rejected) if batch.rejected else []


def batch_summary(batch: FeedBatch) -> dict:
    return {"batch": batch.id, "source": batch.source, "status": batch.status, "rows": batch.row_count,
            "accepted": batch.accepted, "rejected": rejected_rows(batch), "findings": batch.findings_raised,
            "imported_at": clock.iso_local(batch.imported_at)}



# ---- the registry of risk areas, kept in a screen ------------------------------------------

def check_risk_area_keeper(jurisdiction: Optional[str]) -> None:
    if not province_level(jurisdiction):
        message = _l("Risk areas are kept by the province.")
        raise ValidationFailed(message, {"region_code": [message]})


def check_risk_area(item, jurisdiction: Optional[str], user_id: Optional[int]) -> None:
    """A risk area entered in the screen: by the province, a county or township that
    exists, a level, an end after its start."""
    check_risk_area_keeper(jurisdiction)
    errors = FieldErrors()
    code = (item.region_code or "").strip()
    if len(code) not in (6, 9) or db.session.get(Region, code) is None:
        errors.add("region_code", _l("Enter a county or township code."))
    if item.level not in RISK_LEVELS:
        errors.add("level", _l("Choose high or medium."))
    if item.effective_from is None:
        errors.add("effective_from", _l("Required."))
    elif item.effective_until is not None and item.effective_until <= item.effective_from:
        errors.add("effective_until", _l("Must be after the start."))
    errors.raise_if_any()
    item.region_code = code
    item.created_by_id = item.created_by_id or user_id
