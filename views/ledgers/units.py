"""Screens and APIs of the township ledgers: grids, buildings or village groups, units,
households (with their residents) and residents (with their filings), plus the list of
residents recorded as away who filed a report (returning)."""
from flask import current_app
from flask_appbuilder import expose
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import has_access
from flask_babel import lazy_gettext as _l

from app.ledgers import choices
from app.ledgers import demo as ledger_demo
from app.ledgers import units as ledgers
from app.core import roles
from app.core.jurisdiction import current_jurisdiction
from app.regions.service import labels_for
from app.ledgers.tables import TABLES
from models.ledger import Building, Grid, Household, Resident, Unit
from views.core.base import ScopedModelRestApi, ScopedModelView
from views.ledgers.base import LedgerApiMixin, LedgerViewMixin, integer_field, select_field, text_field
from views.core.widgets import RegionSelectField, RelatedSelectField

LEDGERS = ("Ledgers", _l("Ledgers"))

LABELS = {
    "code": _l("Code"), "community_code": _l("Community"), "community.name": _l("Community"),
    "number": _l("Number"), "name": _l("Name"), "area": _l("Area covered"), "note": _l("Note"),
    "grid": _l("Grid"), "grid.name": _l("Grid"), "building": _l("Building or village group"),
    "building.name": _l("Building or village group"), "building.grid.name": _l("Grid"),
    "unit": _l("Unit"), "unit.name": _l("Unit"), "kind": _l("Kind"), "address": _l("Address"),
    "region_code": _l("Place"), "door_number": _l("Door number"), "head_name": _l("Head of household"),
    "phone": _l("Phone"), "phone_masked": _l("Phone"), "resident_count": _l("Number of residents"),
    "household": _l("Household"), "id_type": _l("ID type"), "id_number": _l("ID number"),
    "id_number_masked": _l("ID number"),
    "relation_to_head": _l("Relation to the head"), "category": _l("Category"),
    "away_location": _l("Where (when away)"), "expected_return": _l("Expected return"),
    "filing_state": _l("Filing"), "created_at": _l("Created"), "updated_at": _l("Updated"),
}


def formatter(options):
    return lambda value: choices.choice_label(options, value)


FORMATTERS = {
    "kind": formatter(choices.BUILDING_KINDS), "relation_to_head": formatter(choices.RELATIONS),
    "category": formatter(choices.CATEGORIES), "id_type": formatter(choices.ID_TYPES),
}


# ---- grids, buildings, units -------------------------------------------------------

class _LedgerView(LedgerViewMixin, ScopedModelView):
    datamodel = None
    class_permission_name = roles.LEDGER
    service = staticmethod(ledgers.prepare)
    delete_check = staticmethod(ledgers.check_deletable)
    label_columns = LABELS
    formatters_columns = FORMATTERS


class _LedgerApi(LedgerApiMixin, ScopedModelRestApi):
    class_permission_name = roles.LEDGER
    service = staticmethod(ledgers.prepare)
    delete_check = staticmethod(ledgers.check_deletable)
    label_columns = LABELS
    describe = staticmethod(ledgers.ledger_label)


def number_field(highest):
    return integer_field(_l("Number"), 1, highest, _l("Empty: the next free number. It never changes."))


class UnitView(_LedgerView):
    datamodel = SQLAInterface(Unit)
    excel_table = TABLES["unit"]
    list_title, show_title, add_title, edit_title = _l("Units"), _l("Unit"), _l("Add unit"), _l("Edit unit")
    list_columns = ["code", "name", "building.name", "building.grid.name"]
    show_columns = ["code", "name", "building", "number", "note", "created_at", "updated_at"]
    add_columns = ["building", "number", "name", "note"]
    edit_columns = ["name", "note"]
    search_columns = ["code", "name", "note"]
    order_columns = ["code", "name"]
    base_order = ("code", "asc")
    add_form_extra_fields = {
        "building": RelatedSelectField(_l("Building or village group"), model=Building,
                                       endpoint="BuildingApi.lookup", describe=ledgers.ledger_label),
        "number": number_field(99),
    }


class BuildingView(_LedgerView):
    datamodel = SQLAInterface(Building)
    excel_table = TABLES["building"]
    list_title, show_title = _l("Buildings and village groups"), _l("Building or village group")
    add_title, edit_title = _l("Add building or village group"), _l("Edit building or village group")
    list_columns = ["code", "name", "kind", "grid.name", "address"]
    show_columns = ["code", "name", "kind", "grid", "number", "address", "note", "created_at", "updated_at"]
    add_columns = ["grid", "number", "name", "kind", "address", "note"]
    edit_columns = ["name", "kind", "address", "note"]
    search_columns = ["code", "name", "address"]
    order_columns = ["code", "name"]
    base_order = ("code", "asc")
    related_views = [UnitView]
    add_form_extra_fields = {
        "grid": RelatedSelectField(_l("Grid"), model=Grid, endpoint="GridApi.lookup",
                                   describe=ledgers.ledger_label),
        "number": number_field(999),
        "kind": select_field(_l("Kind"), choices.BUILDING_KINDS, "building"),
    }
    edit_form_extra_fields = {"kind": select_field(_l("Kind"), choices.BUILDING_KINDS)}


