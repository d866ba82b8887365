"""The matching rules 比对规则: each written once, as ``INSERT ... SELECT`` joining on the
keyed hashes of ID numbers (or phones, when a feed gives only a phone); no row is
looked at in Python. ``match(now)`` runs them all, as of ``now`` (the clock is a
parameter, so a test or a run after downtime decides exactly as a punctual one).

Idempotent: a finding is unique per person (keyed hash), kind and episode (the filing,
or the local day of the feed's event); a rule finding it again inserts nothing.

Who owns a finding (``region_code``): the person's filing's destination community (the
latest filing first), else the community of the ledger household they live in, else the
region the feed names (the city or county an arrival was seen in). Tests are those of the
``test_result`` feed.

Kinds (the windows are the issue's):
- ``positive``: a positive test of anyone with a filing or in a ledger;
- ``contact_arrived``: a close or secondary contact who has a filing (arriving no more
  than 14 days before the exposure, or later) or lives in a ledger household;
- ``from_risk_area``: a filing from or through a risk area in force at departure
  (departure time, else the expected arrival), whatever the traveller ticked, and with
  no control measure recorded. Its origin is known to the county only: an origin in the
  area's county counts (the area a county, or a township of it). Its transit names codes:
  one within the area counts, i.e. for a township area the township's code (or one of
  its communities'), not another township of its county nor the county alone;
- ``arrived_without_filing``: an arrival seen with no filing expected or arrived within
  ±1 day of it (inclusive);
- ``no_test_after_arrival``: arrived (checked) 24 h ago or more and no test sampled in
  [arrival, arrival + 24 h];
- ``missing_second_test``: arrived 3 days ago or more and tests on fewer than two
  different local days in [arrival, arrival + 3 days].
  Both judge only arrivals the test feed covers: from its earliest sample on (before it,
  or with no test feed at all, "no test" would mean "no data", not "not tested").
Only what happened in the last LOOKBACK days is matched: older episodes were matched
when they were new, and a run stays bounded at millions of rows. The rules on filings
pass over the filings found already before their costlier conditions (an optimisation
fence), so matching again reads only what may be new.
"""
import datetime as dt
from typing import Optional

from sqlalchemy import (BigInteger, DateTime, String, and_, cast, distinct, exists, func, literal,
                        null, or_, select, text)

from app.core import clock
from app.core.jurisdiction import code_within
from app.core import dialects
from app.core.transaction import transaction
from app.core.extensions import db
from models import Filing, Resident
from models.crossmatch import (MATCHING_KINDS, FINDING_PRIORITY, FeedArrivalPush, FeedContact,
                               FeedTestResult, Finding, RiskArea)

LOOKBACK = dt.timedelta(days=30)
FIRST_TEST_WITHIN = dt.timedelta(hours=24)
SECOND_TEST_WITHIN = dt.timedelta(days=3)
FILING_NEAR_ARRIVAL = dt.timedelta(days=1)
CONTACT_FILING_BEFORE = dt.timedelta(days=14)
PERSON_KEYS = ("id_number_hash", "phone_hash")
# What a finding found by each key knows its person by (Finding.person_known_by).
KNOWN_BY = {"id_number_hash": "id_number", "phone_hash": "phone"}
MANY_NEW = 10_000

F, R = Filing.__table__, Resident.__table__
T, C, P = FeedTestResult.__table__, FeedContact.__table__, FeedArrivalPush.__table__
RA, FINDING = RiskArea.__table__, Finding.__table__
COLUMNS = ("kind", "priority", "person_hash", "episode", "region_code", "filing_id", "resident_id",
           "batch_id", "name_masked", "id_masked", "event_at", "raised_at", "status", "person_known_by")
NO_ID = cast(null(), BigInteger)


def masked_name(column):
    """The first character of a name, then stars: what a finding shows of a person."""
    return func.substr(column, 1, 1).concat("**")


