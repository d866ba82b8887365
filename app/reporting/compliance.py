"""Daily-report compliance, one service: the compliance screen and its API
(``/api/v1/daily_report/compliance``), the rollups (``/api/v1/stats/rollup``), the
dashboard's key figures, its compliance chart and the heat map all count here.

The counts of a region (or of each child region one level down) over report days:

- ``communities``: its communities; ``expected``: the community-days of the range on
  which a community was live (every live community reports every day, a zero report
  too). A community is live from its first report (``ReportStart``, kept below), or from
  GO_LIVE_DATE when that is earlier: the days before are not expected, so not missing;
- ``on_time``: reports submitted by their own deadline (``due_at``, fixed when the report
  was prepared: DAILY_REPORT_DEADLINE the next morning, later for a report prepared after
  downtime; ``late`` is decided on submission against it); ``late``: submitted after it;
  ``submitted`` = on_time + late;
- ``awaiting``: prepared and not submitted yet; ``missing`` = expected - submitted (not
  submitted, prepared or not).

Which days: the compliance screen shows one day, due or not; the rollups count the days
of their range whose configured deadline has passed (``due_days``), so a day enters
``expected`` once, and every level at once. Two rates come from the same counts and are
both published: ``rate`` (the screen: submitted share, in percent) and
``report_compliance`` (the rollups: on-time share, a fraction; None when nothing is due).

Where the counts come from: for a county and below, the reports themselves; for a city
or the province, ``ReportCompliance`` (per county and day: reports, on time, late). That
summary is kept in step by every write of a report, in that write's transaction: the
preparation adds what it inserted, an ORM write of a report (submitting it) adds its
change through the mapper events below; ``recount_report_compliance`` counts days anew
for a write made otherwise. A read never writes it.
"""
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Iterable, Optional

from flask import current_app
from sqlalchemy import and_, case, event, func, inspect, or_, select

from app.core import clock
from app.core.errors import NotFound
from app.core import dialects
from app.core.extensions import db
from app.core.jurisdiction import code_within, is_within
from app.core.sqltools import insert_ignoring_conflicts, sql_int as _n
from app.core.transaction import transaction
from app.regions.service import get_region
from app.reporting.escalations import escalation_levels_of_reports
from models import DailyReport, Region
from models.base import utcnow
from models.region import CODE_LENGTH_BY_LEVEL, LEVEL_COMMUNITY, LEVEL_COUNTY
from models.stats import ReportCompliance, ReportStart

REPORT = DailyReport.__table__
SUMMARY = ReportCompliance.__table__
STARTS = ReportStart.__table__
SUMMARY_COUNTS = ("reports", "on_time", "late")
COUNTY_LENGTH = CODE_LENGTH_BY_LEVEL[LEVEL_COUNTY]
ON_TIME, LATE, MISSING, NOT_DUE, NOT_LIVE = "on_time", "late", "missing", "not_due", "not_live"
REPORT_FIELDS = ("reports_expected", "reports_on_time", "report_compliance")  # in every rollup


def submitted_on_time(report=REPORT.c):
    """The on-time rule, in SQL: submitted, and not late (``late`` is fixed when the
    report is submitted, against its own deadline ``due_at``)."""
    return and_(report.status == "submitted", report.late.is_(False))


def submitted_late(report=REPORT.c):
    return and_(report.status == "submitted", report.late.is_(True))


def last_due_day(now: Optional[dt.datetime] = None) -> dt.date:
    """The latest report day whose configured deadline has passed."""
    return clock.latest_day_due(now or utcnow(), current_app.config["DAILY_REPORT_DEADLINE"])


def live_from(first_report) -> Optional[dt.date]:
    """The first day a community with its first report on ``first_report`` (None: no
    report yet) is expected to report: that day or GO_LIVE_DATE, the earlier; None when
    neither (never expected yet)."""
    days = [d for d in (first_report and _as_date(first_report), current_app.config.get("GO_LIVE_DATE")) if d]
    return min(days) if days else None


