"""Daily reports for the statistics' tests.

The DailyReport model belongs to the daily-report part (issue 4). Where it does not
exist yet, a stand-in with just the columns the statistics read (region_code,
report_date, status, submitted_at) takes its place; importing this module before the
session's app is created (test collection does) registers it. Where the real model
exists, rows are written into it, with neutral values for its other required columns."""
import datetime as dt

from sqlalchemy import Boolean, Column, Date, DateTime, Integer, Numeric, String

from app.extensions import db  # noqa: F401  (models import FAB's Model)
from app.rollups import daily_report_table
from models import Model
from models.base import BigId

if daily_report_table() is None:
    class DailyReport(Model):
        __tablename__ = "daily_report"

        id = Column(BigId, primary_key=True, autoincrement=True)
        region_code = Column(String(12), nullable=False)
        report_date = Column(Date, nullable=False)
        status = Column(String(16), nullable=False, default="pending")
        submitted_at = Column(DateTime)


def _neutral(column, report_date):
    python_type = type(column.type)
    if issubclass(python_type, Boolean):
        return False
    if issubclass(python_type, (Integer, Numeric)):
        return 0
    if issubclass(python_type, DateTime):
        return dt.datetime.combine(report_date, dt.time())
    if issubclass(python_type, Date):
        return report_date
    return ""


def add_report(region_code: str, report_date: dt.date, submitted_at=None) -> None:
    table = daily_report_table()
    values = {"region_code": region_code, "report_date": report_date, "submitted_at": submitted_at,
              "status": "submitted" if submitted_at else "pending"}
    for column in table.columns:
        if (column.name not in values and not column.nullable and column.default is None
                and column.server_default is None and column.autoincrement is not True
                and not column.primary_key):
            values[column.name] = _neutral(column, report_date)
    db.session.execute(table.insert().values(**{k: v for k, v in values.items() if k in table.c}))
