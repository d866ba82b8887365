"""The health code rules 赋码规则, written once, their parameters in settings (config.py
``HEALTH_CODE_*``). Each rule is a SELECT of *facts* about people (keyed by the hash of
the ID number): the colour it asks for (its rank: red 2, yellow 1, green 0), the rule's
name, when it fired (``at``) and its inputs (JSON: the test, contact, filing... that made
it fire). A person's colour is their worst fact (then the rule listed first); every
change is stored with its rule and inputs (app.healthcode.codes' history), so an
officer can answer "why am I yellow?".

- red: a positive test (until staff release it, below); a close contact within
  HEALTH_CODE_CONTACT_DAYS of the exposure (a contact the feed knows by a phone alone
  counts for whoever's own phone it is: a filing's, a ledger resident's); another
  province's red (feed code_state);
- yellow: arrived from outside the province (a filing) until negative tests on
  HEALTH_CODE_ARRIVAL_TESTS different days within HEALTH_CODE_ARRIVAL_TEST_DAYS of the
  arrival (then green at once: "tests_after_arrival"); a secondary contact; origin or
  transit in a medium/high risk area in force now; fever or cough declared (the latest
  self-declaration, or a filing); an open space-time companion finding; another
  province's yellow;
- green: none of these, for anyone the province knows (a filing, a ledger, a code
  already); a green from a self-declaration alone lasts HEALTH_CODE_DECLARED_GREEN_DAYS.

Staff may set a colour by hand with a reason (``set_by_hand``, audited): what the rules
knew until then no longer counts (a positive released, say) until the date they set
(none: for good); a rule firing after it changes the colour as usual.

Two entry points, both set-based (no row is looked at in Python):
``refresh_people(hashes, now)`` when an event arrives, ``recompute_all(now)`` for the
province. One INSERT ... SELECT groups the facts of everyone concerned by person (the
colour and rule of a fact are one number, the worst wins), full-joins the stored codes
and keeps only the rows that differ, in a temporary table; the inputs of those rows are
looked up; then the history rows, the changed codes (UPDATE ... FROM) and the new codes
(INSERT ... SELECT) are written. Nothing changed: nothing is written. The clock is a
parameter.

The nightly ``recompute_all`` decides again only the people whose colour may have
changed since its last run: those whose next moment (``Facts.moments``: a window of a
rule opening or ending, kept per person in health_code_recheck by every decision) has
come, and those with input rows added since (the last ids it saw, in health_code_run).
The first run (every code new: the winners' inputs found in the same pass), a run back
in time, or ``full=True`` decide everyone: on PostgreSQL in HEALTH_CODE_PARTS ranges of
the hash at once, each on a connection of its own (a statement runs on one core), and
only the next moments that differ from those kept are written.
"""
import datetime as dt
import json
from concurrent.futures import ThreadPoolExecutor
from typing import Iterable, Optional

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import (Column, DateTime, Integer, MetaData, SmallInteger, String, Table, Text, and_, case,
                        cast, delete, distinct, exists, func, literal, literal_column, null, or_, select, text, true, type_coerce, union, union_all,
                        update)

from app.core import audit, clock, dialects
from app.core.errors import FieldErrors, NotFound
from app.core.extensions import db
from app.core.jurisdiction import code_within
from app.core.transaction import outermost_unit_of_work, transaction
from models import Filing, FilingCheck, Resident
from models.crossmatch import FeedCodeState, FeedContact, FeedTestResult, Finding, RiskArea
from models.healthcode import (COLOUR_RANK, COLOURS, HealthCode, HealthCodeChange, HealthCodeRecheck,
                               HealthCodeRun, HealthDeclaration)

F, R = Filing.__table__, Resident.__table__
T, C, CS, RA, FINDING = (FeedTestResult.__table__, FeedContact.__table__, FeedCodeState.__table__,
                         RiskArea.__table__, Finding.__table__)
HC, HCC, HD, HCR = (HealthCode.__table__, HealthCodeChange.__table__, HealthDeclaration.__table__,
                   HealthCodeRecheck.__table__)

# The rules in the order they win among facts of the same colour: the first explains best.
RULES = ("positive", "close_contact", "other_province", "arrived_from_outside", "secondary_contact",
         "risk_area", "symptoms", "companion", "tests_after_arrival", "no_risk", "declared", "manual")
RULE_LABELS = {
    "positive": _l("Positive test result"),
    "close_contact": _l("Close contact"),
    "other_province": _l("Colour given by another province"),
    "arrived_from_outside": _l("Arrived from outside the province"),
    "secondary_contact": _l("Secondary close contact"),
    "risk_area": _l("From or through a medium or high risk area"),
    "symptoms": _l("Declared fever or cough"),
    "companion": _l("Space-time companion of a confirmed case"),
    "tests_after_arrival": _l("Negative tests on two days after arrival"),
    "no_risk": _l("No risk found"),
    "declared": _l("Self-declared, nothing found"),
    "manual": _l("Set by hand by staff"),
}
RULE_PRIORITY = {rule: number for number, rule in enumerate(RULES, start=1)}
RED, YELLOW, GREEN = (COLOUR_RANK[c] for c in ("red", "yellow", "green"))
# Where a person's code belongs (the staff screens' jurisdiction): a filing's
# destination, else their ledger household's community, else the region a feed names.
BY_FILING, BY_LEDGER, BY_FEED = 1, 2, 3
CHUNK = 5000
BIG_SORT_MB = 1024  # the province's facts sorted in memory (a few hundred MB at 5 M people)
NO_TIME, NO_TEXT, NO_SCORE = cast(null(), DateTime), cast(null(), String), cast(null(), Integer)
FAR = literal(dt.datetime(9999, 12, 31), DateTime)  # no moment ahead


