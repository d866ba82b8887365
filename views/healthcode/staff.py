"""Health codes for staff: the codes of the jurisdiction (a code belongs to the region of
the person's filing or ledger household), a person's changes with the rule and its
inputs ("why am I yellow?"), the form that sets a colour by hand (app.healthcode.by_hand);
and ``GET /api/v1/healthcode/verify`` for checkpoints and integrators (mutual
recognition: a scanned code, or an ID number, answers its colour and as-of)."""
from flask import abort, current_app, flash, redirect, request, url_for
from flask_appbuilder import expose, has_access
from flask_appbuilder.api import BaseApi, protect
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext as _, lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional as Optionally

from app.core import clock, roles
from app.core.errors import DomainError, NotFound, ValidationFailed
from app.core.extensions import db
from app.core.jurisdiction import code_within, current_jurisdiction
from app.crossmatch.feeds import id_number as checked_id_number
from app.healthcode.codes import current_code, history, person_hash_of
from app.healthcode.by_hand import set_colour_by_hand
from app.healthcode.rules import RULE_LABELS
from app.healthcode.tokens import read_code_token_field
from app.ledgers.cells import CellError
from models.base import utcnow
from models.healthcode import COLOUR_LABELS, HealthCode
from views.core.api_input import safe
from views.core.places import place_label
from views.core.shown import times_in_text
from views.core.base import ScopedModelView

CATEGORY = ("Healthcode", _l("Health codes"))


def _label(labels):
    return lambda value: labels.get(value, value or "")


class SetColourForm(FlaskForm):
    colour = SelectField(_l("Colour"), choices=list(COLOUR_LABELS.items()), validators=[DataRequired()])
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=500)])
    until = DateTimeLocalField(_l("Until (empty: until a rule fires again)"), format="%Y-%m-%dT%H:%M",
                               validators=[Optionally()])


class FindPersonForm(FlaskForm):
    id_number = StringField(_l("ID number"), validators=[DataRequired(), Length(max=32)])


NOT_IN_JURISDICTION = _l("No health code of this ID number in your jurisdiction.")


