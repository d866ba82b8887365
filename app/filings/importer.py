"""Importing filings from a spreadsheet (xlsx or csv): every row is checked by the same
rules as the report form; any bad row (or a person already filed for that day) stops
the import, and every problem is reported with its row number. All or nothing.

Columns are the field names of shared/API.md or their labels (Chinese or English);
coded values may be codes or labels too (``火车`` or ``train``), yes/no as 是/否."""
from typing import Callable, Optional

from flask_babel import force_locale, lazy_gettext as _l
from sqlalchemy import select

from app.filings import labels
from app.filings import service as filings
from app.core import identity
from app.core.errors import ImportRejected, Problem, ValidationFailed
from app.core.transaction import transaction
from app.core.excel import TableRefused, read_table, to_xlsx
from app.filings.rules import INPUT_FIELDS
from models.filing import Filing

FILING = Filing.__table__

MAX_ROWS = 20000
LANGUAGES = ("zh", "en")
REQUIRED_COLUMNS = ("name", "id_number", "phone", "expected_arrival_at", "transport_mode",
                    "destination_region_code", "destination_address", "commitment")
# Imported filings are not backfills by default, but a column may say so.
IMPORT_FIELDS = INPUT_FIELDS


def _refused(problems: list[Problem]) -> ImportRejected:
    return ImportRejected(problems, _l("The file has errors; nothing was imported."))


def _label_variants(field: str) -> set[str]:
    label = labels.FIELD_LABELS.get(field)
    names = {field.lower()}
    if label is not None:
        for language in LANGUAGES:
            with force_locale(language):
                names.add(str(label).strip().lower())
    return names


def _value_variants(field: str) -> dict[str, str]:
    """``label or code (lowercase) -> code`` of a coded field, in both languages."""
    mapping = {}
    for code, label in labels.CHOICE_LABELS.get(field, {}).items():
        mapping[code.lower()] = code
        for language in LANGUAGES:
            with force_locale(language):
                mapping[str(label).strip().lower()] = code
    return mapping


def template_columns() -> list[str]:
    """The header of the import template: the labels in the current language."""
    return [str(labels.FIELD_LABELS[f]) for f in IMPORT_FIELDS]


def template_xlsx() -> bytes:
    """The template; coded columns (transport, ID type, yes/no...) offer their labels as a dropdown."""
    return to_xlsx(template_columns(), [], title="filings", dropdowns={
        index: list(labels.CHOICE_LABELS[field].values())
        for index, field in enumerate(IMPORT_FIELDS) if labels.CHOICE_LABELS.get(field)})


def read_rows(data: bytes, filename: str) -> list[dict]:
    """The rows as input dicts (field name -> cell). ImportRejected on a bad header."""
    try:
        headers, rows = read_table(data, filename, MAX_ROWS)
    except TableRefused as refused:
        raise _refused([Problem(1, "-", str(refused.message))])
    known = {variant: field for field in IMPORT_FIELDS for variant in _label_variants(field)}
    problems, columns = [], []
    for header in headers:
        field = known.get((header or "").strip().lower())
        if header and field is None:
            problems.append(Problem(1, header, str(_l("Unknown column."))))
        columns.append(field)
    for field in REQUIRED_COLUMNS:
        if field not in columns:
            problems.append(Problem(1, str(labels.FIELD_LABELS[field]), str(_l("This column is missing."))))
    if not rows:
        problems.append(Problem(2, "-", str(_l("The file has no rows."))))
    if problems:
        raise _refused(problems)
    coded = {field: _value_variants(field) for field in labels.CHOICE_LABELS if field in IMPORT_FIELDS}
    result = []
    for cells in rows:
        item = {}
        for field, cell in zip(columns, cells):
            if field is None or cell in (None, ""):
                continue
            if field in coded:
                cell = coded[field].get(str(cell).strip().lower(), cell)
            item[field] = cell
        result.append(item)
    return result


