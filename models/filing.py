"""A filing 报备: one person's report of a trip into the province, routed to the
community of its destination, checked by that community's officer.

Sensitive values (ID number, phones) are stored encrypted (``*_enc``), found through a
keyed hash (``*_hash``) and shown through a masked copy (``*_masked``): lists never
decrypt. See app.core.identity.
"""
from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    text,
)
from sqlalchemy.orm import relationship

from models.base import BigId, Model, ScopedMixin, utcnow

STATUSES = ("submitted", "arrived", "not_arrived", "cancelled", "closed")
ID_TYPES = ("resident_id", "passport", "hk_macao_permit", "taiwan_permit", "other")
TRANSPORT_MODES = ("flight", "train", "coach", "car", "ship", "other")
CHANNELS = ("web", "paper", "hotline", "checkpoint", "import", "api")
CHECK_METHODS = ("phone", "visit")
TEST_RESULTS = ("negative", "positive", "pending")
CONTROL_MEASURES = ("none", "health_monitoring", "home_quarantine", "central_quarantine")
MAX_EDITS = 2
# Columns holding personal data: overwritten RETENTION_DAYS after the filing finished
# (app.filings.retention), and never written to the audit log (app.core.audit).
PERSONAL_COLUMNS = ("name", "id_number_enc", "id_number_hash", "id_number_masked", "phone_enc",
                    "phone_hash", "phone_masked", "birth_date", "origin_address",
                    "destination_address", "work_unit", "transport_no", "transit",
                    "other_symptoms", "proxy_name", "proxy_phone_enc", "proxy_phone_hash", "proxy_phone_masked",
                    "proxy_relation")
# Free text of the officers' checks and transfers: it may name the person too.
PERSONAL_NOTES = ("note", "reason")