def live_days(start: Optional[dt.date], first: dt.date, last: dt.date) -> int:
    """How many days of first..last a community live from ``start`` was expected to report."""
    return 0 if start is None else max(0, (last - max(first, start)).days + 1)


def due_days(first: dt.date, last: dt.date, now: Optional[dt.datetime] = None) -> tuple[dt.date, dt.date]:
    """The days of ``first``..``last`` that are due by ``now`` (an empty range when none)."""
    return first, min(last, last_due_day(now))


# ---- the counts --------------------------------------------------------------------

@dataclass
class ReportCounts:
    code: str
    name: str
    communities: int = 0
    days: int = 1
    reports: int = 0           # prepared, submitted or not
    on_time: int = 0
    late: int = 0
    expected: int = 0          # community-days live (see the module's docstring)

    @property
    def submitted(self) -> int:
        return self.on_time + self.late

    @property
    def awaiting(self) -> int:
        return self.reports - self.submitted

    @property
    def not_reported(self) -> int:
        return self.expected - self.submitted

    missing = not_reported

    @property
    def rate(self) -> float:
        """Submitted share, in percent (the compliance screen)."""
        return round(100.0 * self.submitted / self.expected, 1) if self.expected else 100.0

    @property
    def on_time_ratio(self) -> Optional[float]:
        """On-time share, a fraction (the rollups); None when nothing was expected."""
        return round(self.on_time / self.expected, 4) if self.expected else None

    def add(self, other: "ReportCounts") -> None:
        self.communities += other.communities
        self.expected += other.expected
        self.reports, self.on_time, self.late = (
            self.reports + other.reports, self.on_time + other.on_time, self.late + other.late)

    def as_dict(self) -> dict:
        return {"code": self.code, "name": self.name, "communities": self.communities,
                "submitted": self.submitted, "on_time": self.on_time, "late": self.late,
                "not_reported": self.not_reported, "rate": self.rate}

    def rollup_fields(self) -> dict:
        return dict(zip(REPORT_FIELDS, (self.expected, self.on_time, self.on_time_ratio)))


ComplianceRow = ReportCounts


def _group_key(column, length: int):
    return func.substr(column, _n(1), _n(length))


def _tallies(region: Region, length: int, first: dt.date, last: dt.date) -> dict:
    """``{group: (reports, on_time, late)}`` of the days first..last within ``region``,
    grouped by the first ``length`` digits of the community: from the summary above the
    county, from the reports below."""
    if region.level < LEVEL_COUNTY and length <= COUNTY_LENGTH:
        c = SUMMARY.c
        key = _group_key(c.region_code, length)
        query = (select(key, func.sum(c.reports), func.sum(c.on_time), func.sum(c.late))
                 .where(code_within(c.region_code, region.code), c.day >= first, c.day <= last))
    else:
        r = REPORT.c
        key = _group_key(r.region_code, length)
        query = (select(key, func.count(), func.sum(case((submitted_on_time(r), 1), else_=0)),
                        func.sum(case((submitted_late(r), 1), else_=0)))
                 .where(code_within(r.region_code, region.code), r.report_date >= first,
                        r.report_date <= last))
    return {code: tuple(int(n or 0) for n in counts)
            for code, *counts in db.session.execute(query.group_by(key))}