@transaction
def import_filings(conn, data: bytes, filename: str, *, now, jurisdiction: Optional[str],
                   user_id: Optional[int] = None,
                   progress: Optional[Callable[[int, int], None]] = None) -> list[filings.Created]:
    """Check every row, then store them all in one transaction (channel ``import``).
    ImportRejected lists every problem; then nothing is stored."""
    rows = read_rows(data, filename)
    progress and progress(0, len(rows))
    try:
        prepared = filings.prepare_filings(conn, rows, now=now, jurisdiction=jurisdiction,
                                           prefix=lambda index: f"{index + 2}|")
    except ValidationFailed as error:
        raise _refused(_problems(error.errors))
    existing = filings.find_existing(conn, [(identity.lookup_hash(p.values["id_number"]),
                                             p.values["arrival_day"]) for p in prepared])
    if existing:
        repeated = []
        for number, item in enumerate(prepared, start=2):
            # No receipt: the filing may lie outside the importer's jurisdiction (staff
            # find their own by the lookup).
            if (identity.lookup_hash(item.values["id_number"]), item.values["arrival_day"]) in existing:
                repeated.append(Problem(number, str(labels.FIELD_LABELS["id_number"]),
                                        str(filings.ALREADY_FILED)))
        raise _refused(repeated)
    progress and progress(len(rows) // 2, len(rows))
    created = filings.store_filings(conn, prepared, now=now, channel="import", user_id=user_id)
    progress and progress(len(rows), len(rows))
    return created


def _problems(errors: dict) -> list[Problem]:
    problems = []
    for key, messages in errors.items():
        row, _sep, field = key.partition("|")
        column = str(labels.FIELD_LABELS.get(field, field))
        problems.extend(Problem(int(row) if row.isdigit() else 0, column, str(m)) for m in messages)
    return sorted(problems, key=lambda p: p.row)


# ---- batches from an integrator's local system (POST /api/v1/filing/import) ----------------

MAX_BATCH = 5000
EXTERNAL_ID_LENGTH = 64
NOT_A_BATCH = _l("Send {\"filings\": [...]}, a list of filings, each with its external_id.")
NOT_A_FILING = _l("Each filing must be a JSON object.")
NEED_EXTERNAL_ID = _l("Give the id of this filing in your system (at most 64 characters).")
REPEATED_EXTERNAL_ID = _l("This external_id is already in this batch.")
TOO_MANY = _l("Send at most %(n)s filings in one batch.")
BATCH_REFUSED = _l("The batch has errors; nothing was imported.")


@transaction
def import_batch(conn, body, *, now, jurisdiction: Optional[str], user_id: int) -> dict:
    """An integrator's batch ``{"filings": [{"external_id", ...filing fields}]}``, channel
    ``import``: each new row checked like the public form (app.filings.service), all
    stored or none. A row whose ``external_id`` this account sent before changes nothing
    and is answered as ``unchanged``. ImportRejected lists every problem by the row's
    index (from 0) and field."""
    rows = body.get("filings") if isinstance(body, dict) else None
    if not isinstance(rows, list) or not rows:
        raise ValidationFailed(NOT_A_BATCH, {"filings": [NOT_A_BATCH]})
    if len(rows) > MAX_BATCH:
        raise ValidationFailed(TOO_MANY % {"n": MAX_BATCH}, {"filings": [TOO_MANY % {"n": MAX_BATCH}]})
    problems, external_ids = _external_ids(rows)
    if problems:
        raise _batch_refused(problems)
    known = _known_external_ids(conn, user_id, list(external_ids.values()))
    new = [index for index in range(len(rows)) if external_ids[index] not in known]
    inputs = [{k: v for k, v in rows[index].items() if k != "external_id"} for index in new]
    try:
        prepared = filings.prepare_filings(conn, inputs, now=now, jurisdiction=jurisdiction,
                                           prefix=lambda position: f"{new[position]}|")
    except ValidationFailed as error:
        raise _batch_refused([Problem(int(key.partition("|")[0]), key.partition("|")[2], str(m))
                              for key, messages in error.errors.items() for m in messages])
    for index, item in zip(new, prepared):
        item.columns = {"external_id": external_ids[index]}
    existing = filings.find_existing(conn, [(identity.lookup_hash(p.values["id_number"]),
                                             p.values["arrival_day"]) for p in prepared])
    repeated = [Problem(index, "id_number", str(filings.ALREADY_FILED)) for index, p in zip(new, prepared)
                if (identity.lookup_hash(p.values["id_number"]), p.values["arrival_day"]) in existing]
    if repeated:
        raise _batch_refused(repeated)
    created = filings.store_filings(conn, prepared, now=now, channel="import", user_id=user_id) if prepared else []
    return {"created": [_answer(index, external_ids[index], c.id, c.receipt) for index, c in zip(new, created)],
            "unchanged": [_answer(index, external_ids[index], *known[external_ids[index]])
                          for index in range(len(rows)) if external_ids[index] in known],
            "errors": []}


def _batch_refused(problems: list[Problem]) -> ImportRejected:
    return ImportRejected(sorted(problems, key=lambda p: p.row), BATCH_REFUSED)


def _answer(index: int, external_id: str, filing_id: int, receipt: str) -> dict:
    return {"index": index, "external_id": external_id, "id": filing_id, "receipt": receipt}


def _external_ids(rows: list) -> tuple[list[Problem], dict[int, str]]:
    """Every row's external_id (stripped), and the problems of the rows without a usable one."""
    problems, found, seen = [], {}, set()
    for index, row in enumerate(rows):
        if not isinstance(row, dict):
            problems.append(Problem(index, "-", str(NOT_A_FILING)))
            continue
        value = row.get("external_id")
        value = str(value).strip() if isinstance(value, (str, int)) and not isinstance(value, bool) else ""
        if not value or len(value) > EXTERNAL_ID_LENGTH:
            problems.append(Problem(index, "external_id", str(NEED_EXTERNAL_ID)))
        elif value in seen:
            problems.append(Problem(index, "external_id", str(REPEATED_EXTERNAL_ID)))
        seen.add(value)
        found[index] = value
    return problems, found


def _known_external_ids(conn, user_id: int, external_ids: list[str]) -> dict[str, tuple[int, str]]:
    """``{external_id: (id, receipt)}`` of the filings this account imported before."""
    known = {}
    for start in range(0, len(external_ids), 1000):
        chunk = external_ids[start:start + 1000]
        known.update((external_id, (filing_id, receipt)) for external_id, filing_id, receipt in conn.execute(
            select(FILING.c.external_id, FILING.c.id, FILING.c.receipt).where(
                FILING.c.filed_by_id == user_id, FILING.c.external_id.in_(chunk))))
    return known
