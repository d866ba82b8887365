"""Screens and API of checkpoints 卡口: the checkpoints and who is posted at them (admins
and command staff, scoped), the checkpoint screen (phone first: scan or type, see the
colour, log the pass; no filing: the paper form on the spot), the pass log and the
transit list (scoped), ``POST /api/v1/checkpoint/scan`` and, as shared/API.md names
it, ``POST /api/v1/checkpoint/pass``. Thin: the rules are in
app.checkpoints.service."""
import datetime as dt

from flask import abort, current_app, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.api import BaseApi, protect
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext as _, lazy_gettext as _l

from app.checkpoints import service
from app.core import clock, roles
from app.core.errors import NotFound, ValidationFailed
from app.core.jurisdiction import JurisdictionFilter, current_jurisdiction
from app.filings.labels import choice_label
from app.regions.service import labels_for
from models.base import utcnow
from models.checkpoint import CHECKPOINT_KIND_LABELS, DIRECTION_LABELS, Checkpoint, CheckpointPass
from models.healthcode import COLOUR_LABELS
from models.user import ConsoleUser
from views.core.api_input import json_object, optional_text, safe
from views.core.base import ScopedModelView
from views.core.widgets import RegionSelectField
from views.ledgers.base import select_field

CATEGORY = ("Checkpoints", _l("Checkpoints"))
ONE_OF_NAMED = _l("Give exactly one of receipt, id_number and qr.")
YES_OR_NO = _l("Yes or no.")
TRANSIT_DAYS = 14


def _user_id():
    return getattr(current_app.appbuilder.sm.current_user, "id", None)


def _region_name(code):
    return labels_for([code]).get(code, code) if code else ""


class CheckpointView(ScopedModelView):
    """The checkpoints of the jurisdiction and the Checkpoint accounts posted at each."""

    datamodel = SQLAInterface(Checkpoint)
    class_permission_name = roles.CHECKPOINT_SITE
    list_title, show_title, add_title, edit_title = (_l("Checkpoints"), _l("Checkpoint"), _l("Add checkpoint"),
                                                     _l("Edit checkpoint"))
    label_columns = {"name": _l("Name"), "kind": _l("Kind"), "region_code": _l("Region"), "address": _l("Address"),
                     "active": _l("In service"), "staff": _l("Checkpoint accounts posted here"),
                     "created_at": _l("Created")}
    list_columns = ["name", "kind", "region_code", "active", "staff"]
    show_columns = ["name", "kind", "region_code", "address", "active", "staff", "created_at"]
    add_columns = edit_columns = ["name", "kind", "region_code", "address", "active", "staff"]
    search_columns = ["name", "kind", "region_code", "active"]
    order_columns = ["name", "kind", "region_code"]
    base_order = ("name", "asc")
    region_fields = {"region_code": None}
    formatters_columns = {"kind": lambda kind: str(CHECKPOINT_KIND_LABELS.get(kind, kind)), "region_code": _region_name,
                          "created_at": clock.format_local}
    # Only accounts of the jurisdiction may be posted (the form offers no others).
    add_form_query_rel_fields = edit_form_query_rel_fields = {
        "staff": [["region_code", JurisdictionFilter, current_jurisdiction]]}
    add_form_extra_fields = edit_form_extra_fields = {
        "kind": select_field(_l("Kind"), CHECKPOINT_KIND_LABELS, "railway"),
        "region_code": RegionSelectField(_l("Region")),
    }

    def pre_add(self, item):
        super().pre_add(item)
        service.check_staff_within(item, current_jurisdiction())

    def pre_update(self, item):
        super().pre_update(item)
        service.check_staff_within(item, current_jurisdiction())


class CheckpointPassView(ScopedModelView):
    """The pass log of the jurisdiction's checkpoints (read only)."""

    datamodel = SQLAInterface(CheckpointPass)
    class_permission_name = roles.CHECKPOINT_LOG
    base_permissions = ["can_list", "can_show"]
    list_title = show_title = _l("Passes")
    label_columns = {"checkpoint": _l("Checkpoint"), "passed_at": _l("Time"), "direction": _l("Direction"),
                     "transit": _l("Transit"), "name_masked": _l("Name"), "colour": _l("Colour"),
                     "destination_region_code": _l("Destination"), "without_filing": _l("Arrived without a filing"),
                     "filing": _l("Filing"), "region_code": _l("Region"), "day": _l("Day")}
    list_columns = ["passed_at", "checkpoint", "direction", "transit", "name_masked", "colour",
                    "destination_region_code", "without_filing"]
    show_columns = list_columns + ["region_code"]
    search_columns = ["day", "direction", "transit", "without_filing", "colour"]
    order_columns = ["passed_at"]
    base_order = ("passed_at", "desc")
    formatters_columns = {"passed_at": clock.format_local, "destination_region_code": _region_name,
                          "direction": lambda d: str(DIRECTION_LABELS.get(d, d)),
                          "colour": lambda c: str(COLOUR_LABELS.get(c, "")) if c else _("No code"),
                          "transit": lambda v: _("Yes") if v else _("No"),
                          "without_filing": lambda v: _("Yes") if v else _("No")}


