"""The yardstick of bench/filing_throughput.py: a bare Flask endpoint that inserts the
same filing row with SQLAlchemy Core and does nothing else (no validation, no
encryption, no revision, audit or outbox). gunicorn bench.bare_filing_app:app"""
import hashlib
import os
import secrets
from datetime import datetime, timezone

from flask import Flask, jsonify, request
from sqlalchemy import create_engine

from bench.filing_throughput import BARE_CHANNEL
from models.filing import Filing

FILING = Filing.__table__
engine = create_engine(os.environ["DATABASE_URL"], pool_pre_ping=True)
app = Flask(__name__)
PLACEHOLDER = "x" * 60  # the size of an encrypted value
DEFAULTS = {"id_type": "resident_id", "origin_country": "CN", "fever": False, "cough": False,
            "fatigue": False, "risk_area_14d": False, "abroad_14d": False, "close_contact_14d": False}


@app.post("/bare/filings")
def insert_filing():
    body = request.get_json()
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    arrival = datetime.fromisoformat(body["expected_arrival_at"]).astimezone(timezone.utc).replace(tzinfo=None)
    row = {key: body.get(key, DEFAULTS.get(key)) for key in (
        "name", "id_type", "gender", "origin_country", "origin_region_code", "origin_address",
        "transport_mode", "transport_no", "transit", "destination_region_code", "destination_address",
        "work_unit", "fever", "cough", "fatigue", "other_symptoms", "risk_area_14d", "abroad_14d",
        "close_contact_14d", "commitment")}
    row.update(receipt=secrets.token_hex(5).upper(), token_hash=hashlib.sha256(b"t").hexdigest(),
               status="submitted", channel=BARE_CHANNEL, id_number_enc=PLACEHOLDER,
               id_number_hash=hashlib.sha256(body["id_number"].encode()).hexdigest(),
               id_number_masked=body["id_number"][:6] + "********", phone_enc=PLACEHOLDER,
               phone_masked=body["phone"][:3] + "****", expected_arrival_at=arrival,
               arrival_day=arrival.date(), late_notice=False, is_backfill=False, edit_count=0,
               check_count=0, filed_at=now, updated_at=now)
    with engine.begin() as conn:
        conn.execute(FILING.insert(), row)
    return jsonify({"receipt": row["receipt"]}), 201
