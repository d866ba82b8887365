"""One scheduler per database (the lock, tested directly), the schedule itself, the
catch-up after downtime, and the ``flask jobs`` commands."""
import datetime as dt

import pytest
from sqlalchemy import func, select, text

from app.core.extensions import db
from models import DailyReport, Escalation, JobRun
from scheduler import jobs
from app.core.dialects.postgresql import AdvisoryLock
from app.core.dialects.sqlite import FileLock
from scheduler.lock import lock_for
from scheduler.runner import Guard, build_scheduler
from tests.report_fixtures import COMMUNITIES, DAY, DUE, PREPARED_AT, report_of

NEXT_DAY = DAY + dt.timedelta(days=1)
ONE_DAY = dt.timedelta(days=1)


@pytest.fixture
def locks(app):
    made = []

    def make():
        lock = lock_for(app.config["SQLALCHEMY_DATABASE_URI"], app.instance_path)
        made.append(lock)
        return lock
    yield make
    for lock in made:
        lock.release()


def test_lock_kind_follows_the_database(app, tmp_path):
    assert isinstance(lock_for("postgresql+psycopg://u@h/db", tmp_path), AdvisoryLock)
    lock = lock_for(f"sqlite:///{tmp_path}/console.db", tmp_path)
    assert isinstance(lock, FileLock) and lock.path == tmp_path / "console.db.scheduler.lock"


def test_a_second_scheduler_does_not_run_jobs(app, locks):
    first, second = Guard(app, locks()), Guard(app, locks())
    ran = []
    assert first.run("job", lambda now: ran.append("first")) is None and ran == ["first"]
    assert second.run("job", lambda now: ran.append("second")) is None
    assert ran == ["first"] and second.holding is False
    # Still standing by while the first one lives; it takes over once the first one stops.
    second.watch()
    assert second.holding is False
    first.lock.release()
    assert second.run("job", lambda now: ran.append("second")) is None
    assert ran == ["first", "second"] and second.holding is True
    assert first.run("job", lambda now: ran.append("first again")) is None
    assert ran == ["first", "second"]


def test_taking_over_catches_up(app, locks, monkeypatch):
    import scheduler.runner as runner

    caught_up = []
    monkeypatch.setattr(runner, "catch_up_everything", caught_up.append)
    guard = Guard(app, locks())
    guard.watch()
    guard.watch()  # already holding: nothing to catch up
    assert len(caught_up) == 1


def test_the_schedule_runs_each_job_at_its_configured_time(app, locks):
    scheduler = build_scheduler(app, Guard(app, locks()))
    triggers = {job.id: str(job.trigger) for job in scheduler.get_jobs()}
    assert set(triggers) == {"daily_report", "deadline", "escalate", "distribution", "outbox", "lock_watch",
                             "planner_statistics", "fold_summaries", "audit_seal", "retention", "visit_retention",
                             "matching", "ledger_imports", "follow_ups", "health_codes"}
    assert "hour='0', minute='10'" in triggers["health_codes"]
    assert "0:00:10" in triggers["fold_summaries"] and "0:00:10" in triggers["audit_seal"]
    assert "hour='3', minute='30'" in triggers["planner_statistics"]
    assert "hour='2', minute='30'" in triggers["retention"]
    assert "hour='2', minute='30'" in triggers["visit_retention"]
    assert "hour='8', minute='0'" in triggers["daily_report"]
    assert "hour='10', minute='0'" in triggers["deadline"]
    assert "0:30:00" in triggers["distribution"] and "0:15:00" in triggers["escalate"]
    assert "1:00:00" in triggers["matching"] and "0:01:00" in triggers["ledger_imports"]
    assert "1:00:00" in triggers["follow_ups"]
    assert str(scheduler.timezone) == "Asia/Shanghai"


def _reports_of(day):
    return db.session.scalar(select(func.count()).select_from(DailyReport).where(DailyReport.report_date == day))


