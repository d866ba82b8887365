"""The statistics' summary tables, kept exactly in step with the filings.

Every filing write calls ``app.filings.events.filing_changed(conn, before, after)`` in its
own transaction; the listener here subtracts what the ``before`` row contributed to the
summaries and adds what the ``after`` row contributes, whatever field changed (status,
destination after a transfer, expected arrival after an edit, checks, control measure,
cancellation). The changes are added with set-based upserts (``INSERT ... ON CONFLICT DO
UPDATE SET n = n + excluded.n``, SQLite and PostgreSQL alike), in key order so two
transactions never lock the same rows in opposite orders.

What a filing contributes (models/stats.py):
- ``StatsDaily``: one row per region (county, township, community) and day, where the day
  is the Asia/Shanghai day of the expected arrival, with the counts of ``MEASURES``;
- ``StatsBreakdown``: for the province, city and county, the filings (not cancelled) per
  day by origin city (or country) and by transport mode.

On PostgreSQL a new filing does not touch the summary rows: the statement inserting it
adds its counted columns to ``stats_pending`` (``sql_for_inserted``), and
``fold_pending`` (a job every SUMMARY_FOLD_SECONDS) adds those to the summaries in one
transaction. Every reader goes through ``summed_rows``, which adds the pending share, so
the counts are exact at every moment. (Every filing of a day would otherwise lock the
same summary rows until its commit: under load they queued for them.)

``MEASURES`` states each count twice, for one row in Python and for the table in SQL,
side by side; ``rebuild_summaries`` recomputes everything from the filings and
``verify_summaries`` compares the tables with a direct count of the filings.
"""
import datetime as dt
from collections import defaultdict
from typing import Iterable, Optional

from sqlalchemy import and_, case, func, literal, select, union_all

from app.core.clock import local_date, sql_local_day
from app.filings.events import on_filing_change
from app.core.extensions import db
from app.core.jurisdiction import code_within
from app.core.transaction import transaction
from app.core import dialects
from app.core.sqltools import sql_int as _n
from models.filing import Filing
from models.region import CODE_LENGTH_BY_LEVEL
from models.stats import (
    BREAKDOWN_KEY,
    BREAKDOWN_LEVELS,
    COUNTED_COLUMNS,
    DAILY_KEY,
    DAILY_LEVELS,
    DAILY_MEASURES,
    ORIGIN,
    TRANSPORT,
    StatsBreakdown,
    StatsDaily,
    StatsPending,
)

CANCELLED, CLOSED = "cancelled", "closed"
NO_CONTROL = "none"
ABROAD_UNKNOWN_REGION = "CN"  # a Chinese origin without a county code
PENDING = StatsPending.__table__


# ---- what a filing counts for ------------------------------------------------------

def _active(row):
    return row["status"] != CANCELLED


def _under_control(row):
    measure = row.get("control_measure")
    return _active(row) and row["status"] != CLOSED and measure not in (None, "", NO_CONTROL)


def _sql_under_control(f):
    return and_(f.status != CANCELLED, f.status != CLOSED, f.control_measure.is_not(None),
                f.control_measure != "", f.control_measure != NO_CONTROL)


# name -> (does this row count, SQL condition on the filing table). Keep the pairs equal:
# tests/test_stats_summary.py proves the listener's tables equal the SQL recount.
MEASURES = {
    "filings": (_active, lambda f: f.status != CANCELLED),
    "cancelled": (lambda r: r["status"] == CANCELLED, lambda f: f.status == CANCELLED),
    "submitted": (lambda r: r["status"] == "submitted", lambda f: f.status == "submitted"),
    "arrived": (lambda r: r["status"] == "arrived", lambda f: f.status == "arrived"),
    "not_arrived": (lambda r: r["status"] == "not_arrived", lambda f: f.status == "not_arrived"),
    "closed": (lambda r: r["status"] == CLOSED, lambda f: f.status == CLOSED),
    "checked": (lambda r: _active(r) and (r.get("check_count") or 0) > 0,
                lambda f: and_(f.status != CANCELLED, f.check_count > 0)),
    "risk_area": (lambda r: _active(r) and bool(r.get("risk_area_14d")),
                  lambda f: and_(f.status != CANCELLED, f.risk_area_14d == True)),  # noqa: E712
    "late_notice": (lambda r: _active(r) and bool(r.get("late_notice")),
                    lambda f: and_(f.status != CANCELLED, f.late_notice == True)),  # noqa: E712
    "under_control": (_under_control, _sql_under_control),
}
assert tuple(MEASURES) == DAILY_MEASURES


