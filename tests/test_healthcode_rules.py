"""The health code rules (app.healthcode.rules), each with a clock: yellow on entry from
outside the province, green after negative tests on two different days within 3 days,
red by a positive test or a close contact (14 days), the 14-day end of a self-declared
green, a colour set by hand and its end, the province's recompute idempotent."""
import datetime as dt

import pytest
from sqlalchemy import func, select

from app.core import identity
from app.core.errors import NotFound, ValidationFailed
from app.core.extensions import db
from app.crossmatch.feeds import import_feed, undo_batch
from app.healthcode.codes import current_code, history
from app.healthcode.rules import recompute_all, refresh_people, set_by_hand
from models import AuditLog, Filing
from models.healthcode import HealthCode, HealthCodeChange, HealthDeclaration
from tests.filing_data import resident_id
from tests.report_fixtures import add_filing

A = "410105001003"
ARRIVED = dt.datetime(2026, 3, 5, 2, 0)        # 10:00 local on 03-05
HOUR, DAY = dt.timedelta(hours=1), dt.timedelta(days=1)


def iso(moment: dt.datetime) -> str:
    return moment.isoformat() + "+00:00"


def person(id_number) -> str:
    return identity.lookup_hash(id_number)


def filing(id_number, community=A, **values) -> int:
    protected = identity.protect(id_number, identity.mask_id_number)
    values.setdefault("expected_arrival_at", ARRIVED)
    fid = add_filing(community, ARRIVED - 2 * DAY, id_number_enc=protected["enc"],
                     id_number_hash=protected["hash"], id_number_masked=protected["masked"], **values)
    db.session.commit()
    return fid


def import_tests(*rows, now):
    import_feed("test_result", jurisdiction=None, rows=[
        {"id_number": n, "sampled_at": iso(at), "result": result} for n, at, result in rows], now=now)


def colour(id_number, now):
    refresh_people([person(id_number)], now)
    return current_code(person(id_number), now).colour


def test_yellow_on_entry_green_after_negative_tests_on_two_days(app):
    with app.app_context():
        traveller = resident_id(sequence=1)
        filing(traveller, status="arrived", arrived_at=ARRIVED)
        assert colour(traveller, ARRIVED) == "yellow"
        assert current_code(person(traveller), ARRIVED).rule == "arrived_from_outside"
        import_tests((traveller, ARRIVED + 2 * HOUR, "negative"), now=ARRIVED + 3 * HOUR)
        assert colour(traveller, ARRIVED + 3 * HOUR) == "yellow"
        import_tests((traveller, ARRIVED + DAY + HOUR, "negative"), now=ARRIVED + DAY + 2 * HOUR)
        assert colour(traveller, ARRIVED + DAY + 2 * HOUR) == "green"
        why = history(person(traveller))
        assert [(c.colour, c.rule) for c in why] == [("green", "tests_after_arrival"),
                                                     ("yellow", "arrived_from_outside")]
        assert '"test_days": "2"' in why[0].inputs


def test_two_negatives_on_the_same_day_or_too_late_stay_yellow(app):
    with app.app_context():
        same_day, late = resident_id(sequence=2), resident_id(sequence=3)
        for n in (same_day, late):
            filing(n, status="arrived", arrived_at=ARRIVED)
        import_tests((same_day, ARRIVED + HOUR, "negative"), (same_day, ARRIVED + 5 * HOUR, "negative"),
              (late, ARRIVED + HOUR, "negative"), (late, ARRIVED + 3 * DAY + HOUR, "negative"),
              now=ARRIVED + 4 * DAY)
        assert colour(same_day, ARRIVED + 4 * DAY) == "yellow"
        assert colour(late, ARRIVED + 4 * DAY) == "yellow"


def test_inside_the_province_is_no_arrival(app):
    with app.app_context():
        local = resident_id(sequence=4)
        filing(local, origin_region_code="410102")
        assert colour(local, ARRIVED) == "green"


