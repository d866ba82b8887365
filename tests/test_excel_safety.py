"""Spreadsheets people and attackers send or receive: text that looks like a formula is
written as text (and reads back unchanged), and an upload is read streaming, refused
quickly past its row limit or when it unpacks to too much."""
import io
import time

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app.core.excel import TableRefused, read_table, to_xlsx, to_xlsx_sheets
from app.core.extensions import db
from app.ledgers.engine import MAX_IMPORT_ROWS
from models import Filing
from models.ledger import Household
from tests.filing_data import report, store
from tests.ledger_data import make_world, upload
from tests.xlsx_files import one_sheet_xlsx, sheet_xml, tall_xlsx

ATTACKS = ["=cmd|'/C calc'!A0", "=HYPERLINK(\"http://evil.example\",\"x\")", "+1+1", "-2+3", "@SUM(1,1)",
           "\t=1+1", "\r=1+1", "#N/A"]
HOUSEHOLD_HEADERS = ["社区（村）", "网格", "楼栋/村组", "单元", "门牌号", "地址", "户主姓名", "联系电话", "备注"]


def _cells(data: bytes, sheet: int = 0) -> list:
    """Every non-empty cell of a sheet, as openpyxl sees it when it loads the whole file."""
    workbook = load_workbook(io.BytesIO(data))
    return [cell for row in workbook.worksheets[sheet].iter_rows() for cell in row if cell.value is not None]


def _assert_text(cell, value):
    assert cell.value == value and cell.data_type == "s", (cell.coordinate, cell.value, cell.data_type)
    if value.startswith(("=", "+", "-", "@", "\t", "\r")):
        assert cell.quotePrefix, cell.coordinate  # stays text when someone edits it in Excel


# ---- formulas stay text ------------------------------------------------------------------

def test_every_written_cell_that_looks_like_a_formula_is_text_and_reads_back_unchanged(app):
    data = to_xlsx_sheets([("data", ["=head", "name"], [[value, value] for value in ATTACKS]),
                           ("notes", ["@note"], [["=1+1"]])])
    cells = _cells(data)
    assert not [c for c in cells if c.data_type == "f"]
    for cell in cells:
        _assert_text(cell, cell.value)
    # XML reads a carriage return back as a line feed; it is whitespace the import trims.
    assert [c.value for c in cells[2::2]] == [value.replace("\r", "\n") for value in ATTACKS]
    _assert_text(_cells(data, sheet=1)[1], "=1+1")
    headers, rows = read_table(data, "x.xlsx")
    assert headers == ["=head", "name"]
    # Leading whitespace is trimmed by every import (as before); everything else is kept.
    assert [row[0] for row in rows] == [value.strip() for value in ATTACKS]


def test_numbers_stay_numbers_and_control_characters_cannot_break_an_export(app):
    cells = _cells(to_xlsx(["n", "x"], [[-5, "a\x01b"], [2.5, "=\x02x"]]))
    assert [(c.value, c.data_type) for c in cells[2:]] == [(-5, "n"), ("a\ufffdb", "s"), (2.5, "n"), ("=\ufffdx", "s")]


def test_a_public_name_like_a_formula_comes_out_of_the_filings_export_as_text(app, web):
    name = ATTACKS[0]
    created = store(app, name=name)
    with app.app_context():
        filing_id = db.session.scalar(select(Filing.id).where(Filing.receipt == created.receipt))
    response = web("officer").post("/filingview/action_post", data={"action": "export_xlsx", "rowid": [filing_id]})
    assert response.status_code == 200
    cells = [c for c in _cells(response.data) if c.value == name]
    assert cells and not [c for c in _cells(response.data) if c.data_type == "f"]
    _assert_text(cells[0], name)


def test_a_name_like_a_formula_imports_from_a_filings_sheet_unchanged(app, web):
    name = ATTACKS[0]
    body = report(name=name)
    columns = ["name", "id_number", "phone", "origin_region_code", "expected_arrival_at", "transport_mode",
               "destination_region_code", "destination_address", "commitment"]
    data = to_xlsx(columns, [[body[c] for c in columns]])
    _assert_text([c for c in _cells(data) if c.value == name][0], name)
    response = web("officer").post("/filingentry/import", data={"file": (io.BytesIO(data), "f.xlsx")},
                                   content_type="multipart/form-data")
    assert 'id="import-result"' in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(Filing.name)).all() == [name]