class Rules:
    """The statements of one run: ``now``, the dialect and an optional jurisdiction."""

    def __init__(self, now: dt.datetime, dialect, jurisdiction: Optional[str] = None):
        self.now, self.dialect, self.jurisdiction = now, dialect, jurisdiction
        self.since = now - LOOKBACK

    def shifted(self, column, delta):
        return self.dialect.shifted(column, int(delta.total_seconds()))

    def values(self, kind, person, episode, region, filing_id, resident_id, batch_id, name, id_masked, event_at,
               key="id_number_hash"):
        """The columns (COLUMNS) of a finding; ``key``: what ``person`` is the hash of."""
        return (literal(kind), literal(FINDING_PRIORITY[kind]), person, cast(episode, String), region,
                filing_id, resident_id, batch_id, masked_name(name), id_masked, event_at,
                literal(self.now, DateTime), literal("open"), literal(KNOWN_BY[key]))

    def owned(self, select_, region):
        return select_.where(code_within(region, self.jurisdiction))

    # ---- people found in a feed, owned by their filing or their household ---------------

    def of_people(self, kind, feed, where, episode, event_at, filing_near):
        """For each feed row (``where``) of a person with a filing (``filing_near(f)``),
        else living in a ledger household: the finding, owned by that filing or household."""
        statements = []
        shown = [feed.c[c] for c in ("id_number_masked", "phone_masked") if c in feed.c]
        id_masked = func.coalesce(*shown) if len(shown) > 1 else shown[0]
        feed_name = feed.c.name if "name" in feed.c else None
        for key in (k for k in PERSON_KEYS if k in feed.c):
            person = feed.c[key]
            this_key = person.isnot(None) if key == "id_number_hash" else \
                and_(feed.c.id_number_hash.is_(None), person.isnot(None))
            f, r = F.alias("f"), R.alias("r")
            by_filing = (select(*self.values(kind, person, episode, f.c.destination_region_code, f.c.id, NO_ID,
                                             feed.c.batch_id, func.coalesce(feed_name, f.c.name), id_masked,
                                             event_at, key))
                         .select_from(feed.join(f, and_(f.c[key] == person, f.c.status != "cancelled",
                                                        filing_near(f))))
                         .where(where, this_key).order_by(f.c.expected_arrival_at.desc()))
            by_household = (select(*self.values(kind, person, episode, r.c.community_code, NO_ID, r.c.id,
                                                feed.c.batch_id, func.coalesce(feed_name, r.c.name), id_masked,
                                                event_at, key))
                            .select_from(feed.join(r, r.c[key] == person)).where(where, this_key))
            statements += [self.owned(by_filing, f.c.destination_region_code),
                           self.owned(by_household, r.c.community_code)]
        return statements

    def positive(self):
        t = T.alias("t")
        return self.of_people(
            "positive", t, and_(t.c.result == "positive", t.c.sampled_at >= self.since,
                                t.c.sampled_at <= self.now),
            t.c.sampled_day, t.c.sampled_at,
            lambda f: f.c.expected_arrival_at >= self.shifted(t.c.sampled_at, -LOOKBACK))

    def contact_arrived(self):
        c = C.alias("c")
        return self.of_people(
            "contact_arrived", c, and_(c.c.exposed_on >= self.since.date(), c.c.exposed_on <= self.now.date()),
            c.c.exposed_on, self.shifted(c.c.exposed_on, dt.timedelta()),
            lambda f: f.c.expected_arrival_at >= self.shifted(c.c.exposed_on, -CONTACT_FILING_BEFORE))

    # ---- filings judged against the risk areas -----------------------------------------

    def from_risk_area(self):
        if not self.any_risk_area():
            return []
        ra = RA.alias("ra")

        def in_force(c):
            departure, county = func.coalesce(c.departure_at, c.expected_arrival_at), func.substr(ra.c.region_code, 1, 6)
            return and_(ra.c.effective_from <= departure,
                        or_(ra.c.effective_until.is_(None), ra.c.effective_until > departure),
                        or_(county == c.origin_region_code, c.transit.contains(ra.c.region_code)))

        f = F.alias("f")
        return self._of_filing(
            "from_risk_area",
            and_(f.c.status != "cancelled", f.c.anonymised_at.is_(None), f.c.expected_arrival_at >= self.since,
                 or_(f.c.control_measure.is_(None), f.c.control_measure == "none")),
            lambda c: exists().where(in_force(c)), f,
            ("departure_at", "expected_arrival_at", "origin_region_code", "transit"),
            event_at=lambda c: func.coalesce(c.departure_at, c.expected_arrival_at),
            batch=lambda c: select(func.min(ra.c.batch_id)).where(in_force(c)).scalar_subquery())

    def any_risk_area(self) -> bool:
        """Whether any risk area was in force within the look-back (else no filing is read)."""
        return db.session.scalar(select(RA.c.id).where(
            or_(RA.c.effective_until.is_(None), RA.c.effective_until > self.since - LOOKBACK)).limit(1)) is not None

    # ---- arrivals seen without a filing ------------------------------------------------

    def arrived_without_filing(self):
        statements = []
        p = P.alias("p")
        low, high = self.shifted(p.c.seen_at, -FILING_NEAR_ARRIVAL), self.shifted(p.c.seen_at, FILING_NEAR_ARRIVAL)
        for key in PERSON_KEYS:
            f, r = F.alias("f"), R.alias("r")
            person = p.c[key]
            this_key = person.isnot(None) if key == "id_number_hash" else \
                and_(p.c.id_number_hash.is_(None), person.isnot(None))
            filed = exists().where(f.c[key] == person, f.c.status != "cancelled",
                                   or_(f.c.expected_arrival_at.between(low, high), f.c.arrived_at.between(low, high)))
            household = select(func.min(r.c.community_code)).where(r.c[key] == person).scalar_subquery()
            resident = select(func.min(r.c.id)).where(r.c[key] == person).scalar_subquery()
            region = func.coalesce(household, p.c.region_code)
            statement = select(*self.values(
                "arrived_without_filing", person, clock.sql_local_day(p.c.seen_at, self.dialect), region, NO_ID,
                resident, p.c.batch_id, null(), func.coalesce(p.c.id_number_masked, p.c.phone_masked),
                p.c.seen_at, key)).where(this_key, p.c.seen_at >= self.since, p.c.seen_at <= self.now, ~filed)
            statements.append(self.owned(statement, region))
        return statements

    # ---- tests after arrival -----------------------------------------------------------

    def _of_filing(self, kind, cheap, costly, f, read, event_at, batch=lambda c: NO_ID):
        """A finding per filing ``f`` meeting ``cheap`` and then ``costly(c)`` (``c``: the
        candidate's columns: its id, its person and those named in ``read``). Filings
        found already are passed over first, behind an optimisation fence (OFFSET 0), so
        the costly part reads only the new candidates and matching again stays cheap; the
        candidates read only those few columns (an index can hold them all: no row is
        read but those of the new findings, joined back by id)."""
        found = exists().where(FINDING.c.kind == kind, FINDING.c.person_hash == f.c.id_number_hash,
                               FINDING.c.episode == cast(f.c.id, String))
        candidate = select(f.c.id, f.c.id_number_hash, *(f.c[name] for name in read)).where(
            cheap, ~found).offset(0).subquery("candidate")
        c = candidate.c
        # The second fence: the rule's condition first, then the whole rows of those it finds.
        judged = select(c.id, c.id_number_hash, batch(c).label("batch_id"), event_at(c).label("event_at")).where(
            costly(c)).offset(0).subquery("judged")
        j, whole = judged.c, F.alias("whole")
        statement = select(*self.values(
            kind, j.id_number_hash, j.id, whole.c.destination_region_code, j.id, NO_ID, j.batch_id, whole.c.name,
            whole.c.id_number_masked, j.event_at)).select_from(judged.join(whole, whole.c.id == j.id))
        return [self.owned(statement, whole.c.destination_region_code)]

    def _of_arrival(self, kind, at_least, costly):
        """Arrivals whose window (``at_least``) has closed, judged by ``costly`` on the
        tests; only those the test feed covers: an arrival before its earliest sample
        cannot be said to have gone untested (no feed yet: no arrival is judged)."""
        covered_from = self.tests_cover_from()
        if covered_from is None:
            return []
        f = F.alias("f")
        arrived = and_(f.c.status.in_(("arrived", "closed")), f.c.anonymised_at.is_(None),
                       f.c.arrived_at >= max(self.since, covered_from), f.c.arrived_at <= self.now - at_least)
        return self._of_filing(kind, arrived, costly, f, ("arrived_at",), event_at=lambda c: c.arrived_at)

    def tests_cover_from(self) -> Optional[dt.datetime]:
        """The earliest sample the test feed holds (read once per run)."""
        if not hasattr(self, "_covered_from"):
            self._covered_from = db.session.scalar(select(func.min(T.c.sampled_at)))
        return self._covered_from

    def _tests_after_arrival(self, t, c, within):
        return and_(t.c.id_number_hash == c.id_number_hash, t.c.sampled_at >= c.arrived_at,
                    t.c.sampled_at <= self.shifted(c.arrived_at, within))

    def no_test_after_arrival(self):
        t = T.alias("t")
        return self._of_arrival("no_test_after_arrival", FIRST_TEST_WITHIN,
                                lambda c: ~exists().where(self._tests_after_arrival(t, c, FIRST_TEST_WITHIN)))

    def missing_second_test(self):
        t = T.alias("t")
        return self._of_arrival("missing_second_test", SECOND_TEST_WITHIN, lambda c: select(
            func.count(distinct(t.c.sampled_day))).where(
            self._tests_after_arrival(t, c, SECOND_TEST_WITHIN)).scalar_subquery() < 2)

    def statements(self):
        """Every rule's statements, the most urgent kind first."""
        for kind in MATCHING_KINDS:
            for statement in getattr(self, kind)():
                yield kind, (self.dialect.insert(FINDING).on_conflict_do_nothing().from_select(COLUMNS, statement)
                             .returning(FINDING.c.id))


@transaction
def match(now: dt.datetime, jurisdiction: Optional[str] = None) -> dict[str, int]:
    """Run every rule as of ``now``; how many findings of each kind are new."""
    raised, dialect = {kind: 0 for kind in MATCHING_KINDS}, dialects.of(db.session)
    dialect.prepare_for_big_joins(db.session)
    for kind, statement in Rules(now, dialect, jurisdiction).statements():
        # Counted from RETURNING: the driver's rowcount of INSERT ... SELECT is not reliable.
        raised[kind] += len(db.session.execute(statement).all())
    if sum(raised.values()) >= MANY_NEW:
        # The next run passes over the findings by a join its plan sizes from these statistics.
        db.session.execute(text("ANALYZE finding"))
    return raised
