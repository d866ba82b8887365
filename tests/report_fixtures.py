"""Rows for the reporting tests, written straight to the tables (the filing service
is not needed to count filings), and the clock of a hand-made day.

Local day 2026-03-01 (Asia/Shanghai) is [2026-02-28 16:00, 2026-03-01 16:00) UTC;
its report is prepared at 08:00 local on 03-02 (00:00 UTC) and due at 10:00 local
(02:00 UTC)."""
import datetime as dt
import itertools

from app.core import identity
from app.core.extensions import db
from models import DailyReport, Filing, FilingCheck, FilingTransfer

DAY = dt.date(2026, 3, 1)
DAY_START = dt.datetime(2026, 2, 28, 16, 0)          # 00:00 local on DAY, in UTC
DUE = dt.datetime(2026, 3, 2, 2, 0)                  # 10:00 local on DAY + 1
PREPARED_AT = dt.datetime(2026, 3, 2, 0, 0)          # 08:00 local on DAY + 1
COMMUNITIES = ["410102001002", "410102001003", "410102001004", "410105001003",
               "410105001006", "410105001007", "410105002001", "410105002003",
               "410105002004", "410202001009", "410202001011"]
_serial = itertools.count(1)


def local(hours: float, day: dt.date = DAY) -> dt.datetime:
    """``hours`` after local midnight of ``day``, as naive UTC."""
    return DAY_START + dt.timedelta(days=(day - DAY).days, hours=hours)


def add_filing(community: str, filed_at: dt.datetime, **values) -> int:
    """Insert one filing with every required column; returns its id."""
    n = next(_serial)
    id_number = identity.protect(f"41010519900101{n:04d}", identity.mask_id_number)
    phone = identity.protect(f"138{n:08d}", identity.mask_phone)
    row = dict(
        receipt=identity.new_receipt(), token_hash=identity.token_hash(f"token-{n}"),
        status="submitted", channel="web", name=f"测试{n}", id_type="resident_id",
        id_number_enc=id_number["enc"], id_number_hash=id_number["hash"],
        id_number_masked=id_number["masked"], phone_enc=phone["enc"], phone_hash=phone["hash"],
        phone_masked=phone["masked"], origin_country="CN", origin_region_code="440305",
        expected_arrival_at=filed_at + dt.timedelta(days=3), transport_mode="train",
        destination_region_code=community, destination_address="测试路1号",
        commitment=True, filed_at=filed_at, updated_at=filed_at, edit_count=0, check_count=0,
        fever=False, cough=False, fatigue=False, risk_area_14d=False, abroad_14d=False,
        close_contact_14d=False, late_notice=False, is_backfill=False)
    row.update(values)
    return db.session.execute(Filing.__table__.insert().values(**row)).inserted_primary_key[0]


def add_check(filing_id: int, community: str, checked_at: dt.datetime, **values) -> None:
    db.session.execute(FilingCheck.__table__.insert().values(
        filing_id=filing_id, region_code=community, method="phone", arrived=True,
        tested=False, checked_at=checked_at, **values))


def add_transfer(filing_id: int, from_code: str, to_code: str, at: dt.datetime) -> None:
    db.session.execute(FilingTransfer.__table__.insert().values(
        filing_id=filing_id, from_region_code=from_code, to_region_code=to_code,
        reason="住址变更", at=at))
    db.session.execute(Filing.__table__.update().where(Filing.id == filing_id)
                       .values(destination_region_code=to_code))


def report_of(community: str, day: dt.date = DAY) -> DailyReport:
    return db.session.query(DailyReport).filter_by(region_code=community, report_date=day).one()


def status_of(app, model, pk) -> str:
    """The status of a row, read in a fresh app context (for ``still_exists`` checks)."""
    with app.app_context():
        return db.session.get(model, pk).status