def test_a_ledger_exports_formula_like_text_as_text_and_imports_it_back_unchanged(app, api):
    make_world(app)
    client = api("township")
    rows = [["410105001003", "", "", "", value.strip(), "", value.strip(), "", "-备注"] for value in ATTACKS[:5]]
    response = client.post("/api/v1/household/import", data=upload(to_xlsx(HOUSEHOLD_HEADERS, rows)),
                           content_type="multipart/form-data")
    assert response.status_code == 200 and response.json["created"] == 5, response.json
    exported = client.get("/api/v1/household/export").data
    assert not [c for c in _cells(exported) if c.data_type == "f"]
    for value in ATTACKS[:5]:
        _assert_text([c for c in _cells(exported) if c.value == value][0], value)
    again = client.post("/api/v1/household/import", data=upload(exported), content_type="multipart/form-data")
    assert again.status_code == 200 and again.json["updated"] == 0 and again.json["created"] == 0, again.json
    with app.app_context():
        heads = set(db.session.scalars(select(Household.head_name).where(Household.door_number.in_(ATTACKS))))
    assert heads == set(ATTACKS[:5])


@pytest.mark.parametrize("url", ["/api/v1/household/template", "/householdview/template/",
                                 "/filingentry/import/template.xlsx", "/stats/export/children?region=410105001"])
def test_templates_and_other_exports_hold_no_formula(web, url):
    response = web("township").get(url)
    assert response.status_code == 200
    assert not [c for c in _cells(response.data) if c.data_type == "f"]


# ---- uploads are read streaming, within limits -------------------------------------------

def test_reading_stops_just_past_the_row_limit(app):
    data = one_sheet_xlsx(sheet_xml(1000))
    headers, rows = read_table(data, "big.xlsx", max_rows=999)
    assert headers == ["x1"] and len(rows) == 999
    with app.test_request_context("/?lang=en"):
        with pytest.raises(TableRefused) as refused:
            read_table(data, "big.xlsx", max_rows=998)
        assert str(refused.value.message) == "At most 998 rows per file; split it."
        with pytest.raises(TableRefused):
            read_table(b"x\n" * 1000, "big.csv", max_rows=998)


def test_a_million_row_upload_is_refused_quickly(app, api):
    """The attack: a small xlsx of a million rows. The row limit is met after reading
    50,001 of them, not after loading them all."""
    data = tall_xlsx(1_000_000)
    assert len(data) < 600_000
    started = time.monotonic()
    response = api("township").post("/api/v1/household/import", data=upload(data), content_type="multipart/form-data")
    seconds = time.monotonic() - started
    assert response.status_code == 400
    assert response.json["errors"]["1"] == [f"每个文件最多 {MAX_IMPORT_ROWS} 行，请拆分后导入。"]
    assert seconds < 15, seconds  # reading all of it took minutes and gigabytes


def test_a_row_reaching_the_last_column_does_not_widen_every_row(app):
    data = one_sheet_xlsx(sheet_xml(3, extra='<c r="XFD{n}"><v>1</v></c>'))
    headers, rows = read_table(data, "wide.xlsx")
    assert headers == ["x1"] and rows == [["x2"], ["x3"]]


def test_a_zip_bomb_is_refused_before_it_is_parsed(app, api, web, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_MAX_UNCOMPRESSED_MB", 20)
    data = one_sheet_xlsx(sheet_xml(2), padding=25 * 1024 * 1024)
    assert len(data) < 100_000
    started = time.monotonic()
    response = api("township").post("/api/v1/household/import", data=upload(data), content_type="multipart/form-data",
                                    headers={"Accept-Language": "en"})
    assert response.status_code == 400
    assert response.json["errors"]["1"] == ["Unpacked, the file is larger than 20 MB; split it."]
    page = web("officer").post("/filingentry/import", data={"file": (io.BytesIO(data), "f.xlsx")},
                               content_type="multipart/form-data").get_data(as_text=True)
    assert "解压后文件大于 20 MB" in page
    assert time.monotonic() - started < 2


def test_a_file_over_the_import_size_is_refused_on_the_command_line_too(app, tmp_path, monkeypatch):
    """The command line reads no request: the file's own size is checked."""
    monkeypatch.setitem(app.config, "IMPORT_MAX_CONTENT_LENGTH", 1024 * 1024)
    path = tmp_path / "h.csv"
    path.write_bytes(b"a" * (1024 * 1024 + 1))
    result = app.test_cli_runner().invoke(args=["ledgers", "import", "household", str(path)])
    assert result.exit_code != 0 and "文件超过 1 MB，请拆分后导入。" in result.output


def test_dropdowns_short_in_the_validation_long_in_a_hidden_sheet():
    from tests.xlsx_dropdowns import dropdowns

    long = [f"很长的选项{n:03d}" + "甲" * 20 for n in range(40)]
    data = to_xlsx(["类别", "说明", "地区"], [], dropdowns={0: ["常住", "在外"], 2: long})
    assert dropdowns(data) == {"类别": ["常住", "在外"], "地区": long}
    assert [s.sheet_state for s in load_workbook(io.BytesIO(data)).worksheets] == ["visible", "hidden"]
    assert len(load_workbook(io.BytesIO(to_xlsx(["类别"], [], dropdowns={0: ["是", "否"]}))).worksheets) == 1
