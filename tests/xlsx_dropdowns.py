"""What a template offers in a column's dropdown (a list validation: its values written
in it, or a range of a hidden sheet)."""
import io

from openpyxl import load_workbook


def _values(workbook, formula: str) -> list[str]:
    if formula.startswith('"'):
        return formula.strip('"').split(",")
    source_sheet, cells = formula.split("!")
    source = workbook[source_sheet.strip("'")]
    assert source.sheet_state == "hidden"
    return [cell.value for row in source[cells.replace("$", "")] for cell in row]


def dropdowns(data: bytes) -> dict[str, list[str]]:
    """``{header: [values offered]}`` of the template's first sheet."""
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook.worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    offered = {}
    for validation in sheet.data_validations.dataValidation:
        assert validation.type == "list" and validation.showErrorMessage
        for ranges in validation.sqref.ranges:
            assert ranges.min_row == 2 and ranges.max_row >= 50_000
            offered[headers[ranges.min_col - 1]] = _values(workbook, validation.formula1)
    return offered
