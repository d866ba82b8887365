"""Summary tables of the statistics: derived data, never written by hand.

``StatsDaily`` and ``StatsBreakdown`` are kept in step with the filings by the listener
in app.stats.summary (called by the filing service in the same transaction as every
filing write); ``rebuild_summaries`` recomputes them from the filings and
``verify_summaries`` proves them equal to a direct count. ``ReportCompliance`` counts the
daily reports per county and day, kept in step with every report write by
app.reporting.compliance.

The day of a filing is the Asia/Shanghai day of its expected arrival (see
app.core.clock.local_date); every rollup's date range applies to that day.
"""
from sqlalchemy import BigInteger, Boolean, Column, Date, DateTime, Integer, SmallInteger, String

from models.base import Model

# Counted per region and day; see app.stats.summary.MEASURES for what each means.
DAILY_MEASURES = ("filings", "cancelled", "submitted", "arrived", "not_arrived", "closed",
                  "checked", "risk_area", "late_notice", "under_control")

# Region levels kept in each table: a province or city rollup reads county rows (181 for
# Henan) instead of province rows that every filing of the day would lock.
DAILY_LEVELS = (3, 4, 5)
BREAKDOWN_LEVELS = (1, 2, 3)
ORIGIN, TRANSPORT = "o", "t"
DAILY_KEY = ("level", "region_code", "day")
BREAKDOWN_KEY = ("level", "region_code", "kind", "day", "value")


def _counter():
    return Column(Integer, nullable=False, default=0)


class StatsDaily(Model):
    """Counts of the filings expected to arrive in one region (county, township or
    community) on one day."""

    __tablename__ = "stats_daily"

    level = Column(SmallInteger, primary_key=True)
    region_code = Column(String(12), primary_key=True)
    day = Column(Date, primary_key=True)
    filings = _counter()
    cancelled = _counter()
    submitted = _counter()
    arrived = _counter()
    not_arrived = _counter()
    closed = _counter()
    checked = _counter()
    risk_area = _counter()
    late_notice = _counter()
    under_control = _counter()


class StatsBreakdown(Model):
    """Filings (not cancelled) of a region (province, city or county) and day by origin
    (``kind`` "o": 4-digit city code, or the country code for abroad) or by transport
    mode (``kind`` "t")."""

    __tablename__ = "stats_breakdown"

    level = Column(SmallInteger, primary_key=True)
    region_code = Column(String(12), primary_key=True)
    kind = Column(String(1), primary_key=True)
    day = Column(Date, primary_key=True)
    value = Column(String(12), primary_key=True)
    filings = _counter()


class StatsPending(Model):
    """New filings not yet added to the summary tables: the columns the summaries count,
    as they were when filed. On PostgreSQL the statement that inserts a filing adds its
    row here rather than to every summary row of its day, region and origin, which every
    filing of that day would otherwise lock in turn until its commit; a job folds the
    rows into the summaries every few seconds (app.stats.summary.fold_pending), and the
    readers add the rows still here, so every count stays exact."""

    __tablename__ = "stats_pending"

    id = Column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    destination_region_code = Column(String(12), nullable=False)
    expected_arrival_at = Column(DateTime, nullable=False)
    status = Column(String(16), nullable=False)
    check_count = Column(SmallInteger, nullable=False)
    risk_area_14d = Column(Boolean, nullable=False)
    late_notice = Column(Boolean, nullable=False)
    control_measure = Column(String(20))
    origin_country = Column(String(2), nullable=False)
    origin_region_code = Column(String(6))
    transport_mode = Column(String(10), nullable=False)


COUNTED_COLUMNS = tuple(c.name for c in StatsPending.__table__.columns if c.name != "id")


class ReportCompliance(Model):
    """Daily reports per county (``region_code``, 6 digits) and report day: how many were
    prepared, and of them submitted on time and late (app.reporting.compliance). Kept in
    step by every write of a report, in that write's transaction, so it is exact at every
    moment; the rollups of provinces and cities read it instead of every community's report."""

    __tablename__ = "report_compliance"

    region_code = Column(String(12), primary_key=True)
    day = Column(Date, primary_key=True)
    reports = _counter()
    on_time = _counter()
    late = _counter()


class ReportStart(Model):
    """The first report day of each community (``region_code``): the days before it (and
    before GO_LIVE_DATE, when set) are not expected of it (app.reporting.compliance keeps
    it with every write of a report)."""

    __tablename__ = "report_start"

    region_code = Column(String(12), primary_key=True)
    day = Column(Date, nullable=False)
