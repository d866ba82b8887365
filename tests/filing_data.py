"""Test data for filings: valid resident ID numbers, report bodies, and filings stored
through the service with an explicit clock."""
import datetime as dt
import itertools

from app.filings import service as filings
from app.core.extensions import db
from app.core.identity import resident_id_check_char
from app.core.clock import to_local
from models import Filing
from models.base import utcnow

OWN_COMMUNITY = "410105001003"      # officer's
NEIGHBOUR_COMMUNITY = "410105001006"  # officer_b's, same township
OTHER_COUNTY_COMMUNITY = "410102001002"  # officer2's
_sequence = itertools.count(100)


def resident_id(birth="19900307", sequence=None, region="410105") -> str:
    """A valid 18-character resident ID (GB 11643 check character computed)."""
    first17 = f"{region}{birth}{sequence if sequence is not None else next(_sequence):03d}"
    return first17 + resident_id_check_char(first17)


def iso(value: dt.datetime) -> str:
    """A stored (naive UTC) time as the API takes it: local time with its offset."""
    return to_local(value).isoformat()


def report(now=None, days_ahead=5, **overrides) -> dict:
    """A valid report body arriving ``days_ahead`` days after ``now``."""
    now = now or utcnow()
    arrival = (now + dt.timedelta(days=days_ahead)).replace(microsecond=0)
    body = {
        "name": "张三", "id_type": "resident_id", "id_number": resident_id(), "phone": "13812345678",
        "origin_country": "CN", "origin_region_code": "440305", "origin_address": "南山区科技园",
        "departure_at": iso(arrival - dt.timedelta(hours=6)), "expected_arrival_at": iso(arrival),
        "transport_mode": "train", "transport_no": "G802", "destination_region_code": OWN_COMMUNITY,
        "destination_address": "体育路1号院3号楼2单元401", "work_unit": "郑州大学",
        "fever": False, "cough": False, "fatigue": False, "risk_area_14d": False,
        "abroad_14d": False, "close_contact_14d": False, "commitment": True,
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


def store(app, now=None, channel="web", **overrides) -> filings.Created:
    """A filing stored through the service as of ``now`` (default: the real clock)."""
    now = now or utcnow()
    with app.test_request_context():
        with db.engine.begin() as conn:
            return filings.create_filings(conn, [report(now=now, **overrides)], now=now, channel=channel,
                                          jurisdiction=None)[0]


def filing_row(app, filing_id) -> dict:
    with app.app_context():
        with db.engine.connect() as conn:
            row = conn.execute(db.select(Filing.__table__).where(Filing.id == filing_id)).mappings().first()
            return dict(row) if row else None


def count_filings(app) -> int:
    with app.app_context():
        return db.session.execute(db.select(db.func.count()).select_from(Filing)).scalar()
