"""The rollup service: what leaders and command staff see of their jurisdiction, one level
at a time. The dashboards, the API (``GET /api/v1/stats/rollup``) and the Excel exports
all read these functions, and every one of them is scoped by the jurisdiction rule: a
region outside the caller's jurisdiction (or unknown) raises NotFound.

The counts come from the summary tables of app.stats.summary, never from a scan of the
filings (``live_counts`` is that scan, kept as the reference the tests and the benchmark
compare with). Definitions, for a region and a date range of expected-arrival days
(Asia/Shanghai):

- ``filings``: filings not cancelled; ``cancelled`` the cancelled ones;
- ``arrived``: status arrived or closed (a closed filing's person arrived and ended
  control); ``not_arrived``, ``closed``: by status;
- ``checked``: checked at least once; ``pending``: not checked yet (filings - checked);
- ``overdue``: pending, and the expected arrival day is before yesterday: a filing must
  be checked by the end of the day after its expected arrival (``OVERDUE_AFTER_DAYS``);
- ``risk_area``: from a medium/high-risk area in the last 14 days; ``late_notice``: filed
  less than 3 days ahead;
- ``under_control``: a control measure other than none recorded, and not closed;
- daily-report compliance: ``reports_expected`` = communities x report days in the range
  whose deadline (DAILY_REPORT_DEADLINE, the next morning) has passed, ``reports_on_time``
  = those submitted before the deadline, ``report_compliance`` their ratio (None when
  nothing was due or daily reports do not exist).

Daily reports are read from the ``DailyReport`` model (issue 4) when it exists, found by
class name so this module works without it: it must have ``region_code`` (the
community), ``report_date`` (the day reported on) and ``submitted_at`` (naive UTC, set on
submission, never changed afterwards). On-time counts per county and day are cached in
``report_compliance`` once the day's deadline has passed, when they can no longer change
(``refresh_report_compliance`` drops the cache of given days).
"""
import datetime as dt
from dataclasses import dataclass
from typing import Optional

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, func, select

from app.core.errors import NotFound, ValidationFailed
from app.core.extensions import db
from app.core.jurisdiction import code_within, current_jurisdiction, is_within
from app.core.clock import day_start, latest_day_due, local_today
from app.reporting.daily_reports import submitted_on_time
from app.core.sqltools import insert_ignoring_conflicts
from app.core.sqltools import sql_int as _n
from app.stats.summary import BREAKDOWNS, CANCELLED, MEASURES, summed_rows
from models import DailyReport, Region
from models.base import utcnow
from models.filing import Filing
from models.region import CODE_LENGTH_BY_LEVEL, LEVEL_COMMUNITY, LEVEL_COUNTY, LEVEL_PROVINCE
from models.stats import (
    BREAKDOWN_LEVELS,
    DAILY_LEVELS,
    DAILY_MEASURES,
    ORIGIN,
    TRANSPORT,
    ReportCompliance,
    StatsBreakdown,
    StatsDaily,
)

OVERDUE_AFTER_DAYS = 1
DEFAULT_DAYS_BACK, DEFAULT_DAYS_AHEAD = 30, 7
MAX_RANGE_DAYS = 366
COUNT_FIELDS = ("filings", "arrived", "checked", "pending", "overdue", "risk_area", "late_notice",
                "under_control", "not_arrived", "closed", "cancelled")
REPORT_FIELDS = ("reports_expected", "reports_on_time", "report_compliance")


@dataclass(frozen=True)
class DateRange:
    start: dt.date
    end: dt.date

    def days(self) -> list[dt.date]:
        return [self.start + dt.timedelta(days=i) for i in range((self.end - self.start).days + 1)]


