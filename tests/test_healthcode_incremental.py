"""The nightly recompute decides again only the people whose colour may have changed
(app.healthcode.rules.recompute_all after a first run): a moment of theirs passed (a
window of a rule opened or ended, kept in health_code_recheck) or rows of theirs were
added without an event. Walked through hand-made cases around every window's edge, the
clock a parameter: after each run, deciding everyone again from scratch would change
nothing."""
import datetime as dt
import json
from contextlib import contextmanager

from sqlalchemy import event, func, select

from app.core import dialects, identity
from app.core.extensions import db
from app.healthcode import rules
from app.healthcode.rules import Facts, _write_changes, hash_ranges, recompute_all, refresh_people, set_by_hand
from models import Filing, HealthCodeRecheck, HealthCodeRun
from models.crossmatch import FeedBatch, FeedCodeState, FeedContact, FeedTestResult, RiskArea
from models.healthcode import HealthCode, HealthCodeChange, HealthDeclaration
from tests.filing_data import resident_id
from tests.report_fixtures import add_filing

A = "410105001003"
ARRIVED = dt.datetime(2026, 3, 5, 2, 0)        # 10:00 local on 03-05
SECOND, HOUR, DAY = dt.timedelta(seconds=1), dt.timedelta(hours=1), dt.timedelta(days=1)
MIDNIGHT = dt.datetime(2026, 3, 5)


def person(id_number) -> str:
    return identity.lookup_hash(id_number)


def filing(id_number, **values) -> int:
    protected = identity.protect(id_number, identity.mask_id_number)
    values.setdefault("expected_arrival_at", ARRIVED)
    values.setdefault("filed_at", ARRIVED - 2 * DAY)
    return add_filing(A, values.pop("filed_at"), id_number_enc=protected["enc"], id_number_hash=protected["hash"],
                      id_number_masked=protected["masked"], **values)


def batch() -> int:
    return db.session.execute(FeedBatch.__table__.insert().values(
        source="test_result", file_hash="x", region_code="41", imported_at=ARRIVED, status="imported")
    ).inserted_primary_key[0]


def feed_row(model, id_number, batch_id, **values):
    """A feed row written as it is, with no event (as a bulk load would)."""
    db.session.execute(model.__table__.insert().values(
        batch_id=batch_id, line=1, region_code="4101", id_number_enc="x", id_number_hash=person(id_number),
        id_number_masked="x", **values))


def sampled(id_number, batch_id, at, result="negative"):
    feed_row(FeedTestResult, id_number, batch_id, sampled_at=at, sampled_day=(at + 8 * HOUR).date(), result=result)


def declaration(id_number, at, fever=False):
    db.session.add(HealthDeclaration(
        person_hash=person(id_number), name="测试", id_number_enc="x", id_number_masked="x", phone_enc="x",
        phone_hash="x", phone_masked="x", declarant_phone_hash="x", residence_region_code=A, fever=fever,
        cough=False, declared_at=at))


def what_a_full_run_would_change(now):
    """The codes deciding everyone again as of ``now`` would write (none: the same)."""
    facts = Facts(now, dialects.of(db.session))
    overridden = select(HealthCode.person_hash).where(facts.override_in_force(HealthCode.__table__))
    rows = [*db.session.execute(facts.targets()), *db.session.execute(
        Facts(now, dialects.of(db.session), overridden).overridden_targets())]
    return [(row.person_hash[:8], row.previous_colour, row.colour, row.rule) for row in rows]


