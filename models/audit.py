from sqlalchemy import Column, DateTime, Index, Integer, String, Text

from models.base import MAX_CODE_LENGTH, BigId, Model, ScopedMixin, utcnow


class AuditLog(ScopedMixin, Model):
    """Who did what to which row, when. ``region_code`` is the region of the row it
    concerns, so an audit entry is scoped exactly like that row."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_region_at", "region_code", "at"),
        Index("ix_audit_log_entity", "entity", "entity_id"),
    )

    id = Column(BigId, primary_key=True, autoincrement=True)
    at = Column(DateTime, nullable=False, default=utcnow)
    user_id = Column(Integer)
    username = Column(String(128))
    action = Column(String(16), nullable=False)  # create update delete unmask
    entity = Column(String(64), nullable=False)
    entity_id = Column(String(64))
    region_code = Column(String(MAX_CODE_LENGTH))  # a ledger row's code is up to 19 digits
    changes = Column(Text)  # JSON: {"field": [old, new]}; sensitive values masked
