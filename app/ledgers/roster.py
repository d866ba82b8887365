"""The staff roster and the device ledger ("one card, one phone, one officer").

Like app.ledgers.units, every writer (screen, API, import, demo) saves through ``prepare``:
it checks the row, fills what is derived and names every problem.
"""
from typing import Optional

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from app.core.errors import DomainError, FieldErrors
from app.core.extensions import db
from app.core.identity import is_mobile
from app.core.jurisdiction import code_within, is_within
from app.ledgers.units import NAME_MAX, merge_errors, not_self, set_phone
from app.regions.service import ANY_JURISDICTION, check_assignable_region
from models.user import ConsoleUser
from models.ledger import BUILDING_CODE_LENGTH, COMMUNITY_CODE_LENGTH, GRID_CODE_LENGTH, \
    UNIT_CODE_LENGTH
from models.region import CODE_LENGTH_BY_LEVEL, LEVEL_TOWNSHIP
from models.staff import DEVICE_STATUSES, SERVICE_KINDS, STAFF_ROLES, Device, DeviceService, \
    StaffMember

# Where each role works: the code lengths of the places it may be recorded at.
ROLE_PLACES = {
    "officer": {COMMUNITY_CODE_LENGTH},
    "task_force": {CODE_LENGTH_BY_LEVEL[LEVEL_TOWNSHIP], COMMUNITY_CODE_LENGTH},
    "grid_member": {GRID_CODE_LENGTH},
    "building_head": {BUILDING_CODE_LENGTH},
    "unit_head": {UNIT_CODE_LENGTH},
}
ROLE_PLACE_HINTS = {
    "officer": _l("An officer works for a community."),
    "task_force": _l("A task force works for a township or a community."),
    "grid_member": _l("A grid member works for a grid."),
    "building_head": _l("A building head works for a building or village group."),
    "unit_head": _l("A unit head works for a unit."),
}
IMEI_LENGTH = 15


def prepare_staff(member: StaffMember, jurisdiction: Optional[str]) -> None:
    errors = FieldErrors()
    try:
        check_assignable_region(member.region_code, "region_code", ANY_JURISDICTION, jurisdiction=jurisdiction)
    except DomainError as error:
        merge_errors(errors, error, "region_code")
    if member.role not in STAFF_ROLES:
        errors.add("role", _l("Choose one of the listed values."))
    elif member.region_code and len(member.region_code) not in ROLE_PLACES[member.role]:
        errors.add("region_code", ROLE_PLACE_HINTS[member.role])
    member.active = True if member.active is None else member.active
    member.name = (member.name or "").strip()
    if not member.name or len(member.name) > NAME_MAX:
        errors.add("name", _l("Enter a name of at most %(n)s characters.", n=NAME_MAX))
    member.dedicated_phone = (member.dedicated_phone or "").strip() or None
    if member.dedicated_phone and not is_mobile(member.dedicated_phone):
        errors.add("dedicated_phone", _l("Enter an 11-digit mobile number."))
    set_phone(member, errors)
    if member.user is not None and not is_within(account_jurisdiction(member.user.id), jurisdiction):
        errors.add("user", _l("This region is outside your jurisdiction."))
    if not errors:
        if db.session.scalar(select(StaffMember.id).where(
                StaffMember.region_code == member.region_code, StaffMember.role == member.role,
                StaffMember.name == member.name, not_self(StaffMember, member))):
            errors.add("name", _l("This person is already on the roster here in this role."))
    errors.raise_if_any()


def account_jurisdiction(user_id) -> Optional[str]:
    """The jurisdiction of an account (StaffMember.user is FAB's User, which does not
    map the column ConsoleUser adds)."""
    return db.session.scalar(select(ConsoleUser.region_code).where(ConsoleUser.id == user_id))


def search_accounts(term: str, jurisdiction: Optional[str], limit: int = 20) -> list:
    """Login accounts within the jurisdiction, to link a staff member to theirs."""
    term = (term or "").strip()
    query = select(ConsoleUser).where(code_within(ConsoleUser.region_code, jurisdiction))
    if term:
        query = query.where(or_(ConsoleUser.username.contains(term, autoescape=True),
                                ConsoleUser.first_name.contains(term, autoescape=True),
                                ConsoleUser.last_name.contains(term, autoescape=True)))
    return list(db.session.scalars(query.order_by(ConsoleUser.username).limit(limit)))


def is_valid_imei(value: str) -> bool:
    """15 digits whose last is the Luhn check digit of the first 14."""
    if len(value) != IMEI_LENGTH or not value.isdigit():
        return False
    total = 0
    for position, digit in enumerate(int(d) for d in value):
        if position % 2:
            digit *= 2
            digit = digit - 9 if digit > 9 else digit
        total += digit
    return total % 10 == 0


def prepare_device(device: Device, jurisdiction: Optional[str]) -> None:
    errors = FieldErrors()
    try:
        check_assignable_region(device.community_code, "community_code", 5, jurisdiction=jurisdiction)
    except DomainError as error:
        merge_errors(errors, error, "community_code")
    device.imei = (device.imei or "").strip()
    if not is_valid_imei(device.imei):
        errors.add("imei", _l("An IMEI has 15 digits and a valid check digit (dial *#06# to see it)."))
    else:
        if db.session.scalar(select(Device.id).where(Device.imei == device.imei,
                                                     not_self(Device, device))):
            errors.add("imei", _l("This IMEI is already recorded."))
    device.sim_number = (device.sim_number or "").strip() or None
    if device.sim_number and not is_mobile(device.sim_number):
        errors.add("sim_number", _l("Enter an 11-digit mobile number."))
    device.status = device.status or "in_use"
    if device.status not in DEVICE_STATUSES:
        errors.add("status", _l("Choose one of the listed values."))
    holder = device.holder
    if holder is not None and not (device.community_code and holder.region_code.startswith(device.community_code)):
        errors.add("holder", _l("The holder must work in the device's community."))
    errors.raise_if_any()


def prepare_device_service(record: DeviceService, _jurisdiction: Optional[str]) -> None:
    """The device was loaded within the writer's jurisdiction; the record takes its place."""
    errors = FieldErrors()
    if record.device is None:
        errors.add("device", _l("Choose the device."))
    else:
        record.region_code = record.device.community_code
    if record.serviced_on is None:
        errors.add("serviced_on", _l("Enter the date."))
    record.kind = record.kind or "repair"
    if record.kind not in SERVICE_KINDS:
        errors.add("kind", _l("Choose one of the listed values."))
    if record.cost is not None and record.cost < 0:
        errors.add("cost", _l("The cost cannot be negative."))
    errors.raise_if_any()


PREPARE = {StaffMember: prepare_staff, Device: prepare_device, DeviceService: prepare_device_service}


def prepare(item, jurisdiction: Optional[str]) -> None:
    """Check and complete a roster or device row written within ``jurisdiction`` (no
    autoflush, as app.ledgers.units.prepare)."""
    with db.session.no_autoflush:
        PREPARE[type(item)](item, jurisdiction)