def test_red_by_positive_and_by_close_contact_for_14_days(app):
    with app.app_context():
        sick, contact, secondary = resident_id(sequence=5), resident_id(sequence=6), resident_id(sequence=7)
        filing(sick, origin_region_code="410102")
        import_tests((sick, ARRIVED, "positive"), now=ARRIVED + HOUR)
        assert colour(sick, ARRIVED + HOUR) == "red"
        exposed = dt.date(2026, 3, 1)
        import_feed("contact", jurisdiction=None, now=ARRIVED, rows=[
            {"id_number": contact, "kind": "close", "exposed_on": exposed.isoformat(), "region_code": A},
            {"id_number": secondary, "kind": "secondary", "exposed_on": exposed.isoformat(), "region_code": A}])
        assert colour(contact, ARRIVED) == "red"
        assert colour(secondary, ARRIVED) == "yellow"
        day_15 = dt.datetime(2026, 3, 16, 2, 0)
        assert colour(contact, day_15) == "green"      # known, nothing fires any more
        assert colour(secondary, day_15) == "green"
        assert colour(sick, day_15) == "red"          # until staff release it


def declare(id_number, at, fever=False):
    db.session.add(HealthDeclaration(
        person_hash=person(id_number), name="张三", id_number_enc="x", id_number_masked="x", phone_enc="x",
        phone_hash="p", phone_masked="x", declarant_phone_hash="p", fever=fever, cough=False, declared_at=at))
    db.session.commit()


def test_a_declared_green_lasts_14_days_and_fever_is_yellow(app):
    with app.app_context():
        declarant = resident_id(sequence=8)
        declare(declarant, ARRIVED)
        assert colour(declarant, ARRIVED) == "green"
        code = current_code(person(declarant), ARRIVED + 14 * DAY - HOUR)
        assert code.colour == "green" and code.rule == "declared"
        assert colour(declarant, ARRIVED + 14 * DAY) is None   # declare again
        declare(declarant, ARRIVED + 15 * DAY, fever=True)
        assert colour(declarant, ARRIVED + 15 * DAY) == "yellow"
        declare(declarant, ARRIVED + 16 * DAY)
        assert colour(declarant, ARRIVED + 16 * DAY) == "green"


def test_set_by_hand_until_a_date_or_the_next_rule(app):
    with app.app_context():
        sick, traveller = resident_id(sequence=9), resident_id(sequence=10)
        filing(sick, origin_region_code="410102")
        import_tests((sick, ARRIVED, "positive"), now=ARRIVED + HOUR)
        assert colour(sick, ARRIVED + HOUR) == "red"
        with pytest.raises(ValidationFailed):
            set_by_hand(person(sick), "green", " ", ARRIVED + 2 * HOUR, by_id=None, jurisdiction=None)
        with pytest.raises(NotFound):
            set_by_hand(person(sick), "green", "治愈出院", ARRIVED + 2 * HOUR, by_id=None, jurisdiction="410102")
        set_by_hand(person(sick), "green", "治愈出院", ARRIVED + 2 * HOUR, by_id=None, jurisdiction="4101")
        assert colour(sick, ARRIVED + 10 * DAY) == "green"    # released: the positive no longer counts
        assert db.session.scalar(select(func.count()).select_from(AuditLog).where(
            AuditLog.action == "set_colour")) == 1
        import_tests((sick, ARRIVED + 11 * DAY, "positive"), now=ARRIVED + 11 * DAY)
        assert colour(sick, ARRIVED + 11 * DAY) == "red"      # the next rule fires

        filing(traveller, status="arrived", arrived_at=ARRIVED)
        assert colour(traveller, ARRIVED) == "yellow"
        set_by_hand(person(traveller), "red", "密接待核实", ARRIVED + HOUR, by_id=None, jurisdiction=None,
                    until=ARRIVED + 2 * DAY)
        assert colour(traveller, ARRIVED + DAY) == "red"
        assert current_code(person(traveller), ARRIVED + DAY).manual
        assert colour(traveller, ARRIVED + 2 * DAY) == "yellow"     # the date passed: the rules decide


def test_recompute_is_idempotent(app):
    with app.app_context():
        people = [resident_id(sequence=20 + n) for n in range(4)]
        for n in people:
            filing(n, status="arrived", arrived_at=ARRIVED)
        import_tests((people[0], ARRIVED + HOUR, "positive"), now=ARRIVED + 2 * HOUR)
        db.session.query(HealthCode).delete()
        db.session.query(HealthCodeChange).delete()
        db.session.commit()
        now = ARRIVED + 2 * HOUR
        assert recompute_all(now) == 4
        assert recompute_all(now) == 0
        assert recompute_all(now + HOUR) == 0
        codes = dict(db.session.execute(select(HealthCode.person_hash, HealthCode.colour)).all())
        assert codes[person(people[0])] == "red" and codes[person(people[1])] == "yellow"
        assert db.session.scalar(select(HealthCode.region_code).where(
            HealthCode.person_hash == person(people[1]))) == A