def parse_range(start: Optional[str], end: Optional[str], today: Optional[dt.date] = None) -> DateRange:
    """``from``/``to`` (YYYY-MM-DD, inclusive); by default the last 30 days and the next 7."""
    today = today or local_today()
    errors = {}
    values = {}
    for field, text, default in (("from", start, today - dt.timedelta(days=DEFAULT_DAYS_BACK)),
                                 ("to", end, today + dt.timedelta(days=DEFAULT_DAYS_AHEAD))):
        try:
            values[field] = dt.date.fromisoformat(text) if text else default
        except ValueError:
            errors[field] = [_l("Use a date like 2026-02-10.")]
    if not errors and values["from"] > values["to"]:
        errors["to"] = [_l("The end date is before the start date.")]
    if not errors and (values["to"] - values["from"]).days >= MAX_RANGE_DAYS:
        errors["to"] = [_l("The range may span at most %(days)s days.", days=MAX_RANGE_DAYS)]
    if errors:
        raise ValidationFailed(_l("The date range is not valid."), errors)
    return DateRange(values["from"], values["to"])


def visible_region(code: Optional[str], prefix="__current__") -> Region:
    """The region, if it exists and lies within the jurisdiction; else NotFound (404),
    the same for both so a region outside says nothing about itself."""
    if prefix == "__current__":
        prefix = current_jurisdiction()
    region = db.session.get(Region, code) if code else None
    if region is None or not is_within(region.code, prefix):
        raise NotFound()
    return region


def default_region_code(prefix="__current__") -> str:
    """Where a dashboard opens: the caller's jurisdiction (the province for the system)."""
    if prefix == "__current__":
        prefix = current_jurisdiction()
    return prefix or current_app.config["PROVINCE_CODE"]


def _child_level(region: Region) -> Optional[int]:
    return region.level + 1 if region.level < LEVEL_COMMUNITY else None


def _source_level(level: int) -> int:
    """The summary level that holds ``level``'s rows, or their parts (provinces and cities
    are summed from their counties)."""
    return max(level, DAILY_LEVELS[0])


def region_names(codes) -> dict[str, str]:
    codes = [c for c in set(codes) if c]
    if not codes:
        return {}
    return dict(db.session.execute(select(Region.code, Region.name).where(Region.code.in_(codes))).all())


# ---- filing counts from the summary ------------------------------------------------

def _overdue_before(today: dt.date) -> dt.date:
    return today - dt.timedelta(days=OVERDUE_AFTER_DAYS)


def _summary_sums(prefix: str, group_level: int, date_range: Optional[DateRange],
                  today: dt.date, by_day=False) -> dict:
    """``{group: {measure: n, "overdue": n}}`` over the summary rows within ``prefix``,
    by region of ``group_level`` (or by day), for the days of ``date_range`` (all if None)."""
    level = _source_level(group_level)
    days = (date_range.start, date_range.end) if date_range else None

    def key(c):
        if by_day:
            return [c.day]
        if level == group_level:
            return [c.region_code]
        return [func.substr(c.region_code, _n(1), _n(CODE_LENGTH_BY_LEVEL[group_level]))]

    def sums(c):
        overdue = case((c.day < _overdue_before(today), c.filings - c.checked), else_=0)
        return [*(c[m] for m in DAILY_MEASURES), overdue]
    query = summed_rows(StatsDaily.__table__, level, key, sums, prefix, days)
    return {row[0]: dict(zip((*DAILY_MEASURES, "overdue"), (int(v or 0) for v in row[1:])))
            for row in db.session.execute(query)}


def public_counts(sums: Optional[dict]) -> dict:
    """The published counts from the raw sums of the measures."""
    s = sums or {}
    get = lambda name: s.get(name, 0)  # noqa: E731
    return {
        "filings": get("filings"), "arrived": get("arrived") + get("closed"),
        "checked": get("checked"), "pending": get("filings") - get("checked"),
        "overdue": get("overdue"), "risk_area": get("risk_area"), "late_notice": get("late_notice"),
        "under_control": get("under_control"), "not_arrived": get("not_arrived"),
        "closed": get("closed"), "cancelled": get("cancelled"),
    }


def _add_sums(groups) -> dict:
    total = {}
    for sums in groups:
        for name, value in sums.items():
            total[name] = total.get(name, 0) + value
    return total


