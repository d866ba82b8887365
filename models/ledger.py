"""The township ledgers below a community: grid 网格 > building or village group 楼栋/村组
> unit 单元 > household 户 > resident.

Each grid, building and unit has a code that extends its parent's, so the jurisdiction
rule (app.core.jurisdiction: a row is visible when its code starts with the user's code)
reaches below the community unchanged, and a grid member's jurisdiction is a grid code:

    community 410105001003, grid 41010500100301, building 41010500100301005,
    unit 4101050010030100502

A household and its residents carry the code of the smallest unit they are placed in
(or the community's when they are not placed further down). Numbers never change once
given, so codes are stable. Sensitive values (ID number, phone) are stored encrypted,
as a keyed hash and masked, as in models.filing.
"""
from sqlalchemy import (
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    exists,
    func,
    select,
)
from sqlalchemy.orm import column_property, relationship

from models.jurisdiction import code_within_viewer
from models.base import MAX_CODE_LENGTH, BigId, Model, ScopedMixin, utcnow
from models.filing import Filing
from models.region import COMMUNITY_CODE_LENGTH, REGION_CODE_LENGTHS

GRID_DIGITS, BUILDING_DIGITS, UNIT_DIGITS = 2, 3, 2
GRID_CODE_LENGTH = COMMUNITY_CODE_LENGTH + GRID_DIGITS            # 14
BUILDING_CODE_LENGTH = GRID_CODE_LENGTH + BUILDING_DIGITS         # 17
UNIT_CODE_LENGTH = BUILDING_CODE_LENGTH + UNIT_DIGITS             # 19
assert UNIT_CODE_LENGTH == MAX_CODE_LENGTH
# Every length a jurisdiction code may have, from the province down to a ledger unit.
JURISDICTION_CODE_LENGTHS = REGION_CODE_LENGTHS + (GRID_CODE_LENGTH, BUILDING_CODE_LENGTH, UNIT_CODE_LENGTH)

BUILDING_KINDS = ("building", "village_group")
RELATIONS = ("head", "spouse", "child", "parent", "grandchild", "sibling", "other")
CATEGORIES = ("resident", "away", "floating", "arrived")  # 常住 在外 流动 来返
ID_TYPES = ("resident_id", "passport", "hk_macao_permit", "taiwan_permit", "other")
# A filing in one of these states means the person is on the way or has just arrived.
OPEN_FILING_STATUSES = ("submitted", "arrived")


class _Timestamps:
    created_at = Column(DateTime, nullable=False, default=utcnow)
    updated_at = Column(DateTime, nullable=False, default=utcnow, onupdate=utcnow)


class _LedgerUnit(_Timestamps, ScopedMixin):
    """What grids, buildings and units share: a code extending the parent's, the
    number that made it (never changes), a name unique under the parent."""

    jurisdiction_column = "code"

    id = Column(BigId, primary_key=True, autoincrement=True)
    community_code = Column(String(COMMUNITY_CODE_LENGTH), nullable=False, index=True)
    number = Column(SmallInteger, nullable=False)
    name = Column(String(50), nullable=False)
    note = Column(String(200))

    def __repr__(self):
        return self.name or ""


class Grid(_LedgerUnit, Model):
    """网格: a part of a community, kept by its grid members."""

    __tablename__ = "ledger_grid"
    __table_args__ = (UniqueConstraint("community_code", "name", name="uq_ledger_grid_name"),)

    code = Column(String(GRID_CODE_LENGTH), nullable=False, unique=True)
    area = Column(String(200))  # the streets or buildings it covers

    community = relationship(
        "Region", primaryjoin="foreign(Grid.community_code) == Region.code",
        viewonly=True, lazy="joined")
    buildings = relationship("Building", back_populates="grid", order_by="Building.code")


class Building(_LedgerUnit, Model):
    """楼栋 (a building of a residential compound) or 村组 (a group of a village)."""

    __tablename__ = "ledger_building"
    __table_args__ = (UniqueConstraint("grid_id", "name", name="uq_ledger_building_name"),)

    code = Column(String(BUILDING_CODE_LENGTH), nullable=False, unique=True)
    grid_id = Column(BigId, ForeignKey("ledger_grid.id"), nullable=False, index=True)
    kind = Column(String(16), nullable=False, default="building")
    address = Column(String(200))

    grid = relationship("Grid", back_populates="buildings", lazy="joined")
    units = relationship("Unit", back_populates="building", order_by="Unit.code")


class Unit(_LedgerUnit, Model):
    """单元: a stairway of a building."""

    __tablename__ = "ledger_unit"
    __table_args__ = (UniqueConstraint("building_id", "name", name="uq_ledger_unit_name"),)

    code = Column(String(UNIT_CODE_LENGTH), nullable=False, unique=True)
    building_id = Column(BigId, ForeignKey("ledger_building.id"), nullable=False, index=True)

    building = relationship("Building", back_populates="units", lazy="joined")