def counts_by_child(region: Region, first: dt.date, last: dt.date) -> tuple[ReportCounts, dict]:
    """(the region's counts, ``{child code: counts}`` one level down: the region itself
    for a community) over the report days first..last (none when last < first)."""
    level = min(region.level + 1, LEVEL_COMMUNITY)
    length = CODE_LENGTH_BY_LEVEL[level]
    days = max(0, (last - first).days + 1)
    rows = {r.code: ReportCounts(r.code, r.name, days=days) for r in db.session.scalars(
        select(Region).where(code_within(Region.code, region.code), Region.level == level)
        .order_by(Region.code))}
    key = _group_key(Region.code, length)
    for code, start, count in db.session.execute(
            select(key, STARTS.c.day, func.count())
            .select_from(Region.__table__.outerjoin(STARTS, STARTS.c.region_code == Region.code))
            .where(Region.level == LEVEL_COMMUNITY, code_within(Region.code, region.code))
            .group_by(key, STARTS.c.day)):
        row = rows.setdefault(code, ReportCounts(code, code, days=days))
        row.communities += count
        row.expected += count * live_days(live_from(start), first, last)
    if days:
        for code, (reports, on_time, late) in _tallies(region, length, first, last).items():
            row = rows.setdefault(code, ReportCounts(code, code, days=days))
            row.reports, row.on_time, row.late = reports, on_time, late
    total = ReportCounts(region.code, region.name, days=days)
    for row in rows.values():
        total.add(row)
    return total, rows


def due_counts(region: Region, first: dt.date, last: dt.date, now=None) -> tuple[ReportCounts, dict]:
    """``counts_by_child`` over the due days of first..last (the rollups)."""
    return counts_by_child(region, *due_days(first, last, now))


# ---- the compliance screen: one day -------------------------------------------------

@dataclass
class CommunityStatus:
    code: str
    name: str
    report_id: int | None
    status: str | None          # None: not prepared
    submitted_at: dt.datetime | None
    late: bool
    zero_report: bool
    escalated_to: str | None = None


@dataclass
class Compliance:
    region: Region
    report_date: dt.date
    due_at: dt.datetime
    total: ReportCounts
    children: list[ReportCounts] = field(default_factory=list)
    communities: list[CommunityStatus] = field(default_factory=list)  # county level and below
    communities_truncated: bool = False

    def as_dict(self) -> dict:
        return {"region": {"code": self.region.code, "name": self.region.name, "level": self.region.level},
                "date": self.report_date.isoformat(), "due_at": clock.iso_utc(self.due_at),
                "total": self.total.as_dict(), "children": [c.as_dict() for c in self.children],
                "not_reported": [{"code": c.code, "name": c.name, "report_id": c.report_id,
                                  "status": c.status, "escalated_to": c.escalated_to}
                                 for c in self.communities if c.status != "submitted"]}


COMMUNITY_LIST_FROM_LEVEL = 3  # counties list the communities that have not reported
COMMUNITY_LIST_LIMIT = 1000


def compliance(region_code: str | None, day: dt.date, *, jurisdiction: Optional[str]) -> Compliance:
    """Who has reported the day ``day``, in ``region_code`` (default: the jurisdiction),
    one row per child region one level down; from the county down, the communities that
    have not reported (the township sees all of its communities). NotFound outside
    ``jurisdiction`` (None: the whole system)."""
    region = get_region(region_code or jurisdiction or current_app.config["PROVINCE_CODE"])
    if region is None or not is_within(region.code, jurisdiction) or region.level > LEVEL_COMMUNITY:
        raise NotFound()
    total, rows = counts_by_child(region, day, day)
    children = [r for r in rows.values() if r.communities] if region.level < LEVEL_COMMUNITY else []
    result = Compliance(region, day, clock.report_due_at(day), total, children)
    if region.level >= COMMUNITY_LIST_FROM_LEVEL:
        only_missing = region.level < LEVEL_COMMUNITY - 1
        result.communities, result.communities_truncated = _community_statuses(region, day, only_missing)
    return result