def rollup(region_code: Optional[str], date_range: DateRange, now: Optional[dt.datetime] = None,
           prefix="__current__") -> dict:
    """The region's totals and one row per child region (one level down), for the
    expected-arrival days of ``date_range``: the body of ``GET /api/v1/stats/rollup``."""
    region = visible_region(region_code, prefix)
    today = local_today(now)
    child_level = _child_level(region)
    sums = _summary_sums(region.code, child_level or region.level, date_range, today)
    reports = report_compliance(region, date_range, now)
    children = []
    if child_level:
        for child in _children(region):
            children.append({"code": child.code, "name": child.name, **public_counts(sums.get(child.code)),
                             **_report_fields(reports, child.code)})
    total = {**public_counts(_add_sums(sums.values())), **_report_fields(reports, None)}
    return {"region": {"code": region.code, "name": region.name, "level": region.level},
            "from": date_range.start.isoformat(), "to": date_range.end.isoformat(),
            "total": total, "children": children}


def _children(region: Region) -> list[Region]:
    return list(db.session.scalars(select(Region).where(Region.parent_code == region.code)
                                   .order_by(Region.code)))


def daily_series(region_code, date_range: DateRange, now=None, prefix="__current__") -> list[dict]:
    """One row per day of the range (zeros included): ``{"day", counts...}``."""
    region = visible_region(region_code, prefix)
    sums = _summary_sums(region.code, region.level, date_range, local_today(now), by_day=True)
    by_day = {(d if isinstance(d, dt.date) else dt.date.fromisoformat(d)): v for d, v in sums.items()}
    return [{"day": day, **public_counts(by_day.get(day))} for day in date_range.days()]


def key_figures(region_code, now=None, prefix="__current__") -> dict:
    """Today at a glance: today's expected arrivals and their checks, every filing
    overdue or under control now, and yesterday's daily-report compliance."""
    region = visible_region(region_code, prefix)
    today = local_today(now)
    today_counts = public_counts(_add_sums(_summary_sums(
        region.code, region.level, DateRange(today, today), today).values()))
    standing = public_counts(_add_sums(_summary_sums(region.code, region.level, None, today).values()))
    yesterday = today - dt.timedelta(days=1)
    reports = report_compliance(region, DateRange(yesterday, yesterday), now)
    return {"today": today, "expected_today": today_counts["filings"], "arrived_today": today_counts["arrived"],
            "checked_today": today_counts["checked"], "risk_area_today": today_counts["risk_area"],
            "overdue": standing["overdue"], "under_control": standing["under_control"],
            **_report_fields(reports, None)}


# ---- origins and transport --------------------------------------------------------

def breakdown(region_code, date_range: DateRange, kind: str, prefix="__current__") -> dict[str, int]:
    """Filings (not cancelled) by origin city or country (``kind`` ORIGIN) or by transport
    mode (TRANSPORT): from the summary down to counties, counted live below (a township
    has a few thousand filings at most)."""
    region = visible_region(region_code, prefix)
    if region.level in BREAKDOWN_LEVELS:
        query = summed_rows(StatsBreakdown.__table__, region.level, lambda c: [c.value],
                            lambda c: [c.filings], region.code, (date_range.start, date_range.end), kind=kind)
    else:
        f = Filing.__table__.c
        value = BREAKDOWNS[kind][1](f)
        query = (select(value, func.count())
                 .where(code_within(f.destination_region_code, region.code), f.status != CANCELLED,
                        f.expected_arrival_at >= day_start(date_range.start),
                        f.expected_arrival_at < day_start(date_range.end + dt.timedelta(days=1)))
                 .group_by(value))
    return {value: int(n) for value, n in db.session.execute(query) if n}


def origins(region_code, date_range: DateRange, prefix="__current__") -> tuple[dict, dict]:
    """(filings by origin province or country, filings by origin city or country)."""
    cities = breakdown(region_code, date_range, ORIGIN, prefix)
    provinces = {}
    for code, n in cities.items():
        key = code[:2] if code.isdigit() else code
        provinces[key] = provinces.get(key, 0) + n
    return provinces, cities


