from flask import request
from flask_appbuilder import expose
from flask_appbuilder.api import protect
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _l

from app.core import roles
from app.core.jurisdiction import current_jurisdiction, ensure_within
from app.regions.service import check_assignable_region, check_new_region, label, labels_with_place, search_jurisdictions, \
    search_regions
from models import Region
from views.core.api_input import safe
from views.core.base import ScopedModelRestApi, ScopedModelView
from views.core.search import search_doc, select2_search

REGION_LABELS = {
    "code": _l("Code"), "name": _l("Name"), "level": _l("Level"), "parent_code": _l("Parent code"),
}


class RegionWriteRule:
    """A new region follows the regions file's rules and lies within the jurisdiction,
    under an existing parent there."""

    def pre_add(self, item):
        check_new_region(item.code, item.name, item.level, item.parent_code)
        jurisdiction = current_jurisdiction()
        ensure_within(item.code, jurisdiction, "code")
        if item.level > 1:
            check_assignable_region(item.parent_code, field="parent_code", level=item.level - 1,
                                    jurisdiction=jurisdiction)

    def pre_update(self, item):
        """Only the name can change."""


class RegionView(RegionWriteRule, ScopedModelView):
    datamodel = SQLAInterface(Region)
    class_permission_name = roles.REGION
    list_title = _l("Regions")
    show_title = _l("Region")
    add_title = _l("Add region")
    edit_title = _l("Edit region")
    label_columns = REGION_LABELS
    list_columns = ["code", "name", "level", "parent_code"]
    search_columns = ["code", "name", "level", "parent_code"]
    add_columns = ["code", "name", "level", "parent_code"]
    edit_columns = ["name"]
    order_columns = ["code", "name", "level"]
    base_order = ("code", "asc")


class RegionApi(RegionWriteRule, ScopedModelRestApi):
    datamodel = SQLAInterface(Region)
    class_permission_name = roles.REGION
    resource_name = "region"
    label_columns = REGION_LABELS
    list_columns = ["code", "name", "level", "parent_code"]
    show_columns = list_columns
    add_columns = list_columns
    edit_columns = ["name"]
    search_columns = ["code", "name", "level", "parent_code"]
    order_columns = ["code", "name", "level"]

    def get_headless(self, pk, **kwargs):
        # FAB routes the pk as an int; region codes are strings.
        return super().get_headless(str(pk), **kwargs)

    @expose("/search", methods=["GET"])
    @protect(allow_browser_login=True)
    @safe
    @search_doc("Regions within the caller's jurisdiction matching ``q``, for searchable region fields.",
                "{in: query, name: level, schema: {type: integer}}",
                '{in: query, name: units, schema: {type: integer}, description: "1: ledger grids, buildings, units too"}')
    def search(self):
        level = request.args.get("level", type=int)
        if request.args.get("units"):  # any jurisdiction: ledger grids, buildings, units too
            search = search_jurisdictions
        else:
            search = lambda term, jurisdiction: search_regions(term, jurisdiction, level)  # noqa: E731
        return select2_search(search, place_texts, key="code", with_level=True)


def place_texts(places):
    """Each place's text for a picker: a region says where it lies (one query for all)."""
    labels = labels_with_place([p for p in places if isinstance(p, Region)])
    return lambda place: labels.get(place.code) or label(place)
