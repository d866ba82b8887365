"""Local time: times are stored as naive UTC and shown, entered and grouped by day in
the configured zone (Asia/Shanghai). A time given without an offset is local."""
import datetime as dt
from functools import lru_cache
from typing import Optional
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

DEFAULT_ZONE = "Asia/Shanghai"


@lru_cache(maxsize=4)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def zone() -> ZoneInfo:
    name = current_app.config.get("TIMEZONE", DEFAULT_ZONE) if has_app_context() else DEFAULT_ZONE
    return _zone(name)


def to_utc(value: Optional[dt.datetime]) -> Optional[dt.datetime]:
    """Naive UTC for storing: an aware time is converted, a naive one is local."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone())
    return value.astimezone(dt.timezone.utc).replace(tzinfo=None)


def to_local(value: Optional[dt.datetime]) -> Optional[dt.datetime]:
    """The aware local time of a stored naive UTC time."""
    if value is None:
        return None
    return value.replace(tzinfo=dt.timezone.utc).astimezone(zone())


def local_day(value: dt.datetime) -> dt.date:
    return to_local(value).date()


def day_start_utc(day: dt.date) -> dt.datetime:
    """Naive UTC of local midnight starting ``day``."""
    return to_utc(dt.datetime.combine(day, dt.time()))


def iso_local(value: Optional[dt.datetime]) -> Optional[str]:
    """``2026-05-01T10:00:00+08:00`` for a stored time (the API's answers)."""
    return to_local(value).isoformat() if value else None


def format_local(value: Optional[dt.datetime], with_time: bool = True) -> str:
    """``2026-05-01 10:00`` for screens."""
    if value is None:
        return ""
    return to_local(value).strftime("%Y-%m-%d %H:%M" if with_time else "%Y-%m-%d")


def input_local(value: Optional[dt.datetime]) -> str:
    """The value of an ``<input type="datetime-local">``."""
    return to_local(value).strftime("%Y-%m-%dT%H:%M") if value else ""
