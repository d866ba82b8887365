"""Screens and APIs of the staff roster and of the device ledger ("one card, one phone,
one officer"), with the after-sales records of each device."""
from flask import current_app
from flask_appbuilder import expose
from flask_appbuilder.api import protect
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.sqla.models import User
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.ledgers import choices
from app.ledgers import demo as ledger_demo
from app.core import roles
from app.ledgers import roster
from app.core.extensions import db
from app.core.jurisdiction import code_within, current_jurisdiction
from app.ledgers.tables import TABLES
from models.user import ConsoleUser
from models.staff import Device, DeviceService, StaffMember
from views.core.api_input import safe
from views.core.base import ScopedModelRestApi, ScopedModelView
from views.core.places import place_label
from views.ledgers.base import EXCEL_PERMISSIONS, LedgerApiMixin, LedgerViewMixin, date_field, \
    decimal_field, select_field
from views.ledgers.units import LEDGERS, PHONE_FIELD, formatter
from views.core.search import each, search_doc, select2_search
from views.core.widgets import RegionSelectField, RelatedSelectField

LABELS = {
    "region_code": _l("Works at"), "name": _l("Name"), "role": _l("Role"), "title": _l("Title"),
    "phone": _l("Phone"), "phone_masked": _l("Phone"), "dedicated_phone": _l("Dedicated number"),
    "user": _l("Login account"), "user.username": _l("Login account"), "active": _l("Active"),
    "note": _l("Note"), "community_code": _l("Community"), "community.name": _l("Community"),
    "imei": _l("IMEI"), "model": _l("Model"), "sim_number": _l("SIM number"), "holder": _l("Holder"),
    "holder.name": _l("Holder"), "status": _l("Status"), "issued_on": _l("Issued on"),
    "device": _l("Device"), "device.imei": _l("Device"), "serviced_on": _l("Date"), "kind": _l("Kind"),
    "description": _l("Description"), "provider": _l("After-sales outlet"), "cost": _l("Cost (yuan)"),
    "created_at": _l("Created"), "updated_at": _l("Updated"),
}
FORMATTERS = {"role": formatter(choices.STAFF_ROLES), "status": formatter(choices.DEVICE_STATUSES),
              "kind": formatter(choices.SERVICE_KINDS), "region_code": place_label,
              "active": formatter(choices.YES_NO)}


def scoped_account(pk):
    """FAB's User row of an account within the current jurisdiction (or None)."""
    return db.session.scalar(select(User).where(User.id == pk, User.id.in_(_accounts_within())))


def _accounts_within():
    return select(ConsoleUser.id).where(code_within(ConsoleUser.region_code, current_jurisdiction()))


class AccountWithinJurisdiction(BaseFilter):
    """StaffMember.user points to FAB's User (which does not map the jurisdiction
    column): FAB's related lists and API writes only offer accounts within it."""

    name = _l("Within jurisdiction")
    arg_name = "account_jurisdiction"

    def apply(self, query, value):
        return query.filter(User.id.in_(_accounts_within()))


def describe_account(user) -> str:
    return f"{user.username} ({user.first_name}{user.last_name})"


def describe_staff(member) -> str:
    return f"{member.name} · {choices.choice_label(choices.STAFF_ROLES, member.role)} · {place_label(member.region_code)}"


STAFF_FORM = {
    "region_code": RegionSelectField(_l("Works at"), units=True,
                                     description=_l("A township or community; a grid, building or unit for their heads.")),
    "role": select_field(_l("Role"), choices.STAFF_ROLES, "officer"),
    "phone": PHONE_FIELD,
    "user": RelatedSelectField(_l("Login account"), model=User, endpoint="StaffApi.accounts",
                               describe=describe_account, required=False, load=scoped_account),
}
STAFF_WRITE = ["region_code", "name", "role", "title", "phone", "dedicated_phone", "user", "active", "note"]


class StaffView(LedgerViewMixin, ScopedModelView):
    datamodel = SQLAInterface(StaffMember)
    class_permission_name = roles.STAFF
    service = staticmethod(roster.prepare)
    excel_table = TABLES["staff"]
    list_title, show_title = _l("Staff roster"), _l("Staff member")
    add_title, edit_title = _l("Add staff member"), _l("Edit staff member")
    label_columns = LABELS
    formatters_columns = FORMATTERS
    list_columns = ["name", "role", "region_code", "title", "phone_masked", "dedicated_phone", "user.username",
                    "active"]
    show_columns = ["name", "role", "region_code", "title", "phone_masked", "dedicated_phone", "user", "active",
                    "note", "created_at", "updated_at"]
    add_columns = STAFF_WRITE
    edit_columns = STAFF_WRITE
    search_columns = ["name", "role", "region_code", "title", "dedicated_phone", "active"]
    order_columns = ["name", "role", "region_code"]
    base_order = ("region_code", "asc")
    add_form_extra_fields = STAFF_FORM
    edit_form_extra_fields = STAFF_FORM
    add_form_query_rel_fields = {"user": [["id", AccountWithinJurisdiction, None]]}


