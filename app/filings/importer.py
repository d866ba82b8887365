"""Importing filings from a spreadsheet (xlsx or csv): every row is checked by the same
rules as the report form; any bad row (or a person already filed for that day) stops
the import, and every problem is reported with its row number. All or nothing.

Columns are the field names of shared/API.md or their labels (Chinese or English);
coded values may be codes or labels too (``火车`` or ``train``), yes/no as 是/否."""
from typing import Callable, Optional

from flask_babel import force_locale, lazy_gettext as _l

from app.filings import labels
from app.filings import service as filings
from app.core import identity
from app.core.errors import ImportRejected, Problem, ValidationFailed
from app.core.transaction import transaction
from app.core.excel import TableRefused, read_table, to_xlsx
from app.filings.rules import INPUT_FIELDS

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
