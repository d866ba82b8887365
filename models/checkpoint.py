"""Checkpoints 卡口 (数字哨兵) at airports, stations, roads and ports, the Checkpoint
accounts posted at them, and the pass log: who went through, when, which way, with
which filing and colour (app.checkpoints). A checkpoint belongs to a region; its passes
are scoped by that region (``region_code``, copied onto each pass)."""
from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, Column, Date, DateTime, ForeignKey, Index, Integer, String, Table
from sqlalchemy.orm import relationship

from models.base import BigId, Model, ScopedMixin, utcnow

CHECKPOINT_KINDS = ("airport", "railway", "coach", "road", "port")
CHECKPOINT_KIND_LABELS = {"airport": _l("Airport"), "railway": _l("Railway station"),
                          "coach": _l("Coach station"), "road": _l("Road"), "port": _l("Port")}
DIRECTIONS = ("in", "out")
DIRECTION_LABELS = {"in": _l("Entering"), "out": _l("Leaving")}

# Which Checkpoint accounts work at which checkpoints (one account: one or more).
checkpoint_staff = Table(
    "checkpoint_staff", Model.metadata,
    Column("checkpoint_id", Integer, ForeignKey("checkpoint.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", Integer, ForeignKey("ab_user.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_checkpoint_staff_user", "user_id"),
)


class Checkpoint(ScopedMixin, Model):
    __tablename__ = "checkpoint"
    __table_args__ = (Index("ix_checkpoint_region", "region_code"),)

    id = Column(Integer, primary_key=True, autoincrement=True)
    name = Column(String(100), nullable=False)
    kind = Column(String(10), nullable=False)
    region_code = Column(String(12), nullable=False)
    address = Column(String(200))
    active = Column(Boolean, nullable=False, default=True)
    created_at = Column(DateTime, nullable=False, default=utcnow)

    staff = relationship("ConsoleUser", secondary=checkpoint_staff, lazy="select")
    region = relationship("Region", primaryjoin="foreign(Checkpoint.region_code) == Region.code",
                          viewonly=True, lazy="joined")

    def kind_label(self):
        return CHECKPOINT_KIND_LABELS.get(self.kind, self.kind)

    def __repr__(self):
        return self.name or ""


class CheckpointPass(ScopedMixin, Model):
    """One person through one checkpoint. ``person_hash``: the keyed hash of the ID
    number (as a filing's); ``filing_id`` null when the person had none then (linked
    when the paper form is filled on the spot); ``without_filing`` stays true for the
    counts. ``day``: the local day, for the rollups. ``region_code``: the checkpoint's."""

    __tablename__ = "checkpoint_pass"
    __table_args__ = (
        Index("ix_checkpoint_pass_region_day", "region_code", "day"),
        Index("ix_checkpoint_pass_checkpoint_day", "checkpoint_id", "day"),
        Index("ix_checkpoint_pass_person", "person_hash", "passed_at"),
    )

    id = Column(BigId, primary_key=True, autoincrement=True)
    checkpoint_id = Column(Integer, ForeignKey("checkpoint.id"), nullable=False)
    region_code = Column(String(12), nullable=False)
    passed_at = Column(DateTime, nullable=False, default=utcnow)
    day = Column(Date, nullable=False)
    direction = Column(String(3), nullable=False, default="in")
    transit = Column(Boolean, nullable=False, default=False)
    person_hash = Column(String(64), nullable=False)
    filing_id = Column(BigId, ForeignKey("filing.id"))
    without_filing = Column(Boolean, nullable=False, default=False)
    colour = Column(String(6))
    # Shown on the transit list and the pass log (masked: first character only).
    name_masked = Column(String(50))
    destination_region_code = Column(String(12))
    logged_by_id = Column(Integer)
    # Who passed forgotten after CHECKPOINT_PASS_RETENTION_DAYS (app.healthcode.retention);
    # the counts are kept.
    anonymised_at = Column(DateTime)

    checkpoint = relationship("Checkpoint", lazy="joined")

    def direction_label(self):
        return DIRECTION_LABELS.get(self.direction, self.direction)


__all__ = ["Checkpoint", "CheckpointPass", "checkpoint_staff", "CHECKPOINT_KINDS", "CHECKPOINT_KIND_LABELS",
           "DIRECTIONS", "DIRECTION_LABELS"]
