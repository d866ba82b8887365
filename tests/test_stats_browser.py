"""Tried as a new user would: a province leader opens the dashboard in headless
Chromium, clicks a city's bar and sees its counties; the charts arrive as they scroll
into view. The screenshots are kept under bench/out/ (look at them)."""
import datetime as dt
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from app.core import clock
from app.stats import rollups
from app.core.accounts import create_user
from app.demo import generate_filings
from app.core.extensions import db
from tests.conftest import PASSWORD
from tests.daily_reports import add_report

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parent.parent / "bench" / "out"
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium")


@pytest.fixture
def server(app):
    with app.app_context():
        generate_filings(300, seed=5)
        create_user("province_leader", PASSWORD, "Leader", "41")
        today = rollups.local_today()
        for back in range(1, 15):  # a fortnight of daily reports: on time, late, missing
            day = today - dt.timedelta(days=back)
            deadline = clock.report_due_at(day)
            add_report("410105001003", day, deadline - dt.timedelta(hours=3))
            if back % 3:
                add_report("410105001006", day, deadline + dt.timedelta(hours=back % 2 * 5 - 2))
        db.session.commit()
    http = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{http.server_port}"
    http.shutdown()


def test_leader_drills_down_from_the_province_to_a_city(server):
    from playwright.sync_api import sync_playwright

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM),
                                    args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        page.goto(f"{server}/login/")
        page.fill("input[name=username]", "province_leader")
        page.fill("input[name=password]", PASSWORD)
        page.click("input[type=submit], button[type=submit]")
        charts = []
        page.on("request", lambda request: "/stats/chart/" in request.url and charts.append(
            request.url.split("/stats/chart/")[1].split("?")[0]))
        page.goto(f"{server}/stats/")
        page.wait_for_selector("#chart-children .js-plotly-plot .bars path")
        assert "河南省" in page.inner_text("h2")
        # Only the charts in view (and just below) were fetched, the first one first; the
        # last ones come when scrolled to.
        assert charts[0] == "children" and "findings" not in charts
        page.locator("#chart-findings").scroll_into_view_if_needed()
        page.wait_for_selector("#chart-findings.stats-drawn .js-plotly-plot")
        assert "findings" in charts and len(charts) == len(set(charts))
        page.screenshot(path=str(SCREENSHOTS / "stats-province.png"), full_page=False)

        # The first bar is 郑州市 (4101): a click opens its dashboard.
        bar = page.locator("#chart-children .js-plotly-plot .bars .point path").first
        bar.scroll_into_view_if_needed()
        box = bar.bounding_box()
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] * 0.6)
        page.wait_for_url("**region=4101**")
        page.wait_for_selector("#chart-children .js-plotly-plot .bars path")
        assert "郑州市" in page.inner_text("h2")
        ticks = page.locator("#chart-children .xtick text").all_text_contents()
        assert ticks == ["中原区", "金水区"]
        page.screenshot(path=str(SCREENSHOTS / "stats-city.png"), full_page=True)

        # Down to a township: its communities x days heat map of daily reports.
        page.goto(f"{server}/stats/?region=410105001")
        page.locator("#chart-compliance").scroll_into_view_if_needed()
        page.wait_for_selector("#chart-compliance .js-plotly-plot .heatmaplayer, #chart-compliance .js-plotly-plot image")
        page.locator("#chart-compliance").screenshot(path=str(SCREENSHOTS / "stats-township-reports.png"))
        labels = page.locator("#chart-compliance .ytick text").all_text_contents()
        assert labels == ["体育社区居民居委会", "科技社区居民居委会", "教育社区居民居委会"][::-1] or \
            sorted(labels) == sorted(["体育社区居民居委会", "科技社区居民居委会", "教育社区居民居委会"])
        browser.close()
