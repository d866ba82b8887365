"""The province's health codes decided again (app.healthcode.rules.recompute_all) at scale.

    python bench/healthcode.py                    # 1,000,000 people
    python bench/healthcode.py --people 5000000   # the issue's target: under 60 s

PostgreSQL only (``--url``, default database ``bench_healthcode`` on 127.0.0.1, created
when missing). Generates N people in SQL (generate_series), unless that many are there:
one filing each (half arrived from outside the province in the last 14 days, the others
older or from inside), negative tests after arrival for 70 % of the arrivals (on two
different days for most), 0.1 % positive, 1 % close or secondary contacts. Then times
from no codes at all:
  first      every code new (N codes and N history rows written)
  again      the same ``now``: nothing changes
  next day   a day later, after a day of changes (1 % new tests, 0.2 % new contacts,
             0.1 % new positives): the windows moved, only the changed codes are written
  check      the same ``now``, everyone decided again (``full``): nothing may change
The runs after the first decide again only the people due (app.healthcode.rules:
a moment of theirs passed, or rows of theirs were added).
"""
import argparse
import base64
import datetime as dt
import os
import sys
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.matching import ensure_database, plain_url  # noqa: E402  (one copy for the PostgreSQL benches)

NOW = dt.datetime(2026, 3, 20, 2, 0)
KEY = base64.urlsafe_b64encode(b"h" * 32).decode()
COMMUNITIES = "ARRAY['410105001003','410105001006','410105001007','410102001002','410102001003']"
PERSON = "encode(sha256(convert_to('p' || i, 'UTF8')), 'hex')"
# Person i's arrival: the even ones in the last 14 days from outside, the odd 20-40 days ago.
ARRIVAL = ("(TIMESTAMP '{now}' - CASE WHEN i %% 2 = 0 THEN (i %% 1209600) * INTERVAL '1 second' "
           "ELSE INTERVAL '20 days' + (i %% 1728000) * INTERVAL '1 second' END)")


def timed(label, work):
    started = time.monotonic()
    result = work()
    print(f"{label:<28}{time.monotonic() - started:8.1f} s", flush=True)
    return result


def generate(conn, people: int) -> None:
    """People 1..N, their filings, tests and contacts, written by the database itself."""
    arrival = ARRIVAL.format(now=NOW)
    conn.execute("TRUNCATE filing_check, filing_transfer, filing_revision, filing, feed_test_result, "
                 "feed_contact, feed_code_state, finding, feed_batch, health_code, health_code_change, "
                 "health_code_recheck, health_code_run, health_declaration RESTART IDENTITY CASCADE")
    conn.execute("INSERT INTO feed_batch (source, file_hash, region_code, imported_at, status, row_count, accepted, "
                 "rejected_count, findings_raised) VALUES ('test_result', 'bench', '41', %s, 'imported', 0, 0, 0, 0)",
                 (NOW,))
    timed("filings", lambda: conn.execute(f"""
        INSERT INTO filing (receipt, token_hash, status, channel, name, id_type, id_number_enc, id_number_hash,
            id_number_masked, origin_country, origin_region_code, expected_arrival_at, arrival_day, arrived_at,
            transport_mode, destination_region_code, destination_address, fever, cough, fatigue, risk_area_14d,
            abroad_14d, close_contact_14d, commitment, late_notice, is_backfill, edit_count, filed_at, updated_at,
            check_count)
        SELECT 'H' || lpad(i::text, 13, '0'), 'x', 'arrived', 'web', '测试', 'resident_id', 'x', {PERSON},
            '410***********1234', 'CN', CASE WHEN i %% 2 = 0 THEN '440305' ELSE '410102' END, a, a::date, a,
            'train', ({COMMUNITIES})[1 + i %% 5], '测试路1号', false, i %% 1000 = 7, false, false, false, false,
            true, false, false, 0, a - INTERVAL '2 days', a - INTERVAL '2 days', 0
        FROM (SELECT i, {arrival} AS a FROM generate_series(1, %s) AS i) AS person""", (people,)))
    timed("tests", lambda: conn.execute(f"""
        INSERT INTO feed_test_result (batch_id, line, region_code, id_number_enc, id_number_hash, id_number_masked,
            sampled_at, sampled_day, result)
        SELECT 1, i, '4101', 'x', {PERSON}, 'x', a + (n * 26 + i %% 5) * INTERVAL '1 hour',
            (a + (n * 26 + i %% 5) * INTERVAL '1 hour' + INTERVAL '8 hours')::date,
            CASE WHEN i %% 1000 = 3 THEN 'positive' ELSE 'negative' END
        FROM (SELECT i, {arrival} AS a FROM generate_series(1, %s) AS i) AS person
        CROSS JOIN generate_series(0, 1) AS n
        WHERE i %% 10 < 7 AND (n = 0 OR i %% 10 < 5)""", (people,)))
    timed("contacts", lambda: conn.execute(f"""
        INSERT INTO feed_contact (batch_id, line, region_code, id_number_enc, id_number_hash, id_number_masked,
            kind, exposed_on)
        SELECT 1, i, '410105001003', 'x', {PERSON}, 'x', CASE WHEN i %% 200 = 1 THEN 'close' ELSE 'secondary' END,
            (TIMESTAMP '{NOW}' - (i %% 20) * INTERVAL '1 day')::date
        FROM generate_series(1, %s) AS i WHERE i %% 100 = 1""", (people,)))
    timed("analyze", lambda: conn.execute("ANALYZE"))