# ---- events: the colour changes at once ------------------------------------------------------

def test_a_new_filing_turns_its_traveller_yellow_at_once(app):
    from tests.filing_data import OWN_COMMUNITY, report, store
    now = dt.datetime(2026, 3, 1, 2, 0)
    created = store(app, now=now, id_number=resident_id(sequence=40))
    local = store(app, now=now, id_number=resident_id(sequence=41), origin_region_code="410102")
    with app.app_context():
        traveller = db.session.scalar(select(HealthCode).join(
            Filing, Filing.id_number_hash == HealthCode.person_hash).where(Filing.id == created.id))
        assert (traveller.colour, traveller.rule, traveller.region_code) == (
            "yellow", "arrived_from_outside", OWN_COMMUNITY)
        stayed = db.session.scalar(select(HealthCode).join(
            Filing, Filing.id_number_hash == HealthCode.person_hash).where(Filing.id == local.id))
        assert (stayed.colour, stayed.rule) == ("green", "no_risk")
        assert history(traveller.person_hash)[0].rule == "arrived_from_outside"
    assert report  # the same body as every filing test


def test_a_test_batch_and_its_undo_change_the_colour(app):
    from app.crossmatch.feeds import undo_batch
    with app.app_context():
        sick = resident_id(sequence=42)
        filing(sick, origin_region_code="410102")
        outcome = import_feed("test_result", jurisdiction=None, now=ARRIVED, rows=[
            {"id_number": sick, "sampled_at": iso(ARRIVED - HOUR), "result": "positive"}])
        assert current_code(person(sick), ARRIVED).colour == "red"
        undo_batch(outcome.batch.id, jurisdiction=None, user_id=None, now=ARRIVED + HOUR)
        assert current_code(person(sick), ARRIVED + HOUR).colour == "green"


def test_the_nightly_job_and_its_command(app):
    from scheduler.jobs import health_codes_job
    with app.app_context():
        filing(resident_id(sequence=43), status="arrived", arrived_at=ARRIVED)
        db.session.query(HealthCode).delete()
        db.session.commit()
        assert health_codes_job(ARRIVED + HOUR) == 1
    result = app.test_cli_runner().invoke(args=["jobs", "health-codes", "--now", "2026-03-05T11:00:00+08:00"])
    assert result.exit_code == 0 and "0 changed" in result.output


def test_another_provinces_colour_counts_while_recent(app):
    from app.crossmatch.feeds import template, undo_batch
    with app.app_context():
        visitor, green_there = resident_id(sequence=44), resident_id(sequence=45)
        filing(visitor, origin_region_code="410102")
        filing(green_there, origin_region_code="410102")
        outcome = import_feed("code_state", jurisdiction=None, now=ARRIVED, rows=[
            {"id_number": visitor, "colour": "red", "as_of": iso(ARRIVED - HOUR), "province": "湖北"},
            {"id_number": green_there, "colour": "绿码", "as_of": iso(ARRIVED - HOUR), "province": "湖北"}])
        assert not outcome.refused, outcome.rejected
        assert current_code(person(visitor), ARRIVED).colour == "red"
        assert current_code(person(visitor), ARRIVED).rule == "other_province"
        assert current_code(person(green_there), ARRIVED).colour == "green"
        assert colour(visitor, ARRIVED + 8 * DAY) == "green"      # older than 7 days: no longer counts
        undo_batch(outcome.batch.id, jurisdiction=None, user_id=None, now=ARRIVED + HOUR)
        assert colour(visitor, ARRIVED + HOUR) == "green"
        assert template("code_state")[:2] == b"PK"