def origin_key(row) -> str:
    """Origin city (4 digits) of a Chinese origin, else the country code."""
    country = (row.get("origin_country") or "CN").upper()
    if country != "CN":
        return country
    return (row.get("origin_region_code") or "")[:4] or ABROAD_UNKNOWN_REGION


def _sql_origin_key(f):
    country = func.upper(f.origin_country)
    return case((country != "CN", country),
                (func.coalesce(f.origin_region_code, "") == "", literal(ABROAD_UNKNOWN_REGION)),
                else_=func.substr(f.origin_region_code, _n(1), _n(4)))


BREAKDOWNS = {ORIGIN: (origin_key, _sql_origin_key),
              TRANSPORT: (lambda r: r["transport_mode"], lambda f: f.transport_mode)}


# ---- the listener --------------------------------------------------------------------

def _row_contributions(row, sign, daily, breakdown):
    day = local_date(row["expected_arrival_at"])
    code = row["destination_region_code"]
    vector = [sign if counts(row) else 0 for counts, _sql in MEASURES.values()]
    for level in DAILY_LEVELS:
        totals = daily[(level, code[:CODE_LENGTH_BY_LEVEL[level]], day)]
        for index, value in enumerate(vector):
            totals[index] += value
    if _active(row):
        for kind, (key, _sql) in BREAKDOWNS.items():
            value = key(row)
            for level in BREAKDOWN_LEVELS:
                breakdown[(level, code[:CODE_LENGTH_BY_LEVEL[level]], kind, day, value)] += sign


def summary_deltas(changes: Iterable[tuple[Optional[dict], Optional[dict]]]):
    """The net change of every summary row, as rows to add: (daily rows, breakdown rows)."""
    daily = defaultdict(lambda: [0] * len(DAILY_MEASURES))
    breakdown = defaultdict(int)
    for before, after in changes:
        for sign, row in ((-1, before), (1, after)):
            if row is not None:
                _row_contributions(row, sign, daily, breakdown)
    daily_rows = [dict(zip(DAILY_KEY, key), **dict(zip(DAILY_MEASURES, counts)))
                  for key, counts in sorted(daily.items()) if any(counts)]
    breakdown_rows = [dict(zip(BREAKDOWN_KEY, key), filings=n)
                      for key, n in sorted(breakdown.items()) if n]
    return daily_rows, breakdown_rows


def sql_for_inserted(source: str) -> list[str]:
    """PostgreSQL: the summaries' share of the statement that inserts new filings (the
    rows returned by the CTE ``source``): their counted columns go to ``stats_pending``,
    which ``fold_pending`` adds to the summary tables in batches. Upserting the summary
    rows at once would have every filing of a day, region and origin lock the same rows
    until its commit; under load the filings queued for them."""
    names = ", ".join(COUNTED_COLUMNS)
    return [f"INSERT INTO {PENDING.name} ({names}) SELECT {names} FROM {source}"]


def fold_pending(conn) -> int:
    """Add the pending filings to the summary tables and forget them, in the caller's
    transaction: whoever reads meanwhile finds each filing either pending or folded in,
    never both (see ``summed_rows``). Returns how many were folded."""
    moved = conn.execute(PENDING.delete().returning(*(PENDING.c[name] for name in COUNTED_COLUMNS)))
    changes = [(None, dict(row)) for row in moved.mappings()]
    apply_changes(conn, changes)
    return len(changes)


