"""Staff screens and API of the venues 场所 (list, add, edit, delete within the
jurisdiction; Excel import, template and export; the printable poster of each)."""
import io

from flask import abort, current_app, send_file, url_for
from flask_appbuilder import expose
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import has_access
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from app.core import roles
from app.core.jurisdiction import current_jurisdiction, row_within
from app.filings.links import public_url
from app.ledgers import choices
from app.venues import posters, service
from app.venues.demo import create_demo_venues
from app.venues.excel import VENUES
from models.venue import Venue
from views.core.base import ScopedModelRestApi, ScopedModelView
from views.core.widgets import RegionSelectField
from views.core.places import place_label
from views.ledgers.base import EXCEL_PERMISSIONS, LedgerApiMixin, LedgerViewMixin, select_field, \
    text_field
from views.ledgers.units import PHONE_FIELD, formatter

VENUE_CODES = ("Venues", _l("Venue codes"))
LABELS = {
    "code": _l("Venue code"), "name": _l("Venue name"), "type": _l("Venue type"),
    "medical": _l("Medical institution"), "community_code": _l("Community"), "address": _l("Address"),
    "contact_name": _l("Responsible person"), "phone": _l("Phone of the responsible person"),
    "phone_masked": _l("Phone of the responsible person"), "note": _l("Note"),
    "created_at": _l("Created"), "updated_at": _l("Updated"),
}


def code_with_poster(code) -> Markup:
    """The venue code and the button that prints its poster."""
    return Markup('{} <a class="btn btn-xs btn-default poster-link" href="{}" target="_blank" rel="noopener">'
                  '<i class="fa fa-qrcode"></i> {}</a>').format(code, url_for("VenueView.poster", code=code), _l("Poster (PDF)"))


FORMATTERS = {"type": formatter(service.TYPE_LABELS), "medical": formatter(choices.YES_NO),
              "community_code": place_label, "code": code_with_poster}
FORM = {
    "community_code": RegionSelectField(_l("Community"), level=5),
    "type": select_field(_l("Venue type"), service.TYPE_LABELS, "shop"),
    "medical": select_field(_l("Medical institution"), {"": _l("By its type"), "1": _l("Yes"), "0": _l("No")}),
    "contact_name": text_field(_l("Responsible person")),
    "phone": PHONE_FIELD,
}
WRITE = ["community_code", "name", "type", "medical", "address", "contact_name", "phone", "note"]
PERMISSIONS = {**EXCEL_PERMISSIONS, "poster": roles.READ}


class _Venues:
    datamodel = SQLAInterface(Venue)
    class_permission_name = roles.VENUE
    method_permission_name = PERMISSIONS
    service = staticmethod(service.prepare)
    excel_table = VENUES
    import_jobs = False  # a township's venues are a small file
    label_columns = LABELS


class VenueView(_Venues, LedgerViewMixin, ScopedModelView):
    list_title, show_title = _l("Venues"), _l("Venue")
    add_title, edit_title = _l("Add venue"), _l("Edit venue")
    formatters_columns = FORMATTERS
    list_columns = ["name", "type", "medical", "community_code", "address", "contact_name", "phone_masked", "code"]
    show_columns = ["name", "type", "medical", "community_code", "address", "contact_name", "phone_masked", "code",
                    "note", "created_at", "updated_at"]
    add_columns = WRITE
    edit_columns = WRITE
    search_columns = ["name", "type", "medical", "community_code", "address", "contact_name"]
    order_columns = ["name", "type", "community_code"]
    base_order = ("community_code", "asc")
    add_form_extra_fields = FORM
    edit_form_extra_fields = FORM

    def process_form(self, form, is_created):
        """The medical choice: empty means "by its type" (service.prepare decides)."""
        form.medical.data = {"1": True, "0": False}.get(form.medical.data)
        super().process_form(form, is_created)

    def prefill_form(self, form, pk):
        form.medical.data = {True: "1", False: "0"}.get(form.medical.data, "")

    @expose("/poster/<code>")
    @has_access
    def poster(self, code):
        """The A4 poster of a venue of the jurisdiction (another's: 404)."""
        venue = service.venue_by_code(code)
        if venue is None or row_within(Venue, venue.id, current_jurisdiction()) is None:
            abort(404)
        place = " ".join(part for part in (place_label(venue.community_code), venue.address) if part)
        pdf = posters.poster_pdf(posters.VenuePoster(name=venue.name, place=place, url=public_url(f"/v/{code}"),
                                                     code=code, medical=venue.medical))
        return send_file(io.BytesIO(pdf), mimetype="application/pdf", download_name=f"venue-{code}.pdf")


class VenueApi(_Venues, LedgerApiMixin, ScopedModelRestApi):
    resource_name = "venue"
    lookup_columns = ("name", "address")
    list_columns = ["id", "code", "community_code", "name", "type", "medical", "address", "contact_name",
                    "phone_masked", "note"]
    show_columns = list_columns + ["created_at", "updated_at"]
    add_columns = ["community_code", "name", "type", "medical", "address", "contact_name", "note"]
    edit_columns = add_columns
    search_columns = ["community_code", "name", "type", "medical"]
    order_columns = ["name", "type", "community_code"]
    write_only_fields = ("phone",)
    optional_fields = ("type", "medical")


def register(registry):
    registry.add_view("Venues", _l("Venues"), VENUE_CODES, "fa-qrcode", VenueView, roles.VENUE)
    registry.add_api(VenueApi)
    current_app.extensions.setdefault("demo_hooks", []).append(create_demo_venues)