def test_catch_up_after_a_day_of_downtime_prepares_the_missed_day_once(app):
    with app.app_context():
        # Running normally: at 08:00 on DAY + 1 the report of DAY is prepared.
        assert jobs.catch_up(PREPARED_AT)["daily_report"] == [DAY]
        assert _reports_of(DAY) == len(COMMUNITIES)
        # Down from then until the afternoon of DAY + 2: DAY + 1's report was never made.
        restart = PREPARED_AT + ONE_DAY + dt.timedelta(hours=7)
        assert jobs.catch_up(restart)["daily_report"] == [NEXT_DAY]
        assert _reports_of(NEXT_DAY) == len(COMMUNITIES)
        # Prepared after its deadline, it still gives the officers the usual two hours.
        assert report_of("410105001003", NEXT_DAY).due_at == restart + dt.timedelta(hours=2)
        # Catching up again (each run catches up) prepares nothing more.
        assert jobs.catch_up(restart + dt.timedelta(minutes=5))["daily_report"] == []
        assert _reports_of(NEXT_DAY) == len(COMMUNITIES)
        assert db.session.scalar(select(func.count()).select_from(JobRun).where(
            JobRun.job == "daily_report", JobRun.run_key == NEXT_DAY.isoformat())) == 1
        # The next morning's regular run is just that day.
        assert jobs.catch_up(PREPARED_AT + 2 * ONE_DAY)["daily_report"] == [NEXT_DAY + ONE_DAY]


def test_catch_up_before_the_report_time_waits_for_it(app):
    with app.app_context():
        assert jobs.catch_up(PREPARED_AT - dt.timedelta(minutes=1))["daily_report"] == [DAY - ONE_DAY]
        assert _reports_of(DAY) == 0


def test_catch_up_is_bounded(app):
    with app.app_context():
        jobs.catch_up(PREPARED_AT)
        days = jobs.catch_up(PREPARED_AT + 100 * ONE_DAY)["daily_report"]
        assert len(days) == app.config["CATCH_UP_MAX_DAYS"] and days[-1] == DAY + 100 * ONE_DAY


def test_flask_jobs_commands(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["jobs", "daily-report", "--date", DAY.isoformat(), "--now", "2026-03-02T08:00"])
    assert result.exit_code == 0, result.output
    assert f"{len(COMMUNITIES)} prepared" in result.output
    assert "0 prepared" in runner.invoke(args=["jobs", "daily-report", "--date", DAY.isoformat()]).output
    # --now is local time: 10:00 in Asia/Shanghai is the deadline.
    result = runner.invoke(args=["jobs", "escalate", "--now", "2026-03-02T10:00"])
    assert result.exit_code == 0, result.output
    assert f"township {len(COMMUNITIES)}" in result.output
    result = runner.invoke(args=["jobs", "escalate", "--now", "2026-03-02T02:00:00Z"])
    assert "township 0" in result.output
    with app.app_context():
        assert {e.deadline_at for e in db.session.scalars(select(Escalation))} == {DUE}
    assert runner.invoke(args=["jobs", "escalate", "--now", "yesterday"]).exit_code != 0
    result = runner.invoke(args=["jobs", "distribute", "--now", "2026-03-02T10:00"])
    assert result.exit_code == 0 and "0 filings" in result.output
    result = runner.invoke(args=["jobs", "catch-up", "--now", "2026-03-02T10:00"])
    assert result.exit_code == 0 and "daily_report: nothing missed" in result.output


def test_the_nightly_job_gives_the_planner_statistics(app):
    from app.core import dialects
    from scheduler.jobs import planner_statistics_job
    from tests.report_fixtures import PREPARED_AT, add_filing

    with app.app_context():
        for _ in range(3):
            add_filing("410105001003", PREPARED_AT)
        db.session.commit()
        planner_statistics_job(PREPARED_AT)
        # The planner now knows the filing table holds 3 rows.
        if dialects.of().NAME == "sqlite":
            # The statistics of the database's tables are main.sqlite_stat1. Once a
            # temporary table was analysed on a connection (the health codes' recompute
            # analyses its work table, app.healthcode.rules), that connection also has a
            # temp.sqlite_stat1, which the bare name reads first: the test read that one
            # when the pool handed it such a connection.
            db.session.execute(text("CREATE TEMP TABLE analysed_here (n INTEGER PRIMARY KEY)"))
            db.session.execute(text("INSERT INTO analysed_here VALUES (1)"))
            db.session.execute(text("ANALYZE analysed_here"))
            db.session.execute(text("DROP TABLE analysed_here"))
            rows = db.session.scalar(text("SELECT stat FROM main.sqlite_stat1 WHERE tbl = 'filing' "
                                          "AND idx = 'ix_filing_dest_arrival'")).split()[0]
        else:
            rows = db.session.scalar(text("SELECT reltuples FROM pg_class WHERE relname = 'filing'"))
        assert int(rows) == 3
