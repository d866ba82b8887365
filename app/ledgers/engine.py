"""The ledgers' Excel engine: a template with Chinese headers (and a sheet of
instructions), an import that reports every bad row and writes all or nothing, and an
export in the same columns, so an exported file imports again. The cells are read by
app.ledgers.cells, the columns and finders of each ledger are in app.ledgers.tables.

How an import works: each row is parsed, matched with the row it describes (by what
identifies it to people: a grid by its community and number or name, a household by
its place and door number, a resident by ID number, a device by IMEI...), checked by
the same service the screens use (app.ledgers.units.prepare, app.ledgers.roster.prepare) and written
inside a savepoint of one transaction. A bad row rolls back its savepoint and is
reported; if any row was bad the whole transaction is rolled back, so nothing is
imported. Masked values (``410105********1234``) in an exported file mean "keep what
is stored".

Residents, the ledger a township keeps by the tens of thousands, are checked and
written set-based instead (app.ledgers.bulk): every row parsed and placed, then checked
in file order against a few bulk loads, then written with a few statements; same
messages, same all or nothing. ``check_file`` (reads only) and ``write_checked`` are
the two halves, so an import job (app.ledgers.jobs) can check with progress reports
and write in a transaction of its own.

Places are written as people write them: a region as ``name (code)``, its code or its
exact name; a grid, building or unit by its name, number or code.
"""
from dataclasses import dataclass
from typing import Optional

from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from app.core import audit
from app.ledgers import bulk, choices
from app.ledgers import units as ledgers
from app.ledgers.cells import CellError, both_languages
from app.ledgers.tables import Column, ImportContext, Table
from app.core.errors import DomainError, ImportRejected
from app.core.excel import TableRefused, read_table, to_xlsx_sheets
from app.core.extensions import db
from app.regions.service import get_region, label
from app.core.transaction import transaction
from models.jurisdiction import viewer_params
from models.ledger import COMMUNITY_CODE_LENGTH

MAX_IMPORT_ROWS = 50_000


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class CheckedFile:
    """A file read and, for a ledger imported set-based (residents), checked: its plan
    (app.ledgers.bulk). Others are checked row by row as they are written."""
    table: Table
    filename: str
    ctx: ImportContext
    positions: dict
    rows: list
    plan: Optional[bulk.Plan] = None

# ---- import ------------------------------------------------------------------------

@transaction
def import_file(table: Table, data: bytes, filename: str, progress=None, *,
                jurisdiction: Optional[str]) -> ImportResult:
    """Import a whole file within ``jurisdiction`` (the importer's): all rows or none.
    Raises ImportRejected listing every bad row."""
    return write_checked(check_file(table, data, filename, progress, jurisdiction=jurisdiction), progress)


def check_file(table: Table, data: bytes, filename: str, progress=None, *,
               jurisdiction: Optional[str]) -> CheckedFile:
    """Read ``data`` and check what can be checked before writing (writes nothing);
    raises ImportRejected listing every bad row."""
    try:
        headers, rows = read_table(data, filename or "", MAX_IMPORT_ROWS)
    except TableRefused as refused:
        raise ImportRejected([(1, "", refused.message)])
    checked = CheckedFile(table, filename, ImportContext(jurisdiction), _read_headers(table, headers), rows)
    if table.bulk:
        checked.plan = _plan(checked, progress)
    return checked


def write_checked(checked: CheckedFile, progress=None, verify: bool = False) -> ImportResult:
    """Write a checked file in the current transaction (``verify``: it was checked in
    another one, so refuse it if what it changes changed meanwhile)."""
    table, ctx = checked.table, checked.ctx
    if checked.plan is not None:
        bulk.write(checked.plan, verify)
        plan = checked.plan
        result = ImportResult(plan.created, plan.updated, plan.unchanged)
    else:
        result, problems, seen, rows = ImportResult(), [], {}, checked.rows
        for number, row in enumerate(rows, start=2):
            problems += _import_row(table, ctx, number, row, checked.positions, seen, result)
            progress and progress(number - 1, len(rows))
        if problems:
            raise ImportRejected(problems)
    audit.record(db.session, "import", table.model.__name__, region_code=ctx.prefix, changes={
        "file": checked.filename, "created": result.created, "updated": result.updated})
    try:
        db.session.flush()
    except IntegrityError:
        raise ImportRejected([(1, "", bulk.CHANGED_MEANWHILE)])
    return result