def setting(name: str) -> int:
    return int(current_app.config[f"HEALTH_CODE_{name}"])


def _text(column):
    return func.coalesce(cast(column, String), "")


def sql_text(value: str):
    """A constant string written in the SQL (no parameter: a UNION's types stay plain)."""
    return literal_column("'" + value.replace("'", "''") + "'", String)


def inputs(**columns):
    """The fact's inputs as JSON text built in SQL: {"key": "value", ...}."""
    json = sql_text("{")
    for number, (key, column) in enumerate(columns.items()):
        json = json.concat(sql_text(f'{", " if number else ""}"{key}": "')).concat(_text(column)).concat(sql_text('"'))
    return json.concat(sql_text("}"))


class HashRange:
    """The people whose hash is from ``low`` up to ``high`` excluded (None: no bound):
    one part of the province, decided on a connection of its own (``hash_ranges``)."""

    def __init__(self, low: Optional[str], high: Optional[str]):
        self.low, self.high = low, high

    def where(self, column):
        return and_(column >= self.low if self.low is not None else true(),
                    column < self.high if self.high is not None else true())


def hash_ranges(parts: int) -> list:
    """``parts`` ranges covering every hash once (bounds on the hex digits of the hash:
    about as many people in each)."""
    bounds = [None, *(f"{number * 256 // parts:02x}" for number in range(1, parts)), None]
    return [HashRange(low, high) for low, high in zip(bounds, bounds[1:])]


