"""Screens and API of follow-ups during control 随访: today's list to do (scoped; a grid
member's holds the people of their grid), the form recording one (POST, CSRF), and
``GET /api/v1/follow_up/``, ``GET /api/v1/follow_up/<id>``, ``POST .../<id>/record``.
Thin: the rules are in app.followups.service, given the caller's jurisdiction."""
import datetime as dt

from flask import abort, current_app, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.api import BaseApi, protect
from flask_babel import gettext as _, lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, TextAreaField

from app.core import clock, roles
from app.core.errors import Conflict, NotFound, ValidationFailed
from app.core.jurisdiction import current_jurisdiction
from app.filings.labels import CONTROL_LABELS
from app.followups import service
from models.base import utcnow
from views.core.api_input import json_object, optional_text, safe
from views.core.refusals import ShownRefusal

CATEGORY = ("Followups", _l("Follow-up during control"))
STATUS_FILTERS = {"due": "due", "done": "done", "all": None}
BAD_DAY = _l("A day as YYYY-MM-DD.")
BAD_STATUS = _l("One of: due, done, all.")


def _user_id():
    return getattr(current_app.appbuilder.sm.current_user, "id", None)


class RecordForm(FlaskForm):
    temperature = StringField(_l("Temperature (℃)"))
    symptoms = StringField(_l("Symptoms (empty: none)"))
    tested = BooleanField(_l("Nucleic-acid test taken today"))
    note = TextAreaField(_l("Note"))


class FollowUpView(BaseView):
    """随访: the follow-ups to do up to today within the caller's jurisdiction."""

    route_base = "/followups"
    default_view = "index"
    class_permission_name = roles.FOLLOW_UP
    method_permission_name = {"index": roles.READ, "record": roles.WRITE}

    @expose("/")
    @has_access
    def index(self):
        now = utcnow()
        rows = service.to_do(current_jurisdiction(), now)
        return self.render_template("followups/list.html", rows=rows, now=now, controls=CONTROL_LABELS, local=clock.format_local,
                                    today=clock.local_today(now), title=_("Follow-ups to do today"),
                                    can_record=self.appbuilder.sm.has_access(f"can_{roles.WRITE}", roles.FOLLOW_UP))

    @expose("/record/<int:pk>", methods=["GET", "POST"])
    @has_access
    def record(self, pk):
        follow_up = self._follow_up(pk)
        form = RecordForm()
        refusal = ShownRefusal((ValidationFailed, Conflict))
        if request.method == "POST" and form.validate_on_submit():
            with refusal:
                service.record(pk, temperature=form.temperature.data, symptoms=form.symptoms.data,
                               tested=bool(form.tested.data), note=form.note.data,
                               jurisdiction=current_jurisdiction(), user_id=_user_id(), now=utcnow())
            if refusal.error is None:
                flash(_("Follow-up recorded."), "success")
                return redirect(url_for(".index"))
        elif request.method == "POST":
            flash(_("The form has expired; please send it again."), "danger")
        filing = service.filing_of(follow_up)
        status = 400 if request.method == "POST" else 200
        return self.render_template("followups/record.html", form=form, follow_up=follow_up, filing=filing,
                                    errors=refusal.errors, controls=CONTROL_LABELS, local=clock.format_local,
                                    title=_("Record a follow-up")), status

    @staticmethod
    def _follow_up(pk):
        """The follow-up within the caller's jurisdiction; 404 outside, as when missing."""
        try:
            return service.scoped_follow_up(pk, current_jurisdiction())
        except NotFound:
            abort(404)


