"""Filing writes the way the filing service makes them: the row is inserted or updated
with SQLAlchemy Core and ``app.filings.events.filing_changed(conn, before, after)`` is
called in the same transaction with every column value before and after.

The statistics' tests write filings through these helpers until the filing service is
merged; then the same tests can run through the service."""
import datetime as dt
import itertools

from sqlalchemy import select

from app.core import identity
from app.core.extensions import db
from app.filings.events import filing_changed
from models.filing import Filing

_numbers = itertools.count(1)
FILING = Filing.__table__


def filing_values(**overrides) -> dict:
    """A complete, valid filing row (encrypted and masked person fields included)."""
    number = next(_numbers)
    id_number = "110101199003070019"
    phone = f"139{number:08d}"[:11]
    values = dict(
        receipt=identity.new_receipt(), token_hash=identity.token_hash(identity.new_token()),
        status="submitted", channel="web", name=f"测试{number}", id_type="resident_id",
        id_number_enc=identity.encrypt(id_number), id_number_hash=identity.lookup_hash(id_number),
        id_number_masked=identity.mask_id_number(id_number), phone_enc=identity.encrypt(phone),
        phone_hash=identity.lookup_hash(phone), phone_masked=identity.mask_phone(phone),
        origin_country="CN", origin_region_code="110101",
        expected_arrival_at=dt.datetime(2026, 2, 10, 4, 0), transport_mode="train",
        destination_region_code="410105001003", destination_address="体育路1号",
        fever=False, cough=False, fatigue=False, risk_area_14d=False, abroad_14d=False,
        close_contact_14d=False, commitment=True, late_notice=False, is_backfill=False,
        edit_count=0, filed_at=dt.datetime(2026, 2, 1, 2, 0), updated_at=dt.datetime(2026, 2, 1, 2, 0),
        check_count=0,
    )
    values.update(overrides)
    return values


def _row(conn, filing_id) -> dict:
    return dict(conn.execute(select(FILING).where(FILING.c.id == filing_id)).mappings().one())


def create_filing(conn=None, **overrides) -> dict:
    conn = conn or db.session
    filing_id = conn.execute(FILING.insert().values(**filing_values(**overrides))).inserted_primary_key[0]
    after = _row(conn, filing_id)
    filing_changed(conn, None, after)
    return after


def change_filing(filing_id, conn=None, **changes) -> dict:
    """Update columns of one filing (an edit, a check, a transfer, a cancellation)."""
    conn = conn or db.session
    before = _row(conn, filing_id)
    conn.execute(FILING.update().where(FILING.c.id == filing_id).values(**changes))
    after = _row(conn, filing_id)
    filing_changed(conn, before, after)
    return after


def check_filing(filing_id, arrived=True, control_measure="none", at=None, conn=None) -> dict:
    """An officer's check: status, check count and the control measure move together."""
    conn = conn or db.session
    count = _row(conn, filing_id)["check_count"]
    at = at or dt.datetime(2026, 2, 10, 8, 0)
    return change_filing(filing_id, conn, status="arrived" if arrived else "not_arrived",
                         check_count=count + 1, last_checked_at=at, arrived_at=at if arrived else None,
                         control_measure=control_measure)


def delete_filing(filing_id, conn=None) -> None:
    conn = conn or db.session
    before = _row(conn, filing_id)
    conn.execute(FILING.delete().where(FILING.c.id == filing_id))
    filing_changed(conn, before, None)