class Facts:
    """The facts of one run as of ``now``; ``people`` (a selectable of person hashes, a
    ``HashRange``, or None for everyone) limits each rule to the people concerned."""

    def __init__(self, now: dt.datetime, dialect, people=None):
        self.now, self.dialect, self.people = now, dialect, people
        self.province = current_app.config["PROVINCE_CODE"]

    def concerned(self, column):
        if self.people is None:
            return true()
        return self.people.where(column) if isinstance(self.people, HashRange) else column.in_(self.people)

    def days_ago(self, name: str) -> dt.datetime:
        return self.now - dt.timedelta(days=setting(name))

    @staticmethod
    def fact(person, rule, at, fact_inputs, region=None, region_by=BY_FEED, expires_at=None, rank=None):
        colour_rank = rank if rank is not None else literal_column(str(RULE_RANK[rule]))
        priority = literal_column(str(RULE_PRIORITY[rule])) if isinstance(rule, str) else rule[1]
        rule_name = sql_text(rule) if isinstance(rule, str) else rule[0]
        return (person.label("person_hash"), cast(colour_rank, SmallInteger).label("rank"),
                cast(priority, SmallInteger).label("priority"), cast(rule_name, String).label("rule"),
                # type_coerce: SQLite's CAST AS DATETIME would make a number of the text.
                (type_coerce(at, DateTime) if at is not None else NO_TIME).label("at"),
                cast(fact_inputs, Text).label("inputs"),
                (type_coerce(expires_at, DateTime) if expires_at is not None else NO_TIME).label("expires_at"),
                (cast(region, String) if region is not None else NO_TEXT).label("region_code"),
                cast(literal_column(str(region_by)), SmallInteger).label("region_by"))

    # ---- red ------------------------------------------------------------------------

    def tests(self):
        """Every test result: the test_result feed's, and those an officer's check recorded."""
        t, fc, f = T.alias("t"), FilingCheck.__table__.alias("fc"), F.alias("f")
        fed = select(t.c.id_number_hash.label("person_hash"), t.c.id, sql_text("test").label("source"),
                     t.c.sampled_at, t.c.sampled_day, t.c.result, t.c.region_code
                     ).where(t.c.sampled_at <= self.now, self.concerned(t.c.id_number_hash))
        checked = (select(f.c.id_number_hash, fc.c.id, sql_text("check"), fc.c.test_at,
                          clock.sql_local_day(fc.c.test_at, self.dialect), fc.c.test_result, fc.c.region_code)
                   .select_from(fc.join(f, f.c.id == fc.c.filing_id))
                   .where(fc.c.tested, fc.c.test_at.isnot(None), fc.c.test_result.isnot(None),
                          fc.c.test_at <= self.now, self.concerned(f.c.id_number_hash)))
        return union_all(fed, checked).subquery("test")

    def positive(self):
        t = self.tests()
        return select(*self.fact(t.c.person_hash, "positive", t.c.sampled_at,
                                 inputs(**{"from": t.c.source, "id": t.c.id, "sampled_at": t.c.sampled_at}),
                                 t.c.region_code)).where(t.c.result == "positive")

    def contacts(self):
        c = C.alias("c")
        return self.contact_fact(c, c.c.id_number_hash).where(c.c.id_number_hash.isnot(None),
                                                               self.concerned(c.c.id_number_hash))

    def contact_fact(self, c, person, **more_inputs):
        """A contact within HEALTH_CODE_CONTACT_DAYS of the exposure, as ``person``'s fact."""
        since = self.days_ago("CONTACT_DAYS").date()
        rule = case((c.c.kind == "close", "close_contact"), else_="secondary_contact")
        priority = case((c.c.kind == "close", RULE_PRIORITY["close_contact"]),
                        else_=RULE_PRIORITY["secondary_contact"])
        rank = case((c.c.kind == "close", RED), else_=YELLOW)
        return select(*self.fact(person, (rule, priority), self.dialect.shifted(c.c.exposed_on, 0),
                                 inputs(contact=c.c.id, kind=c.c.kind, exposed_on=c.c.exposed_on,
                                        case=c.c.case_ref, **more_inputs), c.c.region_code, rank=rank)
                      ).where(c.c.exposed_on >= since, c.c.exposed_on <= self.now.date())

    def contacts_by_phone(self):
        """A contact the feed names by a phone alone: the people whose filing or ledger
        row gives that phone get its colour (driven by the few such contacts, each
        owner found by the phone's index); one SELECT per kind of owner."""
        c = C.alias("pc")
        return tuple(
            self.contact_fact(c, person, by=sql_text("phone")).join_from(c, owner, phone == c.c.phone_hash)
            .where(c.c.id_number_hash.is_(None), c.c.phone_hash.isnot(None), self.concerned(person))
            for owner, phone, person in phone_owners())

    def other_province(self):
        s, later = CS.alias("s"), CS.alias("later")
        newer = exists().where(later.c.id_number_hash == s.c.id_number_hash, later.c.as_of > s.c.as_of,
                               later.c.as_of <= self.now)
        rank = case((s.c.colour == "red", RED), else_=YELLOW)
        return select(*self.fact(s.c.id_number_hash, "other_province", s.c.as_of,
                                 inputs(code_state=s.c.id, colour=s.c.colour, province=s.c.province,
                                        as_of=s.c.as_of), s.c.region_code, rank=rank)
                      ).where(s.c.colour.in_(("red", "yellow")), s.c.as_of >= self.days_ago("OTHER_PROVINCE_DAYS"),
                              s.c.as_of <= self.now, ~newer, self.concerned(s.c.id_number_hash))

    # ---- yellow, and the green that ends an arrival's yellow ---------------------------

    def trips(self, since):
        """Filings that count (not cancelled, not anonymised) arriving since ``since``."""
        f = F.alias("f")
        arrival = func.coalesce(f.c.arrived_at, f.c.expected_arrival_at)
        return f, arrival, and_(f.c.status != "cancelled", f.c.anonymised_at.is_(None), arrival >= since,
                                self.concerned(f.c.id_number_hash))

    def filings(self):
        """One fact per filing, the worst it asks for: arrived (or arriving) from outside
        the province and not yet tested negative on enough different days within the
        window after the arrival (yellow); fever or cough declared in a recent filing
        (yellow); tested so (green, "tests_after_arrival"); else nothing found (green).
        The filing also says where the code belongs."""
        f = F.alias("f")
        arrival = func.coalesce(f.c.arrived_at, f.c.expected_arrival_at)
        outside = or_(f.c.origin_country != "CN", f.c.origin_region_code.is_(None),
                      ~f.c.origin_region_code.startswith(self.province))
        counts = and_(f.c.status != "cancelled", f.c.anonymised_at.is_(None), f.c.filed_at <= self.now,
                      self.concerned(f.c.id_number_hash))
        recent_arrival = and_(outside, arrival >= self.days_ago("ARRIVAL_DAYS"))
        trip = select(f.c.id, f.c.id_number_hash, arrival.label("arrival")).where(
            counts, recent_arrival).subquery("trip")
        t = self.tests()
        tested = (select(trip.c.id, func.count(distinct(t.c.sampled_day)).label("days"),
                         func.max(t.c.sampled_at).label("last_test"))
                  .select_from(trip.join(t, and_(
                      t.c.person_hash == trip.c.id_number_hash, t.c.result == "negative",
                      t.c.sampled_at >= trip.c.arrival,
                      t.c.sampled_at <= self.dialect.shifted(trip.c.arrival, setting("ARRIVAL_TEST_DAYS") * 86400))))
                  .group_by(trip.c.id).subquery("tested"))
        days = func.coalesce(tested.c.days, 0)
        arriving = and_(recent_arrival, days < setting("ARRIVAL_TESTS"))
        symptoms = and_(or_(f.c.fever, f.c.cough), arrival >= self.days_ago("SYMPTOM_DAYS"))
        cleared = and_(recent_arrival, days >= setting("ARRIVAL_TESTS"))
        rule, priority, rank, at = ({"arriving": a, "symptoms": b, "cleared": c, "else": d} for a, b, c, d in (
            ("arrived_from_outside", "symptoms", "tests_after_arrival", "no_risk"),
            (RULE_PRIORITY["arrived_from_outside"], RULE_PRIORITY["symptoms"], RULE_PRIORITY["tests_after_arrival"],
             RULE_PRIORITY["no_risk"]),
            (YELLOW, YELLOW, GREEN, GREEN),
            (f.c.filed_at, f.c.filed_at, tested.c.last_test, NO_TIME)))

        def worst(values):
            return case((arriving, values["arriving"]), (symptoms, values["symptoms"]),
                        (cleared, values["cleared"]), else_=values["else"])

        return select(*self.fact(
            f.c.id_number_hash, (worst(rule), worst(priority)), worst(at),
            inputs(filing=f.c.id, arrival=arrival, test_days=days, fever=f.c.fever, cough=f.c.cough),
            f.c.destination_region_code, BY_FILING, rank=worst(rank))
        ).select_from(f.outerjoin(tested, tested.c.id == f.c.id)).where(counts)

    def risk_area(self):
        f, arrival, counts = self.trips(self.days_ago("RISK_AREA_DAYS"))
        ra = RA.alias("ra")
        at = case((ra.c.effective_from > f.c.filed_at, ra.c.effective_from), else_=f.c.filed_at)
        return select(*self.fact(f.c.id_number_hash, "risk_area", at,
                                 inputs(filing=f.c.id, risk_area=ra.c.id, area=ra.c.region_code, level=ra.c.level),
                                 f.c.destination_region_code, BY_FILING)
                      ).select_from(f.join(ra, through_area(f, ra))
                      ).where(counts, ra.c.effective_from <= self.now,
                              or_(ra.c.effective_until.is_(None), ra.c.effective_until > self.now))

    def symptoms(self):
        """Fever or cough in the latest self-declaration (a filing's: ``filings``)."""
        d, later = HD.alias("d"), HD.alias("later")
        since = self.days_ago("SYMPTOM_DAYS")
        declared = select(*self.fact(d.c.person_hash, "symptoms", d.c.declared_at,
                                     inputs(declaration=d.c.id, fever=d.c.fever, cough=d.c.cough),
                                     d.c.residence_region_code)
                          ).where(or_(d.c.fever, d.c.cough), d.c.declared_at >= since, d.c.declared_at <= self.now,
                                  ~self.later_declaration(d, later), self.concerned(d.c.person_hash))
        return declared

    def later_declaration(self, d, later):
        return exists().where(later.c.person_hash == d.c.person_hash, later.c.declared_at > d.c.declared_at,
                              later.c.declared_at <= self.now)

    def companion(self):
        g = FINDING.alias("g")
        return select(*self.fact(g.c.person_hash, "companion", g.c.raised_at,
                                 inputs(finding=g.c.id, event_at=g.c.event_at), g.c.region_code)
                      ).where(g.c.kind == "companion", g.c.status == "open", g.c.raised_at <= self.now,
                              self.concerned(g.c.person_hash))

    # ---- green ------------------------------------------------------------------------

    def residents(self):
        """Anyone in a ledger: green when nothing else fires; the household's community
        is where the code belongs (after a filing's destination)."""
        r = R.alias("r")
        return select(*self.fact(r.c.id_number_hash, "no_risk", None, sql_text("{}"), r.c.community_code,
                                 BY_LEDGER)).where(self.concerned(r.c.id_number_hash))

    def declared(self):
        d, later = HD.alias("d"), HD.alias("later")
        days = dt.timedelta(days=setting("DECLARED_GREEN_DAYS"))
        return select(*self.fact(d.c.person_hash, "declared", d.c.declared_at, inputs(declaration=d.c.id),
                                 d.c.residence_region_code, expires_at=self.dialect.shifted(
                                     d.c.declared_at, int(days.total_seconds())))
                      ).where(~or_(d.c.fever, d.c.cough), d.c.declared_at <= self.now,
                              ~self.later_declaration(d, later), self.concerned(d.c.person_hash))

    def all(self):
        return union_all(self.positive(), self.contacts(), *self.contacts_by_phone(), self.other_province(),
                         self.filings(), self.risk_area(), self.symptoms(), self.companion(), self.residents(), self.declared())

    def moments(self):
        """(person_hash, at): each moment from ``now`` on at which one of the rules above
        starts or stops counting a row of the people concerned as the clock moves (their
        comparisons with ``now``), or the last moment before it stops. Until the earliest
        of a person's, their colour stays as decided now unless their inputs change."""
        since = self.now - dt.timedelta(seconds=1)  # a moment equal to now: again next time
        shifted, days = self.dialect.shifted, (lambda name: setting(name) * 86400)
        t, fc, f, c, s, d, g, ra, code = (T.alias("t"), FilingCheck.__table__.alias("fc"), F.alias("f"), C.alias("c"),
                                          CS.alias("s"), HD.alias("d"), FINDING.alias("g"), RA.alias("ra"),
                                          HC.alias("code"))
        arrival = func.coalesce(f.c.arrived_at, f.c.expected_arrival_at)
        outside = or_(f.c.origin_country != "CN", f.c.origin_region_code.is_(None),
                      ~f.c.origin_region_code.startswith(self.province))
        # An arrival's windows, shortest first: the first one still ahead is the next moment.
        ends = sorted(((days("ARRIVAL_DAYS"), outside), (days("SYMPTOM_DAYS"), or_(f.c.fever, f.c.cough))),
                      key=lambda end: end[0])
        arrival_ends = case(*((and_(applies, shifted(arrival, seconds) >= since), shifted(arrival, seconds))
                              for seconds, applies in ends), else_=NO_TIME)

        def ahead(person, *moments, where=(), joined=None):
            """The earliest of ``moments`` (NULL: none) still ahead, a row a person."""
            ahead_of = [case((moment >= since, moment), else_=FAR) for moment in moments]
            at = type_coerce(self.dialect.least(*ahead_of) if len(ahead_of) > 1 else ahead_of[0], DateTime)
            return (select(person.label("person_hash"), at.label("at"))
                    .select_from(joined if joined is not None else person.table)
                    .where(at < FAR, person.isnot(None), self.concerned(person), *where))

        contact_ends = (shifted(c.c.exposed_on, 0), shifted(c.c.exposed_on, days("CONTACT_DAYS") + 86400))
        return union_all(
            ahead(t.c.id_number_hash, t.c.sampled_at),
            ahead(f.c.id_number_hash, fc.c.test_at, joined=fc.join(f, f.c.id == fc.c.filing_id)),
            ahead(c.c.id_number_hash, *contact_ends),
            *(ahead(owner_person, *contact_ends, joined=c.join(owner, and_(phone == c.c.phone_hash,
                                                                           c.c.id_number_hash.is_(None))))
              for owner, phone, owner_person in phone_owners()),
            ahead(s.c.id_number_hash, s.c.as_of, shifted(s.c.as_of, days("OTHER_PROVINCE_DAYS"))),
            ahead(f.c.id_number_hash, f.c.filed_at, arrival_ends),
            ahead(f.c.id_number_hash, shifted(arrival, days("RISK_AREA_DAYS")), ra.c.effective_from,
                  ra.c.effective_until, joined=f.join(ra, through_area(f, ra))),
            ahead(d.c.person_hash, d.c.declared_at, case((or_(d.c.fever, d.c.cough), shifted(
                d.c.declared_at, days("SYMPTOM_DAYS"))), else_=NO_TIME)),
            ahead(g.c.person_hash, g.c.raised_at, where=[g.c.kind == "companion"]),
            ahead(code.c.person_hash, code.c.override_until))

    def override_in_force(self, code):
        return and_(code.c.override_at.isnot(None),
                    or_(code.c.override_until.is_(None), code.c.override_until > self.now))

    def targets(self, with_inputs: bool = False):
        """Each concerned person's colour as the rules decide it now: their worst fact
        (the facts grouped by person, each fact's colour and rule one number), compared
        with the stored code (a full join: a code without facts any more turns green);
        only the rows that differ, with the winning ``score`` (their inputs are looked up
        afterwards, for those rows only; ``with_inputs``: in the same pass, when most rows
        change, the first run). People under a staff override are left to
        ``overridden_targets``."""
        fact = self.all().subquery("fact")
        score = fact.c.rank * 100 + (99 - fact.c.priority)
        # The winning fact's inputs: those of the best score, the least among equals
        # (``winning_inputs``), as the least of the score's complement (3 digits) and the inputs.
        best = (func.min(cast(999 - score, String).concat(fact.c.inputs)) if with_inputs else NO_TEXT).label("best")
        grouped = select(fact.c.person_hash, func.max(score).label("score"),
                         func.min(cast(fact.c.region_by, String).concat(fact.c.region_code)).label("region_key"),
                         func.max(fact.c.expires_at).label("expires_at"), best
                         ).group_by(fact.c.person_hash).subquery("grouped")
        code = select(HC).where(self.concerned(HC.c.person_hash)).subquery("code")
        g, c = grouped.c, code.c
        colour = case((g.score.is_(None), "green"),
                      *((g.score // 100 == rank, name) for name, rank in COLOUR_RANK.items()))
        priority = 99 - g.score % 100
        rule = case(*((priority == number, name) for name, number in RULE_PRIORITY.items()), else_="no_risk")
        expires_at = case((priority == RULE_PRIORITY["declared"], g.expires_at), else_=NO_TIME)
        region = func.coalesce(func.substr(g.region_key, 2), c.region_code)
        moved = or_(c.person_hash.is_(None), c.colour != colour, c.rule != rule,
                    c.expires_at.is_distinct_from(expires_at), c.manual)
        return (select(func.coalesce(g.person_hash, c.person_hash).label("person_hash"), colour.label("colour"),
                       c.colour.label("previous_colour"), rule.label("rule"), func.substr(g.best, 4).label("inputs"),
                       expires_at.label("expires_at"), region.label("region_code"), g.score.label("score"),
                       case((c.person_hash.is_(None), 0), else_=1).label("stored"),
                       case((moved, 1), else_=0).label("moved"))
                .select_from(grouped.outerjoin(code, c.person_hash == g.person_hash, full=True))
                .where(or_(c.override_at.is_(None), and_(c.override_until.isnot(None), c.override_until <= self.now)),
                       or_(moved, c.region_code.is_distinct_from(region))))

    def winning_inputs(self, target):
        """The inputs of each target's winning fact (the target rows of a score)."""
        fact = self.all().subquery("fact")
        score = fact.c.rank * 100 + (99 - fact.c.priority)
        return (select(fact.c.person_hash, func.min(fact.c.inputs).label("inputs"))
                .join(target, and_(target.c.person_hash == fact.c.person_hash, target.c.score == score))
                .group_by(fact.c.person_hash))

    def overridden_targets(self):
        """``targets`` of the people (of those concerned) under a staff override in force:
        a fact from before the override no longer counts; when none counts, the override
        stays. Few people: their facts sorted by person, worst first, with their inputs."""
        fact = self.all().subquery("fact")
        code = HC.alias("code")
        override_in_force = self.override_in_force(code)
        counts = ~and_(override_in_force, or_(fact.c.at.is_(None), fact.c.at <= code.c.override_at))
        person = dict(partition_by=fact.c.person_hash)
        # Where the code belongs: a filing's destination, else the ledger's community,
        # else a feed's region (the smallest code among equals).
        region_key = cast(fact.c.region_by, String).concat(fact.c.region_code)
        ranked = (select(
            fact, code.c.colour.label("stored_colour"), code.c.rule.label("stored_rule"),
            code.c.expires_at.label("stored_expires_at"), code.c.manual.label("stored_manual"),
            code.c.region_code.label("stored_region"), code.c.person_hash.label("stored_person"),
            func.row_number().over(order_by=(fact.c.rank.desc(), fact.c.priority, fact.c.at.desc(), fact.c.inputs),
                                   **person).label("n"),
            func.min(region_key).over(**person).label("region_key"))
                  .select_from(fact.join(code, code.c.person_hash == fact.c.person_hash))
                  .where(override_in_force, counts).subquery("ranked"))
        r = ranked.c
        colour = case(*((r.rank == rank, name) for name, rank in COLOUR_RANK.items()))
        region = func.substr(r.region_key, 2)
        moved = or_(r.stored_person.is_(None), r.stored_colour != colour, r.stored_rule != r.rule,
                    r.stored_expires_at.is_distinct_from(r.expires_at), r.stored_manual)
        return (select(r.person_hash, colour.label("colour"), r.stored_colour.label("previous_colour"), r.rule,
                       r.inputs, r.expires_at, region.label("region_code"), NO_SCORE.label("score"),
                       case((r.stored_person.is_(None), 0), else_=1).label("stored"),
                       case((moved, 1), else_=0).label("moved"))
                .where(r.n == 1, or_(moved, r.stored_region.is_distinct_from(region))))


def phone_owners():
    """``(table, its phone hash, its person hash)`` of the rows whose phone is the
    person's own: a filing's (not the proxy's) and a ledger resident's."""
    f, r = F.alias("phone_filing"), R.alias("phone_resident")
    return ((f, f.c.phone_hash, f.c.id_number_hash), (r, r.c.phone_hash, r.c.id_number_hash))


def people_with_phones(phone_hashes) -> tuple:
    """SELECTs (one per kind of owner, to be UNIONed: SQLite nests no compound) of the
    people whose own phone (``phone_owners``) is one of ``phone_hashes`` (a SELECT)."""
    return tuple(select(person.label("person_hash")).select_from(owner).where(phone.in_(phone_hashes))
                 for owner, phone, person in phone_owners())


def through_area(f, ra):
    """A filing's origin or transit in a risk area's county."""
    county = func.substr(ra.c.region_code, 1, 6)
    return or_(county == f.c.origin_region_code, f.c.transit.contains(county))


RULE_RANK = {"positive": RED, "close_contact": RED, "arrived_from_outside": YELLOW, "secondary_contact": YELLOW,
             "risk_area": YELLOW, "symptoms": YELLOW, "companion": YELLOW, "tests_after_arrival": GREEN,
             "no_risk": GREEN, "declared": GREEN}

TARGET = Table("health_code_target", MetaData(),
               # No key: millions of rows go in faster without an index to keep (joined by hashing).
               Column("person_hash", String(64)), Column("colour", String(6)),
               Column("previous_colour", String(6)), Column("rule", String(32)), Column("inputs", Text),
               Column("expires_at", DateTime), Column("region_code", String(19)), Column("score", Integer), Column("stored", Integer),
               Column("moved", Integer),
               prefixes=["TEMPORARY"])


def _connection(conn):
    """The connection to write on: the caller's (a filing's own transaction), else the session's."""
    if conn is None:
        return db.session.connection()
    return conn.connection() if hasattr(conn, "get_bind") else conn


def _write_changes(conn, now: dt.datetime, people, rechecks_first: bool = False) -> int:
    """Compute the targets of ``people`` (None: everyone) into a temporary table, then
    write the changed codes and their history: a few statements whatever the number.
    ``rechecks_first``: the next moments (which the codes written do not change) before
    the codes, not after (parts at once: one computes while the other writes)."""
    conn = _connection(conn)
    dialect = dialects.of(conn)
    dialect.prepare_for_big_joins(conn)
    many = not isinstance(people, (list, tuple))  # everyone, or a SELECT of maybe millions
    if many:
        dialect.allow_big_sorts(conn, BIG_SORT_MB)
    TARGET.drop(conn, checkfirst=True)
    TARGET.create(conn)
    try:
        facts, names = Facts(now, dialect, people), [c.name for c in TARGET.c]
        # The winners' inputs in the same pass, but for everyone's when codes are stored
        # (then few change: those few looked up after).
        with_inputs = (people is not None and not isinstance(people, HashRange)) or conn.execute(
            select(HC.c.person_hash).where(facts.concerned(HC.c.person_hash)).limit(1)).first() is None
        conn.execute(TARGET.insert().from_select(names, facts.targets(with_inputs=with_inputs)))
        overridden = select(HC.c.person_hash).where(facts.override_in_force(HC), facts.concerned(HC.c.person_hash))
        conn.execute(TARGET.insert().from_select(names, Facts(now, dialect, overridden).overridden_targets()))
        if many:  # the writes below join it: plan them by its size
            conn.execute(text(f"ANALYZE {TARGET.name}"))
        t = TARGET
        changed = conn.execute(select(func.count()).where(t.c.moved == 1)).scalar()
        if rechecks_first:
            _write_rechecks(conn, now, people)
        # The history rows, with the inputs that explain each change (looked up for the
        # changed rows only).
        to_look_up = and_(t.c.moved == 1, t.c.score.isnot(None), t.c.inputs.is_(None))
        looked_up = Facts(now, dialect, select(t.c.person_hash).where(to_look_up)).winning_inputs(
            select(t.c.person_hash, t.c.score).where(to_look_up).subquery("changed")).subquery("looked_up")
        conn.execute(HCC.insert().from_select(
            ["person_hash", "colour", "previous_colour", "rule", "inputs", "changed_at"],
            select(t.c.person_hash, t.c.colour, t.c.previous_colour, t.c.rule,
                   func.coalesce(t.c.inputs, looked_up.c.inputs), literal(now, DateTime))
            .select_from(t.outerjoin(looked_up, looked_up.c.person_hash == t.c.person_hash))
            .where(t.c.moved == 1).order_by(dialect.byte_order(t.c.person_hash))))  # key order: an index page once
        same_code = and_(HC.c.person_hash == t.c.person_hash, t.c.stored == 1)
        conn.execute(update(HC).where(same_code, t.c.moved == 1).values(
            colour=t.c.colour, rule=t.c.rule, changed_at=now, expires_at=t.c.expires_at, manual=False,
            region_code=t.c.region_code))
        conn.execute(update(HC).where(same_code, t.c.moved == 0).values(region_code=t.c.region_code))
        # Every code new (the first run: millions): their index by region built once after
        # (the table, empty until then, locked until the run commits).
        rebuilt = dialect.drop_indexes_for_load(conn, HealthCode.__table__.indexes) if people is None and with_inputs \
            else []
        conn.execute(dialect.insert(HC).from_select(
            ["person_hash", "colour", "rule", "changed_at", "expires_at", "manual", "region_code"],
            select(t.c.person_hash, t.c.colour, t.c.rule, literal(now, DateTime), t.c.expires_at, literal(False),
                   t.c.region_code).where(t.c.stored == 0).order_by(dialect.byte_order(t.c.person_hash))
        ).on_conflict_do_nothing())
        for index in rebuilt:
            index.create(conn)
    finally:
        TARGET.drop(conn)
    if not rechecks_first:
        _write_rechecks(conn, now, people)
    return changed


def _write_rechecks(conn, now: dt.datetime, people) -> None:
    """Each concerned person's next moment (``Facts.moments``) in place of the one kept."""
    dialect = dialects.of(conn)
    facts = Facts(now, dialect, people)
    moment = facts.moments().subquery("moment")
    next_moments = select(moment.c.person_hash, func.min(moment.c.at)).group_by(moment.c.person_hash)
    concerned = facts.concerned(HCR.c.person_hash)
    if (people is None or isinstance(people, HashRange)) and \
            conn.execute(select(HCR.c.person_hash).where(concerned).limit(1)).first() is not None:
        _write_changed_rechecks(conn, next_moments, concerned)
        return
    conn.execute(delete(HCR).where(concerned))
    # Everyone's (millions): the index by time built once after the rows, not row by row.
    rebuilt = dialect.drop_indexes_for_load(conn, HealthCodeRecheck.__table__.indexes) if people is None else []
    conn.execute(HCR.insert().from_select(["person_hash", "recheck_at"],
                                          next_moments.order_by(dialect.byte_order(moment.c.person_hash))))
    for index in rebuilt:
        index.create(conn)


RECHECK = Table("health_code_recheck_next", MetaData(),
                # No key: millions of rows go in faster without an index to keep (joined by hashing).
                Column("person_hash", String(64)), Column("recheck_at", DateTime), prefixes=["TEMPORARY"])


def _write_changed_rechecks(conn, next_moments, concerned) -> None:
    """Everyone's next moments when most are kept already (a full run after others):
    computed into a temporary table, then only the rows that differ are written (the
    kept rows that differ or are gone deleted, the missing ones added), not millions of
    rows rewritten unchanged."""
    dialect = dialects.of(conn)
    RECHECK.drop(conn, checkfirst=True)
    RECHECK.create(conn)
    try:
        conn.execute(RECHECK.insert().from_select(["person_hash", "recheck_at"], next_moments))
        conn.execute(text(f"ANALYZE {RECHECK.name}"))
        kept, nxt = HCR, RECHECK
        conn.execute(delete(kept).where(concerned, ~exists().where(nxt.c.person_hash == kept.c.person_hash,
                                                         nxt.c.recheck_at == kept.c.recheck_at)))
        conn.execute(kept.insert().from_select(["person_hash", "recheck_at"], select(nxt.c.person_hash, nxt.c.recheck_at)
                                               .where(~exists().where(kept.c.person_hash == nxt.c.person_hash))
                                               .order_by(dialect.byte_order(nxt.c.person_hash))))
    finally:
        RECHECK.drop(conn)


# The inputs' tables (their rows are only added; an edit or a removal is an event that
# decides its people again at once), each with a SELECT (or several, to be UNIONed) of
# the people of its rows after an id: the nightly job decides again the people of the rows added since its last run.
def _new_rows():
    fc = FilingCheck.__table__
    return {
        "feed_test_result": (T.c.id, lambda last: select(T.c.id_number_hash).where(T.c.id > last)),
        "filing_check": (fc.c.id, lambda last: select(F.c.id_number_hash).select_from(
            fc.join(F, F.c.id == fc.c.filing_id)).where(fc.c.id > last)),
        "feed_contact": (C.c.id, lambda last: (select(C.c.id_number_hash).where(C.c.id > last), *people_with_phones(
            select(C.c.phone_hash).where(C.c.id > last, C.c.id_number_hash.is_(None))))),
        "feed_code_state": (CS.c.id, lambda last: select(CS.c.id_number_hash).where(CS.c.id > last)),
        "filing": (F.c.id, lambda last: select(F.c.id_number_hash).where(F.c.id > last)),
        "risk_area": (RA.c.id, lambda last: select(F.c.id_number_hash).select_from(
            F.join(RA, through_area(F, RA))).where(RA.c.id > last)),
        "health_declaration": (HD.c.id, lambda last: select(HD.c.person_hash).where(HD.c.id > last)),
        "finding": (FINDING.c.id, lambda last: select(FINDING.c.person_hash).where(FINDING.c.id > last)),
        "resident": (R.c.id, lambda last: select(R.c.id_number_hash).where(R.c.id > last)),
    }


DUE = Table("health_code_due", MetaData(), Column("person_hash", String(64), primary_key=True),
            prefixes=["TEMPORARY"])


def _decide_due(conn, now: dt.datetime, last_run: HealthCodeRun, marks: dict) -> int:
    """The nightly run after ``last_run``: only the people whose colour may have changed
    since (a moment of theirs passed, or rows of theirs were added: the tables whose last
    id moved past the run's ``marks``), into a temporary table, then decided again as an
    event would."""
    last_marks = json.loads(last_run.marks)
    due = [select(HCR.c.person_hash).where(HCR.c.recheck_at <= now)]
    for name, (_id, people_after) in _new_rows().items():
        if marks[name] > last_marks.get(name, 0):
            added = people_after(last_marks.get(name, 0))
            due += added if isinstance(added, tuple) else [added]
    dialects.of(conn).prepare_for_big_joins(conn)
    people = (union(*due) if len(due) > 1 else due[0]).subquery("due")
    DUE.drop(conn, checkfirst=True)
    DUE.create(conn)
    try:
        conn.execute(DUE.insert().from_select(["person_hash"], select(people.c[0]).where(people.c[0].isnot(None))))
        conn.execute(text(f"ANALYZE {DUE.name}"))  # the rules' joins planned by its size
        return _write_changes(conn, now, select(DUE.c.person_hash))
    finally:
        DUE.drop(conn)


@transaction
def refresh_people(person_hashes: Iterable[str], now: dt.datetime) -> int:
    """Decide again the colour of these people (an event concerned them); the number of
    codes that changed."""
    return refresh_in(None, person_hashes, now)


def refresh_in(conn, person_hashes: Iterable[str], now: dt.datetime) -> int:
    """``refresh_people`` in the caller's transaction on ``conn`` (a filing's listener:
    the filing service owns the transaction, and may not use the session)."""
    hashes = sorted({h for h in person_hashes if h})
    changed = 0
    for start in range(0, len(hashes), CHUNK):
        changed += _write_changes(conn, now, hashes[start:start + CHUNK])
    return changed


@transaction
def refresh_selected(people, now: dt.datetime) -> int:
    """Decide again the colour of the people a SELECT of person hashes names (a feed batch)."""
    return _write_changes(None, now, people)


@transaction
def recompute_all(now: dt.datetime, full: bool = False) -> int:
    """The province's colours as of ``now`` (the nightly job); the number of codes that
    changed. After a run as of ``now`` or before, only the people whose colour may have
    changed since it are decided again (``_decide_due``: the same codes as deciding
    everyone's); the first run, one back in time, one HEALTH_CODE_FULL_EVERY_DAYS after
    the last full one or ``full``: everyone's. Idempotent:
    run again at the same ``now``, it changes nothing."""
    # Parts on connections of their own see only what is committed: not when the caller
    # has a transaction open (its rows unseen) or would have the run all or nothing.
    in_parts = (setting("PARTS") > 1 and not dialects.of(db.session).ONE_WRITER and outermost_unit_of_work()
                and not db.session().in_transaction())
    conn = db.session.connection()
    marks = {name: conn.execute(select(func.coalesce(func.max(id_column), 0))).scalar()
             for name, (id_column, _people) in _new_rows().items()}
    last_run = db.session.scalar(select(HealthCodeRun).order_by(HealthCodeRun.id.desc()).limit(1))
    last_full = db.session.scalar(select(HealthCodeRun.as_of).where(HealthCodeRun.full)
                                  .order_by(HealthCodeRun.id.desc()).limit(1))
    full = (full or last_run is None or last_run.as_of > now or last_full is None
            or now - last_full >= dt.timedelta(days=setting("FULL_EVERY_DAYS")))
    if not full:
        changed = _decide_due(conn, now, last_run, marks)
    elif in_parts:
        changed = _decide_everyone_in_parts(now, setting("PARTS"))
    else:
        changed = _write_changes(None, now, None)
    db.session.add(HealthCodeRun(as_of=now, full=full, changed=changed, marks=json.dumps(marks)))
    if changed >= 10_000:
        db.session.execute(text("ANALYZE health_code"))
    return changed


def _decide_everyone_in_parts(now: dt.datetime, parts: int) -> int:
    """Everyone decided as ``_write_changes(None, now, None)`` does, in ``parts`` ranges of
    the hash each on a connection and in a transaction of its own, at the same time
    (PostgreSQL runs one statement on one core). Each part commits by itself: a run
    that fails half way has written some parts, but no run row, so the next run decides
    everyone again against them (the codes written are the same)."""
    app = current_app._get_current_object()

    def decide(number: int, part: HashRange) -> int:
        with app.app_context(), db.engine.connect() as conn, conn.begin():
            # Every other part its next moments first (mostly computing) while the one
            # before writes its codes (mostly writing): two writers slow each other.
            return _write_changes(conn, now, part, rechecks_first=number % 2 == 1)

    with ThreadPoolExecutor(max_workers=parts) as pool:
        return sum(pool.map(decide, *zip(*enumerate(hash_ranges(parts)))))


@transaction
def set_by_hand(person_hash: str, colour: str, reason: str, now: dt.datetime, *, by_id: Optional[int],
                jurisdiction: Optional[str], until: Optional[dt.datetime] = None) -> HealthCode:
    """Staff set a person's colour by hand, with a reason, until ``until`` (None: until a
    rule fires again). Audited. A person outside ``jurisdiction`` is not found."""
    errors = FieldErrors()
    if colour not in COLOURS:
        errors.add("colour", _l("Choose red, yellow or green."))
    if not (reason or "").strip():
        errors.add("reason", _l("Give the reason."))
    if until is not None and until <= now:
        errors.add("until", _l("Must be in the future."))
    errors.raise_if_any()
    code = db.session.scalar(select(HealthCode).where(HealthCode.person_hash == person_hash,
                                                      code_within(HealthCode.region_code, jurisdiction)))
    if code is None:
        raise NotFound()
    previous = code.colour
    code.colour, code.rule, code.changed_at, code.manual = colour, "manual", now, True
    code.expires_at, code.override_at, code.override_until = until, now, until
    db.session.add(HealthCodeChange(person_hash=person_hash, colour=colour, previous_colour=previous,
                                    rule="manual", reason=reason.strip()[:500], changed_at=now,
                                    changed_by_id=by_id,
                                    inputs='{"until": "%s"}' % (until or "")))
    db.session.flush()
    audit.record(db.session, "set_colour", "HealthCode", None, code.region_code,
                 {"colour": [previous, colour], "until": str(until or ""), "reason": reason.strip()[:500]})
    return code