def test_a_check_with_a_positive_test_turns_red_at_once(app):
    from app.filings import service as filings
    from tests.filing_data import iso as local_iso, store
    now = dt.datetime(2026, 3, 1, 2, 0)
    created = store(app, now=now, id_number=resident_id(sequence=46))
    with app.test_request_context():
        filings.record_check(db.session.connection(), created.id, {
            "method": "phone", "arrived": True, "arrived_at": local_iso(now + HOUR), "tested": True,
            "test_at": local_iso(now + 2 * HOUR), "test_result": "positive"}, now=now + 3 * HOUR, jurisdiction=None)
        hashed = db.session.scalar(select(Filing.id_number_hash).where(Filing.id == created.id))
        code = current_code(hashed, now + 3 * HOUR)
        assert (code.colour, code.rule) == ("red", "positive")
        assert '"from": "check"' in history(hashed)[0].inputs


def test_a_new_filing_never_lowers_a_worse_colour(app):
    from tests.filing_data import store
    now = dt.datetime(2026, 3, 1, 2, 0)
    sick = resident_id(sequence=47)
    with app.app_context():
        import_tests((sick, now - DAY, "positive"), now=now)
        assert current_code(person(sick), now).colour == "red"
    store(app, now=now + HOUR, id_number=sick)
    with app.app_context():
        code = current_code(person(sick), now + HOUR)
        assert (code.colour, code.rule) == ("red", "positive")


def test_a_contact_known_only_by_phone_colours_the_person_whose_phone_it_is(app):
    """A contact row with a phone and no ID number: the filer and the ledger resident
    whose own phone it is take its colour (a proxy's phone is not theirs); undoing the
    batch takes it back; the nightly recompute decides the same."""
    from tests.ledger_data import make_tree

    with app.app_context():
        filer, proxied = resident_id(sequence=31), resident_id(sequence=32)
        filing(filer, origin_region_code="410102", phone_hash=identity.lookup_hash("13611112222"))
        filing(proxied, origin_region_code="410102", proxy_phone_hash=identity.lookup_hash("13633334444"))
        resident = make_tree("电话", A, 33).resident  # its own phone: 13912345678
        db.session.commit()
        resident_hash = resident.id_number_hash
        for id_number in (filer, proxied):
            assert colour(id_number, ARRIVED) == "green"
        exposed = dt.date(2026, 3, 1).isoformat()
        outcome = import_feed("contact", jurisdiction=None, now=ARRIVED, rows=[
            {"phone": "13611112222", "kind": "close", "exposed_on": exposed, "region_code": A},
            {"phone": "13912345678", "kind": "secondary", "exposed_on": exposed, "region_code": A},
            {"phone": "13633334444", "kind": "close", "exposed_on": exposed, "region_code": A},
            {"phone": "13655556666", "kind": "close", "exposed_on": exposed, "region_code": A}])
        # At once, by the batch's own refresh (no recompute yet).
        assert current_code(person(filer), ARRIVED).colour == "red"
        assert current_code(resident_hash, ARRIVED).colour == "yellow"
        assert current_code(person(proxied), ARRIVED).colour == "green"
        why = history(person(filer))[0]
        assert why.rule == "close_contact" and '"by": "phone"' in why.inputs
        assert recompute_all(ARRIVED) == 0                  # the province's run decides alike
        assert colour(filer, dt.datetime(2026, 3, 16, 2, 0)) == "green"   # 14 days after the exposure
        undo_batch(outcome.batch.id, jurisdiction=None, user_id=None, now=ARRIVED + HOUR)
        assert current_code(resident_hash, ARRIVED + HOUR).colour == "green"


def test_a_traveller_filing_after_a_contact_known_by_their_phone_turns_red_by_the_matching_job(app):
    """The contact (by phone alone) first, the filing with that phone after: on
    PostgreSQL the filing's one statement does not look for the contact, the matching
    job (every MATCHING_INTERVAL_MINUTES) decides the filer's colour again."""
    from scheduler import jobs
    from tests.filing_data import store

    now = dt.datetime(2026, 3, 3, 2, 0)
    with app.app_context():
        import_feed("contact", jurisdiction=None, now=now, rows=[
            {"phone": "13677778888", "kind": "close", "exposed_on": "2026-03-01", "region_code": A}])
    created = store(app, now=now, id_number=resident_id(sequence=34), phone="13677778888")
    with app.app_context():
        jobs.matching_job(now)
        code = db.session.scalar(select(HealthCode).join(
            Filing, Filing.id_number_hash == HealthCode.person_hash).where(Filing.id == created.id))
        assert (code.colour, code.rule) == ("red", "close_contact")
