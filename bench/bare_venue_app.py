"""The yardstick of bench/venue_scan.py: a bare Flask route that inserts the same
venue_scan row with SQLAlchemy Core, one autocommit INSERT (committed alike), and does nothing else (no
device cookie checked, no colour read, no limit counted): the venue's id is looked up
once at start, the person is the hash of the cookie, the colour a constant.
gunicorn bench.bare_venue_app:app"""
import hashlib
import os
from datetime import datetime, timezone

from flask import Flask, jsonify, request
from sqlalchemy import create_engine, select

from models.venue import Venue, VenueScan

SCAN = VenueScan.__table__.insert()
# Committed as the real side commits (VENUE_SCAN_SYNCHRONOUS_COMMIT, default off).
SYNCHRONOUS = os.environ.get("VENUE_SCAN_SYNCHRONOUS_COMMIT", "0").lower() in ("1", "true", "yes", "on")
engine = create_engine(os.environ["DATABASE_URL"], isolation_level="AUTOCOMMIT",
                       connect_args={} if SYNCHRONOUS else {"options": "-c synchronous_commit=off"})
with engine.connect() as conn:
    VENUE_IDS = dict(conn.execute(select(Venue.code, Venue.id)).all())
engine.dispose()  # the workers fork after this: each opens its own connections
app = Flask(__name__)


@app.post("/bare/venues/<code>/scan")
def insert_scan(code):
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    person = hashlib.sha256(request.headers.get("Cookie", "").encode()).hexdigest()
    with engine.connect() as conn:
        conn.execute(SCAN, {"venue_id": VENUE_IDS[code], "person_hash": person, "scanned_at": now,
                            "colour": "green", "admitted": True})
    return jsonify({"colour": "green", "admitted": True})
