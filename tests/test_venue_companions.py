"""Space-time companions 时空伴随: a positive test result makes its person red; whoever
scanned the same venue within ±2 h of their scans (their last 14 days) becomes a
``companion`` finding of the community owning them and turns yellow; nobody outside the
window, at another venue, or too long ago; undoing the test batch withdraws them."""
import datetime as dt

from sqlalchemy import select

from app.core.extensions import db
from app.crossmatch.feeds import import_feed, undo_batch
from app.healthcode.codes import current_code, person_hash_of, record_colour
from app.venues import companions, scans
from models.crossmatch import Finding
from tests.filing_data import resident_id
from tests.test_venues import OTHER_IN_TOWNSHIP, OWN, make_venue

SCANNED = dt.datetime(2026, 3, 5, 2, 0)   # 10:00 local
HOUR, MINUTE, DAY = dt.timedelta(hours=1), dt.timedelta(minutes=1), dt.timedelta(days=1)
NOW = SCANNED + DAY


def test_companions_within_the_window_turn_yellow_and_others_not(app):
    shop, pharmacy = make_venue(app)["code"], make_venue(app, name="大药房", type_="pharmacy")["code"]
    case, *people = (resident_id(sequence=n) for n in range(20, 27))
    after, before, too_late, elsewhere, long_ago, case_twin = people
    with app.app_context():
        hashes = {n: person_hash_of(n) for n in [case, *people]}
        record_colour(hashes[before], "green", "no_risk", SCANNED - DAY, region_code=OTHER_IN_TOWNSHIP + "01")
        db.session.commit()
        for id_number, code, at in [
                (case, shop, SCANNED), (after, shop, SCANNED + HOUR), (before, shop, SCANNED - 119 * MINUTE),
                (too_late, shop, SCANNED + 121 * MINUTE), (elsewhere, pharmacy, SCANNED),
                (case, pharmacy, SCANNED - 20 * DAY), (long_ago, pharmacy, SCANNED - 20 * DAY + HOUR),
                (after, shop, SCANNED + 90 * MINUTE)]:  # twice the same day: one finding
            assert scans.record_scan(code, hashes[id_number], at) is not None
        outcome = import_feed("test_result", jurisdiction=None, now=NOW, rows=[
            {"id_number": case, "sampled_at": (SCANNED + 2 * HOUR).isoformat() + "+00:00", "result": "positive"},
            {"id_number": case_twin, "sampled_at": (SCANNED + 2 * HOUR).isoformat() + "+00:00",
             "result": "negative"}])
        assert current_code(hashes[case], NOW).colour == "red"
        found = {f.person_hash: f for f in db.session.scalars(select(Finding).where(Finding.kind == "companion"))}
        assert set(found) == {hashes[after], hashes[before]}
        assert found[hashes[after]].region_code == OWN  # no code of theirs: the venue's community
        assert found[hashes[before]].region_code == OTHER_IN_TOWNSHIP  # their code's community
        assert found[hashes[after]].event_at == SCANNED + HOUR and found[hashes[after]].episode == "2026-03-05"
        assert found[hashes[after]].batch_id == outcome.batch.id
        for id_number in (after, before):
            code = current_code(hashes[id_number], NOW)
            assert (code.colour, code.rule) == ("yellow", "companion")
        for id_number in (too_late, elsewhere, long_ago):
            assert current_code(hashes[id_number], NOW).colour is None
        # Searching again finds the same and adds nothing.
        assert companions.after_test_results(outcome.batch.id, NOW) == 0
        undo_batch(outcome.batch.id, jurisdiction=None, user_id=None, now=NOW + HOUR)
        assert db.session.scalar(select(Finding.id).where(Finding.kind == "companion")) is None
        assert current_code(hashes[after], NOW + HOUR).colour != "yellow"
        assert current_code(hashes[before], NOW + HOUR).colour == "green"


def test_a_negative_result_finds_no_companions(app):
    shop = make_venue(app)["code"]
    healthy, visitor = resident_id(sequence=30), resident_id(sequence=31)
    with app.app_context():
        for id_number in (healthy, visitor):
            scans.record_scan(shop, person_hash_of(id_number), SCANNED)
        import_feed("test_result", jurisdiction=None, now=NOW, rows=[
            {"id_number": healthy, "sampled_at": SCANNED.isoformat() + "+00:00", "result": "negative"}])
        assert db.session.scalar(select(Finding.id).where(Finding.kind == "companion")) is None


def test_staff_setting_red_by_hand_finds_the_companions_too(app):
    """No positive test in any feed: an officer sets the case red by hand with a reason;
    whoever scanned the same venue within the window turns yellow as a companion. A
    yellow or green set by hand searches nobody."""
    from app.healthcode.by_hand import set_colour_by_hand

    shop = make_venue(app)["code"]
    case, visitor, other_case, other_visitor = (resident_id(sequence=n) for n in range(40, 44))
    with app.app_context():
        hashes = {n: person_hash_of(n) for n in (case, visitor, other_case, other_visitor)}
        for id_number in (case, other_case):
            record_colour(hashes[id_number], "green", "no_risk", SCANNED - DAY, region_code=OWN)
        db.session.commit()
        for id_number, at in ((case, SCANNED), (visitor, SCANNED + HOUR), (other_case, SCANNED - 3 * DAY),
                              (other_visitor, SCANNED - 3 * DAY + HOUR)):
            scans.record_scan(shop, hashes[id_number], at)
        set_colour_by_hand(hashes[other_case], "yellow", "待复核", NOW, by_id=None, jurisdiction=None)
        assert db.session.scalar(select(Finding.id).where(Finding.kind == "companion")) is None
        set_colour_by_hand(hashes[case], "red", "外省通报确诊", NOW, by_id=None, jurisdiction=None)
        found = db.session.scalars(select(Finding).where(Finding.kind == "companion")).all()
        assert [(f.person_hash, f.event_at) for f in found] == [(hashes[visitor], SCANNED + HOUR)]
        code = current_code(hashes[visitor], NOW)
        assert (code.colour, code.rule) == ("yellow", "companion")
        assert current_code(hashes[case], NOW).colour == "red"     # the case stays as set
        assert current_code(hashes[other_visitor], NOW).colour is None