def _community_statuses(region: Region, day: dt.date, only_missing: bool):
    query = (select(Region.code, Region.name, DailyReport.id, DailyReport.status,
                    DailyReport.submitted_at, DailyReport.late, DailyReport.zero_report)
             .select_from(Region).outerjoin(DailyReport, and_(DailyReport.region_code == Region.code,
                                                             DailyReport.report_date == day))
             .where(Region.level == LEVEL_COMMUNITY, code_within(Region.code, region.code))
             .order_by(Region.code).limit(COMMUNITY_LIST_LIMIT + 1))
    if only_missing:
        query = query.where(or_(DailyReport.id.is_(None), DailyReport.status != "submitted"))
    statuses = [CommunityStatus(code, name, report_id, status, submitted_at, bool(late), bool(zero))
                for code, name, report_id, status, submitted_at, late, zero in db.session.execute(query)]
    levels = escalation_levels_of_reports(s.report_id for s in statuses if s.report_id)
    for status in statuses:
        status.escalated_to = levels.get(status.report_id)
    return statuses[:COMMUNITY_LIST_LIMIT], len(statuses) > COMMUNITY_LIST_LIMIT


# ---- the heat map: a township's communities x days -----------------------------------

def heatmap(region: Region, communities: list[Region], days: list[dt.date], now=None) -> dict:
    """``cells[community code][day]``: on_time, late, missing (not submitted, the day is
    due), not_due, or not_live (before the community went live), by the rules of the
    counts above."""
    submitted = {(code, _as_date(day)): late
                 for code, day, late in db.session.execute(
                     select(REPORT.c.region_code, REPORT.c.report_date, REPORT.c.late)
                     .where(code_within(REPORT.c.region_code, region.code), REPORT.c.report_date >= days[0],
                            REPORT.c.report_date <= days[-1], REPORT.c.status == "submitted"))}
    last_due = last_due_day(now)
    starts = first_report_days(c.code for c in communities)
    cells = {}
    for community in communities:
        row = cells[community.code] = {}
        start = live_from(starts.get(community.code))
        for day in days:
            late = submitted.get((community.code, day))
            if late is not None:
                row[day] = LATE if late else ON_TIME
            elif start is None or day < start:
                row[day] = NOT_LIVE
            else:
                row[day] = MISSING if day <= last_due else NOT_DUE
    return cells


def first_report_days(codes: Iterable[str]) -> dict[str, dt.date]:
    codes = list(codes)
    return {code: _as_date(day) for code, day in db.session.execute(
        select(STARTS.c.region_code, STARTS.c.day).where(STARTS.c.region_code.in_(codes)))} if codes else {}


# ---- keeping the summary in step with the reports -------------------------------------

def _share(row: dict) -> tuple[tuple, tuple]:
    """(summary key, counts) that one report contributes."""
    submitted = row["status"] == "submitted"
    late = bool(row["late"])
    return ((row["region_code"][:COUNTY_LENGTH], row["report_date"]),
            (1, int(submitted and not late), int(submitted and late)))


def keep_summary(conn, changes: Iterable[tuple[Optional[dict], Optional[dict]]]) -> None:
    """Add the net change of reports ``[(before, after), ...]`` (None: no row) to the
    summary, in the caller's transaction, in key order (writers lock rows alike)."""
    deltas = defaultdict(lambda: [0] * len(SUMMARY_COUNTS))
    for before, after in changes:
        for sign, row in ((-1, before), (1, after)):
            if row is not None:
                key, counts = _share(row)
                for index, n in enumerate(counts):
                    deltas[key][index] += sign * n
    rows = [dict(region_code=code, day=day, **dict(zip(SUMMARY_COUNTS, counts)))
            for (code, day), counts in sorted(deltas.items()) if any(counts)]
    if rows:
        key = [column.name for column in SUMMARY.primary_key.columns]
        dialects.of(conn).upsert_adding(conn, [(SUMMARY, key, SUMMARY_COUNTS, rows)])
    _note_starts(conn, [(after["region_code"], after["report_date"]) for before, after in changes
                        if after and (before is None or _place(before) != _place(after))])


def _place(row: dict) -> tuple:
    return row["region_code"], _as_date(row["report_date"])


STARTS_BY_LIST = 500  # more communities of one day than this: matched by the day's reports