def _plan(checked: CheckedFile, progress) -> bulk.Plan:
    """Parse and place every row, then plan them all at once (app.ledgers.bulk)."""
    table, ctx, problems, seen, placed = checked.table, checked.ctx, [], {}, []
    total = len(checked.rows)
    for number, row in enumerate(checked.rows, start=2):
        values, row_problems = _parse_row(table, number, row, checked.positions)
        if not row_problems:
            try:
                key, place = table.key(values, ctx), ctx.place(values)
            except DomainError as error:
                row_problems = _row_problems(table, number, error)
            else:
                if key in seen:
                    row_problems = [(number, "", _l("Repeats row %(row)s.", row=seen[key]))]
                else:
                    seen[key] = number
                    placed.append((number, values, place))
        problems += row_problems
        if progress and number % 1000 == 0:
            progress(number // 2, total)
    plan, row_problems = bulk.plan_residents(ctx, placed, lambda number, error: _row_problems(table, number, error),
                                             progress, total // 2, total)
    progress and progress(total, total)
    problems = sorted(problems + row_problems, key=lambda problem: problem[0])
    if problems:
        raise ImportRejected(problems)
    return plan

def _read_headers(table, headers) -> dict:
    by_name = {name: column for column in table.columns for name in both_languages(column.header)}
    positions, problems = {}, []
    for index, header in enumerate(headers):
        column = by_name.get(header.strip().lower())
        if column is None:
            if header:
                problems.append((1, header, _l("Unknown column; use the template's headers.")))
        elif column.importable:
            positions[column.key] = index
    for column in table.import_columns:
        if column.required and column.key not in positions:
            problems.append((1, str(column.header), _l("This column is missing.")))
    if problems:
        raise ImportRejected(problems)
    return positions


def _parse_row(table, number, row, positions) -> tuple[dict, list]:
    """The row's values and the problems of its cells (a bad cell reads as None, so the
    rules can still check the others)."""
    values, problems = {}, []
    for column in table.import_columns:
        if column.key not in positions:
            continue
        cell = row[positions[column.key]] if positions[column.key] < len(row) else None
        try:
            values[column.key] = column.parse(cell)
        except CellError as error:
            values[column.key] = None
            problems.append((number, str(column.header), error.args[0]))
            continue
        if column.required and values[column.key] in (None, ""):
            problems.append((number, str(column.header), _l("Required.")))
    return values, problems


def _import_row(table, ctx, number, row, positions, seen, result) -> list:
    """The row's problems (every one: its cells', and the rules' checks of the cells that
    did read), or none when it was written."""
    values, problems = _parse_row(table, number, row, positions)
    try:
        with db.session.begin_nested() as savepoint:
            if problems:  # the rules' checks too, then undone: the row is refused anyway
                _write_row(table, ctx, values)
                savepoint.rollback()
                return problems
            key = table.key(values, ctx)
            if key in seen:
                return [(number, "", _l("Repeats row %(row)s.", row=seen[key]))]
            seen[key] = number
            created, changed = _write_row(table, ctx, values)
    except DomainError as error:
        reported = {header for _number, header, _message in problems}
        return problems + [problem for problem in _row_problems(table, number, error) if problem[1] not in reported]
    except IntegrityError:
        return problems or [(number, "", _l("This row conflicts with a record saved meanwhile."))]
    result.created += created
    result.updated += changed and not created
    result.unchanged += not changed
    return []


def _write_row(table, ctx, values) -> tuple[bool, bool]:
    """(created, changed) of the record the row describes, written and flushed."""
    item = table.find(values, ctx)
    created = item is None
    item = item if item is not None else table.model()
    table.apply(item, values, ctx)
    table.prepare(item, ctx.prefix)
    changed = created or db.session.is_modified(item)
    if created:
        db.session.add(item)
    db.session.flush()
    return created, changed


def _row_problems(table, number, error: DomainError) -> list:
    headers = {}
    for column in table.columns:
        for name in (column.key, *column.fields):
            headers.setdefault(name, str(column.header))
    if not error.errors:
        return [(number, "", error.message)]
    return [(number, headers.get(field_name, ""), message)
            for field_name, messages in error.errors.items() for message in messages]


# ---- template and export -----------------------------------------------------------

def template(table: Table) -> bytes:
    """An empty sheet with the headers, then a sheet explaining each column."""
    columns = table.import_columns
    notes = [[str(c.header), _("Yes") if c.required else _("No"),
              str(c.note or "") + (("  " + "、".join(str(v) for v in c.options.values())) if c.options else "")]
             for c in columns]
    return to_xlsx_sheets([
        (str(table.title), [str(c.header) for c in columns], []),
        (_("Instructions"), [_("Column"), _("Required"), _("How to fill it in")], notes),
    ], dropdowns={index: list(c.options.values()) for index, c in enumerate(columns) if c.options})


class Exporter:
    """Writes records in the table's columns; places are looked up once per code."""

    def __init__(self, table: Table):
        self.table = table
        self._places: dict = {}

    def place(self, code: str) -> dict:
        if code not in self._places:
            path = ledgers.placement_of(code) if len(code) >= COMMUNITY_CODE_LENGTH else \
                {"community": get_region(code), "grid": None, "building": None, "unit": None}
            self._places[code] = {
                "region": label(path["community"]) if path["community"] else code,
                **{part: path[part].name if path[part] else None for part in ("grid", "building", "unit")}}
        return self._places[code]

    def row(self, item) -> list:
        return [self.cell(column, item) for column in self.table.columns]

    def cell(self, column: Column, item):
        if column.export:
            return column.export(item, self)
        value = getattr(item, column.key, None)
        return choices.choice_label(column.options, value) if column.options else value

    def to_xlsx(self, items) -> bytes:
        return to_xlsx_sheets([(str(self.table.title), [str(c.header) for c in self.table.columns],
                                (self.row(item) for item in items))])


def export_all(table: Table, *, jurisdiction: Optional[str]) -> bytes:
    """Every record within ``jurisdiction`` (the reader's)."""
    query = table.export_query(jurisdiction).execution_options(yield_per=500)
    return Exporter(table).to_xlsx(db.session.scalars(query, viewer_params(jurisdiction)))