class Filing(ScopedMixin, Model):
    __tablename__ = "filing"
    jurisdiction_column = "destination_region_code"
    # A grid member sees the filings of the people of their grid (app.core.jurisdiction.within).
    person_hash_column = "id_number_hash"
    __table_args__ = (
        # The officer's queue and every jurisdiction-scoped list: code range + order.
        Index("ix_filing_dest_arrival", "destination_region_code", "expected_arrival_at"),
        Index("ix_filing_dest_status", "destination_region_code", "status"),
        Index("ix_filing_id_hash_arrival", "id_number_hash", "expected_arrival_at"),
        Index("ix_filing_filed_at", "filed_at"),
        # The matching's rules on tests read arrivals by time, and only these columns of
        # them (an index-only scan); a new filing has no arrival yet.
        Index("ix_filing_arrivals", "arrived_at", "id", "id_number_hash", "status",
              postgresql_where=text("arrived_at IS NOT NULL AND anonymised_at IS NULL"),
              sqlite_where=text("arrived_at IS NOT NULL AND anonymised_at IS NULL")),
        # The change feed (app.filings.changes) reads each table by (time of change, id).
        Index("ix_filing_updated_at", "updated_at", "id"),
        # The same person files once per arrival day: a repeated submission (a double
        # tap, a second family member's phone) fails here even when two race.
        Index("uq_filing_person_day", "id_number_hash", "arrival_day", unique=True,
              postgresql_where=text("status <> 'cancelled'"),
              sqlite_where=text("status <> 'cancelled'")),
        # The officer's queue: the open filings of a community range, by arrival.
        # The anonymised filings of one retention run (app.filings.retention); empty on insert.
        Index("ix_filing_anonymised_at", "anonymised_at",
              postgresql_where=text("anonymised_at IS NOT NULL"),
              sqlite_where=text("anonymised_at IS NOT NULL")),
        # "My filings" (app.filings.access): a filer's phone finds what was filed with it.
        Index("ix_filing_phone_hash", "phone_hash"),
        Index("ix_filing_proxy_phone_hash", "proxy_phone_hash",
              postgresql_where=text("proxy_phone_hash IS NOT NULL"),
              sqlite_where=text("proxy_phone_hash IS NOT NULL")),
        # An integrator's filings by the id its local system gave them (app.filings.importer):
        # sending a batch again finds them here and stores nothing twice, even when two race.
        Index("uq_filing_external_id", "filed_by_id", "external_id", unique=True,
              postgresql_where=text("external_id IS NOT NULL"),
              sqlite_where=text("external_id IS NOT NULL")),
        Index("ix_filing_open_dest_arrival", "destination_region_code", "expected_arrival_at",
              postgresql_where=text("status IN ('submitted', 'not_arrived')"),
              sqlite_where=text("status IN ('submitted', 'not_arrived')")),
    )

    id = Column(BigId, primary_key=True, autoincrement=True)
    receipt = Column(String(16), nullable=False, unique=True)
    token_hash = Column(String(64), nullable=False)
    status = Column(String(16), nullable=False, default="submitted")
    channel = Column(String(12), nullable=False, default="web")
    batch_id = Column(String(32))  # a family filed in one submission

    # Person
    name = Column(String(50), nullable=False)
    id_type = Column(String(20), nullable=False, default="resident_id")
    id_number_enc = Column(Text, nullable=False)
    id_number_hash = Column(String(64), nullable=False)
    id_number_masked = Column(String(32), nullable=False)
    phone_enc = Column(Text)
    phone_hash = Column(String(64))
    phone_masked = Column(String(32))
    gender = Column(String(6))
    birth_date = Column(Date)

    # Trip
    origin_country = Column(String(2), nullable=False, default="CN")
    origin_region_code = Column(String(6))
    origin_address = Column(String(200))
    departure_at = Column(DateTime)
    expected_arrival_at = Column(DateTime, nullable=False)
    # The local (Asia/Shanghai) day of the expected arrival: one filing per person a day.
    arrival_day = Column(Date)
    transport_mode = Column(String(10), nullable=False)
    transport_no = Column(String(30))
    transit = Column(String(100))
    # Region codes carry no foreign key: app.regions.service checks them on every write, the
    # hot insert path stays lean, and FAB's API schemas keep the column.
    destination_region_code = Column(String(12), nullable=False)
    destination_address = Column(String(200), nullable=False)
    work_unit = Column(String(100))

    # Health
    fever = Column(Boolean, nullable=False, default=False)
    cough = Column(Boolean, nullable=False, default=False)
    fatigue = Column(Boolean, nullable=False, default=False)
    other_symptoms = Column(String(200))
    risk_area_14d = Column(Boolean, nullable=False, default=False)
    abroad_14d = Column(Boolean, nullable=False, default=False)
    close_contact_14d = Column(Boolean, nullable=False, default=False)
    commitment = Column(Boolean, nullable=False, default=False)

    # Proxy filing (someone files for a family member)
    proxy_name = Column(String(50))
    proxy_phone_enc = Column(Text)
    proxy_phone_hash = Column(String(64))
    proxy_phone_masked = Column(String(32))
    proxy_relation = Column(String(20))

    # Lifecycle
    late_notice = Column(Boolean, nullable=False, default=False)
    is_backfill = Column(Boolean, nullable=False, default=False)
    arrived_at = Column(DateTime)
    edit_count = Column(SmallInteger, nullable=False, default=0)
    filed_at = Column(DateTime, nullable=False, default=utcnow)
    updated_at = Column(DateTime, nullable=False, default=utcnow, onupdate=utcnow)
    filed_by_id = Column(Integer)  # staff who entered it (paper, checkpoint), else null
    # The id a local system gave the filing it sent in a batch (channel import, by the
    # integrator account filed_by_id), else null.
    external_id = Column(String(64))
    # When its personal data was overwritten, RETENTION_DAYS after it finished (app.filings.retention).
    anonymised_at = Column(DateTime)

    # Latest check, denormalised for the queue and the statistics
    check_count = Column(SmallInteger, nullable=False, default=0)
    last_checked_at = Column(DateTime)
    test_result = Column(String(10))
    control_measure = Column(String(20))
    control_start = Column(DateTime)
    control_end = Column(DateTime)

    destination = relationship(
        "Region", primaryjoin="foreign(Filing.destination_region_code) == Region.code",
        viewonly=True, lazy="raise_on_sql")
    checks = relationship("FilingCheck", back_populates="filing", order_by="FilingCheck.id", lazy="select")
    transfers = relationship("FilingTransfer", back_populates="filing", order_by="FilingTransfer.id", lazy="select")
    revisions = relationship("FilingRevision", back_populates="filing", order_by="FilingRevision.id", lazy="select")

    @property
    def edits_left(self) -> int:
        return max(0, MAX_EDITS - (self.edit_count or 0))

    def __repr__(self):
        return self.receipt or ""


