"""Venue codes 场所码: the venues of a community (a shop, a market, a hospital...) whose
QR code everyone entering scans, and the log of those scans (app.venues).

A venue's ``code`` is the short random text in its QR link (``/v/<code>``); it never
changes, so a printed poster stays valid. The responsible person's phone is stored as a
filing's (encrypted, keyed hash, masked). A scan row is written by the public scan
alone, in one INSERT (app.venues.scans), and read by the space-time companion search
(app.venues.companions): by venue and time, and by person and time.
"""
from sqlalchemy import Boolean, Column, DateTime, ForeignKey, Index, String, Text
from sqlalchemy.orm import relationship

from models.base import BigId, Model, ScopedMixin, utcnow
from models.region import COMMUNITY_CODE_LENGTH

VENUE_TYPES = ("shop", "supermarket", "market", "restaurant", "hotel", "hospital", "clinic", "pharmacy",
               "school", "office", "transport", "entertainment", "other")
# Types that are medical institutions unless said otherwise (red and yellow are admitted).
MEDICAL_TYPES = ("hospital", "clinic")
VENUE_CODE_LENGTH = 10


class Venue(ScopedMixin, Model):
    __tablename__ = "venue"
    __table_args__ = (Index("ix_venue_community", "community_code", "name"),)
    jurisdiction_column = "community_code"

    id = Column(BigId, primary_key=True, autoincrement=True)
    code = Column(String(VENUE_CODE_LENGTH), nullable=False, unique=True)
    name = Column(String(100), nullable=False)
    type = Column(String(16), nullable=False, default="shop")
    medical = Column(Boolean, nullable=False, default=False)
    community_code = Column(String(COMMUNITY_CODE_LENGTH), nullable=False)
    address = Column(String(200))
    contact_name = Column(String(50))
    phone_enc = Column(Text)
    phone_hash = Column(String(64))
    phone_masked = Column(String(32))
    note = Column(String(200))
    created_at = Column(DateTime, nullable=False, default=utcnow)
    updated_at = Column(DateTime, nullable=False, default=utcnow, onupdate=utcnow)

    community = relationship("Region", primaryjoin="foreign(Venue.community_code) == Region.code",
                             viewonly=True, lazy="joined")

    # A plain phone given in a form or an API body; app.venues.service protects it on save.
    phone = None

    def __repr__(self):
        return self.name or ""


class VenueScan(Model):
    """One scan at a venue's door: who (the ID number's keyed hash), when, and the colour
    the page showed (``none``: no code yet). ``admitted``: what the doorkeeper was told."""

    __tablename__ = "venue_scan"
    __table_args__ = (
        Index("ix_venue_scan_venue_time", "venue_id", "scanned_at"),
        Index("ix_venue_scan_person_time", "person_hash", "scanned_at"),
    )

    id = Column(BigId, primary_key=True, autoincrement=True)
    venue_id = Column(BigId, ForeignKey("venue.id", ondelete="CASCADE"), nullable=False)
    person_hash = Column(String(64), nullable=False)
    scanned_at = Column(DateTime, nullable=False, default=utcnow)
    colour = Column(String(6), nullable=False)
    admitted = Column(Boolean, nullable=False)


__all__ = ["Venue", "VenueScan", "VENUE_TYPES", "MEDICAL_TYPES"]