@transaction
def rebuild_all_summaries(progress=None) -> None:
    """``rebuild_summaries`` as a unit of work (``flask stats rebuild``)."""
    rebuild_summaries(db.session, progress)


@transaction
def fold_pending_summaries() -> int:
    """``fold_pending`` as a unit of work (the scheduler's job)."""
    return fold_pending(db.session)


def apply_changes(conn, changes) -> None:
    """Bring the summaries in step with many filing changes ``[(before, after), ...]``."""
    deltas = summary_deltas(changes)
    if not any(deltas):
        return
    dialects.of(conn).upsert_adding(conn, [(table, key, measures, rows) for (table, key, measures, *_rest), rows
                                           in zip(SUMMARIES, deltas)])


@on_filing_change
def keep_summaries(conn, before: Optional[dict], after: Optional[dict]) -> None:
    apply_changes(conn, [(before, after)])


keep_summaries.batch = apply_changes  # app.filings.events.filings_changed batches
keep_summaries.sql_for_inserted = sql_for_inserted  # the one-statement filing insert


# ---- recount from the filings: rebuild and verify ----------------------------------

def _at_level(source, level):
    """(the level as a constant, the destination code at that level) of ``source``'s rows."""
    return literal(level), func.substr(source.c.destination_region_code, _n(1), _n(CODE_LENGTH_BY_LEVEL[level]))


def _filing_daily_select(dialect, level, prefix=None, source=Filing.__table__):
    """The summary rows of ``level`` counted from the filings (or the pending rows)."""
    f = source.c
    level, code = _at_level(source, level)
    day = sql_local_day(f.expected_arrival_at, dialect)
    sums = [func.coalesce(func.sum(case((condition(f), 1), else_=0)), 0).label(name)
            for name, (_python, condition) in MEASURES.items()]
    return (select(level.label("level"), code.label("region_code"), day.label("day"), *sums)
            .where(code_within(f.destination_region_code, prefix))
            .group_by(code, day))


def _filing_breakdown_select(dialect, level, prefix=None, source=Filing.__table__):
    f = source.c
    level, code = _at_level(source, level)
    day = sql_local_day(f.expected_arrival_at, dialect)
    parts = []
    for kind, (_python, sql_key) in BREAKDOWNS.items():
        value = sql_key(f)
        parts.append(select(level.label("level"), code.label("region_code"),
                            literal(kind).label("kind"), day.label("day"), value.label("value"),
                            func.count().label("filings"))
                     .where(f.status != CANCELLED, code_within(f.destination_region_code, prefix))
                     .group_by(code, day, value))
    return union_all(*parts)


def _rolled_up_select(table, key_columns, measures, to_level):
    """Rows of ``to_level`` summed from the summary rows of the level below."""
    t = table.c
    code = func.substr(t.region_code, _n(1), _n(CODE_LENGTH_BY_LEVEL[to_level]))
    keys = [t[k] for k in key_columns[2:]]  # after level and region_code
    return (select(literal(to_level).label("level"), code.label("region_code"), *keys,
                   *[func.sum(t[m]).label(m) for m in measures])
            .where(t.level == to_level + 1)
            .group_by(code, *keys))


# (table, key columns, measures, levels kept, recount from the filings)
SUMMARIES = (
    (StatsDaily.__table__, DAILY_KEY, DAILY_MEASURES, DAILY_LEVELS, _filing_daily_select),
    (StatsBreakdown.__table__, BREAKDOWN_KEY, ("filings",), BREAKDOWN_LEVELS, _filing_breakdown_select),
)


