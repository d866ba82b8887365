"""Benchmark: prepare the daily reports of one day for every community of Henan
(52,378) with N filings in the database, on PostgreSQL. Target: under 30 s at 1M.

    python bench/daily_reports.py --filings 1000000            # the figure for the note
    python bench/daily_reports.py --filings 100000 --runs 2    # a quick check

It creates its own database (``--database-url``, default bench_reports on 127.0.0.1),
loads all regions, and inserts the filings with set-based SQL (generate_series): spread
over ``--days`` days, more of them in busy (urban, low-code) communities, with arrivals,
risk areas, checks, control measures and a few transfers. Data is kept between runs
(``--reload`` starts over). Each timed run deletes the day's reports and prepares them
again through the job (scheduler.jobs.daily_report_job); a last run times the
idempotent no-op.
"""
import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_reports"
FIRST_DAY = dt.date(2026, 1, 1)
BATCH = 200_000

# One statement per batch. Placeholders: the batch's first and last serial, the number
# of days. Community: a skewed pick among communities ordered by code (power 1.6 puts
# more filings in the low codes: Zhengzhou, the cities' central districts).
INSERT_FILINGS = """
WITH communities AS (
    SELECT code, (row_number() OVER (ORDER BY code) - 1)::int AS idx FROM region WHERE level = 5
), n AS (SELECT count(*)::int AS total FROM communities),
draws AS (
    SELECT g, LEAST(n.total - 1, floor(n.total * power(random(), 1.6))::int) AS idx,
           random() AS r_day, random() AS r_arrive, random() AS r_risk, random() AS r_check,
           random() AS r_control, random() AS r_hours
    FROM generate_series(%(first)s::bigint, %(last)s::bigint) g, n
), shaped AS (
    SELECT d.*, c.code,
           TIMESTAMP '{first_day}' - INTERVAL '8 hours' + d.r_day * %(days)s * INTERVAL '1 day' AS filed_at
    FROM draws d JOIN communities c ON c.idx = d.idx
), timed AS (
    SELECT s.*, s.filed_at + (1 + floor(s.r_hours * 5)) * INTERVAL '1 day' AS expected_at,
           s.r_arrive < 0.7 AS arrived
    FROM shaped s
)
INSERT INTO filing (receipt, token_hash, status, channel, name, id_type, id_number_enc,
    id_number_hash, id_number_masked, origin_country, origin_region_code, expected_arrival_at,
    transport_mode, destination_region_code, destination_address, fever, cough, fatigue,
    risk_area_14d, abroad_14d, close_contact_14d, commitment, late_notice, is_backfill,
    edit_count, filed_at, updated_at, check_count, last_checked_at, arrived_at,
    control_measure, control_start, control_end)
SELECT 'B' || lpad(g::text, 11, '0'), md5(g::text),
       CASE WHEN arrived THEN 'arrived' WHEN r_check < 0.8 THEN 'not_arrived' ELSE 'submitted' END,
       'web', 'bench', 'resident_id', 'bench', md5('id' || g), '410105********0000', 'CN', '440305',
       expected_at, 'train', code, 'bench', false, false, false, r_risk < 0.05, false, false, true,
       false, false, 0, filed_at, filed_at,
       CASE WHEN r_check < 0.8 THEN 1 ELSE 0 END,
       CASE WHEN r_check < 0.8 THEN expected_at + r_hours * INTERVAL '12 hours' END,
       CASE WHEN arrived THEN expected_at + r_hours * INTERVAL '6 hours' END,
       CASE WHEN arrived AND r_control < 0.3 THEN 'home_quarantine'
            WHEN arrived AND r_control < 0.4 THEN 'health_monitoring' END,
       CASE WHEN arrived AND r_control < 0.4 THEN expected_at END,
       CASE WHEN arrived AND r_control < 0.4 THEN expected_at + 14 * INTERVAL '1 day' END
FROM timed
"""
INSERT_CHECKS = """
INSERT INTO filing_check (filing_id, region_code, method, arrived, arrived_at, tested, checked_at)
SELECT id, destination_region_code, 'phone', arrived_at IS NOT NULL, arrived_at, false, last_checked_at
FROM filing WHERE check_count > 0
"""
# One filing in a hundred came from the community before it in code order.
INSERT_TRANSFERS = """
WITH communities AS (SELECT code, lag(code) OVER (ORDER BY code) AS previous FROM region WHERE level = 5)
INSERT INTO filing_transfer (filing_id, from_region_code, to_region_code, reason, at)
SELECT f.id, c.previous, f.destination_region_code, 'bench', f.filed_at + INTERVAL '2 hours'
FROM filing f JOIN communities c ON c.code = f.destination_region_code
WHERE mod(f.id, 100) = 0 AND c.previous IS NOT NULL
"""


