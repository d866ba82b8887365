"""SQLAlchemy models, one module per part of the domain.

Every model derives from Flask-AppBuilder's declarative ``Model`` so FAB's generated
screens and APIs can use it. Importing this package registers all tables.
"""
from models.base import Model, ScopedMixin, utcnow  # noqa: F401
from models.region import Region  # noqa: F401
from models.user import ConsoleUser  # noqa: F401
from models.audit import AuditLog, AuditSeal  # noqa: F401
from models.outbox import Notification  # noqa: F401
from models.filing import Filing, FilingCheck, FilingTransfer, FilingRevision, FilerCode  # noqa: F401
from models.stats import StatsDaily, StatsBreakdown, StatsPending, ReportCompliance, ReportStart  # noqa: F401
from models.reporting import DailyReport, Escalation, DistributionRound, JobRun, ReportReminder  # noqa: F401
from models.ledger import Grid, Building, Unit, Household, Resident, ImportJob  # noqa: F401
from models.staff import StaffMember, Device, DeviceService  # noqa: F401
from models.rewards import RewardPenalty  # noqa: F401
from models.crossmatch import FeedBatch, FeedTestResult, FeedContact, FeedArrivalPush, FeedCodeState, RiskArea, Finding  # noqa: F401
from models.followup import FollowUp  # noqa: F401
from models.healthcode import HealthCode, HealthCodeChange, HealthDeclaration  # noqa: F401
from models.healthcode import HealthCodeHolder  # noqa: F401
from models.healthcode import HealthCodeRecheck, HealthCodeRun  # noqa: F401
from models.venue import Venue, VenueScan  # noqa: F401
from models.checkpoint import Checkpoint, CheckpointPass  # noqa: F401
