"""Daily and zero reports 日报告、零报告, escalations, distribution rounds, job runs.

A community's daily report covers one Asia/Shanghai day (0-24 h) and is prepared by the
scheduler the next morning with its counts filled in; the community's officer confirms
and submits it, even when every count is zero. What is not done in time is escalated
(app.reporting.escalations).
"""
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import relationship

from models.base import BigId, Model, ScopedMixin, utcnow
from models.filing import Filing
from models.region import CODE_LENGTH_BY_LEVEL, LEVEL_CITY, LEVEL_COUNTY, LEVEL_LABELS, LEVEL_TOWNSHIP

REPORT_STATUSES = ("prepared", "submitted")
REPORT_STATUS_LABELS = {"prepared": _l("Awaiting submission"), "submitted": _l("Submitted")}

# Levels an escalation climbs (region levels), with the length of the code of the region
# it goes to and their labels.
ESCALATION_REGION_LEVELS = {"township": LEVEL_TOWNSHIP, "county": LEVEL_COUNTY, "city": LEVEL_CITY}
ESCALATION_LEVELS = tuple(ESCALATION_REGION_LEVELS)
TARGET_CODE_LENGTH = {name: CODE_LENGTH_BY_LEVEL[level] for name, level in ESCALATION_REGION_LEVELS.items()}
ESCALATION_LEVEL_LABELS = {name: LEVEL_LABELS[level] for name, level in ESCALATION_REGION_LEVELS.items()}
ESCALATION_STATUSES = ("open", "acknowledged", "resolved")
ESCALATION_STATUS_LABELS = {"open": _l("Awaiting action"), "acknowledged": _l("Acknowledged"),
                            "resolved": _l("Resolved")}
REASON_LABELS = {"report_missing": _l("Daily report not submitted"),
                 "check_overdue": _l("Filing not checked in time")}
RESOLUTION_LABELS = {"report_submitted": _l("Report submitted"),
                     "filing_settled": _l("Filing checked or cancelled"),
                     "manual": _l("Resolved by hand")}


def _region_relation(column: str):
    return relationship("Region", primaryjoin=f"foreign({column}) == Region.code",
                        viewonly=True, lazy="joined")


class DailyReport(ScopedMixin, Model):
    """One community's report of one day. ``region_code`` is the community."""

    __tablename__ = "daily_report"
    __table_args__ = (
        UniqueConstraint("region_code", "report_date", name="uq_daily_report_region_date"),
        # Compliance screens: one day, a code range of communities.
        Index("ix_daily_report_date_region", "report_date", "region_code"),
        # The escalation job: reports still awaiting submission past their deadline.
        Index("ix_daily_report_status_due", "status", "due_at"),
    )

    id = Column(BigId, primary_key=True, autoincrement=True)
    region_code = Column(String(12), nullable=False)
    report_date = Column(Date, nullable=False)
    new_filings = Column(Integer, nullable=False, default=0)
    arrivals = Column(Integer, nullable=False, default=0)
    checks = Column(Integer, nullable=False, default=0)
    risk_area_arrivals = Column(Integer, nullable=False, default=0)
    under_control = Column(Integer, nullable=False, default=0)
    zero_report = Column(Boolean, nullable=False, default=False)
    status = Column(String(12), nullable=False, default="prepared")
    prepared_at = Column(DateTime, nullable=False, default=utcnow)
    due_at = Column(DateTime, nullable=False)
    submitted_at = Column(DateTime)
    submitted_by_id = Column(Integer)
    late = Column(Boolean, nullable=False, default=False)
    note = Column(String(500))

    community = _region_relation("DailyReport.region_code")

    COUNT_FIELDS = ("new_filings", "arrivals", "checks", "risk_area_arrivals", "under_control")

    def status_label(self):
        return REPORT_STATUS_LABELS.get(self.status, self.status)

    def community_name(self):
        return self.community.name if self.community else self.region_code

    def __repr__(self):
        return f"{self.region_code} {self.report_date}"


