"""Excel: templates with Chinese headers, imports that report every bad row and write
all or nothing, exports that import again."""
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from app.core.excel import to_xlsx
from app.core.extensions import db
from app.ledgers.tables import TABLES
from models.ledger import Grid, Household, Resident
from models.staff import Device
from tests.ledger_data import GRID_MEMBER, make_world, resident_id, upload, xlsx_rows

HOUSEHOLD_HEADERS = ["社区（村）", "网格", "楼栋/村组", "单元", "门牌号", "地址", "户主姓名", "联系电话", "备注"]
RESIDENT_HEADERS = ["社区（村）", "网格", "楼栋/村组", "单元", "门牌号", "姓名", "证件类型", "证件号码", "联系电话",
                    "与户主关系", "人员类别", "在外地点", "预计返回日期", "备注"]


@pytest.fixture
def world(app):
    return make_world(app)


def _count(app, model):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_templates_have_chinese_headers_and_instructions(web, api):
    client = web("township")
    response = client.get("/householdview/template/")
    assert response.status_code == 200 and response.mimetype.endswith("sheet")
    workbook = load_workbook(io.BytesIO(response.data))
    assert [c.value for c in workbook.worksheets[0][1]] == HOUSEHOLD_HEADERS
    assert workbook.worksheets[1].title == "填写说明"
    headers, _rows = xlsx_rows(api("township").get("/api/v1/resident/template").data)
    assert headers == RESIDENT_HEADERS
    for name in TABLES:  # every ledger hands out its template
        assert api("township").get(f"/api/v1/{name}/template").status_code == 200


def test_templates_offer_coded_columns_as_dropdowns(api):
    from tests.xlsx_dropdowns import dropdowns

    offered = dropdowns(api("township").get("/api/v1/resident/template").data)
    assert offered["人员类别"] == ["常住", "在外", "流动", "来返"]
    assert "户主" in offered["与户主关系"] and "居民身份证" in offered["证件类型"]
    assert set(dropdowns(api("township").get("/api/v1/staff/template").data)) == {"角色"}


def test_import_a_good_household_file(app, web, world):
    rows = [["体育社区居民居委会 (410105001003)", "网格A1", "A1号楼", "1单元", "201", "体育路3号", "张三", "13800001111", ""],
            ["410105001003", "网格A1", "", "", "平房1", "", "李四", "", "院内平房"],
            ["体育社区居民居委会", "", "", "", "门卫室", "", "", "", ""]]
    page = web("township").post("/householdview/import/", data=upload(to_xlsx(HOUSEHOLD_HEADERS, rows)),
                                content_type="multipart/form-data").get_data(as_text=True)
    assert "已导入：新增 3 条" in page
    with app.app_context():
        by_door = {h.door_number: h for h in db.session.scalars(select(Household))}
        assert by_door["201"].region_code == world["A1"]["unit_code"] and by_door["201"].phone_masked == "138****1111"
        assert by_door["平房1"].region_code == world["A1"]["grid_code"] and by_door["平房1"].grid is not None
        assert by_door["门卫室"].region_code == "410105001003" and by_door["门卫室"].grid is None


def test_a_file_with_bad_rows_imports_nothing_and_reports_each(app, web, api, world):
    rows = [["410105001003", "网格A1", "A1号楼", "1单元", "202", "", "王五", "", ""],           # good
            ["410105002001", "网格C1", "", "", "1", "", "", "", ""],                           # township2's
            ["410105001003", "没有的网格", "", "", "2", "", "", "", ""],                        # unknown grid
            ["410105001003", "网格A1", "没有的楼", "", "3", "", "", "", ""],                 # unknown building
            ["410105001003", "", "", "", "", "", "", "abc", ""],                               # no door
            ["410105001003", "网格A1", "A1号楼", "1单元", "202", "", "", "", ""],              # repeats row 2
            ["410105001003", "", "", "", "门10", "", "", "abc", ""]]                           # bad phone
    before = _count(app, Household)
    page = web("township").post("/householdview/import/", data=upload(to_xlsx(HOUSEHOLD_HEADERS, rows)),
                                content_type="multipart/form-data").get_data(as_text=True)
    assert "未导入任何数据" in page and "您的管辖范围内没有该区划" in page and "此处未找到：没有的网格" in page
    response = api("township").post("/api/v1/household/import", data=upload(to_xlsx(HOUSEHOLD_HEADERS, rows)),
                                    content_type="multipart/form-data")
    assert response.status_code == 400
    errors = response.json["errors"]
    assert sorted(errors, key=int) == ["3", "4", "5", "6", "7", "8"]
    assert "楼栋/村组" in " ".join(errors["5"]) and "与第 2 行重复" in " ".join(errors["7"])
    # Every mistake of a row at once: the missing door and the bad phone of the same row.
    assert errors["6"] == ["门牌号: 必填。", "联系电话: 请填写电话号码（数字，最多 20 位）。"]
    assert errors["8"][0].startswith("联系电话: ")
    assert _count(app, Household) == before  # not even the good row