def _serialised(follow_up, filing, now: dt.datetime) -> dict:
    return {"id": follow_up.id, "filing_id": follow_up.filing_id, "receipt": filing.receipt,
            "name": filing.name, "id_masked": filing.id_number_masked, "phone_masked": filing.phone_masked,
            "region_code": follow_up.region_code, "control_measure": filing.control_measure,
            "day": follow_up.day.isoformat(), "due_at": clock.iso_local(follow_up.due_at),
            "late": follow_up.status == "due" and follow_up.due_at < now, "status": follow_up.status,
            "temperature": None if follow_up.temperature is None else float(follow_up.temperature),
            "symptoms": follow_up.symptoms, "tested": follow_up.tested, "note": follow_up.note,
            "done_at": clock.iso_local(follow_up.done_at)}


class FollowUpApi(BaseApi):
    """``GET /api/v1/follow_up/?day=&status=``, ``GET /api/v1/follow_up/<id>``,
    ``POST /api/v1/follow_up/<id>/record``."""

    resource_name = "follow_up"
    class_permission_name = roles.FOLLOW_UP
    method_permission_name = {"listing": roles.READ, "one": roles.READ, "record": roles.WRITE}
    allow_browser_login = True

    @expose("/", methods=["GET"])
    @protect()
    @safe
    def listing(self):
        """Follow-ups within your jurisdiction: by default those to do up to today.
        ---
        get:
          parameters:
          - {in: query, name: day, schema: {type: string, format: date}}
          - {in: query, name: status, schema: {type: string, enum: [due, done, all]}}
          responses:
            200: {description: "{count, result: [...]}"}
            400: {description: a bad day or status}
        """
        day, status = request.args.get("day"), request.args.get("status", "due")
        if status not in STATUS_FILTERS:
            raise ValidationFailed(BAD_STATUS, {"status": [BAD_STATUS]})
        try:
            day = dt.date.fromisoformat(day) if day else None
        except ValueError:
            raise ValidationFailed(BAD_DAY, {"day": [BAD_DAY]})
        now = utcnow()
        rows = service.to_do(current_jurisdiction(), now, day=day, status=STATUS_FILTERS[status])
        return self.response(200, count=len(rows), result=[_serialised(f, filing, now) for f, filing in rows])

    @expose("/<int:pk>", methods=["GET"])
    @protect()
    @safe
    def one(self, pk):
        """One follow-up.
        ---
        get:
          parameters:
          - {in: path, name: pk, schema: {type: integer}}
          responses:
            200: {description: the follow-up}
            404: {description: no such follow-up in your jurisdiction}
        """
        follow_up = service.scoped_follow_up(pk, current_jurisdiction())
        return self.response(200, result=_serialised(follow_up, service.filing_of(follow_up), utcnow()))

    @expose("/<int:pk>/record", methods=["POST"])
    @protect()
    @safe
    def record(self, pk):
        """Record a follow-up: ``{"temperature", "symptoms", "tested", "note"}``.
        ---
        post:
          parameters:
          - {in: path, name: pk, schema: {type: integer}}
          requestBody:
            content:
              application/json:
                schema: {type: object, properties: {temperature: {type: number}, symptoms: {type: string},
                         tested: {type: boolean}, note: {type: string}}}
          responses:
            200: {description: the follow-up after the change}
            400: {description: a bad value}
            404: {description: no such follow-up in your jurisdiction}
            409: {description: recorded already, or for a later day}
        """
        body = json_object()
        temperature = body.get("temperature")
        if isinstance(temperature, bool) or not isinstance(temperature, (int, float, str, type(None))):
            temperature = ""
        now = utcnow()
        follow_up = service.record(pk, temperature=temperature, symptoms=optional_text(body, "symptoms"),
                                   tested=body.get("tested", False), note=optional_text(body, "note"),
                                   jurisdiction=current_jurisdiction(), user_id=_user_id(), now=now)
        return self.response(200, result=_serialised(follow_up, service.filing_of(follow_up), now))


def register(registry):
    registry.add_view("Follow-ups", _l("Follow-ups to do today"), CATEGORY, "fa-stethoscope", FollowUpView,
                      roles.FOLLOW_UP)
    registry.add_api(FollowUpApi)
