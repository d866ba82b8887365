"""Region codes show as names on lists, show pages and list exports (a person reads
体育社区居民居委会, not 410105001003); pickers and the API keep codes."""
import io
import re

from openpyxl import load_workbook

from tests.conftest import user_id

COMMUNITY, COMMUNITY_NAME = "410105001003", "体育社区居民居委会"


def test_the_user_list_and_page_show_the_jurisdiction_by_name(app, web):
    admin = web("admin")
    listing = admin.get("/users/list/?psize_ConsoleUserView=100").get_data(as_text=True)
    assert COMMUNITY_NAME in listing and "金水区" in listing
    assert not re.search(r">\s*410105001003\s*<", listing)
    page = admin.get(f"/users/show/{user_id(app, 'officer')}").get_data(as_text=True)
    assert COMMUNITY_NAME in page and not re.search(r">\s*410105001003\s*<", page)


def test_a_list_export_writes_the_names_shown(app, web):
    response = web("admin").post("/users/action_post", data={
        "action": "export_xlsx", "rowid": [str(user_id(app, "officer")), str(user_id(app, "county"))]})
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True))
    jurisdiction = rows[0].index("管辖区域") if "管辖区域" in rows[0] else None
    cells = {cell for row in rows[1:] for cell in row}
    assert COMMUNITY_NAME in cells and "金水区" in cells
    assert COMMUNITY not in cells and "410105" not in cells, (jurisdiction, rows)


def test_the_api_keeps_codes(api):
    body = api("admin").get("/api/v1/user/", query_string={"q": '(filters:!((col:username,opr:eq,value:officer)))'}).json
    assert body["result"][0]["region_code"] == COMMUNITY
