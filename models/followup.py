"""Follow-up during control 随访: one row per person under a control measure and day,
from the control's start to its end (app.followups). ``region_code`` is the filing's
destination community; a grid member sees a follow-up when a resident of their grid
has the filing's ID-number hash (``person_hash``)."""
from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, Column, Date, DateTime, ForeignKey, Index, Integer, Numeric, String, UniqueConstraint

from models.base import BigId, Model, ScopedMixin, utcnow

FOLLOW_UP_STATUSES = ("due", "done")
FOLLOW_UP_STATUS_LABELS = {"due": _l("To do"), "done": _l("Done")}


class FollowUp(ScopedMixin, Model):
    __tablename__ = "follow_up"
    person_hash_column = "person_hash"  # a grid member sees those of their grid's people
    __table_args__ = (
        UniqueConstraint("filing_id", "day", name="uq_follow_up_filing_day"),
        Index("ix_follow_up_region_day", "region_code", "day"),
        Index("ix_follow_up_status_due", "status", "due_at"),
        Index("ix_follow_up_person", "person_hash"),
    )

    id = Column(BigId, primary_key=True, autoincrement=True)
    filing_id = Column(BigId, ForeignKey("filing.id"), nullable=False)
    region_code = Column(String(12), nullable=False)
    person_hash = Column(String(64), nullable=False)
    day = Column(Date, nullable=False)          # local day
    due_at = Column(DateTime, nullable=False)   # FOLLOW_UP_DUE_TIME of that day, naive UTC
    status = Column(String(8), nullable=False, default="due")
    temperature = Column(Numeric(3, 1))
    symptoms = Column(String(200))
    tested = Column(Boolean)
    note = Column(String(500))
    created_at = Column(DateTime, nullable=False, default=utcnow)
    done_at = Column(DateTime)
    done_by_id = Column(Integer)

    def status_label(self):
        return FOLLOW_UP_STATUS_LABELS.get(self.status, self.status)

    def __repr__(self):
        return f"{self.day} #{self.id}"


__all__ = ["FollowUp"]