def test_nightly_runs_decide_as_a_full_run_around_every_window_edge(app, monkeypatch):
    monkeypatch.setitem(app.config, "HEALTH_CODE_FULL_EVERY_DAYS", 30)  # every run after the first one nightly
    with app.app_context():
        b = batch()
        traveller, cleared, close, secondary, other, declared, through, positive, held, late, newcomer, phoned = (
            resident_id(sequence=600 + n) for n in range(12))
        filing(traveller, status="arrived", arrived_at=ARRIVED)                 # yellow until +14 d
        filing(cleared, status="arrived", arrived_at=ARRIVED)                   # green at its second test day
        sampled(cleared, b, ARRIVED + 5 * HOUR)
        sampled(cleared, b, ARRIVED + DAY + 5 * HOUR)                           # sampled after the first run
        filing(close, origin_region_code="410102")
        feed_row(FeedContact, close, b, kind="close", exposed_on=(MIDNIGHT + 2 * DAY).date())  # counts from 03-07
        filing(secondary, origin_region_code="410102")
        feed_row(FeedContact, secondary, b, kind="secondary", exposed_on=(MIDNIGHT - 13 * DAY).date())  # ends 03-07
        filing(other, origin_region_code="410102")
        feed_row(FeedCodeState, other, b, colour="yellow", as_of=ARRIVED + HOUR - 7 * DAY)  # ends after +1 h
        declaration(declared, ARRIVED + 3 * HOUR)                               # green for 14 days, then...
        declaration(declared, ARRIVED + 2 * DAY, fever=True)                    # ... yellow for 14 days
        filing(through, origin_region_code="410103", arrived_at=ARRIVED - DAY, status="arrived")
        db.session.add(RiskArea(region_code="410103001", level="high", effective_from=ARRIVED + 6 * HOUR,
                                effective_until=ARRIVED + 3 * DAY))
        filing(positive, origin_region_code="410102")
        sampled(positive, b, ARRIVED + 4 * DAY, "positive")
        filing(held, status="arrived", arrived_at=ARRIVED)
        phone = db.session.scalar(select(Filing.phone_hash).where(Filing.id == filing(phoned, origin_region_code="410102")))
        db.session.execute(FeedContact.__table__.insert().values(   # known by the phone alone; counts from 03-08
            batch_id=b, line=1, region_code="4101", phone_hash=phone, kind="close", exposed_on=(MIDNIGHT + 3 * DAY).date()))
        filing(late, origin_region_code="410102")
        db.session.commit()
        refresh_people([person(held)], ARRIVED)
        set_by_hand(person(held), "red", "待核实", ARRIVED, by_id=None, jurisdiction=None, until=ARRIVED + 2 * DAY)

        edges = [ARRIVED + HOUR, ARRIVED + 3 * HOUR, ARRIVED + 6 * HOUR, ARRIVED + DAY + 5 * HOUR,
                 MIDNIGHT + 2 * DAY, ARRIVED + 2 * DAY, MIDNIGHT + 3 * DAY, ARRIVED + 3 * DAY, ARRIVED + 4 * DAY, ARRIVED + 14 * DAY,
                 ARRIVED + 16 * DAY, MIDNIGHT + 17 * DAY, ARRIVED + 17 * DAY + 3 * HOUR]
        nows = [ARRIVED] + sorted({edge + shift for edge in edges for shift in (-SECOND, 0 * SECOND, SECOND)})
        for now in nows:
            if now == ARRIVED + 2 * DAY + SECOND:                              # rows added with no event
                sampled(late, b, ARRIVED + 2 * DAY, "positive")
                filing(newcomer, status="arrived", arrived_at=ARRIVED + 2 * DAY, filed_at=ARRIVED + 2 * DAY)
                db.session.commit()
            recompute_all(now)
            assert what_a_full_run_would_change(now) == [], now
            if now == ARRIVED + 3 * DAY - SECOND:
                middle = dict(db.session.execute(select(HealthCode.person_hash, HealthCode.colour)).all())
        assert [middle[person(n)] for n in (traveller, cleared, close, secondary, other, declared, through, positive,
                                            held, late, newcomer, phoned)] == [
            "yellow", "green", "red", "green", "green", "yellow", "yellow", "green", "yellow", "red", "yellow", "red"]
        runs = db.session.scalars(select(HealthCodeRun.full).order_by(HealthCodeRun.id)).all()
        assert runs[0] and not any(runs[1:])
        colours = dict(db.session.execute(select(HealthCode.person_hash, HealthCode.colour)).all())
        assert [colours[person(n)] for n in (traveller, close, declared, through, positive, newcomer)] == [
            "green", "green", "green", "green", "red", "green"]


