"""Cross-matching 数据比对: feeds imported in batches (test results, close contacts,
arrivals seen in transport or telecom data), the registry of risk areas, and the
findings the matching raises (app.crossmatch).

Sensitive values of feed rows are stored like a filing's (models.filing): encrypted,
as the same keyed hash (so the matching joins on it, in SQL) and masked. Every feed row
belongs to the batch that brought it; undoing the batch deletes its rows and the
findings it caused (``Finding.batch_id``).
"""
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import relationship

from models.base import MAX_CODE_LENGTH, BigId, Model, ScopedMixin, utcnow
from models.ledger import Resident

SOURCES = ("test_result", "contact", "arrival_push", "risk_area", "code_state")
SOURCE_LABELS = {"test_result": _l("Nucleic-acid test results"), "contact": _l("Close contacts"),
                 "arrival_push": _l("Arrivals seen (big-data push)"), "risk_area": _l("Risk areas"),
                 "code_state": _l("Health codes of other provinces")}
BATCH_STATUSES = ("imported", "rejected", "undone")
BATCH_STATUS_LABELS = {"imported": _l("Imported"), "rejected": _l("Rejected"), "undone": _l("Undone")}
TEST_RESULTS = ("negative", "positive", "pending")
CONTACT_KINDS = ("close", "secondary")
RISK_LEVELS = ("high", "medium")

# The kinds the matching rules raise (app.crossmatch.matching), then the others.
MATCHING_KINDS = ("positive", "contact_arrived", "from_risk_area", "arrived_without_filing",
                  "no_test_after_arrival", "missing_second_test")
# A symptom or fever at a follow-up during control (app.followups); a space-time
# companion of a confirmed case at a venue (app.venues).
FINDING_KINDS = MATCHING_KINDS + ("follow_up_symptom", "companion")
FINDING_KIND_LABELS = {
    "positive": _l("Positive test result"),
    "contact_arrived": _l("Close contact among arrivals or residents"),
    "from_risk_area": _l("From a risk area, no control measure"),
    "arrived_without_filing": _l("Arrived without a filing"),
    "no_test_after_arrival": _l("No test within 24 h of arrival"),
    "missing_second_test": _l("Second test missing within 3 days"),
    "follow_up_symptom": _l("Symptom or fever at a follow-up during control"),
    "companion": _l("Space-time companion of a confirmed case"),
}
# 1 is the most urgent: lists put it first.
FINDING_PRIORITY = {kind: number for number, kind in enumerate(FINDING_KINDS, start=1)}
# What a finding's person hash is the keyed hash of (``Finding.person_known_by``).
PERSON_KNOWN_BY = ("id_number", "phone")
FINDING_STATUSES = ("open", "resolved")
FINDING_STATUS_LABELS = {"open": _l("Open"), "resolved": _l("Resolved")}
OUTCOMES = ("checked", "control_started", "left_area", "wrong_match", "transferred")
OUTCOME_LABELS = {"checked": _l("Checked"), "control_started": _l("Control started"),
                  "left_area": _l("Left the area"), "wrong_match": _l("Wrong match"),
                  "transferred": _l("Transferred")}


class FeedBatch(ScopedMixin, Model):
    """One import of one file (or of JSON rows): who, when, what came in, what was
    refused. ``region_code`` is the importer's jurisdiction at the time (the province
    for the command line); the rows lie within it."""

    __tablename__ = "feed_batch"
    __table_args__ = (
        Index("ix_feed_batch_source_hash", "source", "file_hash"),
        Index("ix_feed_batch_region", "region_code", "imported_at"),
    )

    id = Column(BigId, primary_key=True, autoincrement=True)
    source = Column(String(16), nullable=False)
    filename = Column(String(200))
    file_hash = Column(String(64), nullable=False)  # SHA-256 of the file (or of the JSON rows)
    region_code = Column(String(MAX_CODE_LENGTH), nullable=False)
    imported_by_id = Column(Integer)  # null: the command line
    imported_at = Column(DateTime, nullable=False, default=utcnow)
    status = Column(String(10), nullable=False, default="imported")
    row_count = Column(Integer, nullable=False, default=0)
    accepted = Column(Integer, nullable=False, default=0)
    rejected_count = Column(Integer, nullable=False, default=0)
    rejected = Column(Text)  # JSON [{"line", "field", "message"}]
    findings_raised = Column(Integer, nullable=False, default=0)
    undone_at = Column(DateTime)
    undone_by_id = Column(Integer)

    def __repr__(self):
        return f"{self.source} #{self.id}"