def _shown_texts(shown: service.PassengerAtCheckpoint) -> dict:
    """The four fields as the screen and the API show them."""
    return {"name_masked": shown.name_masked, "destination": shown.destination,
            "filing_status": shown.filing_status,
            "filing_status_label": choice_label("status", shown.filing_status) if shown.filing_status
            else _("No filing"),
            "colour": shown.colour,
            "colour_label": str(COLOUR_LABELS[shown.colour]) if shown.colour else _("No valid health code")}


class CheckpointDeskView(BaseView):
    """The checkpoint screen: scan a receipt or health-code QR (a hardware scanner types
    into the field; a phone may use its camera), or type the receipt or ID number."""

    route_base = "/checkpoint"
    default_view = "desk"
    class_permission_name = roles.CHECKPOINT_SCAN
    method_permission_name = {"desk": roles.WRITE}

    @expose("/", methods=["GET", "POST"])
    @has_access
    def desk(self):
        user_id, jurisdiction = _user_id(), current_jurisdiction()
        checkpoints = service.posted_checkpoints(user_id, jurisdiction)
        form = {"checkpoint": request.values.get("checkpoint", ""), "direction": request.form.get("direction", "in"),
                "transit": bool(request.form.get("transit"))}
        result = errors = None
        status = 200
        if request.method == "POST":
            try:
                pass_id, shown = service.log_pass(
                    request.form.get("checkpoint"), request.form.get("scanned", ""), direction=form["direction"],
                    transit=form["transit"], jurisdiction=jurisdiction, user_id=user_id, now=utcnow())
                result = {**_shown_texts(shown), "pass_id": pass_id, "without_filing":
                          shown.filing_status is None and not form["transit"] and form["direction"] == "in"}
            except NotFound:
                abort(404)
            except ValidationFailed as refusal:
                errors, status = refusal.errors or {"scanned": [refusal.message]}, 400
        return self.render_template(
            "checkpoints/desk.html", checkpoints=checkpoints, form=form, result=result, errors=errors,
            title=_("Scan at the checkpoint"), paper_url=url_for("FilingEntryView.paper", channel="checkpoint")), status



class TransitView(BaseView):
    """中转: the transit passengers through the jurisdiction's checkpoints, for the
    investigation team."""

    route_base = "/transit"
    default_view = "transit"
    class_permission_name = roles.CHECKPOINT_LOG
    method_permission_name = {"transit": roles.READ}

    @expose("/")
    @has_access
    def transit(self):
        today = clock.local_today()
        rows = service.transit_passes(current_jurisdiction(), today - dt.timedelta(days=TRANSIT_DAYS), today)
        return self.render_template("checkpoints/transit.html", rows=rows, local=clock.format_local,
                                    colours=COLOUR_LABELS, directions=DIRECTION_LABELS, days=TRANSIT_DAYS,
                                    title=_("Transit passengers"))


def _named_person(body: dict) -> tuple[str, str]:
    """The one field of ``service.NAMED_FIELDS`` the body gives (an empty one counts as
    not given: a terminal may send them all) and its text."""
    given = {field: optional_text(body, field) for field in service.NAMED_FIELDS}
    given = {field: text for field, text in given.items() if text and text.strip()}
    if len(given) != 1:
        raise ValidationFailed(ONE_OF_NAMED, {field: [ONE_OF_NAMED] for field in service.NAMED_FIELDS})
    return next(iter(given.items()))


def _transit(body: dict) -> bool:
    transit = body.get("transit", False)
    if not isinstance(transit, bool):
        raise ValidationFailed(YES_OR_NO, {"transit": [YES_OR_NO]})
    return transit