class Household(_Timestamps, ScopedMixin, Model):
    """户: a dwelling and the people who live there (户情明)."""

    __tablename__ = "ledger_household"
    __table_args__ = (
        # One door number per place; also the index every scoped list uses.
        UniqueConstraint("region_code", "door_number", name="uq_ledger_household_door"),
    )

    id = Column(BigId, primary_key=True, autoincrement=True)
    # The smallest unit it is placed in (unit, building, grid) or its community.
    region_code = Column(String(MAX_CODE_LENGTH), nullable=False)
    community_code = Column(String(COMMUNITY_CODE_LENGTH), nullable=False)
    grid_id = Column(BigId, ForeignKey("ledger_grid.id"))
    building_id = Column(BigId, ForeignKey("ledger_building.id"))
    unit_id = Column(BigId, ForeignKey("ledger_unit.id"))
    door_number = Column(String(50), nullable=False)  # 门牌号 / room
    address = Column(String(200))
    head_name = Column(String(50))
    phone_enc = Column(Text)
    phone_hash = Column(String(64))
    phone_masked = Column(String(32))
    note = Column(String(200))

    # Placement is derived from region_code by app.ledgers.units (never chosen separately).
    community = relationship(
        "Region", primaryjoin="foreign(Household.community_code) == Region.code",
        viewonly=True, lazy="joined")
    grid = relationship("Grid", lazy="selectin")
    building = relationship("Building", lazy="selectin")
    unit = relationship("Unit", lazy="selectin")
    # Deleting a household deletes its residents (each delete is audited).
    residents = relationship("Resident", back_populates="household", order_by="Resident.id",
                             cascade="all, delete-orphan")

    # A plain phone given in a form or an API body; app.ledgers.units protects it on save.
    phone = None

    def __repr__(self):
        parts = [p.name for p in (self.grid, self.building, self.unit) if p is not None]
        return " ".join(parts + [self.door_number or ""])


class Resident(_Timestamps, ScopedMixin, Model):
    """A person of a household, with their category (人员类别明)."""

    __tablename__ = "ledger_resident"
    __table_args__ = (
        UniqueConstraint("community_code", "id_number_hash", name="uq_ledger_resident_id"),
        Index("ix_ledger_resident_region", "region_code", "category"),
        Index("ix_ledger_resident_id_hash", "id_number_hash"),
        Index("ix_ledger_resident_household", "household_id"),
    )

    id = Column(BigId, primary_key=True, autoincrement=True)
    household_id = Column(BigId, ForeignKey("ledger_household.id"), nullable=False)
    region_code = Column(String(MAX_CODE_LENGTH), nullable=False)  # the household's
    community_code = Column(String(COMMUNITY_CODE_LENGTH), nullable=False)
    name = Column(String(50), nullable=False)
    id_type = Column(String(20), nullable=False, default="resident_id")
    id_number_enc = Column(Text, nullable=False)
    id_number_hash = Column(String(64), nullable=False)
    id_number_masked = Column(String(32), nullable=False)
    gender = Column(String(6))
    birth_date = Column(Date)
    phone_enc = Column(Text)
    phone_hash = Column(String(64))
    phone_masked = Column(String(32))
    relation_to_head = Column(String(12), nullable=False, default="other")
    category = Column(String(10), nullable=False, default="resident")
    away_location = Column(String(100))  # where they are while away
    expected_return = Column(Date)
    note = Column(String(200))

    household = relationship("Household", back_populates="residents", lazy="selectin")

    # Linked to their filings by the ID hash, computed in the same query (indexed by
    # ix_filing_id_hash_arrival); nothing of the filing is copied here. Only filings
    # within the reader's jurisdiction count: else anyone could learn whether any ID
    # number has an open filing anywhere in the province.
    has_open_filing = column_property(
        exists().where(Filing.id_number_hash == id_number_hash,
                       Filing.status.in_(OPEN_FILING_STATUSES),
                       code_within_viewer(Filing.destination_region_code)).correlate_except(Filing),
        deferred=False)

    # Plain values given in a form or an API body; app.ledgers.units protects them on save.
    id_number = None
    phone = None

    @property
    def is_returning(self) -> bool:
        """Recorded as away, and has filed a report: on the way back (来返)."""
        return self.category == "away" and bool(self.has_open_filing)

    def filing_state(self):
        """``returning``, ``filed`` or None: what the lists show in the filing column."""
        if not self.has_open_filing:
            return None
        return "returning" if self.category == "away" else "filed"

    def __repr__(self):
        return self.name or ""


# How many people live there, counted in the list's own query.
Household.resident_count = column_property(
    select(func.count(Resident.id)).where(Resident.household_id == Household.id)
    .correlate_except(Resident).scalar_subquery(), deferred=False)


IMPORT_JOB_STATUSES = ("queued", "running", "done", "rejected", "failed")


class ImportJob(Model):
    """A ledger file imported off the web request (app.ledgers.jobs): the file, who
    imported it within which jurisdiction, how far it is, and its result or problems.
    ``claim`` and ``heartbeat_at`` are the lease of the thread running it: a job whose
    runner died (a restarted worker) is taken over when the lease runs out."""

    __tablename__ = "ledger_import_job"
    __table_args__ = (Index("ix_ledger_import_job_status", "status", "heartbeat_at"),)

    id = Column(BigId, primary_key=True, autoincrement=True)
    ledger = Column(String(20), nullable=False)
    filename = Column(String(200))
    data = Column(LargeBinary, nullable=False)  # the file, encrypted; emptied when the job ends
    jurisdiction = Column(String(MAX_CODE_LENGTH))  # the importer's; null: the whole system
    user_id = Column(Integer)
    locale = Column(String(8), nullable=False, default="zh")
    status = Column(String(10), nullable=False, default="queued")
    total = Column(Integer, nullable=False, default=0)
    done = Column(Integer, nullable=False, default=0)
    created = Column(Integer, nullable=False, default=0)
    updated = Column(Integer, nullable=False, default=0)
    unchanged = Column(Integer, nullable=False, default=0)
    problems = Column(Text)  # JSON: [[row, column, message], ...]
    outcome_id = Column(BigId)  # what a job of another kind made: a feed import's batch
    claim = Column(String(32))
    attempts = Column(Integer, nullable=False, default=0)
    heartbeat_at = Column(DateTime)
    created_at = Column(DateTime, nullable=False, default=utcnow)
    finished_at = Column(DateTime)


__all__ = ["Grid", "Building", "Unit", "Household", "Resident", "ImportJob"]
