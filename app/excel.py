"""Excel in and out, for every ledger staff keep: write a sheet, read a sheet or CSV."""
import csv
import io
import re
from typing import Iterable, Sequence

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter

SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")  # Excel refuses these in a sheet's name
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def to_xlsx(headers: Sequence[str], rows: Iterable[Sequence], title: str = "Sheet1") -> bytes:
    return to_xlsx_sheets([(title, headers, rows)])


def to_xlsx_sheets(sheets: Iterable[tuple[str, Sequence[str], Iterable[Sequence]]]) -> bytes:
    """A workbook of several sheets ``(title, headers, rows)``; read_table reads the
    first, so a template puts its data sheet first and its instructions after."""
    workbook = Workbook(write_only=True)
    for title, headers, rows in sheets:
        sheet = workbook.create_sheet(title=SHEET_TITLE_FORBIDDEN.sub("-", str(title))[:31])
        for index, header in enumerate(headers, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = max(10, min(40, 2 * len(str(header)) + 4))
        sheet.append([_cell(h) for h in headers])
        for row in rows:
            sheet.append([_cell(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _cell(value):
    if value is None or isinstance(value, (int, float, bool)):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat(sep=" ") if hasattr(value, "hour") else value.isoformat()
    # Control characters a worksheet cannot hold (stored text may have them) show as "�".
    return ILLEGAL_CHARACTERS_RE.sub("\ufffd", str(value))


def read_table(data: bytes, filename: str) -> tuple[list[str], list[list]]:
    """Headers and rows of the first sheet of an .xlsx, or of a UTF-8 .csv. Cells are
    strings (or None); blank rows are dropped. Row numbers, for error reports, are
    the index in ``rows`` + 2 (the header is row 1)."""
    if filename.lower().endswith(".csv"):
        text = data.decode("utf-8-sig")
        table = [row for row in csv.reader(io.StringIO(text))]
    else:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        table = [[_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    if not table:
        return [], []
    headers = [(h or "").strip() for h in table[0]]
    rows = [row for row in table[1:] if any(c not in (None, "") for c in row)]
    return headers, rows


def _text(value):
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if hasattr(value, "isoformat"):
        return value.isoformat(sep=" ") if hasattr(value, "hour") else value.isoformat()
    return str(value).strip()