def test_each_code_keeps_the_next_moment_it_may_change(app, monkeypatch):
    monkeypatch.setitem(app.config, "HEALTH_CODE_FULL_EVERY_DAYS", 20)
    with app.app_context():
        traveller, local = resident_id(sequence=650), resident_id(sequence=651)
        filing(traveller, status="arrived", arrived_at=ARRIVED)
        filing(local, origin_region_code="410102", arrived_at=ARRIVED - 30 * DAY, status="arrived")
        db.session.commit()
        assert recompute_all(ARRIVED) == 2
        recheck = dict(db.session.execute(select(HealthCodeRecheck.person_hash, HealthCodeRecheck.recheck_at)).all())
        assert recheck == {person(traveller): ARRIVED + 14 * DAY}   # the arrival's window ends; nothing waits for the other

        assert recompute_all(ARRIVED + DAY) == 0                      # nobody due, no rows added
        run = db.session.scalar(select(HealthCodeRun).order_by(HealthCodeRun.id.desc()).limit(1))
        assert not run.full and json.loads(run.marks)["filing"] == db.session.scalar(select(func.max(Filing.id)))
        assert recompute_all(ARRIVED + 15 * DAY) == 1                 # the traveller's window ended
        assert db.session.scalar(select(HealthCode.rule).where(HealthCode.person_hash == person(traveller))) == "no_risk"
        assert db.session.scalar(select(func.count()).select_from(HealthCodeRecheck)) == 0
        assert recompute_all(ARRIVED, full=False) == 1               # back in time: everyone decided again
        assert last_run_full()
        recompute_all(ARRIVED + 7 * DAY - SECOND)
        assert not last_run_full()
        monkeypatch.setitem(app.config, "HEALTH_CODE_FULL_EVERY_DAYS", 7)
        recompute_all(ARRIVED + 7 * DAY)                              # a week after the last full run
        assert last_run_full()


def last_run_full() -> bool:
    return db.session.scalar(select(HealthCodeRun.full).order_by(HealthCodeRun.id.desc()).limit(1))


def test_a_full_run_writes_only_the_next_moments_that_differ(app):
    """Everyone decided again (``full``): the next moments kept are compared with those
    computed, and only the rows that differ are written (millions stay as they are)."""
    with app.app_context():
        traveller, local, stranger = (resident_id(sequence=660 + n) for n in range(3))
        filing(traveller, status="arrived", arrived_at=ARRIVED)
        filing(local, status="arrived", arrived_at=ARRIVED - 3 * DAY)
        db.session.commit()
        recompute_all(ARRIVED)
        expected = {person(traveller): ARRIVED + 14 * DAY, person(local): ARRIVED + 11 * DAY}
        assert rechecks() == expected
        db.session.execute(HealthCodeRecheck.__table__.update().where(
            HealthCodeRecheck.person_hash == person(local)).values(recheck_at=ARRIVED + DAY))    # differs
        db.session.execute(HealthCodeRecheck.__table__.insert().values(
            person_hash=person(stranger), recheck_at=ARRIVED + DAY))                          # nothing waits for them
        db.session.commit()
        with rows_written_to("health_code_recheck") as written:
            recompute_all(ARRIVED, full=True)
        assert rechecks() == expected
        assert written == {"DELETE": 2, "INSERT": 1}
        with rows_written_to("health_code_recheck") as written:
            recompute_all(ARRIVED, full=True)
        assert written == {"DELETE": 0, "INSERT": 0}


def rechecks() -> dict:
    return dict(db.session.execute(select(HealthCodeRecheck.person_hash, HealthCodeRecheck.recheck_at)).all())


@contextmanager
def rows_written_to(table_name: str):
    """{statement verb: rows} of the DELETEs and INSERTs of ``table_name`` run inside."""
    written = {}

    def count(_conn, cursor, statement, *_args):
        verb = statement.split()[0].upper()
        if verb in ("DELETE", "INSERT") and f" {table_name} " in f" {statement.split(None, 3)[2]} ":
            written[verb] = written.get(verb, 0) + max(cursor.rowcount, 0)
    event.listen(db.engine, "after_cursor_execute", count)
    try:
        yield written
    finally:
        event.remove(db.engine, "after_cursor_execute", count)


