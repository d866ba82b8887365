"""Tried as a new user would, in headless Chromium: a township account downloads the
household template, imports it (first with a mistake), sees the households, exports
them, and adds one more household by picking its place in the searchable field.
Screenshots go to bench/out/ (look at them)."""
import threading
from pathlib import Path

import pytest
from openpyxl import load_workbook
from werkzeug.serving import make_server

from tests.conftest import PASSWORD
from tests.ledger_data import make_world

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parent.parent / "bench" / "out"
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium")


@pytest.fixture
def server(app):
    make_world(app)
    http = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{http.server_port}"
    http.shutdown()


def test_township_imports_sees_and_exports_households(server, tmp_path):
    from playwright.sync_api import sync_playwright

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM),
                                    args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN", accept_downloads=True)
        page.goto(f"{server}/login/")
        page.fill("input[name=username]", "township")
        page.fill("input[name=password]", PASSWORD)
        page.click("input[type=submit], button[type=submit]")
        page.goto(f"{server}/householdview/list/")

        with page.expect_download() as download:
            page.click("text=下载模板")
        template = tmp_path / "template.xlsx"
        download.value.save_as(template)
        workbook = load_workbook(template)
        sheet = workbook.worksheets[0]
        sheet.append(["科技社区居民居委会", "网格B1", "B1号楼", "1单元", "702", "", "郑八", "13600007777", ""])
        sheet.append(["科技社区居民居委会", "没有这个网格", "", "", "703", "", "", "", ""])
        workbook.save(tmp_path / "bad.xlsx")
        sheet.delete_rows(sheet.max_row)
        workbook.save(tmp_path / "good.xlsx")

        page.click("text=从 Excel 导入")
        page.set_input_files("input[type=file]", str(tmp_path / "bad.xlsx"))
        page.click("button:has-text('导入')")
        assert "未导入任何数据" in page.inner_text(".import-problems")
        assert page.locator("table.import-problems tbody tr").all_inner_texts() == ["3\t网格\t此处未找到：没有这个网格。"]
        page.screenshot(path=str(SCREENSHOTS / "ledgers-import-problems.png"), full_page=True)
        page.set_input_files("input[type=file]", str(tmp_path / "good.xlsx"))
        page.click("button:has-text('导入')")
        assert "新增 1 条" in page.inner_text(".import-result")

        page.click("text=查看列表")
        assert "702" in page.inner_text("table.table-bordered") and "136****7777" in page.inner_text("table.table-bordered")
        page.screenshot(path=str(SCREENSHOTS / "ledgers-households.png"), full_page=True)
        with page.expect_download() as download:
            page.click("text=全部下载")
        exported = tmp_path / "export.xlsx"
        download.value.save_as(exported)
        doors = [row[4] for row in load_workbook(exported).worksheets[0].iter_rows(min_row=2, values_only=True)]
        assert "702" in doors and len(doors) == 4

        # One more by hand: the place is searched, never a dropdown of everything.
        page.goto(f"{server}/householdview/add")
        page.click(".select2-selection")
        page.fill(".select2-search__field", "B1号楼")
        page.wait_for_selector(".select2-results__option:has-text('B1号楼')")
        page.screenshot(path=str(SCREENSHOTS / "ledgers-place-search.png"))
        page.click(".select2-results__option:has-text('B1号楼')")
        page.fill("input[name=door_number]", "门卫")
        page.click("button:has-text('保存')")
        page.goto(f"{server}/householdview/list/?_flt_0_door_number=门卫")
        assert "B1号楼" in page.inner_text("table.table-bordered")
        browser.close()
