"""Local days and times of the schedule (Asia/Shanghai by default, TIMEZONE).

Times are stored as naive UTC; people and the schedule think in local days. A report
day is 0-24 h local time; "the report time" and "the deadline" are local times of the
day after it. Every function takes the time it works with: nothing here reads a clock.
"""
import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo

from flask import current_app


@lru_cache(maxsize=4)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def zone() -> ZoneInfo:
    return _zone(current_app.config["TIMEZONE"])


def parse_hhmm(value: str) -> dt.time:
    hours, minutes = value.strip().split(":")
    return dt.time(int(hours), int(minutes))


def to_utc(moment: dt.datetime) -> dt.datetime:
    """Naive UTC of ``moment``; a naive ``moment`` is read as local time."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone())
    return moment.astimezone(dt.timezone.utc).replace(tzinfo=None)


def to_local(utc_naive: dt.datetime) -> dt.datetime:
    return utc_naive.replace(tzinfo=dt.timezone.utc).astimezone(zone())


def local_date(utc_naive: dt.datetime) -> dt.date:
    return to_local(utc_naive).date()


def at_local_time(day: dt.date, hhmm: str) -> dt.datetime:
    """Naive UTC of the local time ``hhmm`` on ``day``."""
    return to_utc(dt.datetime.combine(day, parse_hhmm(hhmm)))


def day_window(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of the local ``day``, in naive UTC."""
    start = to_utc(dt.datetime.combine(day, dt.time()))
    return start, to_utc(dt.datetime.combine(day + dt.timedelta(days=1), dt.time()))


def latest_day_due(now: dt.datetime, hhmm: str) -> dt.date:
    """The latest day D whose job runs at local ``hhmm`` on D + 1 and is due by ``now``."""
    today = local_date(now)
    if now >= at_local_time(today, hhmm):
        return today - dt.timedelta(days=1)
    return today - dt.timedelta(days=2)


def report_due_at(day: dt.date) -> dt.datetime:
    """The deadline of the daily report of ``day``: DAILY_REPORT_DEADLINE the next day."""
    return at_local_time(day + dt.timedelta(days=1), current_app.config["DAILY_REPORT_DEADLINE"])


def format_local(utc_naive: dt.datetime, pattern: str = "%Y-%m-%d %H:%M") -> str:
    return to_local(utc_naive).strftime(pattern) if utc_naive else ""