class FilingCheck(ScopedMixin, Model):
    """One verification by the community officer (核查); a filing may have several."""

    __tablename__ = "filing_check"
    __table_args__ = (Index("ix_filing_check_filing", "filing_id"),
                      Index("ix_filing_check_checked_at", "checked_at", "id"))  # the change feed

    id = Column(BigId, primary_key=True, autoincrement=True)
    filing_id = Column(BigId, ForeignKey("filing.id"), nullable=False)
    region_code = Column(String(12), nullable=False)  # community at the time of the check
    method = Column(String(8), nullable=False)
    arrived = Column(Boolean, nullable=False)
    arrived_at = Column(DateTime)
    actual_transport_mode = Column(String(10))
    tested = Column(Boolean, nullable=False, default=False)
    test_at = Column(DateTime)
    test_result = Column(String(10))
    control_measure = Column(String(20))
    control_start = Column(DateTime)
    control_end = Column(DateTime)
    note = Column(String(500))
    checked_by_id = Column(Integer)
    checked_at = Column(DateTime, nullable=False, default=utcnow)

    filing = relationship("Filing", back_populates="checks")


class FilingTransfer(ScopedMixin, Model):
    """A filing handed to another community (转办), with the reason; history is kept."""

    __tablename__ = "filing_transfer"
    __table_args__ = (Index("ix_filing_transfer_filing", "filing_id"),
                      Index("ix_filing_transfer_at", "at", "id"))  # the change feed
    jurisdiction_column = "to_region_code"

    id = Column(BigId, primary_key=True, autoincrement=True)
    filing_id = Column(BigId, ForeignKey("filing.id"), nullable=False)
    from_region_code = Column(String(12), nullable=False)
    to_region_code = Column(String(12), nullable=False)
    reason = Column(String(200), nullable=False)
    by_id = Column(Integer)
    at = Column(DateTime, nullable=False, default=utcnow)

    filing = relationship("Filing", back_populates="transfers")


class FilingRevision(Model):
    """Every change of a filing (edit, cancel, check, transfer), for its history."""

    __tablename__ = "filing_revision"
    __table_args__ = (Index("ix_filing_revision_filing", "filing_id"),)

    id = Column(BigId, primary_key=True, autoincrement=True)
    filing_id = Column(BigId, ForeignKey("filing.id"), nullable=False)
    at = Column(DateTime, nullable=False, default=utcnow)
    action = Column(String(16), nullable=False)  # create edit cancel check transfer backfill
    by_id = Column(Integer)  # staff; null when the traveller did it
    changes = Column(Text)  # JSON {"field": [old, new]}, sensitive values masked

    filing = relationship("Filing", back_populates="revisions")


class FilerCode(Model):
    """A one-time code sent by SMS to a phone (app.core.sms_codes: 我的报备, 我的健康码):
    what for (``purpose``), who asked (the keyed hashes of the ID number and phone, never
    the values), the code's keyed hash, until when it counts, and the wrong tries."""

    __tablename__ = "filer_code"
    __table_args__ = (Index("ix_filer_code_phone", "phone_hash", "id_number_hash"),)

    id = Column(BigId, primary_key=True, autoincrement=True)
    purpose = Column(String(16), nullable=False, default="filer-code", server_default="filer-code")
    id_number_hash = Column(String(64), nullable=False)
    phone_hash = Column(String(64), nullable=False)
    code_hash = Column(String(64), nullable=False)
    created_at = Column(DateTime, nullable=False, default=utcnow)
    expires_at = Column(DateTime, nullable=False)
    attempts = Column(SmallInteger, nullable=False, default=0)
    used_at = Column(DateTime)
