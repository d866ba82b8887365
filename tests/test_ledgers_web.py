"""Tried as a new user would, through the web screens: a township account downloads the
household template, fills it in, imports it, sees the households, exports them."""
import io
import re

from openpyxl import load_workbook

from tests.ledger_data import make_world, upload, xlsx_rows


def test_a_township_keeps_its_household_ledger_in_the_console(app, web):
    make_world(app)
    client = web("township")
    home = client.get("/").get_data(as_text=True)
    assert "/householdview/list/" in home and "/gridview/list/" in home

    listing = client.get("/householdview/list/").get_data(as_text=True)
    for link in ("/householdview/import/", "/householdview/template/", "/householdview/export/"):
        assert link in listing, link
    template = client.get("/householdview/template/")
    workbook = load_workbook(io.BytesIO(template.data))
    sheet = workbook.worksheets[0]
    headers = [c.value for c in sheet[1]]
    assert headers[:5] == ["社区（村）", "网格", "楼栋/村组", "单元", "门牌号"]
    instructions = [[c.value for c in row] for row in workbook.worksheets[1].iter_rows()]
    assert ["门牌号", "是"] == instructions[5][:2]

    # Filled in as a person would: names, not codes; some columns left empty.
    filled = [["科技社区居民居委会", "网格B1", "B1号楼", "1单元", "502", "", "周六", "13600001234", ""],
              ["科技社区居民居委会", "网格B1", "B1号楼", "1单元", "602", "", "吴七", "", "独居老人"],
              ["科技社区居民居委会", "", "", "", "沿街商铺1", "文化路8号", "", "", ""]]
    for row in filled:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    form = client.get("/householdview/import/").get_data(as_text=True)
    assert 'type="file"' in form and "下载模板" in form
    page = client.post("/householdview/import/", data=upload(buffer.getvalue(), "户台账.xlsx"),
                       content_type="multipart/form-data").get_data(as_text=True)
    assert "已导入：新增 3 条，更新 0 条，未变 0 条" in page

    listing = client.get("/householdview/list/?psize_HouseholdView=100").get_data(as_text=True)
    for door in ("502", "602", "沿街商铺1"):
        assert door in listing
    assert "136****1234" in listing and "13600001234" not in listing
    searched = client.get("/householdview/list/?_flt_0_head_name=周").get_data(as_text=True)
    assert "周六" in searched and "吴七" not in searched

    exported = client.get("/householdview/export/")
    assert exported.status_code == 200 and exported.headers["Content-Disposition"].endswith("household.xlsx")
    headers, rows = xlsx_rows(exported.data)
    doors = [row[headers.index("门牌号")] for row in rows]
    assert {"502", "602", "沿街商铺1", "101"} <= set(doors) and len(rows) == 6
    again = client.post("/householdview/import/", data=upload(exported.data),
                        content_type="multipart/form-data").get_data(as_text=True)
    assert "新增 0 条，更新 0 条，未变 6 条" in again


def test_the_household_page_lists_its_residents(app, web):
    world = make_world(app)
    page = web("officer").get(f"/householdview/show/{world['A1']['household']}").get_data(as_text=True)
    assert "居民A1" in page and re.search(r"410\*{11}\d{4}", page)
    assert "居民A2" not in page