class HealthCodeView(ScopedModelView):
    """健康码: the codes of the user's jurisdiction, the reddest first; a person found by
    their ID number (a POST: the number stays out of URLs and access logs)."""

    datamodel = SQLAInterface(HealthCode)
    class_permission_name = roles.HEALTH_CODE
    method_permission_name = {**roles.METHOD_PERMISSIONS, "set_colour": roles.WRITE, "find": roles.READ}
    include_route_methods = {"list", "show", "set_colour", "find"}
    list_template = "healthcode/code_list.html"
    list_title, show_title = _l("Health codes"), _l("Health code")
    show_template = "healthcode/code_show.html"
    label_columns = {"colour": _l("Colour"), "rule": _l("Rule"), "changed_at": _l("Since"),
                     "expires_at": _l("Valid until"), "manual": _l("Set by hand"), "region_code": _l("Region")}
    list_columns = ["colour", "rule", "changed_at", "expires_at", "manual", "region_code"]
    show_columns = list_columns
    search_columns = ["colour", "rule", "region_code", "changed_at"]
    order_columns = ["colour", "changed_at"]
    base_order = ("changed_at", "desc")
    formatters_columns = {"colour": _label(COLOUR_LABELS), "rule": _label(RULE_LABELS),
                          "changed_at": clock.format_local, "expires_at": clock.format_local}

    @expose("/show/<pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        code = self._code(pk)  # 404 outside the jurisdiction
        return self.render_template(
            self.show_template, title=self.show_title, code=code, changes=history(code.person_hash),
            colour_labels=COLOUR_LABELS, rule_labels=RULE_LABELS, format_local=clock.format_local,
            times_in_text=times_in_text, place=place_label,
            form=SetColourForm(colour=code.colour), can_set=self.appbuilder.sm.has_access("can_write",
                                                                                          roles.HEALTH_CODE))

    @expose("/set/<pk>", methods=["POST"])
    @has_access
    def set_colour(self, pk):
        code = self._code(pk)
        form = SetColourForm()
        if not form.validate_on_submit():
            flash(_("Choose a colour and give the reason (at most 500 characters)."), "danger")
            return redirect(url_for(".show", pk=pk))
        until = clock.to_utc(form.until.data) if form.until.data else None
        try:
            set_colour_by_hand(code.person_hash, form.colour.data, form.reason.data, utcnow(), by_id=_user_id(),
                               jurisdiction=current_jurisdiction(), until=until)
        except NotFound:
            abort(404)
        except DomainError as error:
            flash(str(error.message), "danger")
            return redirect(url_for(".show", pk=pk))
        flash(_("Colour set."), "success")
        return redirect(url_for(".show", pk=pk))

    def render_template(self, template, **kwargs):
        if template == self.list_template:
            kwargs.setdefault("find_form", FindPersonForm())
        return super().render_template(template, **kwargs)

    @expose("/find", methods=["POST"])
    @has_access
    def find(self):
        """The code of the person of an ID number, within the user's jurisdiction."""
        form = FindPersonForm()
        if not form.validate_on_submit():
            flash(_("Enter the ID number (at most 32 characters)."), "danger")
            return redirect(url_for(".list"))
        try:
            person = person_hash_of(_id_number(form.id_number.data))
        except ValidationFailed as error:
            flash(str(error.message), "danger")
            return redirect(url_for(".list"))
        found = _visible_code(person)
        if found is None:
            flash(str(NOT_IN_JURISDICTION), "warning")
            return redirect(url_for(".list"))
        return redirect(url_for(".show", pk=found.person_hash))

    def _code(self, pk) -> HealthCode:
        code = _visible_code(pk)
        if code is None:
            abort(404)
        return code


def _visible_code(person_hash: str):
    """The person's code when it lies within the user's jurisdiction, else None."""
    return db.session.scalar(db.select(HealthCode).where(
        HealthCode.person_hash == person_hash, code_within(HealthCode.region_code, current_jurisdiction())))


def _user_id():
    return getattr(current_app.appbuilder.sm.current_user, "id", None)


NEITHER = _l("Give the scanned token or an ID number.")


class HealthCodeVerifyApi(BaseApi):
    """``GET /api/v1/healthcode/verify?qr=...`` (shared/API.md; ``?token=`` as well) or ``?id_number=...``."""

    resource_name = "healthcode"
    class_permission_name = roles.HEALTH_CODE_VERIFY
    method_permission_name = {"verify": roles.READ}
    allow_browser_login = True

    @expose("/verify", methods=["GET"])
    @protect()
    @safe
    def verify(self):
        """A person's health code now, from a scanned code page's QR (``qr``, or ``token``
        as first built) or an ID number.
        ---
        get:
          parameters:
          - {in: query, name: qr, schema: {type: string}, description: "the health-code QR token (shared/API.md)"}
          - {in: query, name: token, schema: {type: string}, description: "the same as qr"}
          - {in: query, name: id_number, schema: {type: string}}
          responses:
            200:
              description: the colour now
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      colour: {type: string, enum: [green, yellow, red], nullable: true,
                               description: "null: no code, or a self-declared green past its days"}
                      since: {type: string, format: date-time, nullable: true, description: "when it took this colour"}
                      valid_until: {type: string, format: date-time, nullable: true}
                      as_of: {type: string, format: date-time, nullable: true, description: "the same as since"}
                      colour_label: {type: string, nullable: true}
            400: {description: "no valid QR or ID number, or the QR expired: {message, errors}"}
        """
        now = utcnow()
        field = "qr" if request.args.get("qr") else "token"
        token, id_number = request.args.get(field), request.args.get("id_number")
        if token:
            person = read_code_token_field(token, now, field)
        else:
            person = person_hash_of(_id_number(id_number))
        code = current_code(person, now)
        since = clock.iso_local(code.as_of)
        return self.response(200, colour=code.colour, since=since,
                             colour_label=str(COLOUR_LABELS[code.colour]) if code.colour else None,
                             as_of=since, valid_until=clock.iso_local(code.expires_at))


def _id_number(value) -> str:
    try:
        checked = checked_id_number(value)
    except CellError as error:
        raise ValidationFailed(error.args[0], {"id_number": [error.args[0]]})
    if not checked:
        raise ValidationFailed(NEITHER, {"qr": [NEITHER], "token": [NEITHER]})
    return checked


def register(registry):
    registry.add_view("Health codes", _l("Health codes"), CATEGORY, "fa-qrcode", HealthCodeView, roles.HEALTH_CODE)
    registry.add_api(HealthCodeVerifyApi)


