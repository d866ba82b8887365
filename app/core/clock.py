"""Local days and times (Asia/Shanghai by default, config TIMEZONE): the one place that
turns stored times into the days and hours people think in.

Times are stored as naive UTC. A report day is 0-24 h local time; "the report time" and
"the deadline" are local times of the day after it. A filing's arrival day is the local
day of its expected arrival. Functions take the time they work with; only
``local_today()`` without an argument reads the real clock.
"""
import datetime as dt
from functools import lru_cache
from typing import Optional
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

from models.base import utcnow

DEFAULT_ZONE = "Asia/Shanghai"


@lru_cache(maxsize=4)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def zone() -> ZoneInfo:
    name = current_app.config.get("TIMEZONE", DEFAULT_ZONE) if has_app_context() else DEFAULT_ZONE
    return _zone(name)


def parse_hhmm(value: str) -> dt.time:
    hours, minutes = value.strip().split(":")
    return dt.time(int(hours), int(minutes))


def to_utc(moment: Optional[dt.datetime]) -> Optional[dt.datetime]:
    """Naive UTC for storing: an aware time is converted, a naive one is read as local."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone())
    return moment.astimezone(dt.timezone.utc).replace(tzinfo=None)


def to_local(utc_naive: Optional[dt.datetime]) -> Optional[dt.datetime]:
    """The aware local time of a stored naive UTC time."""
    if utc_naive is None:
        return None
    return utc_naive.replace(tzinfo=dt.timezone.utc).astimezone(zone())


def local_date(utc_naive) -> dt.date:
    """The local day of a stored time (a ``datetime`` or its ISO text, as SQLite returns)."""
    if isinstance(utc_naive, str):
        utc_naive = dt.datetime.fromisoformat(utc_naive)
    return to_local(utc_naive).date()


def local_today(now: Optional[dt.datetime] = None) -> dt.date:
    return local_date(now or utcnow())


def at_local_time(day: dt.date, hhmm: str) -> dt.datetime:
    """Naive UTC of the local time ``hhmm`` on ``day``."""
    return to_utc(dt.datetime.combine(day, parse_hhmm(hhmm)))


def day_start(day: dt.date) -> dt.datetime:
    """Naive UTC of the local midnight that starts ``day``."""
    return to_utc(dt.datetime.combine(day, dt.time()))


def day_window(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of the local ``day``, in naive UTC."""
    return day_start(day), day_start(day + dt.timedelta(days=1))


def latest_day_due(now: dt.datetime, hhmm: str) -> dt.date:
    """The latest day D whose job runs at local ``hhmm`` on D + 1 and is due by ``now``."""
    today = local_date(now)
    if now >= at_local_time(today, hhmm):
        return today - dt.timedelta(days=1)
    return today - dt.timedelta(days=2)


def report_due_at(day: dt.date) -> dt.datetime:
    """The deadline of the daily report of ``day``: DAILY_REPORT_DEADLINE the next day."""
    return at_local_time(day + dt.timedelta(days=1), current_app.config["DAILY_REPORT_DEADLINE"])


# ---- the same days in SQL ------------------------------------------------------------

@lru_cache(maxsize=8)
def _offset_of(name: str) -> dt.timedelta:
    # Asia/Shanghai has had no daylight saving since 1991: one fixed offset, the same in
    # Python and in SQL (where SQLite has no time zones), so live counts and summaries agree.
    return dt.datetime.now(ZoneInfo(name)).utcoffset()


def day_offset() -> dt.timedelta:
    return _offset_of(zone().key)


def sql_local_day(column, dialect, shift: dt.timedelta = dt.timedelta()):
    """SQL: the local day of a naive-UTC column (optionally shifted, e.g. by a deadline),
    in the ``dialect`` of app.core.dialects that will run it."""
    return dialect.local_day(column, int((day_offset() + shift).total_seconds() // 60))


# ---- shown to people -----------------------------------------------------------------

def format_local(utc_naive: Optional[dt.datetime], with_time: bool = True) -> str:
    """``2026-05-01 10:00`` (or the day alone) for screens and ledgers."""
    if utc_naive is None:
        return ""
    return to_local(utc_naive).strftime("%Y-%m-%d %H:%M" if with_time else "%Y-%m-%d")


def iso_local(utc_naive: Optional[dt.datetime]) -> Optional[str]:
    """``2026-05-01T10:00:00+08:00`` for a stored time (the API's answers)."""
    return to_local(utc_naive).isoformat() if utc_naive else None


def iso_utc(utc_naive: Optional[dt.datetime]) -> Optional[str]:
    """``2026-05-01T02:00:00+00:00``: a stored time as the staff API answers it (UTC with
    its offset, RFC 3339)."""
    return utc_naive.replace(tzinfo=dt.timezone.utc).isoformat() if utc_naive else None


def input_local(utc_naive: Optional[dt.datetime]) -> str:
    """The value of an ``<input type="datetime-local">``."""
    return to_local(utc_naive).strftime("%Y-%m-%dT%H:%M") if utc_naive else ""


def month_of(utc_naive: dt.datetime) -> str:
    """``YYYY-MM``: the local month of a stored time."""
    return to_local(utc_naive).strftime("%Y-%m")