def plain_url(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def ensure_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    server = plain_url(url).rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(server, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
            print(f"created database {name}")


def make_app(url: str):
    os.environ.setdefault("INSTANCE_DIR", str(ROOT / "bench" / "out" / "instance"))
    from app import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SETUP_ON_START": True})


def load(url: str, filings: int, days: int, reload: bool) -> None:
    from app.core.cli import Progress
    from app.core.extensions import db
    from app.regions.service import load_seed_regions
    from sqlalchemy import text

    if db.session.execute(text("SELECT count(*) FROM region WHERE level = 5")).scalar() < 50_000:
        started = time.monotonic()
        load_seed_regions(Progress("regions"))
        print(f"regions loaded in {time.monotonic() - started:.1f}s")
    db.session.commit()
    have = db.session.execute(text("SELECT count(*) FROM filing")).scalar()
    db.session.commit()  # the TRUNCATE below, on another connection, would wait for this one
    if have == filings and not reload:
        print(f"{have} filings already there")
        return
    with psycopg.connect(plain_url(url), autocommit=True) as conn:
        conn.execute("TRUNCATE filing_check, filing_transfer, filing_revision, daily_report, "
                     "escalation, job_run, filing RESTART IDENTITY CASCADE")
        progress, started = Progress("filings"), time.monotonic()
        conn.execute("SELECT setseed(0.42)")
        sql = INSERT_FILINGS.format(first_day=FIRST_DAY.isoformat())
        for first in range(1, filings + 1, BATCH):
            last = min(filings, first + BATCH - 1)
            conn.execute(sql, {"first": first, "last": last, "days": days})
            progress(last, filings)
        conn.execute(INSERT_CHECKS)
        conn.execute(INSERT_TRANSFERS)
        conn.execute("ANALYZE")
        counts = conn.execute("SELECT (SELECT count(*) FROM filing), (SELECT count(*) FROM filing_check), "
                              "(SELECT count(*) FROM filing_transfer)").fetchone()
        print(f"loaded {counts[0]} filings, {counts[1]} checks, {counts[2]} transfers "
              f"in {time.monotonic() - started:.1f}s")


def time_job(day: dt.date, runs: int) -> None:
    from sqlalchemy import case, delete, func, select

    from app.core.clock import at_local_time
    from app.core.extensions import db
    from app.reporting.compliance import recount_report_compliance
    from models import DailyReport, JobRun
    from scheduler.jobs import daily_report_job

    now = at_local_time(day + dt.timedelta(days=1), "08:00")
    timings = []
    for run in range(runs):
        db.session.execute(delete(DailyReport).where(DailyReport.report_date == day))
        db.session.execute(delete(JobRun).where(JobRun.run_key == day.isoformat()))
        recount_report_compliance([day])  # the reports went by plain SQL: the summary follows
        started = time.perf_counter()
        prepared = daily_report_job(day, now)
        timings.append(time.perf_counter() - started)
        print(f"run {run + 1}: {prepared} reports prepared in {timings[-1]:.2f}s")
    started = time.perf_counter()
    again = daily_report_job(day, now)
    print(f"again (idempotent): {again} prepared in {time.perf_counter() - started:.2f}s")
    totals = db.session.execute(select(func.count(), func.sum(DailyReport.new_filings),
                                       func.sum(DailyReport.arrivals), func.sum(DailyReport.checks),
                                       func.sum(DailyReport.under_control),
                                       func.sum(case((DailyReport.zero_report, 1), else_=0)))
                                .where(DailyReport.report_date == day)).one()
    print(f"day {day}: {totals[0]} reports; new filings {totals[1]}, arrivals {totals[2]}, "
          f"checks {totals[3]}, under control {totals[4]}, zero reports {totals[5]}")
    print(f"median {statistics.median(timings):.2f}s over {runs} runs (target < 30 s)")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--filings", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=60, help="days the filings are spread over")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--reload", action="store_true", help="delete and insert the filings again")
    args = parser.parse_args()

    ensure_database(args.database_url)
    app = make_app(args.database_url)
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    with app.app_context():
        load(args.database_url, args.filings, args.days, args.reload)
        time_job(FIRST_DAY + dt.timedelta(days=args.days // 2), args.runs)
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