def a_day_of_changes(conn, people: int, now: dt.datetime) -> None:
    """1 % new tests (a second one for many arrivals), 0.2 % new contacts, 0.1 % positives."""
    conn.execute(f"""
        INSERT INTO feed_test_result (batch_id, line, region_code, id_number_enc, id_number_hash, id_number_masked,
            sampled_at, sampled_day, result)
        SELECT 1, i, '4101', 'x', {PERSON}, 'x', TIMESTAMP '{now}' - INTERVAL '3 hours',
            (TIMESTAMP '{now}' + INTERVAL '5 hours')::date, CASE WHEN i %% 10 = 3 THEN 'positive' ELSE 'negative' END
        FROM generate_series(1, %s) AS i WHERE i %% 100 = 42""", (people,))
    conn.execute(f"""
        INSERT INTO feed_contact (batch_id, line, region_code, id_number_enc, id_number_hash, id_number_masked,
            kind, exposed_on)
        SELECT 1, i, '410105001003', 'x', {PERSON}, 'x', 'close', DATE '{(now - dt.timedelta(days=1)).date()}'
        FROM generate_series(1, %s) AS i WHERE i %% 500 = 17""", (people,))
    conn.execute("ANALYZE feed_test_result; ANALYZE feed_contact")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--url", default="postgresql+psycopg://postgres@127.0.0.1:5432/bench_healthcode")
    args = parser.parse_args()
    ensure_database(args.url)
    os.environ.setdefault("INSTANCE_DIR", str(ROOT / "bench" / "out" / "instance"))
    from app import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": args.url, "SETUP_ON_START": True, "FIELD_ENCRYPTION_KEY": KEY})
    with app.app_context():
        from sqlalchemy import func, select

        from app.core.extensions import db
        from app.healthcode.rules import recompute_all
        from models.healthcode import HealthCode

        with psycopg.connect(plain_url(args.url), autocommit=True) as conn:
            there = conn.execute("SELECT count(*) FROM filing WHERE receipt LIKE 'H%%'").fetchone()[0]
            if there != args.people:
                print(f"generating {args.people} people")
                generate(conn, args.people)
            else:
                conn.execute("TRUNCATE health_code, health_code_change, health_code_recheck, health_code_run "
                             "RESTART IDENTITY")
                conn.execute("DELETE FROM feed_test_result WHERE sampled_at > %s", (NOW,))
                conn.execute("DELETE FROM feed_contact WHERE exposed_on >= %s", (NOW.date(),))
                conn.execute("VACUUM ANALYZE health_code")
        print(f"{args.people} people, as of {NOW} UTC")
        changed = timed("first (every code new)", lambda: recompute_all(NOW))
        colours = dict(db.session.execute(select(HealthCode.colour, func.count()).group_by(HealthCode.colour)).all())
        print(f"  {changed} changed; colours {colours}")
        changed = timed("again (nothing changed)", lambda: recompute_all(NOW))
        print(f"  {changed} changed")
        tomorrow = NOW + dt.timedelta(days=1)
        with psycopg.connect(plain_url(args.url), autocommit=True) as conn:
            a_day_of_changes(conn, args.people, tomorrow)
        changed = timed("next day (a day of changes)", lambda: recompute_all(tomorrow))
        print(f"  {changed} changed")
        changed = timed("next day, everyone (check)", lambda: recompute_all(tomorrow, full=True))
        print(f"  {changed} changed (0: the nightly run decided as deciding everyone does)")


if __name__ == "__main__":
    main()