def test_everyone_decided_in_parts_as_in_one_pass(app, monkeypatch):
    """The province split into ranges of the hash (``HEALTH_CODE_PARTS``; on PostgreSQL
    each decided on a connection of its own at the same time) gives the codes, history
    and next moments of one pass over everyone: on the first run and on a full run later."""
    with app.app_context():
        b = batch()
        people = [resident_id(sequence=700 + n) for n in range(10)]
        traveller, cleared, close, secondary, other, declared, through, positive, local, phoned = people
        filing(traveller, status="arrived", arrived_at=ARRIVED)
        filing(cleared, status="arrived", arrived_at=ARRIVED)
        sampled(cleared, b, ARRIVED - 20 * HOUR)
        sampled(cleared, b, ARRIVED + 5 * HOUR)
        filing(close, origin_region_code="410102")
        feed_row(FeedContact, close, b, kind="close", exposed_on=(MIDNIGHT - 2 * DAY).date())
        feed_row(FeedContact, secondary, b, kind="secondary", exposed_on=(MIDNIGHT - 3 * DAY).date())
        feed_row(FeedCodeState, other, b, colour="yellow", as_of=ARRIVED - DAY)
        declaration(declared, ARRIVED - DAY)
        filing(through, origin_region_code="410103", arrived_at=ARRIVED - DAY, status="arrived")
        db.session.add(RiskArea(region_code="410103001", level="high", effective_from=ARRIVED - 2 * DAY))
        sampled(positive, b, ARRIVED - DAY, "positive")
        filing(local, origin_region_code="410102", arrived_at=ARRIVED - 3 * DAY, status="arrived")
        phone = db.session.scalar(select(Filing.phone_hash).where(Filing.id == filing(phoned, origin_region_code="410102")))
        db.session.execute(FeedContact.__table__.insert().values(
            batch_id=b, line=1, region_code="4101", phone_hash=phone, kind="close", exposed_on=(MIDNIGHT - DAY).date()))
        db.session.commit()
        hashes = sorted(person(n) for n in people)
        assert hashes[0] < "80" <= hashes[-1]                                   # people in both halves

        split = []
        monkeypatch.setattr(rules, "_decide_everyone_in_parts", lambda *args: split.append(args) or in_parts_of(*args))

        def decided(parts, now):
            monkeypatch.setitem(app.config, "HEALTH_CODE_PARTS", parts)
            assert not db.session().in_transaction()
            recompute_all(now, full=True)
            return state()

        one_pass, in_parts = decided(1, ARRIVED), (forget_codes(), decided(2, ARRIVED))[1]
        assert in_parts == one_pass and len(one_pass[0]) == 10
        assert split == ([] if dialects.of(db.session).ONE_WRITER else [(ARRIVED, 2)])
        # A week later, everyone decided again in parts over the codes kept, as in one pass.
        week = ARRIVED + 7 * DAY
        in_parts = decided(2, week)
        forget_codes()
        decided(1, ARRIVED)
        assert decided(1, week) == in_parts
        # Each range decided alone gives the same as well (SQLite decides in one pass).
        forget_codes()
        for part in hash_ranges(3):
            with db.session.begin():
                _write_changes(None, ARRIVED, part)
        assert state() == one_pass


in_parts_of = rules._decide_everyone_in_parts


def forget_codes():
    for model in (HealthCode, HealthCodeChange, HealthCodeRecheck, HealthCodeRun):
        db.session.execute(model.__table__.delete())
    db.session.commit()


def state():
    """The codes, their history and the next moments, as comparable rows."""
    codes = db.session.execute(select(HealthCode.person_hash, HealthCode.colour, HealthCode.rule,
                                      HealthCode.changed_at, HealthCode.expires_at, HealthCode.region_code)
                               .order_by(HealthCode.person_hash)).all()
    history = db.session.execute(select(HealthCodeChange.person_hash, HealthCodeChange.colour,
                                        HealthCodeChange.previous_colour, HealthCodeChange.rule,
                                        HealthCodeChange.inputs, HealthCodeChange.changed_at)
                                 .order_by(HealthCodeChange.person_hash, HealthCodeChange.changed_at)).all()
    result = codes, history, rechecks()
    db.session.commit()
    return result
