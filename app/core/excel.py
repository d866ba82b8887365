"""Excel in and out, for every ledger staff keep: write a sheet, read a sheet or CSV.

Every cell written goes through ``_cell`` (text never becomes a formula); every file
read goes through ``read_table``, which streams rows and stops at its limits, so an
upload costs at most what those limits allow whatever it claims to hold."""
import csv
import io
import re
import zipfile
from itertools import islice
from typing import Iterable, Iterator, Optional, Sequence

from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.reader.excel import ExcelReader
from openpyxl.styles.stylesheet import apply_stylesheet
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import coordinate_to_tuple
from openpyxl.worksheet._reader import INLINE_STRING, WorkSheetParser
from openpyxl.xml.constants import SHEET_MAIN_NS
from openpyxl.worksheet.datavalidation import DataValidation

import config

SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")  # Excel refuses these in a sheet's name
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Text starting with one of these is a formula (or a DDE call) to a spreadsheet that
# re-reads the cell: a name like "=cmd|'/C calc'!A0" must stay a name.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MAX_COLUMNS = 200  # read of the header row: more than any template has
MEGABYTE = 1024 * 1024
DEFAULT_MAX_ROWS = 50_000


class TableRefused(Exception):
    """A file read_table will not read; ``message`` says why, in the user's language."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


# ---- writing -----------------------------------------------------------------------

def to_xlsx(headers: Sequence[str], rows: Iterable[Sequence], title: str = "Sheet1",
            dropdowns: Optional[dict] = None) -> bytes:
    return to_xlsx_sheets([(title, headers, rows)], dropdowns)


def to_xlsx_sheets(sheets: Iterable[tuple[str, Sequence[str], Iterable[Sequence]]],
                   dropdowns: Optional[dict] = None) -> bytes:
    """A workbook of several sheets ``(title, headers, rows)``; read_table reads the
    first, so a template puts its data sheet first and its instructions after.
    ``dropdowns`` ``{column index (0-based) of the first sheet: [values]}``: those
    columns offer their values as an in-cell list (written in the validation, or in a
    last, hidden sheet when long)."""
    workbook = Workbook(write_only=True)
    for number, (title, headers, rows) in enumerate(sheets):
        sheet = workbook.create_sheet(title=SHEET_TITLE_FORBIDDEN.sub("-", str(title))[:31])
        if number == 0 and dropdowns:
            _add_dropdowns(sheet, dropdowns)
        for index, header in enumerate(headers, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = max(10, min(40, 2 * len(str(header)) + 4))
        sheet.append([_cell(sheet, str(h)) for h in headers])
        for row in rows:
            sheet.append([_cell(sheet, value) for value in row])
    long_lists = {index: values for index, values in (dropdowns or {}).items() if not _inline_list(values)}
    if long_lists:
        lists = workbook.create_sheet(title=DROPDOWN_SHEET)
        lists.sheet_state = "hidden"
        values = [[str(v) for v in long_lists[index]] for index in sorted(long_lists)]
        for row in range(max(len(v) for v in values)):
            lists.append([_cell(lists, v[row]) if row < len(v) else None for v in values])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


DROPDOWN_SHEET = "lists"
INLINE_LIST_LIMIT = 255  # Excel's limit of a list written in the validation itself


def _inline_list(values) -> str | None:
    """``"a,b,c"`` when the values fit in the validation itself (no comma or quote in
    them, 255 characters at most), else None (they go to the hidden sheet)."""
    texts = [str(v) for v in values]
    joined = ",".join(texts)
    if any("," in t or '"' in t for t in texts) or len(joined) + 2 > INLINE_LIST_LIMIT:
        return None
    return f'"{joined}"'


def _add_dropdowns(sheet, dropdowns: dict) -> None:
    """A list validation per coded column, over every row an import reads: the values
    in the validation when short, else a column of the hidden sheet."""
    position = 0
    for index in sorted(dropdowns):
        source = _inline_list(dropdowns[index])
        if source is None:
            position += 1
            letter = get_column_letter(position)
            source = f"'{DROPDOWN_SHEET}'!${letter}$1:${letter}${max(1, len(dropdowns[index]))}"
        validation = DataValidation(type="list", formula1=source, allow_blank=True, showErrorMessage=True,
                                    errorStyle="stop", error=str(_l("Choose a value from the list.")))
        column = get_column_letter(index + 1)
        validation.add(f"{column}2:{column}{DEFAULT_MAX_ROWS + 1}")
        sheet.data_validations.append(validation)


def _cell(sheet, value):
    """What a sheet stores for ``value``: numbers as numbers, everything else as text."""
    if value is None or isinstance(value, (int, float, bool)):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat(sep=" ") if hasattr(value, "hour") else value.isoformat()
    # Control characters a worksheet cannot hold (stored text may have them) show as "\ufffd";
    # openpyxl would refuse the whole export.
    text = ILLEGAL_CHARACTERS_RE.sub("\ufffd", str(value))
    if text.startswith(FORMULA_STARTS) or text in ERROR_CODES:
        return text_cell(sheet, text)
    return text


def text_cell(sheet, text: str) -> WriteOnlyCell:
    """A cell holding ``text`` as text: never run as a formula, read back unchanged.
    The quote prefix is what Excel keeps for text typed after an apostrophe: the cell
    stays text even when someone edits it."""
    cell = WriteOnlyCell(sheet, value=text)
    cell.data_type = "s"
    cell.quotePrefix = True
    return cell


# ---- reading -----------------------------------------------------------------------

def read_table(data: bytes, filename: str, max_rows: int = DEFAULT_MAX_ROWS) -> tuple[list[str], list[list]]:
    """Headers and rows of the first sheet of an .xlsx, or of a UTF-8 .csv. Cells are
    strings (or None); blank rows are dropped. Row numbers, for error reports, are
    the index in ``rows`` + 2 (the header is row 1).

    Rows are read one by one and reading stops past ``max_rows`` (blank rows count:
    they cost reading too); an .xlsx is refused before parsing when its members
    unpack to more than IMPORT_MAX_UNCOMPRESSED_MB. TableRefused says why."""
    max_bytes = _setting("IMPORT_MAX_CONTENT_LENGTH")
    if len(data) > max_bytes:
        raise TableRefused(_l("The file is larger than %(mb)s MB; split it.", mb=_megabytes(max_bytes)))
    lines = _csv_lines(data) if (filename or "").lower().endswith(".csv") else _xlsx_lines(data)
    try:  # the generators run only from here on
        header = next(lines, None)
        if header is None:
            return [], []
        read = list(islice(lines, max_rows + 1))
        if len(read) > max_rows:
            raise TableRefused(_l("At most %(n)s rows per file; split it.", n=max_rows))
        rows = [row for row in read if any(row)]  # cells are text or None: a blank row has none true
    except TableRefused:
        raise
    except Exception:  # noqa: BLE001  (whatever the parser trips on, the answer is the same)
        raise TableRefused(_l("This is not an Excel (.xlsx) or CSV file."))
    finally:
        lines.close()
    return [(h or "").strip() for h in header], rows


def _csv_lines(data: bytes) -> Iterator[list]:
    yield from csv.reader(io.StringIO(data.decode("utf-8-sig")))


def _xlsx_lines(data: bytes) -> Iterator[list]:
    buffer = io.BytesIO(data)
    with zipfile.ZipFile(buffer) as archive:
        # Each member's declared size bounds what unpacking it yields (zipfile stops
        # there), so their sum bounds the work: a zip bomb is refused unopened.
        unpacked = sum(member.file_size for member in archive.infolist())
    max_unpacked = _setting("IMPORT_MAX_UNCOMPRESSED_MB") * MEGABYTE
    if unpacked > max_unpacked:
        raise TableRefused(_l("Unpacked, the file is larger than %(mb)s MB; split it.",
                              mb=_megabytes(max_unpacked)))
    # Not load_workbook(read_only=True): it parses every sheet once just to find its
    # size when the sheet does not declare one (openpyxl's own exports don't), a whole
    # pass before the first row. This reads the first sheet once, with openpyxl's own
    # streaming parser, row by row.
    reader = ExcelReader(buffer, read_only=True, data_only=True)
    try:
        reader.read_manifest()
        reader.read_strings()
        reader.read_workbook()
        apply_stylesheet(reader.archive, reader.wb)  # which numbers are dates
        path = next(rel.target for _sheet, rel in reader.parser.find_sheets()
                    if rel.target in reader.valid_files and "chartsheet" not in rel.Type)
        with reader.archive.open(path) as source:
            parser = _SheetParser(source, reader.shared_strings, data_only=True, epoch=reader.wb.epoch,
                                     date_formats=reader.wb._date_formats,
                                     timedelta_formats=reader.wb._timedelta_formats)
            width = None
            for _number, cells in parser.parse():
                if width is None:
                    # Only the header's columns mean something: a cell far to the right (a
                    # row reaching column XFD) must not make every row 16,384 cells wide.
                    width = max((c["column"] for c in cells if c["value"] is not None and c["column"] <= MAX_COLUMNS),
                                default=0)
                values = [None] * width
                for cell in cells:
                    if cell["column"] <= width:
                        values[cell["column"] - 1] = _text(cell["value"])
                yield values
    finally:
        reader.archive.close()


_TEXT, _RUN = f"{{{SHEET_MAIN_NS}}}t", f"{{{SHEET_MAIN_NS}}}r"


class _SheetParser(WorkSheetParser):
    """openpyxl's parser, with the text of an inline string (what openpyxl writes, and
    so every export and template) read directly: its generic reading of the string's
    XML costs most of a large file's reading time. The text is the same: the plain
    ``t``, then each run's ``t`` (phonetic runs left out)."""

    def parse_cell(self, element):
        if element.get("t") != "inlineStr":
            return super().parse_cell(element)
        coordinate = element.get("r")
        if coordinate:
            row, column = coordinate_to_tuple(coordinate)
            self.col_counter = column
        else:
            self.col_counter += 1
            row, column = self.row_counter, self.col_counter
        child, value, data_type = element.find(INLINE_STRING), None, "inlineStr"
        if child is not None:
            plain = child.find(_TEXT)
            if plain is not None and len(child) == 1:
                value = plain.text or ""
            else:
                parts = [plain.text or ""] if plain is not None else []
                value = "".join(parts + [run.findtext(_TEXT) or "" for run in child.iterfind(_RUN)])
            data_type = "s"
        style_id = element.get("s", 0)
        return {"row": row, "column": column, "value": value, "data_type": data_type,
                "style_id": int(style_id) if style_id else 0}


def _text(value):
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if hasattr(value, "isoformat"):
        return value.isoformat(sep=" ") if hasattr(value, "hour") else value.isoformat()
    return str(value).strip()


def _setting(name: str) -> int:
    return current_app.config[name] if has_app_context() else getattr(config, name)


def _megabytes(size: int) -> str:
    return f"{size / MEGABYTE:g}"
