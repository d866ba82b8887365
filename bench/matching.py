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
  colours   then, after its commit (as its job does), the health codes of the people it names
  match     every rule, as of one fixed time (the findings are new)
  re-match  the same again: nothing new
Each run starts from no feed rows, no findings and no health codes (each person the
tests name gets one: the most the colour refresh writes). The import's stages are timed
too: read, check, store (encrypt, hash, COPY).
"""
import argparse
import base64
import csv
import datetime as dt
import functools
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

    first17 = f"410105{birthday(i // 1000)}{i % 1000:03d}"
    return first17 + resident_id_check_char(first17)


@functools.lru_cache(maxsize=None)
def birthday(n: int) -> str:
    return f"{BIRTH + dt.timedelta(days=n):%Y%m%d}"


def arrival_of(i: int) -> dt.datetime:
    return NOW - dt.timedelta(days=20) + dt.timedelta(seconds=(i * 7919) % (20 * 86400))


PERSON_SQL = """'410105' || to_char(DATE '1950-01-01' + (i / 1000)::int, 'YYYYMMDD') || lpad((i %% 1000)::text, 3, '0')"""
CHECK_SQL = """substr('10X98765432', (SELECT sum(substr(first17, k, 1)::int
               * (ARRAY[7,9,10,5,8,4,2,1,6,3,7,9,10,5,8,4,2])[k]) FROM generate_series(1, 17) k)::int %% 11 + 1, 1)"""
ARRIVAL_SQL = "TIMESTAMP '{now}' - INTERVAL '20 days' + make_interval(secs => (i * 7919) %% (20 * 86400))"


def load_filings(url: str, count: int) -> None:
    """M filings made by the database itself (generate_series; the keyed hash by pgcrypto's
    HMAC with the same derived key as app.core.identity), in parts with progress."""
    from app.core.cli import Progress
    from app.core.identity import _keys

    hash_key = _keys(KEY)[1]
    arrival = ARRIVAL_SQL.format(now=NOW.isoformat(sep=" "))
    with psycopg.connect(plain_url(url), autocommit=True) as conn:
        if conn.execute("SELECT count(*) FROM filing").fetchone()[0] == count:
            print(f"{count} filings already there")
            return
        conn.execute("CREATE EXTENSION IF NOT EXISTS pgcrypto")
        conn.execute("TRUNCATE filing_check, filing_transfer, filing_revision, filing RESTART IDENTITY CASCADE")
        progress, started, part = Progress("filings"), time.monotonic(), 250_000
        for low in range(0, count, part):
            conn.execute(f"""
                INSERT INTO filing ({', '.join(FILING_COLUMNS)})
                SELECT 'B' || lpad(i::text, 12, '0'), repeat('x', 64),
                       CASE WHEN i %% 5 < 3 THEN 'arrived' ELSE 'submitted' END, 'web', '测试', 'resident_id', 'x',
                       encode(hmac(convert_to(first17 || {CHECK_SQL}, 'UTF8'), %(key)s, 'sha256'), 'hex'),
                       left(first17, 3) || repeat('*', 11) || right(first17, 3) || {CHECK_SQL},
                       'CN', '440305', arrival - INTERVAL '5 hours', arrival, 'train',
                       (%(communities)s::text[])[i %% {len(COMMUNITIES)} + 1], '测试路1号',
                       false, false, false, false, false, false, true, false, false, 0,
                       arrival - INTERVAL '4 days', arrival - INTERVAL '4 days',
                       CASE WHEN i %% 5 < 3 THEN 1 ELSE 0 END, CASE WHEN i %% 5 < 3 THEN arrival END
                FROM (SELECT i, {PERSON_SQL} AS first17, {arrival} AS arrival
                      FROM generate_series(%(low)s::bigint, %(high)s::bigint) i) g""",
                         {"key": hash_key, "communities": list(COMMUNITIES), "low": low,
                          "high": min(low + part, count) - 1})
            progress(min(low + part, count), count)
        conn.execute("ANALYZE filing")
        print(f"loaded {count} filings in {time.monotonic() - started:.1f}s")


COVERED = dt.timedelta(days=3, hours=12)   # how far back the test feed goes
FIRST_TESTED, SECOND_TESTED, POSITIVE = 0.93, 0.88, 0.005


def tests_file(tests: int, filings: int) -> bytes:
    """The test results of the last COVERED days, as a lab feed has them: of the people
    who arrived then (their check recorded), FIRST_TESTED were sampled within 20 h of
    arriving and SECOND_TESTED of those again one or two days later (when that is
    before NOW); the rest of the rows are people without a filing (locals tested). In
    sampling order, POSITIVE of them positive."""
    rng, samples = random.Random(42), []
    first = NOW - COVERED
    for i in range(filings):
        arrival = arrival_of(i)
        if i % 5 >= 3 or arrival < first or rng.random() >= FIRST_TESTED:
            continue
        sampled = arrival + dt.timedelta(minutes=rng.randrange(10, 20 * 60))
        if sampled <= NOW:
            samples.append((sampled, i))
        again = sampled + dt.timedelta(days=rng.choice((1, 2)), minutes=rng.randrange(-120, 120))
        if again <= NOW and rng.random() < SECOND_TESTED:
            samples.append((again, i))
    rng.shuffle(samples)
    samples = samples[:tests]
    samples += [(first + dt.timedelta(seconds=rng.randrange(int(COVERED.total_seconds()))), filings + n)
                for n in range(tests - len(samples))]
    samples.sort()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["身份证号", "姓名", "采样时间", "检测结果", "检测机构"])
    for sampled, i in samples:
        result = "阳性" if rng.random() < POSITIVE else "阴性"
        writer.writerow([person(i), "王五", (sampled + dt.timedelta(hours=8)).strftime("%Y-%m-%d %H:%M"), result, "金域"])
    return out.getvalue().encode()


def saved_tests_file(tests: int, filings: int) -> bytes:
    """The test file, made once per size (making it is not what is measured)."""
    path = ROOT / "bench" / "out" / f"tests_{tests}_{filings}.csv"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(tests_file(tests, filings))
    return path.read_bytes()


def timed_stages(feeds) -> dict:
    """The import's stages, each timed as it runs (read, check, store)."""
    stages = {}

    def timed(stage, function):
        def run(*args, **kwargs):
            started = time.monotonic()
            try:
                return function(*args, **kwargs)
            finally:
                stages[stage] = stages.get(stage, 0) + time.monotonic() - started
        return run

    for stage, name in (("read", "file_rows"), ("check", "check_rows"), ("store", "_store_rows")):
        setattr(feeds, name, timed(stage, getattr(feeds, name)))
    return stages


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tests", type=int, default=20_000)
    parser.add_argument("--filings", type=int, default=100_000)
    parser.add_argument("--full", action="store_true", help="1,000,000 tests against 5,000,000 filings")
    parser.add_argument("--url", default="postgresql+psycopg://postgres@127.0.0.1:5432/bench_matching")
    parser.add_argument("--load-only", action="store_true", help="make the filings, then stop")
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

        from app.core.cli import Progress
        from app.core.extensions import db
        from app.crossmatch import feeds
        from app.crossmatch.matching import match

        feeds.MAX_FILE_ROWS = max(feeds.MAX_FILE_ROWS, args.tests)
        load_filings(args.url, args.filings)
        if args.load_only:
            return
        print("vacuum and analyze the filings (autovacuum's part; not timed)")
        with psycopg.connect(plain_url(args.url), autocommit=True) as conn:
            conn.execute("VACUUM (ANALYZE) filing")
        db.session.execute(text("TRUNCATE finding, feed_test_result, feed_contact, feed_arrival_push, risk_area, "
                                "feed_batch, health_code, health_code_change RESTART IDENTITY CASCADE"))
        db.session.commit()
        data = saved_tests_file(args.tests, args.filings)
        print(f"{args.tests} test results ({len(data) / 1e6:.1f} MB CSV) against {args.filings} filings")

        stages = timed_stages(feeds)
        started, cpu = time.monotonic(), time.process_time()
        # As a job imports a big file: the rows commit, then the colours are decided.
        outcome = feeds.import_feed("test_result", jurisdiction=None, data=data, filename="tests.csv", now=NOW,
                                    progress=Progress("import"), then_match=False, colours_after_commit=True)
        took = time.monotonic() - started
        assert not outcome.refused, outcome.rejected[:5]
        print(f"import    {took:7.1f} s  {outcome.batch.accepted / took:9.0f} rows/s"
              f"  (this process's CPU {time.process_time() - cpu:.1f} s; load average {os.getloadavg()[0]:.1f})")
        print("          " + ", ".join(f"{stage} {seconds:.1f} s" for stage, seconds in stages.items())
              + f", the rest {took - sum(stages.values()):.1f} s")
        started = time.monotonic()
        feeds.refresh_colours(outcome.batch.id, NOW)
        print(f"colours   {time.monotonic() - started:7.1f} s  right after the import's commit, the health codes of "
              f"the people it names  (load average {os.getloadavg()[0]:.1f})")

        started = time.monotonic()
        raised = match(NOW)
        print(f"match     {time.monotonic() - started:7.1f} s  new findings {sum(raised.values())}: {raised}"
              f"  (load average {os.getloadavg()[0]:.1f})")
        started = time.monotonic()
        again = match(NOW)
        print(f"re-match  {time.monotonic() - started:7.1f} s  new findings {sum(again.values())}"
              f"  (load average {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
