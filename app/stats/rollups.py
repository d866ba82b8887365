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
- ``findings``: the open cross-matching findings owned within the region now (whatever
  the date range), by kind, and ``slipped_through`` (漏管: open findings of the kinds
  app.crossmatch.findings.SLIPPED_THROUGH_KINDS), in total and per county;
- ``checkpoints``: passes through the checkpoints within the region per checkpoint and
  day of passing (not of expected arrival), and ``arrived_without_filing`` among them
  (entering, not in transit, no filing found at the scan);
- daily-report compliance: ``reports_expected``, ``reports_on_time`` and
  ``report_compliance`` (their ratio, None when nothing was due), counted by the one
  compliance service, app.reporting.compliance, over the range's days that are due.

Every function takes the caller's ``jurisdiction`` explicitly (None: the whole system,
for jobs and the CLI; "" the whole country); views pass the caller's, resolved once per request.
"""
import datetime as dt
from dataclasses import dataclass
from typing import Optional

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, func, select

from app.core.errors import NotFound, ValidationFailed
from app.core.extensions import db
from app.core.jurisdiction import code_within, is_within
from app.core.clock import day_start, local_today
from app.core.sqltools import sql_int as _n
from app.crossmatch.findings import SLIPPED_THROUGH_KINDS, open_by_county
from app.reporting import compliance
from app.stats.summary import BREAKDOWNS, CANCELLED, MEASURES, summed_rows
from models import Region
from models.checkpoint import Checkpoint, CheckpointPass
from models.filing import Filing
from models.region import CODE_LENGTH_BY_LEVEL, LEVEL_COMMUNITY
from models.stats import (
    BREAKDOWN_LEVELS,
    DAILY_LEVELS,
    DAILY_MEASURES,
    ORIGIN,
    TRANSPORT,
    StatsBreakdown,
    StatsDaily,
)

OVERDUE_AFTER_DAYS = 1
DEFAULT_DAYS_BACK, DEFAULT_DAYS_AHEAD = 30, 7
MAX_RANGE_DAYS = 366
COUNT_FIELDS = ("filings", "arrived", "checked", "pending", "overdue", "risk_area", "late_notice",
                "under_control", "not_arrived", "closed", "cancelled")


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


def visible_region(code: Optional[str], jurisdiction: Optional[str]) -> Region:
    """The region, if it exists and lies within ``jurisdiction``; else NotFound (404),
    the same for both so a region outside says nothing about itself."""
    region = db.session.get(Region, code) if code else None
    if region is None or not is_within(region.code, jurisdiction):
        raise NotFound()
    return region


def default_region_code(jurisdiction: Optional[str]) -> str:
    """Where a dashboard opens: the caller's jurisdiction (the province for the system)."""
    return jurisdiction or current_app.config["PROVINCE_CODE"]


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


def rollup(region_code: Optional[str], date_range: DateRange, now: Optional[dt.datetime] = None, *,
           jurisdiction: Optional[str]) -> dict:
    """The region's totals and one row per child region (one level down), for the
    expected-arrival days of ``date_range``: the body of ``GET /api/v1/stats/rollup``."""
    region = visible_region(region_code, jurisdiction)
    today = local_today(now)
    child_level = _child_level(region)
    sums = _summary_sums(region.code, child_level or region.level, date_range, today)
    reports, by_child = compliance.due_counts(region, date_range.start, date_range.end, now)
    children = []
    if child_level:
        for child in _children(region):
            counts = by_child.get(child.code) or compliance.ReportCounts(child.code, child.name, days=reports.days)
            children.append({"code": child.code, "name": child.name, **public_counts(sums.get(child.code)),
                             **counts.rollup_fields()})
    total = {**public_counts(_add_sums(sums.values())), **reports.rollup_fields()}
    return {"region": {"code": region.code, "name": region.name, "level": region.level},
            "from": date_range.start.isoformat(), "to": date_range.end.isoformat(),
            "total": total, "children": children, "findings": open_findings(region.code, jurisdiction=jurisdiction),
            "checkpoints": checkpoint_passes(region.code, date_range, jurisdiction=jurisdiction)}


def checkpoint_passes(region_code, date_range: DateRange, *, jurisdiction: Optional[str]) -> dict:
    """Passes through the checkpoints within the region on the (local) days of the range,
    per checkpoint and day, and how many of them arrived without a filing, in one GROUP
    BY: ``{"passes", "arrived_without_filing", "by_checkpoint": [{"id", "name", "kind",
    "region_code", "passes", "arrived_without_filing", "by_day": [{"day", "passes",
    "arrived_without_filing"}]}]}`` (checkpoints and days without passes left out)."""
    region = visible_region(region_code, jurisdiction)
    p, c = CheckpointPass.__table__.c, Checkpoint.__table__.c
    unfiled = func.sum(case((p.without_filing.is_(True), 1), else_=0))
    rows = db.session.execute(
        select(c.id, c.name, c.kind, c.region_code, p.day, func.count(), unfiled)
        .join_from(CheckpointPass.__table__, Checkpoint.__table__, p.checkpoint_id == c.id)
        .where(code_within(p.region_code, region.code), code_within(p.region_code, jurisdiction),
               p.day >= date_range.start, p.day <= date_range.end)
        .group_by(c.id, c.name, c.kind, c.region_code, p.day).order_by(c.name, c.id, p.day))
    by_checkpoint: dict[int, dict] = {}
    for checkpoint_id, name, kind, code, day, passes, without in rows:
        entry = by_checkpoint.setdefault(checkpoint_id, {
            "id": checkpoint_id, "name": name, "kind": kind, "region_code": code, "passes": 0,
            "arrived_without_filing": 0, "by_day": []})
        day = day if isinstance(day, dt.date) else dt.date.fromisoformat(day)
        entry["by_day"].append({"day": day.isoformat(), "passes": int(passes), "arrived_without_filing": int(without or 0)})
        entry["passes"] += int(passes)
        entry["arrived_without_filing"] += int(without or 0)
    checkpoints = list(by_checkpoint.values())
    return {"passes": sum(e["passes"] for e in checkpoints),
            "arrived_without_filing": sum(e["arrived_without_filing"] for e in checkpoints),
            "by_checkpoint": checkpoints}