class CheckpointApi(BaseApi):
    """A checkpoint terminal's scan: ``POST /api/v1/checkpoint/pass`` (shared/API.md) and
    ``POST /api/v1/checkpoint/scan`` (as first built), one service behind both."""

    resource_name = "checkpoint"
    class_permission_name = roles.CHECKPOINT_SCAN
    method_permission_name = {"scan": roles.WRITE, "record_pass": roles.WRITE}
    allow_browser_login = True

    @expose("/scan", methods=["POST"])
    @protect()
    @safe
    def scan(self):
        """Look a person up anywhere in the province and log their pass at one of your
        checkpoints: ``{"checkpoint_id", "scanned", "direction": "in"|"out", "transit"}``.
        Answers only the masked name, the destination, the filing's status and the colour.
        ---
        post:
          requestBody:
            content:
              application/json:
                schema: {type: object, properties: {checkpoint_id: {type: integer}, scanned: {type: string},
                         direction: {type: string, enum: [in, out]}, transit: {type: boolean}}}
          responses:
            201: {description: '{"pass_id", "name_masked", "destination", "filing_status", "colour"}'}
            400: {description: not a receipt, ID number or valid health code; a bad direction}
            404: {description: not one of your checkpoints}
        """
        body = json_object()
        pass_id, shown = service.log_pass(
            body.get("checkpoint_id"), optional_text(body, "scanned") or "",
            direction=optional_text(body, "direction") or "in", transit=body.get("transit") is True,
            jurisdiction=current_jurisdiction(), user_id=_user_id(), now=utcnow())
        return self.response(201, pass_id=pass_id, **_shown_texts(shown))

    @expose("/pass", methods=["POST"])
    @protect()
    @safe
    def record_pass(self):
        """Look a person up anywhere in the province by their receipt, ID number or
        health-code QR, and log their pass at one of your checkpoints (shared/API.md).
        ---
        post:
          requestBody:
            description: exactly one of receipt, id_number and qr names the person
            content:
              application/json:
                schema:
                  type: object
                  required: [checkpoint]
                  properties:
                    checkpoint: {type: integer, description: "the id of a checkpoint you are posted at"}
                    receipt: {type: string, description: "a filing's receipt, or its QR's link"}
                    id_number: {type: string}
                    qr: {type: string, description: "a health-code QR token (expires after 5 minutes)"}
                    direction: {type: string, enum: [in, out], default: in}
                    transit: {type: boolean, default: false, description: "a transit passenger (中转): no filing due"}
          responses:
            201:
              description: the pass is logged; only these fields of the person are shown
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      found: {type: boolean, description: "a filing was found (false: the paper form on the spot)"}
                      name_masked: {type: string, nullable: true}
                      destination: {type: string, nullable: true, description: the destination's name}
                      status: {type: string, nullable: true, description: "the filing's status"}
                      colour: {type: string, enum: [green, yellow, red], nullable: true,
                               description: "null: no valid health code"}
                      pass_id: {type: integer}
                      filing_status: {type: string, nullable: true, description: the same as status}
                      filing_status_label: {type: string}
                      colour_label: {type: string}
            400: {description: "not exactly one of receipt, id_number and qr; an unknown receipt; not an ID number; an expired QR; a bad direction"}
            404: {description: not one of your checkpoints}
        """
        body = json_object()
        field, scanned = _named_person(body)
        pass_id, shown = service.log_pass(
            body.get("checkpoint"), scanned, field=field, direction=optional_text(body, "direction") or "in",
            transit=_transit(body), jurisdiction=current_jurisdiction(), user_id=_user_id(), now=utcnow())
        return self.response(201, found=shown.filing_status is not None, status=shown.filing_status,
                             pass_id=pass_id, **_shown_texts(shown))


def register(registry):
    registry.add_view("Checkpoint screen", _l("Scan at the checkpoint"), CATEGORY, "fa-qrcode", CheckpointDeskView,
                      roles.CHECKPOINT_SCAN)
    registry.add_view("Passes", _l("Passes"), CATEGORY, "fa-exchange", CheckpointPassView, roles.CHECKPOINT_LOG)
    registry.add_view("Transit passengers", _l("Transit passengers"), CATEGORY, "fa-random", TransitView,
                      roles.CHECKPOINT_LOG)
    registry.add_view("Checkpoints", _l("Checkpoints"), CATEGORY, "fa-road", CheckpointView, roles.CHECKPOINT_SITE)
    registry.add_api(CheckpointApi)
    from app.checkpoints.demo import create_demo_checkpoints
    current_app.extensions.setdefault("demo_hooks", []).append(create_demo_checkpoints)
