"""The checkpoint's scan in one process (Flask's test client: the app's own cost, no
network, no gunicorn): ``POST /api/v1/checkpoint/scan`` per second, half by receipt and
half by ID number, each a province-wide look-up (the filing, the colour, the region's
name) and the pass's insert, with FILINGS filings in the province; then the rollup's
passes per checkpoint and day (one GROUP BY) over all the passes logged.

    python bench/checkpoint_scan.py                                   # SQLite (a scratch file)
    python bench/checkpoint_scan.py --url postgresql+psycopg://postgres@127.0.0.1:5432/bench_checkpoints
"""
import argparse
import base64
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

KEY = base64.urlsafe_b64encode(b"c" * 32).decode()
PASSWORD = "Bench-Checkpoint-2026"
DESTINATIONS = ("410105001003", "410105001006", "410102001002", "410202001009")


def resident_id(n: int) -> str:
    from app.core.identity import resident_id_check_char

    first17 = f"410105{1950 + n % 60}0{1 + n % 9}{10 + n % 18}{n % 1000:03d}"
    return first17 + resident_id_check_char(first17)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", help="database URL (default: a scratch SQLite file)")
    parser.add_argument("--filings", type=int, default=5000)
    parser.add_argument("--scans", type=int, default=1000)
    args = parser.parse_args()
    url = args.url or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    if url.startswith("postgresql"):
        from bench.healthcode import ensure_database
        ensure_database(url)
    from sqlalchemy import select, text

    from app import create_app
    from app.core.accounts import create_user
    from app.core.extensions import db
    from app.filings import service as filings
    from app.regions.service import import_regions
    from app.stats import rollups
    from models.base import utcnow
    from models.checkpoint import Checkpoint
    from models.filing import Filing
    from models.user import ConsoleUser

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-" + "x" * 32, "FIELD_ENCRYPTION_KEY": KEY,
                      "SETUP_ON_START": True, "RATELIMIT_ENABLED": False, "TESTING": True})
    now = utcnow()
    with app.test_request_context():
        for table in ("checkpoint_pass", "checkpoint_staff", "checkpoint", "notification", "filing_revision",
                      "audit_log", "filing"):
            db.session.execute(text(f"DELETE FROM {table}"))
        db.session.commit()
        import_regions(ROOT / "tests" / "data" / "regions.csv")
        if db.session.scalar(select(ConsoleUser.id).where(ConsoleUser.username == "bench_checkpoint")) is None:
            create_user("bench_checkpoint", PASSWORD, "Checkpoint", "4101")
        arrival = now + dt.timedelta(days=1)
        started = time.monotonic()
        for first in range(0, args.filings, 500):
            people = [{"name": "张三", "id_type": "resident_id", "id_number": resident_id(n), "phone": f"138{n:08d}",
                       "origin_country": "CN", "origin_region_code": "440305",
                       "expected_arrival_at": arrival.replace(tzinfo=dt.timezone.utc).isoformat(),
                       "transport_mode": "train", "destination_region_code": DESTINATIONS[n % len(DESTINATIONS)],
                       "destination_address": "体育路1号", "commitment": True}
                      for n in range(first, min(first + 500, args.filings))]
            filings.create_filings(db.session.connection(), people, now=now, channel="import", jurisdiction=None)
        print(f"filings stored: {args.filings} in {time.monotonic() - started:.1f} s", flush=True)
        site = Checkpoint(name="郑州东站", kind="railway", region_code="410105", active=True)
        site.staff = [db.session.scalar(select(ConsoleUser).where(ConsoleUser.username == "bench_checkpoint"))]
        db.session.add(site)
        db.session.commit()
        site_id = site.id
        receipts = list(db.session.scalars(select(Filing.receipt).order_by(Filing.id).limit(args.scans)))
    client = app.test_client()
    token = client.post("/api/v1/security/login", json={"username": "bench_checkpoint", "password": PASSWORD,
                                                        "provider": "db"}).json["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    scanned = [receipts[n % len(receipts)] if n % 2 == 0 else resident_id(n % args.filings) for n in range(args.scans)]
    started = time.monotonic()
    for text_ in scanned:
        answer = client.post("/api/v1/checkpoint/scan", json={"checkpoint_id": site_id, "scanned": text_},
                             headers=headers)
        assert answer.status_code == 201, answer.get_data(as_text=True)
    seconds = time.monotonic() - started
    print(f"scans (API, one process): {args.scans} in {seconds:.2f} s = {args.scans / seconds:.0f} scans/s, "
          f"{seconds / args.scans * 1000:.1f} ms each", flush=True)
    with app.test_request_context():
        today = now.date()
        span = rollups.DateRange(today - dt.timedelta(days=1), today + dt.timedelta(days=1))
        started = time.monotonic()
        counted = rollups.checkpoint_passes("4101", span, jurisdiction="4101")
        print(f"rollup of the passes: {counted['passes']} passes counted in "
              f"{(time.monotonic() - started) * 1000:.1f} ms", flush=True)


if __name__ == "__main__":
    main()