class _FeedRow:
    id = Column(BigId, primary_key=True, autoincrement=True)
    line = Column(Integer, nullable=False)  # row of the file (the header is row 1)
    # The region the row belongs to (a city's Command imports its own city's rows only).
    region_code = Column(String(MAX_CODE_LENGTH), nullable=False)


class _IdNumberOrPhone:
    """An ID number and / or a phone: encrypted, keyed hash, masked."""

    id_number_enc = Column(Text)
    id_number_hash = Column(String(64))
    id_number_masked = Column(String(32))
    phone_enc = Column(Text)
    phone_hash = Column(String(64))
    phone_masked = Column(String(32))


class FeedTestResult(_FeedRow, Model):
    """A nucleic-acid test: who, when sampled (and its local day), the result, the lab."""

    __tablename__ = "feed_test_result"
    __table_args__ = (
        Index("ix_feed_test_result_person", "id_number_hash", "sampled_at"),
        Index("ix_feed_test_result_batch", "batch_id"),
    )
    batch_id = Column(BigId, ForeignKey("feed_batch.id"), nullable=False)
    name = Column(String(50))
    id_number_enc = Column(Text, nullable=False)
    id_number_hash = Column(String(64), nullable=False)
    id_number_masked = Column(String(32), nullable=False)
    sampled_at = Column(DateTime, nullable=False)
    sampled_day = Column(Date, nullable=False)  # local day: "two tests on different days"
    result = Column(String(10), nullable=False)
    lab = Column(String(100))


class FeedContact(_IdNumberOrPhone, _FeedRow, Model):
    """A close or secondary close contact reported by a region."""

    __tablename__ = "feed_contact"
    __table_args__ = (
        Index("ix_feed_contact_id_hash", "id_number_hash"),
        Index("ix_feed_contact_phone_hash", "phone_hash"),
        Index("ix_feed_contact_batch", "batch_id"),
    )
    batch_id = Column(BigId, ForeignKey("feed_batch.id"), nullable=False)
    name = Column(String(50))
    kind = Column(String(10), nullable=False)
    exposed_on = Column(Date, nullable=False)
    case_ref = Column(String(50))


class FeedArrivalPush(_IdNumberOrPhone, _FeedRow, Model):
    """Someone seen arriving (transport or telecom data): in ``region_code`` (a city or
    county) at ``seen_at``, from ``origin_region_code``."""

    __tablename__ = "feed_arrival_push"
    __table_args__ = (
        Index("ix_feed_arrival_push_id_hash", "id_number_hash"),
        Index("ix_feed_arrival_push_phone_hash", "phone_hash"),
        Index("ix_feed_arrival_push_batch", "batch_id"),
    )
    batch_id = Column(BigId, ForeignKey("feed_batch.id"), nullable=False)
    seen_at = Column(DateTime, nullable=False)
    origin_region_code = Column(String(12))


class FeedCodeState(_FeedRow, Model):
    """A person's health-code colour as another province's system gave it (mutual
    recognition, 互认): red and yellow count in this province's rules
    (app.healthcode.rules) while recent."""

    __tablename__ = "feed_code_state"
    __table_args__ = (
        Index("ix_feed_code_state_person", "id_number_hash", "as_of"),
        Index("ix_feed_code_state_batch", "batch_id"),
    )
    batch_id = Column(BigId, ForeignKey("feed_batch.id"), nullable=False)
    name = Column(String(50))
    id_number_enc = Column(Text, nullable=False)
    id_number_hash = Column(String(64), nullable=False)
    id_number_masked = Column(String(32), nullable=False)
    colour = Column(String(6), nullable=False)
    as_of = Column(DateTime, nullable=False)
    province = Column(String(20))  # whose code it is (name or 2-digit code), as sent


class RiskArea(Model):
    """A medium or high risk area (a county or a township, anywhere in the country),
    effective over [effective_from, effective_until) (naive UTC; no end: still in
    force). Kept by province Command in a screen, or imported as a feed."""

    __tablename__ = "risk_area"
    __table_args__ = (Index("ix_risk_area_region", "region_code", "effective_from"),)

    id = Column(BigId, primary_key=True, autoincrement=True)
    batch_id = Column(BigId, ForeignKey("feed_batch.id"))  # null: entered in the screen
    line = Column(Integer)
    region_code = Column(String(12), nullable=False)
    level = Column(String(8), nullable=False)
    effective_from = Column(DateTime, nullable=False)
    effective_until = Column(DateTime)
    note = Column(String(200))
    created_at = Column(DateTime, nullable=False, default=utcnow)
    created_by_id = Column(Integer)

    region = relationship("Region", primaryjoin="foreign(RiskArea.region_code) == Region.code",
                          viewonly=True, lazy="joined")

    def __repr__(self):
        return f"{self.region_code} {self.level}"


