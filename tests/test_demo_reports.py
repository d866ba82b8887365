"""The demo's history of daily reports (flask setup): the dashboard tells a story."""
import datetime as dt

from app.core.extensions import db
from app.reporting import compliance
from app.reporting.demo import DEMO_REPORT_DAYS, load_demo_reports
from app.stats import rollups
from app.stats.rollups import DateRange
from sqlalchemy import func, select
from models import DailyReport

NOW = dt.datetime(2026, 2, 12, 4, 0)  # 12:00 in Asia/Shanghai: the 11th is due


def test_demo_reports_are_mostly_on_time_some_late_a_few_missing(app):
    with app.app_context():
        written = load_demo_reports(NOW)
        assert written > 0 and load_demo_reports(NOW) == 0
        days = {d for (d,) in db.session.execute(select(DailyReport.report_date).distinct())}
        assert len(days) == DEMO_REPORT_DAYS and max(days) == dt.date(2026, 2, 11)
        month = DateRange(min(days), max(days))
        total = rollups.rollup("41", month, NOW, jurisdiction=None)["total"]
        assert total["reports_expected"] == written
        assert 0.6 < total["report_compliance"] < 0.99
        assert rollups.key_figures("41", NOW, jurisdiction=None)["report_compliance"] > 0.5
        _communities, _days, cells = rollups.report_heatmap("410105001", month, NOW, jurisdiction=None)
        states = [state for row in cells.values() for state in row.values()]
        assert states.count("on_time") > states.count("late") > states.count("missing") > 0
        assert compliance.summary_differences() == []
        assert db.session.scalar(select(func.count()).select_from(DailyReport)) == written