def _note_starts(conn, reports: list[tuple[str, dt.date]]) -> None:
    """Move each community's first report day back to the day of a report just written
    (set-based per day: a preparation writes every community's report of one day)."""
    by_day = defaultdict(set)
    for code, day in reports:
        by_day[_as_date(day)].add(code)
    for day, codes in sorted(by_day.items()):
        communities = select(REPORT.c.region_code).where(REPORT.c.report_date == day)
        if len(codes) <= STARTS_BY_LIST:
            communities = communities.where(REPORT.c.region_code.in_(sorted(codes)))
        conn.execute(STARTS.update().where(STARTS.c.day > day, STARTS.c.region_code.in_(communities))
                     .values(day=day))
        conn.execute(insert_ignoring_conflicts(STARTS, conn).from_select(
            ["region_code", "day"], communities.add_columns(REPORT.c.report_date)))


def prepared_reports_added(conn, inserted: Iterable[tuple[str, dt.date]]) -> None:
    """Reports just prepared (``(community, day)``, status prepared) into the summary."""
    keep_summary(conn, [(None, {"region_code": code, "report_date": day, "status": "prepared", "late": False})
                        for code, day in inserted])


_SHARED = ("region_code", "report_date", "status", "late")


def _values(report: DailyReport, before: bool = False) -> dict:
    state = inspect(report)
    values = {}
    for name in _SHARED:
        history = state.attrs[name].history
        values[name] = history.deleted[0] if before and history.deleted else getattr(report, name)
    return values


@event.listens_for(DailyReport, "after_insert")
def _report_inserted(mapper, conn, report):
    keep_summary(conn, [(None, _values(report))])


@event.listens_for(DailyReport, "after_update")
def _report_updated(mapper, conn, report):
    before, after = _values(report, before=True), _values(report)
    if before != after:
        keep_summary(conn, [(before, after)])


@event.listens_for(DailyReport, "after_delete")
def _report_deleted(mapper, conn, report):
    keep_summary(conn, [(_values(report, before=True), None)])


def _recount(days: Optional[list] = None):
    """(county, day, reports, on time, late) counted from the reports, of ``days`` or all."""
    county = _group_key(REPORT.c.region_code, COUNTY_LENGTH)
    query = select(county, REPORT.c.report_date, func.count(),
                   func.sum(case((submitted_on_time(), 1), else_=0)),
                   func.sum(case((submitted_late(), 1), else_=0)))
    if days is not None:
        query = query.where(REPORT.c.report_date.in_(days))
    return query.group_by(county, REPORT.c.report_date)


@transaction
def recount_report_compliance(days: Optional[Iterable[dt.date]] = None) -> None:
    """Count the summary of ``days`` (all when None) anew from the reports: for a write
    of reports made without the service (a bulk correction)."""
    days = None if days is None else list(days)
    statement = SUMMARY.delete()
    if days is not None:
        statement = statement.where(SUMMARY.c.day.in_(days))
    db.session.execute(statement)
    db.session.execute(SUMMARY.insert().from_select(["region_code", "day", *SUMMARY_COUNTS], _recount(days)))
    db.session.execute(STARTS.delete())
    db.session.execute(STARTS.insert().from_select(["region_code", "day"], first_reports()))


def first_reports():
    """(community, its first report day), counted from the reports."""
    return select(REPORT.c.region_code, func.min(REPORT.c.report_date)).group_by(REPORT.c.region_code)


def summary_differences() -> list[str]:
    """Differences between the summary and a direct count of the reports (empty: none)."""
    def keyed(rows):
        return {(code, _as_date(day)): tuple(int(n or 0) for n in counts)
                for code, day, *counts in rows if any(counts)}
    counted = keyed(db.session.execute(_recount()))
    stored = keyed(db.session.execute(select(SUMMARY.c.region_code, SUMMARY.c.day,
                                             *(SUMMARY.c[n] for n in SUMMARY_COUNTS))))
    return [f"{key}: counted {counted.get(key)}, stored {stored.get(key)}"
            for key in sorted(set(counted) | set(stored)) if counted.get(key) != stored.get(key)]


def _as_date(value) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)
