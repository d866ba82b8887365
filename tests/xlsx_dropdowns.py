"""What a template offers in a column's dropdown (a list validation over a hidden sheet)."""
import io

from openpyxl import load_workbook


def dropdowns(data: bytes) -> dict[str, list[str]]:
    """``{header: [values offered]}`` of the template's first sheet."""
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook.worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    offered = {}
    for validation in sheet.data_validations.dataValidation:
        assert validation.type == "list" and validation.showErrorMessage
        source_sheet, cells = validation.formula1.split("!")
        source = workbook[source_sheet.strip("'")]
        assert source.sheet_state == "hidden"
        values = [cell.value for row in source[cells.replace("$", "")] for cell in row]
        for ranges in validation.sqref.ranges:
            assert ranges.min_row == 2 and ranges.max_row >= 50_000
            offered[headers[ranges.min_col - 1]] = values
    return offered