def open_findings(region_code, *, jurisdiction: Optional[str]) -> dict:
    """``{"open": {kind: n}, "open_total", "slipped_through", "by_county": [{"code",
    "name", "open": {kind: n}, "open_total", "slipped_through"}]}``: the open findings
    owned within the region now, counted in SQL (app.crossmatch.findings)."""
    region = visible_region(region_code, jurisdiction)
    per_county = open_by_county(region.code, jurisdiction)
    names = region_names(per_county)
    by_county = [{"code": code, "name": names.get(code, code), "open": kinds, "open_total": sum(kinds.values()),
                  "slipped_through": sum(kinds[k] for k in SLIPPED_THROUGH_KINDS)}
                 for code, kinds in sorted(per_county.items())]
    total = {}
    for county in by_county:
        for kind, count in county["open"].items():
            total[kind] = total.get(kind, 0) + count
    return {"open": total, "open_total": sum(c["open_total"] for c in by_county),
            "slipped_through": sum(c["slipped_through"] for c in by_county), "by_county": by_county}


def _children(region: Region) -> list[Region]:
    return list(db.session.scalars(select(Region).where(Region.parent_code == region.code)
                                   .order_by(Region.code)))


def daily_series(region_code, date_range: DateRange, now=None, *, jurisdiction: Optional[str]) -> list[dict]:
    """One row per day of the range (zeros included): ``{"day", counts...}``."""
    region = visible_region(region_code, jurisdiction)
    sums = _summary_sums(region.code, region.level, date_range, local_today(now), by_day=True)
    by_day = {(d if isinstance(d, dt.date) else dt.date.fromisoformat(d)): v for d, v in sums.items()}
    return [{"day": day, **public_counts(by_day.get(day))} for day in date_range.days()]


def key_figures(region_code, now=None, *, jurisdiction: Optional[str]) -> dict:
    """Today at a glance: today's expected arrivals and their checks, every filing
    overdue or under control now, and yesterday's daily-report compliance."""
    region = visible_region(region_code, jurisdiction)
    today = local_today(now)
    today_counts = public_counts(_add_sums(_summary_sums(
        region.code, region.level, DateRange(today, today), today).values()))
    standing = public_counts(_add_sums(_summary_sums(region.code, region.level, None, today).values()))
    yesterday = today - dt.timedelta(days=1)
    reports, _by_child = compliance.due_counts(region, yesterday, yesterday, now)
    findings = open_findings(region.code, jurisdiction=jurisdiction)
    return {"today": today, "expected_today": today_counts["filings"], "arrived_today": today_counts["arrived"],
            "checked_today": today_counts["checked"], "risk_area_today": today_counts["risk_area"],
            "overdue": standing["overdue"], "under_control": standing["under_control"],
            **reports.rollup_fields(), "open_findings": findings["open_total"],
            "slipped_through": findings["slipped_through"]}


# ---- origins and transport --------------------------------------------------------

def breakdown(region_code, date_range: DateRange, kind: str, *, jurisdiction: Optional[str]) -> dict[str, int]:
    """Filings (not cancelled) by origin city or country (``kind`` ORIGIN) or by transport
    mode (TRANSPORT): from the summary down to counties, counted live below (a township
    has a few thousand filings at most)."""
    region = visible_region(region_code, jurisdiction)
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


def origins(region_code, date_range: DateRange, *, jurisdiction: Optional[str]) -> tuple[dict, dict]:
    """(filings by origin province or country, filings by origin city or country)."""
    cities = breakdown(region_code, date_range, ORIGIN, jurisdiction=jurisdiction)
    provinces = {}
    for code, n in cities.items():
        key = code[:2] if code.isdigit() else code
        provinces[key] = provinces.get(key, 0) + n
    return provinces, cities


def transport_modes(region_code, date_range: DateRange, *, jurisdiction: Optional[str]) -> dict[str, int]:
    return breakdown(region_code, date_range, TRANSPORT, jurisdiction=jurisdiction)


# ---- the reference: a live count over the filings ----------------------------------

def live_counts(region_code, date_range: DateRange, now=None, *, jurisdiction: Optional[str]) -> dict:
    """The rollup's filing counts by a GROUP BY over the filings table: ``{"total":
    counts, "children": {code: counts}}``. Slow at scale; the tests and the benchmark
    compare the summary with it."""
    region = visible_region(region_code, jurisdiction)
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


# ---- daily-report compliance: the heat map ---------------------------------------------

def report_heatmap(region_code, date_range: DateRange, now=None, *, jurisdiction: Optional[str]):
    """For a township (its communities) or a community: ``(communities, days, cells)``
    where ``cells[code][day]`` is on_time, late, missing or not_due (counted by
    app.reporting.compliance); None when the region is above a township."""
    region = visible_region(region_code, jurisdiction)
    if region.level < LEVEL_COMMUNITY - 1:
        return None
    communities = _children(region) if region.level < LEVEL_COMMUNITY else [region]
    days = date_range.days()
    return communities, days, compliance.heatmap(region, communities, days, now)
