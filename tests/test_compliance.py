"""Daily-report compliance: one service whose counts every reader shares (the province
from the per-county summary, a county live from the reports), kept current by the writes
that change it, and read by GETs that change nothing."""
import datetime as dt

import pytest
from sqlalchemy import event

from app.core.extensions import db
from app.reporting import compliance
from app.reporting.daily_reports import submit_report
from app.stats import rollups
from app.stats.rollups import DateRange
from scheduler.jobs import daily_report_job
from tests.report_fixtures import report_of

# The 11th's reports, prepared after downtime at 08:00 on the 13th (00:00 UTC): their
# deadline is two hours later, 10:00 on the 13th, not the configured 10:00 on the 12th.
DAY = dt.date(2026, 3, 11)
PREPARED_AT = dt.datetime(2026, 3, 13, 0, 0)
DASHBOARD_READ = PREPARED_AT + dt.timedelta(minutes=30)     # 08:30
SUBMITTED_AT = PREPARED_AT + dt.timedelta(minutes=40)       # 08:40, on time
COMMUNITY = "410105001003"


def _on_time(region_code, now):
    return rollups.rollup(region_code, DateRange(DAY, DAY), now, jurisdiction=None)["total"]["reports_on_time"]


def test_a_report_submitted_after_the_province_was_read_counts_at_every_level(app):
    with app.app_context():
        daily_report_job(DAY, now=PREPARED_AT)
        assert report_of(COMMUNITY, DAY).due_at == dt.datetime(2026, 3, 13, 2, 0)
        assert _on_time("41", DASHBOARD_READ) == 0
        db.session.commit()  # whatever that read did is kept, as a dashboard's request would
        report = submit_report(report_of(COMMUNITY, DAY).id, jurisdiction=None, now=SUBMITTED_AT)
        assert report.late is False
        for now in (SUBMITTED_AT + dt.timedelta(minutes=5), dt.datetime(2026, 3, 13, 2, 30)):
            on_time = {code: _on_time(code, now) for code in ("41", "4101", "410105", "410105001")}
            assert on_time == {"41": 1, "4101": 1, "410105": 1, "410105001": 1}, now
        assert compliance.summary_differences() == []


@pytest.fixture
def writes(app):
    """The data-changing statements run while the fixture is active."""
    seen = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().split(None, 1)[0].upper() in ("INSERT", "UPDATE", "DELETE"):
            seen.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


def _prepare_reports(app):
    with app.app_context():
        today = rollups.local_today()
        for days_back in (2, 3):
            daily_report_job(today - dt.timedelta(days=days_back),
                             now=dt.datetime.combine(today, dt.time()) - dt.timedelta(days=days_back - 1))


@pytest.mark.parametrize("path", ["/stats/", "/stats/?region=4101", "/stats/export/compliance",
                                  "/stats/chart/compliance", "/stats/chart/children?region=4101",
                                  "/api/v1/stats/rollup", "/api/v1/stats/rollup?region=4101"])
def test_reading_the_dashboard_and_the_rollup_writes_nothing(app, web, api, writes, path):
    _prepare_reports(app)
    client = api("province") if path.startswith("/api/") else web("province")
    writes.clear()
    response = client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert writes == []