class Finding(ScopedMixin, Model):
    """比对发现: someone the matching found slipping through. One per person (the keyed
    hash of the ID number, or of the phone when only that is known), kind and episode
    (the filing, or the day of the feed's event), so matching again adds nothing.
    ``region_code`` is the owner: the filing's destination community, the ledger
    household's community, or the city / county the feed names when that is all."""

    __tablename__ = "finding"
    person_hash_column = "person_hash"  # a grid member sees those of their grid's people
    # ... and of the residents of their grid with that phone, when only a phone is known.
    person_known_by_column = "person_known_by"
    __table_args__ = (
        UniqueConstraint("kind", "person_hash", "episode", name="uq_finding_person_kind_episode"),
        Index("ix_finding_region_status", "region_code", "status"),
        Index("ix_finding_status_raised", "status", "raised_at"),
        # Undoing a batch finds the findings it caused; those of the rules on filings alone have none.
        Index("ix_finding_batch", "batch_id", postgresql_where=text("batch_id IS NOT NULL"),
              sqlite_where=text("batch_id IS NOT NULL")),
        # A transferred filing takes its open findings along (app.reporting.escalations).
        Index("ix_finding_open_filing", "filing_id", postgresql_where=text("status = 'open' AND filing_id IS NOT NULL"),
              sqlite_where=text("status = 'open' AND filing_id IS NOT NULL")),
        # The change feed (app.filings.changes): findings raised, and resolved, by time.
        Index("ix_finding_raised_at", "raised_at", "id"),
        Index("ix_finding_resolved_at", "resolved_at", "id",
              postgresql_where=text("resolved_at IS NOT NULL"), sqlite_where=text("resolved_at IS NOT NULL")),
    )

    id = Column(BigId, primary_key=True, autoincrement=True)
    kind = Column(String(24), nullable=False)
    priority = Column(SmallInteger, nullable=False)
    person_hash = Column(String(64), nullable=False)
    # What ``person_hash`` is the keyed hash of: "id_number", or "phone" when a feed gave
    # only a phone (PERSON_KNOWN_BY).
    person_known_by = Column(String(10), nullable=False, default="id_number", server_default="id_number")
    episode = Column(String(32), nullable=False)
    region_code = Column(String(12), nullable=False)
    filing_id = Column(BigId)
    resident_id = Column(BigId)
    batch_id = Column(BigId)   # the feed batch whose row caused it (null: the filings alone)
    name_masked = Column(String(50))
    id_masked = Column(String(32))
    event_at = Column(DateTime)  # what it is about: arrival, sample, exposure, departure
    raised_at = Column(DateTime, nullable=False, default=utcnow)
    status = Column(String(10), nullable=False, default="open")
    outcome = Column(String(20))
    note = Column(String(500))
    resolved_at = Column(DateTime)
    resolved_by_id = Column(Integer)

    owner = relationship("Region", primaryjoin="foreign(Finding.region_code) == Region.code",
                         viewonly=True, lazy="joined")

    def kind_label(self):
        return FINDING_KIND_LABELS.get(self.kind, self.kind)

    def status_label(self):
        return FINDING_STATUS_LABELS.get(self.status, self.status)

    def outcome_label(self):
        return OUTCOME_LABELS.get(self.outcome, self.outcome or "")

    def owner_name(self):
        return self.owner.name if self.owner else self.region_code

    def __repr__(self):
        return f"{self.kind} #{self.id}"


FEED_MODELS = {"test_result": FeedTestResult, "contact": FeedContact, "arrival_push": FeedArrivalPush,
               "risk_area": RiskArea, "code_state": FeedCodeState}

__all__ = ["FeedBatch", "FeedTestResult", "FeedContact", "FeedArrivalPush", "FeedCodeState", "RiskArea", "Finding"]

# The matching joins filings and ledger residents on the keyed hash of a phone when a
# feed gives no ID number (their ID-number hashes are indexed already; the filing's
# phone hash is indexed in models.filing).
Index("ix_ledger_resident_phone_hash", Resident.phone_hash)
