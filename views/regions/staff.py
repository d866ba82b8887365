import io

from flask import abort, current_app, request, send_file, url_for
from flask_appbuilder import expose, has_access
from flask_appbuilder.api import protect
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from app.core import roles
from app.core.jurisdiction import current_jurisdiction, ensure_within, is_within
from app.filings import links, posters
from app.regions.service import check_assignable_region, check_new_region, label, labels_with_place, region_path, \
    search_jurisdictions, search_regions
from models import Region
from models.region import LEVEL_COMMUNITY, LEVEL_LABELS, LEVEL_TOWNSHIP
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


# Codes of the levels that get posters: a township's (9 digits) and a community's (12).
POSTER_CODE_LENGTHS = (9, 12)


def _code_with_poster(code) -> Markup:
    """The code, and for a township or community the button that prints its poster."""
    if len(code or "") not in POSTER_CODE_LENGTHS:
        return Markup("{}").format(code)
    return Markup('{} <a class="btn btn-xs btn-default poster-link" href="{}" target="_blank" rel="noopener">'
                  '<i class="fa fa-print"></i> {}</a>').format(
        code, url_for("RegionView.poster", code=code), _l("Poster and guide (PDF)"))


class RegionView(RegionWriteRule, ScopedModelView):
    datamodel = SQLAInterface(Region)
    class_permission_name = roles.REGION
    method_permission_name = {**roles.METHOD_PERMISSIONS, "poster": roles.READ}
    formatters_columns = {"code": _code_with_poster, "level": lambda level: str(LEVEL_LABELS.get(level, level))}
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

    @expose("/poster/<code>")
    @has_access
    def poster(self, code):
        """The A4 poster and 明白纸 of a township or community of the jurisdiction (a
        region of another jurisdiction, or of another level: 404)."""
        if not code.isdigit() or not is_within(code, current_jurisdiction()):
            abort(404)
        path = region_path(code)
        if not path or path[-1].code != code or path[-1].level not in (LEVEL_TOWNSHIP, LEVEL_COMMUNITY):
            abort(404)
        pdf = posters.poster_pdf(posters.Poster(
            place=" ".join(region.name for region in path[1:]), url=links.public_url(f"/report/?to={code}"),
            hotline=current_app.config["REPORT_HOTLINE"]))
        return send_file(io.BytesIO(pdf), mimetype="application/pdf", download_name=f"poster-{code}.pdf")


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