class Escalation(ScopedMixin, Model):
    """Something not done in time (a daily report not submitted, a filing not
    checked), raised to the township, then the county, then the city: one row per
    level reached, so each level keeps its own row to acknowledge and resolve.

    Jurisdiction: an escalation belongs to the region it escalates TO
    (``target_region_code``: the township, county or city), not to the community it
    is about (``region_code``). So the township sees the escalations raised to it,
    the county sees those raised to it and to its townships, and so on up; an officer
    of another township never sees them (its code is not a prefix of this township's),
    nor does the community's own officer: escalations chase the community, whose
    officer hears of them through notifications and sees them on the daily-report
    screen. Acting on an escalation (acknowledge, resolve) needs the same scope.
    """

    __tablename__ = "escalation"
    jurisdiction_column = "target_region_code"
    __table_args__ = (
        UniqueConstraint("subject_type", "subject_id", "level", name="uq_escalation_subject_level"),
        Index("ix_escalation_target_status", "target_region_code", "status"),
        Index("ix_escalation_status_due", "status", "due_at"),
        Index("ix_escalation_region_raised", "region_code", "raised_at"),
    )

    id = Column(BigId, primary_key=True, autoincrement=True)
    level = Column(String(10), nullable=False)             # township county city
    reason = Column(String(20), nullable=False)            # report_missing check_overdue
    subject_type = Column(String(20), nullable=False)      # daily_report filing
    subject_id = Column(BigId, nullable=False)
    subject_ref = Column(String(32))                       # report date or filing receipt
    region_code = Column(String(12), nullable=False)       # the community it is about
    target_region_code = Column(String(12), nullable=False)
    deadline_at = Column(DateTime, nullable=False)         # when the subject fell due
    raised_at = Column(DateTime, nullable=False, default=utcnow)
    due_at = Column(DateTime)                              # escalates further if still open then
    status = Column(String(12), nullable=False, default="open")
    acknowledged_at = Column(DateTime)
    acknowledged_by_id = Column(Integer)
    resolved_at = Column(DateTime)
    resolved_by_id = Column(Integer)
    resolution = Column(String(20))
    note = Column(String(500))

    community = _region_relation("Escalation.region_code")
    target = _region_relation("Escalation.target_region_code")

    def level_label(self):
        return ESCALATION_LEVEL_LABELS.get(self.level, self.level)

    def reason_label(self):
        return REASON_LABELS.get(self.reason, self.reason)

    def status_label(self):
        return ESCALATION_STATUS_LABELS.get(self.status, self.status)

    def resolution_label(self):
        return RESOLUTION_LABELS.get(self.resolution, self.resolution or "")

    def community_name(self):
        return self.community.name if self.community else self.region_code

    def target_name(self):
        return self.target.name if self.target else self.target_region_code

    def __repr__(self):
        return f"{self.level} {self.reason} {self.subject_ref or self.subject_id}"


class DistributionRound(Model):
    """One distribution round: what was routed in (window_start, window_end] has been
    announced. The next round starts where this one ended; the unique start means two
    rounds can never announce the same window."""

    __tablename__ = "distribution_round"

    id = Column(BigId, primary_key=True, autoincrement=True)
    window_start = Column(DateTime, nullable=False, unique=True)
    window_end = Column(DateTime, nullable=False, index=True)
    ran_at = Column(DateTime, nullable=False, default=utcnow)
    communities = Column(Integer, nullable=False, default=0)
    filings = Column(Integer, nullable=False, default=0)
    notifications = Column(Integer, nullable=False, default=0)


class JobRun(Model):
    """A daily job done for one day (``run_key`` is the ISO date): the catch-up after
    downtime runs exactly the days that have no row here."""

    __tablename__ = "job_run"
    __table_args__ = (UniqueConstraint("job", "run_key", name="uq_job_run_job_key"),)

    id = Column(BigId, primary_key=True, autoincrement=True)
    job = Column(String(40), nullable=False)
    run_key = Column(String(40), nullable=False)
    started_at = Column(DateTime, nullable=False, default=utcnow)
    finished_at = Column(DateTime, nullable=False, default=utcnow)
    detail = Column(Text)


# Unchecked filings past their deadline are looked for on every escalation run: an
# index on (status, expected arrival) keeps that off a scan of all filings.
Index("ix_filing_status_arrival", Filing.status, Filing.expected_arrival_at)


class ReportReminder(Model):
    """A 催报: the reminder sent to a community's officers that its report of ``report_date``
    is not in (app.reporting.reminders); one per community and report day."""

    __tablename__ = "report_reminder"

    region_code = Column(String(12), primary_key=True)
    report_date = Column(Date, primary_key=True)
    reminded_at = Column(DateTime, nullable=False, default=utcnow)
    reminded_by_id = Column(Integer)