def test_unknown_and_missing_columns_are_reported(api):
    response = api("township").post("/api/v1/household/import", content_type="multipart/form-data",
                                    data=upload(to_xlsx(["社区（村）", "门 牌号"], [["410105001003", "1"]])))
    assert response.status_code == 400
    assert {"门 牌号: 未知的列，请使用模板中的表头。", "门牌号: 缺少此列。"} <= set(response.json["errors"]["1"])
    response = api("township").post("/api/v1/household/import", content_type="multipart/form-data",
                                    data=upload(b"not a spreadsheet", "x.xlsx"))
    assert response.status_code == 400 and "Excel" in response.json["errors"]["1"][0]


def test_resident_import_adds_households_checks_ids_and_reads_csv(app, api, world):
    good_id, bad_id = resident_id(501), resident_id(502)[:-1] + ("0" if resident_id(502)[-1] != "0" else "1")
    header = ",".join(RESIDENT_HEADERS)
    csv_rows = [f"410105001003,网格A2,,,新户1,赵大,,{good_id},13811112222,户主,常住,,,",
                f"410105001003,网格A2,,,新户1,赵二,,{resident_id(503)},,子女,在外,上海市,2022-04-01,",
                f"410105001003,网格A2,,,新户1,赵三,,{bad_id},,子女,常住,,,"]
    client = api("township")
    response = client.post("/api/v1/resident/import", content_type="multipart/form-data",
                           data=upload("\n".join([header] + csv_rows).encode("utf-8-sig"), "r.csv"))
    assert response.status_code == 400 and list(response.json["errors"]) == ["4"]
    assert "校验" in response.json["errors"]["4"][0] or "最后一位" in response.json["errors"]["4"][0]
    response = client.post("/api/v1/resident/import", content_type="multipart/form-data",
                           data=upload("\n".join([header] + csv_rows[:2]).encode("utf-8-sig"), "r.csv"))
    assert response.status_code == 200 and response.json["created"] == 2, response.json
    with app.app_context():
        household = db.session.scalar(select(Household).where(Household.door_number == "新户1"))
        assert household.head_name == "赵大" and household.region_code == world["A2"]["grid_code"]
        away = db.session.scalar(select(Resident).where(Resident.name == "赵二"))
        assert away.category == "away" and str(away.expected_return) == "2022-04-01"
        assert away.id_number_masked == resident_id(503)[:3] + "*" * 11 + resident_id(503)[-4:]


@pytest.mark.parametrize("url", sorted(TABLES))
def test_export_round_trips_through_import(app, api, world, url):
    client = api("township")
    exported = client.get(f"/api/v1/{url}/export")
    assert exported.status_code == 200
    headers, rows = xlsx_rows(exported.data)
    assert len(rows) == 3  # A1, A2 and B1 of the township; township2's C1 is not there
    response = client.post(f"/api/v1/{url}/import", data=upload(exported.data), content_type="multipart/form-data")
    assert response.status_code == 200, response.json
    assert response.json == {"created": 0, "updated": 0, "unchanged": 3}
    assert xlsx_rows(client.get(f"/api/v1/{url}/export").data) == (headers, rows)


