"""Cross-matching at scale: import N test results and match them against M filings.

    python bench/matching.py                              # 20,000 tests against 100,000 filings
    python bench/matching.py --tests 100000 --filings 500000
    python bench/matching.py --full                       # the issue's 1,000,000 against 5,000,000

PostgreSQL only (``--url``, default database ``bench_matching`` on 127.0.0.1, created when
missing). Loads M filings (COPY; 60 % arrived in the last 20 days, with the keyed hash
of a valid resident ID number) unless that many are there already, writes a CSV of N
test results with the template's Chinese headers (90 % of them people with a filing,
0.5 % positive), then times:
  import    read, check, encrypt and hash every row, store them (one batch, no matching)
  match     every rule, as of one fixed time (the findings are new)
  re-match  the same again: nothing new
Each run starts from no feed rows and no findings.
"""
import argparse
import base64
import csv
import datetime as dt
import io
import os
import random
import sys
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

NOW = dt.datetime(2026, 3, 10, 2, 0)
BIRTH = dt.date(1950, 1, 1)
COMMUNITIES = ("410105001003", "410105001006", "410105001007", "410102001002", "410102001003")
KEY = base64.urlsafe_b64encode(b"m" * 32).decode()
FILING_COLUMNS = ("receipt", "token_hash", "status", "channel", "name", "id_type", "id_number_enc", "id_number_hash",
                  "id_number_masked", "origin_country", "origin_region_code", "departure_at", "expected_arrival_at",
                  "transport_mode", "destination_region_code", "destination_address", "fever", "cough", "fatigue",
                  "risk_area_14d", "abroad_14d", "close_contact_14d", "commitment", "late_notice", "is_backfill",
                  "edit_count", "filed_at", "updated_at", "check_count", "arrived_at")


def plain_url(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def ensure_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(plain_url(url).rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
            print(f"created database {name}")


def person(i: int) -> str:
    """The i-th valid resident ID number (1000 a birth day)."""
    from app.core.identity import resident_id_check_char

    first17 = f"410105{BIRTH + dt.timedelta(days=i // 1000):%Y%m%d}{i % 1000:03d}"
    return first17 + resident_id_check_char(first17)


def arrival_of(i: int) -> dt.datetime:
    return NOW - dt.timedelta(days=20) + dt.timedelta(seconds=(i * 7919) % (20 * 86400))


def load_filings(url: str, count: int) -> None:
    from app.cli import Progress
    from app.core.identity import lookup_hash, mask_id_number

    with psycopg.connect(plain_url(url), autocommit=True) as conn:
        if conn.execute("SELECT count(*) FROM filing").fetchone()[0] == count:
            print(f"{count} filings already there")
            return
        conn.execute("TRUNCATE filing_check, filing_transfer, filing_revision, filing RESTART IDENTITY CASCADE")
        progress, started = Progress("filings"), time.monotonic()
        with conn.cursor().copy(f"COPY filing ({', '.join(FILING_COLUMNS)}) FROM STDIN") as copy:
            for i in range(count):
                number, arrival = person(i), arrival_of(i)
                arrived = i % 5 < 3
                copy.write_row((
                    f"B{i:012d}", "x" * 64, "arrived" if arrived else "submitted", "web", "测试", "resident_id", "x",
                    lookup_hash(number), mask_id_number(number), "CN", "440305", arrival - dt.timedelta(hours=5),
                    arrival, "train", COMMUNITIES[i % len(COMMUNITIES)], "测试路1号", False, False, False, False,
                    False, False, True, False, False, 0, arrival - dt.timedelta(days=4),
                    arrival - dt.timedelta(days=4), 1 if arrived else 0, arrival if arrived else None))
                if i % 10000 == 0:
                    progress(i, count)
        progress(count, count)
        conn.execute("ANALYZE filing")
        print(f"loaded {count} filings in {time.monotonic() - started:.1f}s")


def tests_file(tests: int, filings: int) -> bytes:
    rng, out = random.Random(42), io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["身份证号", "姓名", "采样时间", "检测结果", "检测机构"])
    for n in range(tests):
        i = rng.randrange(filings) if rng.random() < 0.9 else filings + n
        sampled = arrival_of(i) + dt.timedelta(minutes=rng.randrange(0, 72 * 60))
        result = "阳性" if rng.random() < 0.005 else "阴性"
        writer.writerow([person(i), "王五", (sampled + dt.timedelta(hours=8)).strftime("%Y-%m-%d %H:%M"), result, "金域"])
    return out.getvalue().encode()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tests", type=int, default=20_000)
    parser.add_argument("--filings", type=int, default=100_000)
    parser.add_argument("--full", action="store_true", help="1,000,000 tests against 5,000,000 filings")
    parser.add_argument("--url", default="postgresql+psycopg://postgres@127.0.0.1:5432/bench_matching")
    args = parser.parse_args()
    if args.full:
        args.tests, args.filings = 1_000_000, 5_000_000
    ensure_database(args.url)
    os.environ.setdefault("INSTANCE_DIR", str(ROOT / "bench" / "out" / "instance"))
    from app import create_app

    data_limit = 200 * args.tests + 1024
    app = create_app({"SQLALCHEMY_DATABASE_URI": args.url, "SETUP_ON_START": True, "FIELD_ENCRYPTION_KEY": KEY,
                      "IMPORT_MAX_CONTENT_LENGTH": max(data_limit, 10 * 1024 * 1024),
                      "IMPORT_MAX_UNCOMPRESSED_MB": 1024})
    with app.app_context():
        from sqlalchemy import text

        from app.cli import Progress
        from app.core.extensions import db
        from app.crossmatch import feeds
        from app.crossmatch.matching import match

        feeds.MAX_FILE_ROWS = max(feeds.MAX_FILE_ROWS, args.tests)
        load_filings(args.url, args.filings)
        db.session.execute(text("TRUNCATE finding, feed_test_result, feed_contact, feed_arrival_push, risk_area, "
                                "feed_batch RESTART IDENTITY CASCADE"))
        db.session.commit()
        data = tests_file(args.tests, args.filings)
        print(f"{args.tests} test results ({len(data) / 1e6:.1f} MB CSV) against {args.filings} filings")

        started = time.monotonic()
        outcome = feeds.import_feed("test_result", jurisdiction=None, data=data, filename="tests.csv", now=NOW,
                                    progress=Progress("import"), then_match=False)
        took = time.monotonic() - started
        assert not outcome.refused, outcome.rejected[:5]
        print(f"import    {took:7.1f} s  {outcome.batch.accepted / took:9.0f} rows/s")

        started = time.monotonic()
        raised = match(NOW)
        print(f"match     {time.monotonic() - started:7.1f} s  new findings {sum(raised.values())}: {raised}")
        started = time.monotonic()
        again = match(NOW)
        print(f"re-match  {time.monotonic() - started:7.1f} s  new findings {sum(again.values())}")


if __name__ == "__main__":
    main()