class GridView(_LedgerView):
    datamodel = SQLAInterface(Grid)
    excel_table = TABLES["grid"]
    list_title, show_title, add_title, edit_title = _l("Grids"), _l("Grid"), _l("Add grid"), _l("Edit grid")
    list_columns = ["code", "name", "community.name", "area"]
    show_columns = ["code", "name", "community_code", "number", "area", "note", "created_at", "updated_at"]
    add_columns = ["community_code", "number", "name", "area", "note"]
    edit_columns = ["name", "area", "note"]
    search_columns = ["code", "name", "community_code", "area"]
    order_columns = ["code", "name"]
    base_order = ("code", "asc")
    related_views = [BuildingView]
    add_form_extra_fields = {
        "community_code": RegionSelectField(_l("Community"), level=5),
        "number": number_field(99),
    }


class _LedgerUnitApi(_LedgerApi):
    lookup_columns = ("name", "code")
    order_columns = ["code", "name"]
    optional_fields = ("number",)  # the next free number is given


class GridApi(_LedgerUnitApi):
    datamodel = SQLAInterface(Grid)
    resource_name = "grid"
    excel_table = TABLES["grid"]
    list_columns = ["id", "code", "name", "community_code", "number", "area", "note"]
    show_columns = list_columns + ["created_at", "updated_at"]
    add_columns = ["community_code", "number", "name", "area", "note"]
    edit_columns = ["name", "area", "note"]
    search_columns = ["code", "name", "community_code"]


class BuildingApi(_LedgerUnitApi):
    datamodel = SQLAInterface(Building)
    resource_name = "building"
    excel_table = TABLES["building"]
    list_columns = ["id", "code", "name", "kind", "grid.id", "grid.name", "number", "address", "note"]
    show_columns = list_columns + ["created_at", "updated_at"]
    add_columns = ["grid", "number", "name", "kind", "address", "note"]
    edit_columns = ["name", "kind", "address", "note"]
    search_columns = ["code", "name", "kind", "grid"]


class UnitApi(_LedgerUnitApi):
    datamodel = SQLAInterface(Unit)
    resource_name = "unit"
    excel_table = TABLES["unit"]
    list_columns = ["id", "code", "name", "building.id", "building.name", "number", "note"]
    show_columns = list_columns + ["created_at", "updated_at"]
    add_columns = ["building", "number", "name", "note"]
    edit_columns = ["name", "note"]
    search_columns = ["code", "name", "building"]


# ---- households and residents ------------------------------------------------------

def describe_household(household) -> str:
    return " ".join(filter(None, [household.community.name if household.community else None,
                                  repr(household), household.head_name]))


PHONE_FIELD = text_field(_l("Phone"), description=_l("Stored encrypted and shown masked; leave empty to keep it."))
HOUSEHOLD_FORM = {
    "region_code": RegionSelectField(_l("Place"), units=True,
                                     description=_l("The community, or the grid, building or unit within it.")),
    "phone": PHONE_FIELD,
}
RESIDENT_FORM = {
    "household": RelatedSelectField(_l("Household"), model=Household, endpoint="HouseholdApi.lookup",
                                    describe=describe_household),
    "id_type": select_field(_l("ID type"), choices.ID_TYPES, "resident_id"),
    "relation_to_head": select_field(_l("Relation to the head"), choices.RELATIONS, "other"),
    "category": select_field(_l("Category"), choices.CATEGORIES, "resident"),
    "phone": PHONE_FIELD,
}
# No birth date or gender: ledgers have no unmask right, and with the masked ID number
# they would complete it (app.core.identity.ID_DERIVED_FIELDS).
RESIDENT_LIST = ["name", "id_number_masked", "relation_to_head", "category", "household",
                 "away_location", "expected_return", "filing_state"]
RESIDENT_SHOW = ["name", "household", "id_type", "id_number_masked", "phone_masked", "relation_to_head", "category", "away_location", "expected_return",
                 "filing_state", "note", "created_at", "updated_at"]
RESIDENT_WRITE = ["household", "name", "id_type", "id_number", "phone", "relation_to_head", "category",
                  "away_location", "expected_return", "note"]


