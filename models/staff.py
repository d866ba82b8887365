"""The staff roster and the device ledger of "one card, one phone, one officer"
(一卡一机一专管员): who works where, with which phone."""
from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from flask_appbuilder.security.sqla.models import User
from sqlalchemy.orm import relationship

from models.base import MAX_CODE_LENGTH, BigId, Model, ScopedMixin, utcnow
from models.ledger import COMMUNITY_CODE_LENGTH

# Each role works at a place of one kind: its code length (None: any region).
STAFF_ROLES = ("officer", "task_force", "grid_member", "building_head", "unit_head")
DEVICE_STATUSES = ("in_use", "repair", "lost", "replaced")
SERVICE_KINDS = ("repair", "replacement", "loss", "other")


class StaffMember(ScopedMixin, Model):
    """专管员 (community officer, with the dedicated number), 专班 (task force), 网格员,
    楼栋长, 单元长; optionally the login account they use."""

    __tablename__ = "staff_member"
    __table_args__ = (
        UniqueConstraint("region_code", "role", "name", name="uq_staff_member_place_role_name"),
    )

    id = Column(BigId, primary_key=True, autoincrement=True)
    # Where they serve: a community or township code, or a grid, building or unit code.
    region_code = Column(String(MAX_CODE_LENGTH), nullable=False)
    name = Column(String(50), nullable=False)
    role = Column(String(16), nullable=False)
    title = Column(String(50))  # 职务, e.g. 两委干部, 党员
    phone_enc = Column(Text)
    phone_hash = Column(String(64))
    phone_masked = Column(String(32))
    dedicated_phone = Column(String(20))  # the officer's work number (专属号段), public
    user_id = Column(Integer, ForeignKey("ab_user.id"))
    active = Column(Boolean, nullable=False, default=True)
    note = Column(String(200))
    created_at = Column(DateTime, nullable=False, default=utcnow)
    updated_at = Column(DateTime, nullable=False, default=utcnow, onupdate=utcnow)

    # FAB's user class (models.user's ConsoleUser maps the same table); app.ledgers.roster
    # checks the account's jurisdiction itself.
    user = relationship(User, lazy="selectin", enable_typechecks=False)

    # A plain phone given in a form or an API body; app.ledgers.roster protects it on save.
    phone = None

    def __repr__(self):
        return self.name or ""


class Device(ScopedMixin, Model):
    """A terminal phone with its SIM card, issued to a community (机卡捆绑)."""

    __tablename__ = "device"
    __table_args__ = (Index("ix_device_community", "community_code", "status"),)
    jurisdiction_column = "community_code"

    id = Column(BigId, primary_key=True, autoincrement=True)
    community_code = Column(String(COMMUNITY_CODE_LENGTH), nullable=False)
    imei = Column(String(15), nullable=False, unique=True)
    model = Column(String(50))
    sim_number = Column(String(20))
    holder_id = Column(BigId, ForeignKey("staff_member.id"))
    status = Column(String(10), nullable=False, default="in_use")
    issued_on = Column(Date)
    note = Column(String(200))
    created_at = Column(DateTime, nullable=False, default=utcnow)
    updated_at = Column(DateTime, nullable=False, default=utcnow, onupdate=utcnow)

    holder = relationship("StaffMember", lazy="selectin")
    community = relationship(
        "Region", primaryjoin="foreign(Device.community_code) == Region.code",
        viewonly=True, lazy="joined")
    services = relationship("DeviceService", back_populates="device",
                            order_by="DeviceService.id")

    def __repr__(self):
        return self.imei or ""


class DeviceService(ScopedMixin, Model):
    """An after-sales record of a device: repair, replacement, loss (专属售后)."""

    __tablename__ = "device_service"
    __table_args__ = (Index("ix_device_service_device", "device_id"),
                      Index("ix_device_service_region", "region_code"))

    id = Column(BigId, primary_key=True, autoincrement=True)
    device_id = Column(BigId, ForeignKey("device.id"), nullable=False)
    region_code = Column(String(COMMUNITY_CODE_LENGTH), nullable=False)  # the device's
    serviced_on = Column(Date, nullable=False)
    kind = Column(String(12), nullable=False, default="repair")
    description = Column(String(200))
    provider = Column(String(100))  # the after-sales outlet
    cost = Column(Numeric(10, 2))
    created_at = Column(DateTime, nullable=False, default=utcnow)

    device = relationship("Device", back_populates="services", lazy="joined")


__all__ = ["StaffMember", "Device", "DeviceService"]
