from sqlalchemy import Column, DateTime, Index, Integer, String, Text

from models.base import BigId, Model, ScopedMixin, utcnow


class Notification(ScopedMixin, Model):
    """The notification outbox: a message is written in the same transaction as the
    change it reports, and a sender delivers it later (app.core.outbox)."""

    __tablename__ = "notification"
    __table_args__ = (
        Index("ix_notification_status_id", "status", "id"),
        Index("ix_notification_region_code", "region_code"),
    )

    id = Column(BigId, primary_key=True, autoincrement=True)
    created_at = Column(DateTime, nullable=False, default=utcnow)
    kind = Column(String(32), nullable=False)  # receipt, distribution, escalation...
    channel = Column(String(16), nullable=False, default="sms")
    recipient = Column(Text)  # encrypted phone number, or a user id for in-app
    recipient_masked = Column(String(32))
    region_code = Column(String(12))
    body = Column(Text, nullable=False)
    status = Column(String(12), nullable=False, default="pending")  # pending sent failed
    attempts = Column(Integer, nullable=False, default=0)
    sent_at = Column(DateTime)
    error = Column(String(255))
    # The filing a message is about (its receipt, a transfer): anonymised with it. No
    # index: only the nightly retention job looks for it, and the filing path stays lean.
    filing_id = Column(BigId)