class _ResidentList(_LedgerView):
    datamodel = SQLAInterface(Resident)
    excel_table = TABLES["resident"]
    list_title, show_title = _l("Residents"), _l("Person in the ledger")
    add_title, edit_title = _l("Add resident"), _l("Edit resident")
    show_template = "ledgers/resident_show.html"
    list_columns = RESIDENT_LIST
    show_columns = RESIDENT_SHOW
    add_columns = RESIDENT_WRITE
    edit_columns = RESIDENT_WRITE
    search_columns = ["name", "category", "relation_to_head", "away_location", "expected_return", "region_code"]
    order_columns = ["name", "category", "expected_return"]
    base_order = ("id", "asc")
    formatters_columns = {**FORMATTERS, "filing_state": formatter(choices.FILING_STATES)}
    label_columns = {**LABELS, "name": _l("Full name")}
    add_form_extra_fields = {**RESIDENT_FORM, "id_number": text_field(
        _l("ID number"), required=True, description=_l("Stored encrypted and shown masked."))}
    edit_form_extra_fields = {**RESIDENT_FORM, "id_number": text_field(
        _l("ID number"), description=_l("Stored encrypted and shown masked; leave empty to keep it."))}

    @expose("/show/<pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        """The resident, with their filings (found by the ID hash) in the jurisdiction."""
        widgets = self._show(pk)
        resident = self.datamodel.get(pk, self._base_filters)
        filings = ledgers.filings_of_resident(resident, current_jurisdiction())
        return self.render_template(self.show_template, pk=pk, title=self.show_title, widgets=widgets,
                                    related_views=self._related_views, filings=filings,
                                    places=labels_for(f.destination_region_code for f in filings))


class ReturningFilter(BaseFilter):
    """Residents recorded as away who filed a report (app.ledgers.units.returning_condition)."""

    name = _l("Returning")
    arg_name = "returning"

    def apply(self, query, value):
        return query.filter(ledgers.returning_condition())


class ResidentView(_ResidentList):
    """Every resident; the household page lists its residents through this view."""


class ReturningResidentView(_ResidentList):
    """来返: residents recorded as away who have filed a report; update their category
    when they have arrived."""

    list_title = _l("Returning residents (away, and filed a report)")
    base_filters = [["id", ReturningFilter, None]]


class HouseholdView(_LedgerView):
    datamodel = SQLAInterface(Household)
    excel_table = TABLES["household"]
    list_title, show_title = _l("Households"), _l("Household details")
    add_title, edit_title = _l("Add household"), _l("Edit household")
    list_columns = ["community.name", "grid.name", "building.name", "unit.name", "door_number", "head_name",
                    "phone_masked", "resident_count"]
    show_columns = ["community.name", "grid.name", "building.name", "unit.name", "door_number", "address",
                    "head_name", "phone_masked", "resident_count", "note", "created_at", "updated_at"]
    add_columns = ["region_code", "door_number", "address", "head_name", "phone", "note"]
    edit_columns = add_columns
    search_columns = ["door_number", "head_name", "address", "region_code"]
    order_columns = ["door_number", "head_name"]
    base_order = ("region_code", "asc")
    related_views = [ResidentView]
    add_form_extra_fields = HOUSEHOLD_FORM
    edit_form_extra_fields = HOUSEHOLD_FORM


class HouseholdApi(_LedgerApi):
    datamodel = SQLAInterface(Household)
    resource_name = "household"
    excel_table = TABLES["household"]
    lookup_columns = ("door_number", "head_name", "address")
    describe = staticmethod(describe_household)
    list_columns = ["id", "region_code", "community_code", "grid.name", "building.name", "unit.name",
                    "door_number", "address", "head_name", "phone_masked", "note"]
    show_columns = list_columns + ["created_at", "updated_at"]
    add_columns = ["region_code", "door_number", "address", "head_name", "note"]
    edit_columns = add_columns
    search_columns = ["region_code", "door_number", "head_name", "address"]
    order_columns = ["region_code", "door_number"]
    write_only_fields = ("phone",)


class ResidentApi(_LedgerApi):
    datamodel = SQLAInterface(Resident)
    resource_name = "resident"
    excel_table = TABLES["resident"]
    describe = staticmethod(str)
    list_columns = ["id", "household.id", "region_code", "name", "id_type", "id_number_masked",
                    "phone_masked", "relation_to_head", "category", "away_location",
                    "expected_return", "filing_state", "note"]
    show_columns = list_columns + ["created_at", "updated_at"]
    add_columns = ["household", "name", "id_type", "relation_to_head", "category", "away_location",
                   "expected_return", "note"]
    edit_columns = add_columns
    search_columns = ["name", "category", "relation_to_head", "region_code", "household", "expected_return"]
    order_columns = ["name", "category", "expected_return"]
    write_only_fields = ("id_number", "phone")


def register(registry):
    icon_views = [
        ("Grids", _l("Grids"), "fa-th", GridView),
        ("Buildings", _l("Buildings and village groups"), "fa-building", BuildingView),
        ("Units", _l("Units"), "fa-columns", UnitView),
        ("Households", _l("Households"), "fa-home", HouseholdView),
        ("Residents", _l("Residents"), "fa-users", ResidentView),
        ("Returning residents", _l("Returning residents"), "fa-plane", ReturningResidentView),
    ]
    for name, label, icon, view in icon_views:
        registry.add_view(name, label, LEDGERS, icon, view, roles.LEDGER)
    for api in (GridApi, BuildingApi, UnitApi, HouseholdApi, ResidentApi):
        registry.add_api(api)
    current_app.extensions.setdefault("demo_place_hooks", []).append(ledger_demo.create_demo_ledgers)

