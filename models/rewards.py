"""Rewards and penalties 奖惩: for a unit (a region or ledger unit) or a person, proposed
by staff or by the scheduler, approved or rejected by someone of a higher level."""
from sqlalchemy import Column, DateTime, ForeignKey, Index, Integer, Numeric, String
from sqlalchemy.orm import relationship

from models.base import MAX_CODE_LENGTH, BigId, Model, ScopedMixin, utcnow

KINDS = ("reward", "penalty")
TARGETS = ("unit", "person")
PENALTY_CATEGORIES = ("late_report", "missing_report", "weak_control", "missed_tests",
                      "untracked_arrival", "code_mismanagement", "other_penalty")
REWARD_CATEGORIES = ("early_discovery", "epidemic_free_community", "outstanding_work",
                     "other_reward")
STATUSES = ("proposed", "approved", "rejected")
SOURCE_TYPES = ("escalation", "finding")


class RewardPenalty(ScopedMixin, Model):
    __tablename__ = "reward_penalty"
    __table_args__ = (Index("ix_reward_penalty_region", "region_code", "status"),)

    id = Column(BigId, primary_key=True, autoincrement=True)
    region_code = Column(String(MAX_CODE_LENGTH), nullable=False)  # the unit concerned
    target = Column(String(8), nullable=False, default="unit")
    staff_id = Column(BigId, ForeignKey("staff_member.id"))  # the person, for a person
    kind = Column(String(8), nullable=False)
    reason_category = Column(String(32), nullable=False)
    reason = Column(String(500), nullable=False)
    amount = Column(Numeric(12, 2))
    # The escalation or comparison finding behind it; those tables belong to other
    # parts of the domain, so this is a typed reference without a foreign key.
    source_type = Column(String(16))
    source_id = Column(BigId)
    period = Column(String(7), nullable=False)  # YYYY-MM (Asia/Shanghai) proposed in
    # Set on the scheduler's proposals only: region|category|period, so proposing the
    # same penalty again in the same month finds the first one.
    auto_key = Column(String(64), unique=True)
    status = Column(String(10), nullable=False, default="proposed")
    proposed_at = Column(DateTime, nullable=False, default=utcnow)
    proposed_by_id = Column(Integer)  # null: proposed by the scheduler
    decided_at = Column(DateTime)
    decided_by_id = Column(Integer)
    decision_note = Column(String(200))

    staff = relationship("StaffMember", lazy="selectin")


__all__ = ["RewardPenalty"]
