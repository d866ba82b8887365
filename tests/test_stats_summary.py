"""The summary tables follow every filing write through the hook and always equal a
direct count of the filings."""
import datetime as dt

from sqlalchemy import select

from app.core.extensions import db
from app.filings.events import filings_changed
from app.core.clock import local_date as arrival_day
from app.stats.summary import rebuild_summaries, verify_summaries
from models.stats import StatsBreakdown, StatsDaily
from tests.filing_writes import FILING, change_filing, check_filing, create_filing, delete_filing, filing_values

DAY = dt.date(2026, 2, 10)


def _daily(level, code, day=DAY):
    row = db.session.execute(select(StatsDaily).where(
        StatsDaily.level == level, StatsDaily.region_code == code, StatsDaily.day == day)).scalar()
    return row


def _summary_tables():
    return (sorted(tuple(r) for r in db.session.execute(select(StatsDaily.__table__)).all() if any(r[3:])),
            sorted(tuple(r) for r in db.session.execute(select(StatsBreakdown.__table__)).all() if r[-1]))


def test_arrival_day_is_the_local_day(app):
    with app.app_context():
        assert arrival_day(dt.datetime(2026, 2, 9, 15, 59)) == dt.date(2026, 2, 9)
        assert arrival_day(dt.datetime(2026, 2, 9, 16, 0)) == dt.date(2026, 2, 10)


def test_every_kind_of_change_keeps_the_summaries_equal_to_a_count(app):
    with app.app_context():
        first = create_filing()
        second = create_filing(risk_area_14d=True, late_notice=True, transport_mode="flight",
                               origin_region_code="440305")
        third = create_filing(destination_region_code="410102001002", origin_country="US",
                              origin_region_code=None)
        assert verify_summaries(db.session) == []
        assert (_daily(5, "410105001003").filings, _daily(4, "410105001").filings,
                _daily(3, "410105").filings) == (2, 2, 2)
        assert _daily(5, "410105001003").risk_area == 1

        check_filing(first["id"], control_measure="home_quarantine")
        assert _daily(5, "410105001003").under_control == 1
        change_filing(first["id"], status="closed")  # control ended
        change_filing(second["id"], destination_region_code="410105002001")  # transfer
        change_filing(third["id"], expected_arrival_at=dt.datetime(2026, 2, 12, 3))  # edit
        change_filing(third["id"], status="cancelled")
        assert verify_summaries(db.session) == []
        community = _daily(5, "410105001003")
        assert (community.filings, community.checked, community.closed, community.under_control) == (1, 1, 1, 0)
        assert _daily(3, "410105").filings == 2  # the transfer stayed in the county
        assert _daily(5, "410105002001").risk_area == 1
        assert _daily(3, "410102", dt.date(2026, 2, 12)).cancelled == 1

        delete_filing(second["id"])
        assert verify_summaries(db.session) == []
        db.session.commit()


def test_breakdowns_count_origins_and_transport_above_the_township(app):
    with app.app_context():
        create_filing(origin_region_code="440305", transport_mode="flight")
        create_filing(origin_region_code="440306", transport_mode="train")
        create_filing(origin_country="US", origin_region_code=None, transport_mode="flight")
        create_filing(status="cancelled")
        rows = db.session.execute(select(StatsBreakdown.kind, StatsBreakdown.value, StatsBreakdown.filings)
                                  .where(StatsBreakdown.level == 1, StatsBreakdown.region_code == "41")).all()
        assert sorted(rows) == [("o", "4403", 2), ("o", "US", 1), ("t", "flight", 2), ("t", "train", 1)]
        assert verify_summaries(db.session) == []


def test_a_batch_equals_single_changes_and_a_rebuild(app):
    with app.app_context():
        rows = [filing_values(destination_region_code=code, status=status, check_count=checks,
                              control_measure=measure)
                for code in ("410105001003", "410105001006", "410202001009")
                for status, checks, measure in (("submitted", 0, None), ("arrived", 1, "health_monitoring"),
                                                ("not_arrived", 1, "none"), ("cancelled", 0, None))]
        db.session.execute(FILING.insert(), rows)
        filings_changed(db.session, [(None, row) for row in rows])
        from_hook = _summary_tables()
        rebuild_summaries(db.session)
        assert _summary_tables() == from_hook
        db.session.rollback()


def test_verify_finds_a_summary_that_drifted(app):
    with app.app_context():
        create_filing()
        db.session.execute(StatsDaily.__table__.update().where(StatsDaily.level == 4).values(filings=5))
        problems = verify_summaries(db.session)
        assert len(problems) == 1 and "410105001" in problems[0]
        assert verify_summaries(db.session, "410102") == []
        rebuild_summaries(db.session)
        assert verify_summaries(db.session) == []
        db.session.rollback()


def test_concurrent_writers_lose_no_count_and_never_deadlock(app):
    """Eight writers at once on the same rows (one community, one day; transfers both
    ways between two communities): every change is counted exactly once."""
    import threading

    from tests.conftest import IS_POSTGRES

    if not IS_POSTGRES:
        return  # SQLite has one writer at a time
    errors = []

    def writer(number):
        with app.app_context():
            try:
                for step in range(15):
                    filing = create_filing(destination_region_code="410105001003")
                    db.session.commit()
                    check_filing(filing["id"], control_measure="home_quarantine")
                    change_filing(filing["id"], destination_region_code="410105001006" if step % 2 else "410105002001")
                    db.session.commit()
            except Exception as error:  # reported below
                errors.append(error)
                db.session.rollback()
            finally:
                db.session.remove()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with app.app_context():
        assert errors == []
        assert verify_summaries(db.session) == []
        assert _daily(3, "410105").filings == 8 * 15