def test_an_exported_file_edited_in_excel_updates_only_what_changed(app, api, world):
    client = api("township")
    workbook = load_workbook(io.BytesIO(client.get("/api/v1/resident/export").data))
    sheet = workbook.worksheets[0]
    headers = [c.value for c in sheet[1]]
    sheet.cell(row=2, column=headers.index("人员类别") + 1, value="来返")  # masked ID, phone kept
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = client.post("/api/v1/resident/import", data=upload(buffer.getvalue()), content_type="multipart/form-data")
    assert response.json == {"created": 0, "updated": 1, "unchanged": 2}
    with app.app_context():
        resident = db.session.get(Resident, world["A1"]["resident"])
        assert resident.category == "arrived" and resident.id_number_hash == world["A1"]["id_number_hash"]


def test_a_masked_id_cannot_add_a_person(app, api, world):
    rows = [["410105001003", "网格A1", "A1号楼", "1单元", "101", "新人", "", "410***********0001", "", "子女", "常住", "", "", ""]]
    response = api("township").post("/api/v1/resident/import", content_type="multipart/form-data",
                                    data=upload(to_xlsx(RESIDENT_HEADERS, rows)))
    assert response.status_code == 400 and "脱敏" in response.json["errors"]["2"][0]


def test_grids_come_back_with_their_codes_after_a_delete(app, api):
    client = api("township")
    rows = [["410105001007", "3", "第三网格", "一区", ""], ["410105001007", "", "第四网格", "", ""]]
    headers = ["社区（村）", "编号", "名称", "网格范围", "备注"]
    assert client.post("/api/v1/grid/import", data=upload(to_xlsx(headers, rows)),
                       content_type="multipart/form-data").json["created"] == 2
    exported = client.get("/api/v1/grid/export").data
    with app.app_context():
        codes = sorted(db.session.scalars(select(Grid.code)))
        assert codes == ["41010500100703", "41010500100704"]
        for grid in db.session.scalars(select(Grid)):
            db.session.delete(grid)
        db.session.commit()
    assert client.post("/api/v1/grid/import", data=upload(exported), content_type="multipart/form-data").json["created"] == 2
    with app.app_context():
        assert sorted(db.session.scalars(select(Grid.code))) == codes


def test_a_grid_member_imports_only_into_their_grid(app, api, world):
    rows = [["410105001003", "网格A2", "", "", "9", "", "", "", ""]]
    response = api(GRID_MEMBER).post("/api/v1/household/import", content_type="multipart/form-data",
                                     data=upload(to_xlsx(HOUSEHOLD_HEADERS, rows)))
    assert response.status_code == 400
    rows = [["410105001003", "网格A1", "A1号楼", "", "9", "", "", "", ""]]
    response = api(GRID_MEMBER).post("/api/v1/household/import", content_type="multipart/form-data",
                                     data=upload(to_xlsx(HOUSEHOLD_HEADERS, rows)))
    assert response.status_code == 200 and response.json["created"] == 1


def test_an_officer_cannot_import_devices(api):
    response = api("officer").post("/api/v1/device/import", content_type="multipart/form-data",
                                   data=upload(to_xlsx(["社区（村）", "IMEI"], [])))
    assert response.status_code in (401, 403)


def test_download_all_follows_the_list_filter(app, web, world):
    client = web("township")
    everything = xlsx_rows(client.get("/residentview/export/").data)[1]
    assert len(everything) == 3
    filtered = xlsx_rows(client.get("/residentview/export/?_flt_0_name=居民A2").data)[1]
    assert [row[5] for row in filtered] == ["居民A2"]
    selected = client.post("/residentview/action_post", data={"action": "export_xlsx", "rowid": [world["A1"]["resident"]]})
    assert [row[5] for row in xlsx_rows(selected.data)[1]] == ["居民A1"]
    assert _count(app, Device) == 4


def test_the_command_line_imports_and_exports(app, world, tmp_path):
    runner = app.test_cli_runner()
    target = tmp_path / "households.xlsx"
    result = runner.invoke(args=["ledgers", "export", "household", str(target)])
    assert result.exit_code == 0 and len(xlsx_rows(target.read_bytes())[1]) == 4  # every township
    result = runner.invoke(args=["ledgers", "import", "household", str(target)])
    assert result.exit_code == 0 and "unchanged 4" in result.output, result.output
    bad = tmp_path / "bad.csv"
    bad.write_text(",".join(HOUSEHOLD_HEADERS) + "\n999,,,,1,,,,\n", encoding="utf-8")
    result = runner.invoke(args=["ledgers", "import", "household", str(bad)])
    assert result.exit_code != 0 and "row 2" in result.output