def transport_modes(region_code, date_range: DateRange, prefix="__current__") -> dict[str, int]:
    return breakdown(region_code, date_range, TRANSPORT, prefix)


# ---- the reference: a live count over the filings ----------------------------------

def live_counts(region_code, date_range: DateRange, now=None, prefix="__current__") -> dict:
    """The rollup's filing counts by a GROUP BY over the filings table: ``{"total":
    counts, "children": {code: counts}}``. Slow at scale; the tests and the benchmark
    compare the summary with it."""
    region = visible_region(region_code, prefix)
    f = Filing.__table__.c
    child_level = _child_level(region) or region.level
    key = func.substr(f.destination_region_code, _n(1), _n(CODE_LENGTH_BY_LEVEL[child_level]))
    overdue_until = day_start(_overdue_before(local_today(now)))
    pending = and_(f.status != CANCELLED, f.check_count == 0)
    sums = [func.sum(case((condition(f), 1), else_=0)) for _python, condition in MEASURES.values()]
    sums.append(func.sum(case((and_(pending, f.expected_arrival_at < overdue_until), 1), else_=0)))
    query = (select(key, *sums)
             .where(code_within(f.destination_region_code, region.code),
                    f.expected_arrival_at >= day_start(date_range.start),
                    f.expected_arrival_at < day_start(date_range.end + dt.timedelta(days=1)))
             .group_by(key))
    groups = {row[0]: dict(zip((*DAILY_MEASURES, "overdue"), (int(v or 0) for v in row[1:])))
              for row in db.session.execute(query)}
    return {"total": public_counts(_add_sums(groups.values())),
            "children": {code: public_counts(sums) for code, sums in groups.items()}}


# ---- daily-report compliance ---------------------------------------------------------

def last_due_day(now: Optional[dt.datetime] = None) -> dt.date:
    """The latest report day whose deadline has passed."""
    return latest_day_due(now or utcnow(), current_app.config["DAILY_REPORT_DEADLINE"])


def _communities(prefix: str, group_length: int) -> dict[str, int]:
    key = func.substr(Region.code, _n(1), _n(group_length))
    return dict(db.session.execute(select(key, func.count())
                                   .where(Region.level == LEVEL_COMMUNITY, code_within(Region.code, prefix))
                                   .group_by(key)).all())


def report_compliance(region: Region, date_range: DateRange, now=None) -> Optional[dict]:
    """``{group: (expected, on_time)}`` for the region's children (key None: the region)."""
    table = DailyReport.__table__
    child_level = _child_level(region) or region.level
    group_length = CODE_LENGTH_BY_LEVEL[child_level]
    due = DateRange(date_range.start, min(date_range.end, last_due_day(now)))
    due_days = max(0, (due.end - due.start).days + 1)
    on_time = {}
    if due_days:
        if region.level < LEVEL_COUNTY:
            on_time = _cached_on_time(table, region.code, group_length, due)
        else:
            on_time = _live_on_time(table, region.code, group_length, due)
    expected = {code: n * due_days for code, n in _communities(region.code, group_length).items()}
    result = {code: (n, on_time.get(code, 0)) for code, n in expected.items()}
    result[None] = (sum(expected.values()), sum(on_time.values()))
    return result


def _live_on_time(table, prefix, group_length, due: DateRange) -> dict[str, int]:
    key = func.substr(table.c.region_code, _n(1), _n(group_length))
    query = (select(key, func.count())
             .where(code_within(table.c.region_code, prefix), table.c.report_date >= due.start,
                    table.c.report_date <= due.end, submitted_on_time(table.c))
             .group_by(key))
    return dict(db.session.execute(query).all())