class StaffApi(LedgerApiMixin, ScopedModelRestApi):
    datamodel = SQLAInterface(StaffMember)
    class_permission_name = roles.STAFF
    resource_name = "staff"
    service = staticmethod(roster.prepare)
    excel_table = TABLES["staff"]
    method_permission_name = {**EXCEL_PERMISSIONS, "accounts": roles.WRITE}
    describe = staticmethod(describe_staff)
    label_columns = LABELS
    list_columns = ["id", "region_code", "name", "role", "title", "phone_masked", "dedicated_phone",
                    "user.id", "user.username", "active", "note"]
    show_columns = list_columns + ["created_at", "updated_at"]
    add_columns = ["region_code", "name", "role", "title", "dedicated_phone", "user", "active", "note"]
    edit_columns = add_columns
    search_columns = ["region_code", "name", "role", "title", "active"]
    order_columns = ["region_code", "name", "role"]
    add_query_rel_fields = {"user": [["id", AccountWithinJurisdiction, None]]}
    edit_query_rel_fields = add_query_rel_fields
    write_only_fields = ("phone",)

    @expose("/accounts", methods=["GET"])
    @protect(allow_browser_login=True)
    @safe
    @search_doc("Login accounts within the caller's jurisdiction matching ``q``, to link a staff member to theirs.")
    def accounts(self):
        return select2_search(roster.search_accounts, each(describe_account))


DEVICE_FORM = {
    "community_code": RegionSelectField(_l("Community"), level=5),
    "holder": RelatedSelectField(_l("Holder"), model=StaffMember, endpoint="StaffApi.lookup",
                                 describe=describe_staff, required=False),
    "status": select_field(_l("Status"), choices.DEVICE_STATUSES, "in_use"),
    "issued_on": date_field(_l("Issued on")),
}
DEVICE_WRITE = ["community_code", "imei", "model", "sim_number", "holder", "status", "issued_on", "note"]
SERVICE_FORM = {
    "device": RelatedSelectField(_l("Device"), model=Device, endpoint="DeviceApi.lookup"),
    "kind": select_field(_l("Kind"), choices.SERVICE_KINDS, "repair"),
    "serviced_on": date_field(_l("Date"), required=True),
    "cost": decimal_field(_l("Cost (yuan)")),
}
SERVICE_COLUMNS = ["device.imei", "serviced_on", "kind", "description", "provider", "cost"]
SERVICE_WRITE = ["device", "serviced_on", "kind", "description", "provider", "cost"]


class _DeviceLedger:
    class_permission_name = roles.DEVICE
    service = staticmethod(roster.prepare)
    label_columns = LABELS


class DeviceServiceView(_DeviceLedger, LedgerViewMixin, ScopedModelView):
    datamodel = SQLAInterface(DeviceService)
    list_title, show_title = _l("After-sales records"), _l("After-sales record")
    add_title, edit_title = _l("Add after-sales record"), _l("Edit after-sales record")
    formatters_columns = FORMATTERS
    list_columns = SERVICE_COLUMNS
    show_columns = SERVICE_COLUMNS + ["created_at"]
    add_columns = SERVICE_WRITE
    edit_columns = SERVICE_WRITE
    search_columns = ["serviced_on", "kind", "provider", "description"]
    base_order = ("serviced_on", "desc")
    add_form_extra_fields = SERVICE_FORM
    edit_form_extra_fields = SERVICE_FORM


class DeviceView(_DeviceLedger, LedgerViewMixin, ScopedModelView):
    datamodel = SQLAInterface(Device)
    excel_table = TABLES["device"]
    list_title, show_title = _l("Devices"), _l("Device")
    add_title, edit_title = _l("Add device"), _l("Edit device")
    formatters_columns = FORMATTERS
    list_columns = ["imei", "model", "sim_number", "community.name", "holder.name", "status", "issued_on"]
    show_columns = ["imei", "model", "sim_number", "community.name", "holder", "status", "issued_on", "note",
                    "created_at", "updated_at"]
    add_columns = DEVICE_WRITE
    edit_columns = DEVICE_WRITE
    search_columns = ["imei", "model", "sim_number", "community_code", "status", "issued_on"]
    order_columns = ["imei", "status", "issued_on"]
    base_order = ("community_code", "asc")
    related_views = [DeviceServiceView]
    add_form_extra_fields = DEVICE_FORM
    edit_form_extra_fields = DEVICE_FORM


class DeviceApi(_DeviceLedger, LedgerApiMixin, ScopedModelRestApi):
    datamodel = SQLAInterface(Device)
    resource_name = "device"
    excel_table = TABLES["device"]
    lookup_columns = ("imei", "model", "sim_number")
    describe = staticmethod(lambda device: f"{device.imei} {device.model or ''} {device.sim_number or ''}".strip())
    list_columns = ["id", "community_code", "imei", "model", "sim_number", "holder.id", "holder.name", "status",
                    "issued_on", "note"]
    show_columns = list_columns + ["created_at", "updated_at"]
    add_columns = DEVICE_WRITE
    edit_columns = DEVICE_WRITE
    search_columns = ["community_code", "imei", "status", "issued_on", "holder"]
    order_columns = ["imei", "status", "issued_on"]


class DeviceServiceApi(_DeviceLedger, LedgerApiMixin, ScopedModelRestApi):
    datamodel = SQLAInterface(DeviceService)
    resource_name = "device_service"
    lookup_columns = ("description", "provider")
    list_columns = ["id", "device.id", "device.imei", "region_code", "serviced_on", "kind", "description",
                    "provider", "cost"]
    show_columns = list_columns + ["created_at"]
    add_columns = SERVICE_WRITE
    edit_columns = SERVICE_WRITE
    search_columns = ["device", "serviced_on", "kind"]


def register(registry):
    registry.add_view("Staff roster", _l("Staff roster"), LEDGERS, "fa-id-badge", StaffView, roles.STAFF)
    registry.add_view("Devices", _l("Devices"), LEDGERS, "fa-mobile", DeviceView, roles.DEVICE)
    registry.add_view("After-sales records", _l("After-sales records"), LEDGERS, "fa-wrench",
                      DeviceServiceView, roles.DEVICE)
    for api in (StaffApi, DeviceApi, DeviceServiceApi):
        registry.add_api(api)
    current_app.extensions.setdefault("demo_hooks", []).append(ledger_demo.create_demo_roster)
