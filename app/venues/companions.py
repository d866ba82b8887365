"""Space-time companions 时空伴随: when a person turns red by a positive test, or staff set
them red by hand (app.healthcode.by_hand), everyone who scanned a venue they scanned,
within VENUE_COMPANION_WINDOW_MINUTES of their scan, in their last
VENUE_COMPANION_DAYS days, becomes a ``companion`` finding and turns yellow
(the health code rules count an open companion finding: app.healthcode.rules).

Set-based: one INSERT ... SELECT joins the cases' scans to the other scans of the same
venues (both read by the index on venue and time) and writes one finding per companion
and local day of exposure (the finding's episode, so searching again adds nothing);
then the companions' colours are decided again in one refresh.

A finding belongs to the community owning the person, like every other finding: their
health code's region (a filing's destination, a ledger's community), else the community
of the venue where they were seen.
"""
import datetime as dt
from typing import Optional

from flask import current_app
from sqlalchemy import DateTime, String, and_, cast, func, literal, select

from app.core import dialects
from app.core.clock import sql_local_day
from app.core.extensions import db
from app.core.sqltools import insert_ignoring_conflicts
from app.core.transaction import transaction
from app.healthcode.rules import refresh_people
from models.crossmatch import FINDING_PRIORITY, FeedTestResult, Finding
from models.healthcode import HealthCode, HealthDeclaration
from models.region import COMMUNITY_CODE_LENGTH
from models.venue import Venue, VenueScan

KIND = "companion"


# The rules that make someone a case whose companions are searched: a positive test,
# or staff setting red by hand (a case confirmed outside the feeds).
CASE_RULES = ("positive", "manual")


def confirmed_cases(people):
    """SELECT of the people of ``people`` (a SELECT of person hashes) red now by a
    positive test or by staff's hand."""
    return select(HealthCode.person_hash).where(
        HealthCode.person_hash.in_(people), HealthCode.colour == "red", HealthCode.rule.in_(CASE_RULES))


@transaction
def raise_companions(people, now: dt.datetime, *, batch_id: Optional[int] = None) -> int:
    """The companions of the confirmed cases among ``people`` (a SELECT of person
    hashes), as findings raised at ``now`` (``batch_id``: the feed batch that made the
    cases red, so undoing it withdraws them), and their colours decided again. The
    number of new findings."""
    config = current_app.config
    window = dt.timedelta(minutes=int(config["VENUE_COMPANION_WINDOW_MINUTES"])).total_seconds()
    since = now - dt.timedelta(days=int(config["VENUE_COMPANION_DAYS"]))
    dialect = dialects.of(db.session)
    cases = confirmed_cases(people)
    case, other = VenueScan.__table__.alias("case_scan"), VenueScan.__table__.alias("other_scan")
    code = HealthCode.__table__.alias("companion_code")
    venue = Venue.__table__
    exposed_day = sql_local_day(other.c.scanned_at, dialect)
    name_masked, id_masked = _declared_masks(other)
    owner = func.coalesce(func.substr(code.c.region_code, 1, COMMUNITY_CODE_LENGTH), venue.c.community_code)
    companions = (
        select(literal(KIND), literal(FINDING_PRIORITY[KIND]), other.c.person_hash,
               cast(exposed_day, String), func.min(owner), func.min(name_masked), func.min(id_masked),
               func.min(other.c.scanned_at), literal(now, DateTime), literal("open"), literal(batch_id))
        .select_from(case.join(other, and_(
            other.c.venue_id == case.c.venue_id,
            other.c.scanned_at >= dialect.shifted(case.c.scanned_at, -window),
            other.c.scanned_at <= dialect.shifted(case.c.scanned_at, window)))
            .join(venue, venue.c.id == other.c.venue_id)
            .outerjoin(code, code.c.person_hash == other.c.person_hash))
        .where(case.c.person_hash.in_(cases), case.c.scanned_at >= since, case.c.scanned_at <= now,
               other.c.person_hash.not_in(cases))
        .group_by(other.c.person_hash, exposed_day))
    inserted = db.session.execute(insert_ignoring_conflicts(Finding.__table__, db.session).from_select(
        ["kind", "priority", "person_hash", "episode", "region_code", "name_masked", "id_masked", "event_at",
         "raised_at", "status", "batch_id"], companions).returning(Finding.person_hash)).scalars().all()
    if inserted:
        refresh_people(inserted, now)
    return len(inserted)


def _declared_masks(other):
    """The companion's masked name and ID number from their latest declaration (what an
    officer has to find them by), as correlated sub-selects."""
    def newest(column):
        return (select(column).where(HealthDeclaration.person_hash == other.c.person_hash,
                                     HealthDeclaration.anonymised_at.is_(None))
                .order_by(HealthDeclaration.declared_at.desc()).limit(1).scalar_subquery())
    return func.substr(newest(HealthDeclaration.name), 1, 1).concat("**"), newest(HealthDeclaration.id_number_masked)


def after_test_results(batch_id: int, now: dt.datetime) -> int:
    """The hook of a test-result batch, after its people's colours were decided: the
    companions of those it made red."""
    return raise_companions(select(FeedTestResult.id_number_hash).where(
        FeedTestResult.batch_id == batch_id, FeedTestResult.result == "positive"), now, batch_id=batch_id)


def after_set_red_by_hand(person_hash: str, now: dt.datetime) -> int:
    """Staff set this person red by hand: their companions, as for a positive test."""
    return raise_companions([person_hash], now)