def _cached_on_time(table, prefix, group_length, due: DateRange) -> dict[str, int]:
    _fill_compliance_cache(table, due)
    c = ReportCompliance.__table__.c
    key = func.substr(c.region_code, _n(1), _n(group_length))
    query = (select(key, func.sum(c.on_time))
             .where(c.level == LEVEL_COUNTY, code_within(c.region_code, prefix),
                    c.day >= due.start, c.day <= due.end)
             .group_by(key))
    return {code: int(n) for code, n in db.session.execute(query)}


def _fill_compliance_cache(table, due: DateRange) -> None:
    """Count the on-time reports of every due day not cached yet, per county, in the
    session (the caller commits to keep them; a rollback only costs a recount)."""
    c = ReportCompliance.__table__.c
    province = current_app.config["PROVINCE_CODE"]
    cached = {d if isinstance(d, dt.date) else dt.date.fromisoformat(d) for d in db.session.scalars(
        select(c.day).where(c.level == LEVEL_PROVINCE, c.region_code == province,
                            c.day >= due.start, c.day <= due.end))}
    missing = [day for day in due.days() if day not in cached]
    if not missing:
        return
    county = func.substr(table.c.region_code, _n(1), _n(CODE_LENGTH_BY_LEVEL[LEVEL_COUNTY]))
    counted = db.session.execute(
        select(county, table.c.report_date, func.count())
        .where(code_within(table.c.region_code, province), table.c.report_date.in_(missing),
               submitted_on_time(table.c))
        .group_by(county, table.c.report_date)).all()
    rows = [{"level": LEVEL_COUNTY, "region_code": code, "day": _as_date(day), "on_time": n}
            for code, day, n in counted]
    per_day = {day: 0 for day in missing}
    for row in rows:
        per_day[row["day"]] += row["on_time"]
    rows += [{"level": LEVEL_PROVINCE, "region_code": province, "day": day, "on_time": n}
             for day, n in per_day.items()]
    db.session.execute(insert_ignoring_conflicts(ReportCompliance.__table__, db.session), rows)


def _as_date(value) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


def refresh_report_compliance(conn=None, days=None) -> None:
    """Forget the cached compliance of ``days`` (all when None): recounted when next read.
    For whoever changes a report after its deadline (an import, a correction)."""
    conn = conn or db.session
    statement = ReportCompliance.__table__.delete()
    if days is not None:
        statement = statement.where(ReportCompliance.day.in_(list(days)))
    conn.execute(statement)


def _report_fields(reports: dict, code) -> dict:
    expected, on_time = reports.get(code, (0, 0))
    return {"reports_expected": expected, "reports_on_time": on_time,
            "report_compliance": round(on_time / expected, 4) if expected else None}


REPORT_ON_TIME, REPORT_LATE, REPORT_MISSING, REPORT_NOT_DUE = "on_time", "late", "missing", "not_due"


def report_heatmap(region_code, date_range: DateRange, now=None, prefix="__current__"):
    """For a township (its communities) or a community: ``(communities, days, cells)``
    where ``cells[code][day]`` is on_time, late, missing or not_due; None when the
    region is above a township."""
    region = visible_region(region_code, prefix)
    if region.level < LEVEL_COMMUNITY - 1:
        return None
    table = DailyReport.__table__
    communities = _children(region) if region.level < LEVEL_COMMUNITY else [region]
    submitted = {(code, _as_date(day)): late for code, day, late in db.session.execute(
        select(table.c.region_code, table.c.report_date, table.c.late)
        .where(code_within(table.c.region_code, region.code), table.c.report_date >= date_range.start,
               table.c.report_date <= date_range.end, table.c.status == "submitted"))}
    last_due = last_due_day(now)
    days = date_range.days()
    cells = {}
    for community in communities:
        row = cells[community.code] = {}
        for day in days:
            late = submitted.get((community.code, day))
            if late is not None:
                row[day] = REPORT_LATE if late else REPORT_ON_TIME
            else:
                row[day] = REPORT_MISSING if day <= last_due else REPORT_NOT_DUE
    return communities, days, cells
