"""Daily reports for the statistics' tests: a report of a community and day, submitted
at a given time (on time or late by the report's own deadline) or only prepared."""
import datetime as dt

from app.core import clock
from app.core.extensions import db
from models import DailyReport


def add_report(region_code: str, report_date: dt.date, submitted_at=None) -> None:
    due_at = clock.report_due_at(report_date)
    db.session.add(DailyReport(
        region_code=region_code, report_date=report_date, prepared_at=due_at - dt.timedelta(hours=4),
        due_at=due_at, status="submitted" if submitted_at else "prepared", submitted_at=submitted_at,
        late=bool(submitted_at and submitted_at > due_at)))
    db.session.flush()