def summed_rows(table, level: int, group, sums, prefix: Optional[str] = None,
                days: Optional[tuple] = None, dialect=None, **equal):
    """SELECT the key ``group(c)`` and the SUMs of ``sums(c)`` (``c``: a summary table's
    columns) per key, over the rows of the summary ``table`` at ``level`` within
    ``prefix`` (and the days ``(first, last)``, and the columns ``equal`` to the values
    given) as they stand: the table's own rows and the share of the filings still pending
    (``fold_pending``), each summed apart and then together, in one statement (one
    snapshot: a fold moving rows meanwhile cannot make a filing count twice or not at
    all). Every reader of the summaries reads them through here."""
    recount = next(s for s in SUMMARIES if s[0] is table)[-1]
    pending = recount(dialect or dialects.of(), level, prefix, source=PENDING).subquery()
    if prefix and len(prefix) == CODE_LENGTH_BY_LEVEL[level]:  # one region: the index serves the rest
        within = [table.c.level == level, table.c.region_code == prefix]
    else:
        within = [table.c.level == level, code_within(table.c.region_code, prefix)]

    def summed(source, conditions):
        c, keys = source.c, group(source.c)
        days_given = [c.day >= days[0], c.day <= days[1]] if days else []
        return (select(*[k.label(f"k{i}") for i, k in enumerate(keys)],
                       *[func.sum(v).label(f"s{i}") for i, v in enumerate(sums(c))])
                .where(*conditions, *[c[name] == value for name, value in equal.items()], *days_given)
                .group_by(*keys))
    both = union_all(summed(table, within), summed(pending, [])).subquery()
    keys = [column_ for column_ in both.c if column_.name.startswith("k")]
    return (select(*keys, *[func.sum(column_) for column_ in both.c if column_.name.startswith("s")])
            .group_by(*keys))


def _positions(key_columns):
    return [_n(position) for position in range(1, len(key_columns) + 1)]


def rebuild_summaries(conn, progress=None) -> None:
    """Recompute both summary tables from the filings, in the caller's transaction: the
    lowest level kept from the filings, each level above from the one below.

    On PostgreSQL the tables are locked first: a filing written meanwhile waits, then
    adds its change on top of the recount, which did not see it. The pending filings
    are in the recount: they are forgotten."""
    dialect = dialects.of(conn)
    dialect.lock_tables(conn, (StatsDaily.__tablename__, StatsBreakdown.__tablename__, PENDING.name))
    conn.execute(PENDING.delete())
    steps = []
    for table, key_columns, measures, levels, recount in SUMMARIES:
        conn.execute(table.delete())
        columns = [*key_columns, *measures]
        # Inserted in key order, a region's rows lie together on disk: a rollup reads few pages.
        steps.append(table.insert().from_select(columns, recount(dialect, levels[-1]).order_by(*_positions(key_columns))))
        steps += [table.insert().from_select(columns, _rolled_up_select(table, key_columns, measures, level)
                                             .order_by(*_positions(key_columns)))
                  for level in reversed(levels[:-1])]
    for done, step in enumerate(steps, start=1):
        conn.execute(step)
        if progress:
            progress(done, len(steps))


def _keyed(rows, key_length):
    """``{key: counts}`` of the rows with any count, days as ISO strings (SQLite's recount
    gives strings, the tables give dates)."""
    found = {}
    for row in rows:
        key = tuple(v.isoformat() if isinstance(v, dt.date) else v for v in row[:key_length])
        if any(row[key_length:]):
            found[key] = tuple(row[key_length:])
    return found


def verify_summaries(conn, prefix: Optional[str] = None) -> list[str]:
    """Differences between the summary tables and a direct count of the filings, level by
    level (within the region ``prefix``, or everywhere): an empty list when they agree."""
    dialect = dialects.of(conn)
    problems = []
    for table, key_columns, measures, levels, recount in SUMMARIES:
        for level in levels:
            counted = _keyed(conn.execute(recount(dialect, level, prefix)).all(), len(key_columns))
            stored = _keyed(conn.execute(summed_rows(
                table, level, lambda c: [c[k] for k in key_columns], lambda c: [c[m] for m in measures],
                prefix, dialect=dialect)).all(), len(key_columns))
            for key in sorted(set(counted) | set(stored), key=str):
                if counted.get(key) != stored.get(key):
                    problems.append(f"{table.name} {key}: counted {counted.get(key)}, "
                                    f"stored {stored.get(key)}")
    return problems
