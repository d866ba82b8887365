"""A township imports a large resident file in headless Chromium: the upload answers at
once with a progress bar, which follows the job (waiting, checking, writing) and turns
into the result. Skipped when Chromium is not installed."""
import os
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.core.excel import to_xlsx
from app.core.extensions import db
from app.ledgers import jobs as ledger_jobs
from models.ledger import Resident
from tests.ledger_data import make_world
from tests.test_csrf_browser import signed_in
from tests.test_filing_browser import CHROMIUM, browser, live_server  # noqa: F401  (fixtures)
from tests.test_ledger_import_jobs import resident_rows
from tests.test_ledgers_excel import RESIDENT_HEADERS

pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Chromium is not installed")
ROWS = 3000


def test_a_large_resident_file_shows_its_progress_then_its_result(app, live_server, browser, monkeypatch,
                                                                  tmp_path):
    make_world(app)
    shots = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    file = tmp_path / "居民台账.xlsx"
    file.write_bytes(to_xlsx(RESIDENT_HEADERS, resident_rows(ROWS)))
    monkeypatch.setitem(app.config, "LEDGER_IMPORT_INLINE_BYTES", 1024)
    # Held at two points, so each state can be seen: before it starts, and once every
    # row is checked (before it writes).
    queued, proceed, start, write = [], threading.Event(), ledger_jobs.start, ledger_jobs._write
    monkeypatch.setattr(ledger_jobs, "start", queued.append)
    monkeypatch.setattr(ledger_jobs, "_write", lambda *args: proceed.wait(30) and write(*args))

    page = signed_in(browser, live_server, "township")
    page.goto(f"{live_server}/residentview/import/")
    page.set_input_files("input[type=file]", str(file))
    page.click(".ledger-import button[type=submit]")
    page.wait_for_selector(".import-job .progress-bar")
    assert "等待开始" in page.inner_text(".import-job-label")
    page.screenshot(path=str(shots / "ledger-import-waiting.png"), full_page=True)

    assert len(queued) == 1
    with app.app_context():
        thread = start(queued[0])  # as the web worker starts it
    page.wait_for_selector(".import-job-label:has-text('正在写入')")
    assert page.inner_text(".import-job .progress-bar") == "100%"
    assert f"{ROWS} 行已全部检查" in page.inner_text(".import-job-label")
    page.screenshot(path=str(shots / "ledger-import-writing.png"), full_page=True)

    proceed.set()
    page.wait_for_selector(".import-result", timeout=60000)
    assert f"已导入：新增 {ROWS} 条，更新 0 条，未变 0 条" in page.inner_text(".import-result")
    assert page.locator(".import-job").count() == 0
    page.screenshot(path=str(shots / "ledger-import-done.png"), full_page=True)
    thread.join(30)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Resident)) == 4 + ROWS

