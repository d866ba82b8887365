"""Screens and APIs of cross-matching: feed imports (upload, template, batches, undo),
the registry of risk areas, and the findings 比对发现 (list, resolve). Thin: the rules
are in app.crossmatch, given the caller's jurisdiction."""
from flask import abort, current_app, flash, jsonify, redirect, request, url_for
from flask_appbuilder import BaseView, ModelView, expose, has_access
from flask_appbuilder.api import BaseApi, protect
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import get_locale, gettext as _, lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField, TextAreaField
from wtforms.validators import DataRequired, Length

from app.core import clock, roles
from app.core.errors import DomainError, NotFound, ValidationFailed
from app.core.extensions import db
from app.core.jurisdiction import current_jurisdiction
from app.crossmatch import feed_jobs, feeds, findings
from app.ledgers import jobs as ledger_jobs
from app.regions.service import get_region
from models.crossmatch import (BATCH_STATUS_LABELS, FINDING_KIND_LABELS, FINDING_STATUS_LABELS,
                               OUTCOME_LABELS, SOURCE_LABELS, SOURCES, FeedBatch, Finding, RiskArea)
from views.core.api_input import json_object, optional_text, safe
from views.core.base import ScopedModelRestApi, ScopedModelView
from views.core.scoped import ScopedViewMixin
from views.ledgers.base import xlsx_response

CATEGORY = ("Crossmatch", _l("Cross-matching"))


def _user_id():
    return getattr(current_app.appbuilder.sm.current_user, "id", None)


def _label(labels):
    return lambda value: labels.get(value, value or "")


# ---- findings --------------------------------------------------------------------------

FINDING_LABELS = {
    "kind": _l("Kind"), "owner_name": _l("Owner"), "region_code": _l("Owner (code)"),
    "name_masked": _l("Name"), "id_masked": _l("ID number or phone"), "event_at": _l("When"),
    "raised_at": _l("Found"), "status": _l("Status"), "outcome": _l("Outcome"), "note": _l("Note"),
    "resolved_at": _l("Resolved"), "filing_id": _l("Filing"), "priority": _l("Priority"),
}
FINDING_FORMATTERS = {"kind": _label(FINDING_KIND_LABELS), "status": _label(FINDING_STATUS_LABELS),
                      "outcome": _label(OUTCOME_LABELS), "event_at": clock.format_local,
                      "raised_at": clock.format_local, "resolved_at": clock.format_local}
FINDING_COLUMNS = ["kind", "owner_name", "name_masked", "id_masked", "event_at", "raised_at", "status", "outcome"]


class ResolveForm(FlaskForm):
    outcome = SelectField(_l("Outcome"), choices=list(OUTCOME_LABELS.items()), validators=[DataRequired()])
    note = TextAreaField(_l("Note"), validators=[Length(max=500)])


class FindingView(ScopedModelView):
    """比对发现: the findings owned within the user's jurisdiction, most urgent first."""

    datamodel = SQLAInterface(Finding)
    class_permission_name = roles.FINDING
    method_permission_name = {**roles.METHOD_PERMISSIONS, "resolve": roles.WRITE}
    include_route_methods = {"list", "show", "action", "action_post", "resolve"}
    list_title, show_title = _l("Cross-matching findings"), _l("Finding")
    show_template = "crossmatch/finding_show.html"
    label_columns = FINDING_LABELS
    list_columns = FINDING_COLUMNS
    show_columns = FINDING_COLUMNS + ["filing_id", "note", "resolved_at"]
    search_columns = ["kind", "status", "region_code", "raised_at"]
    order_columns = ["priority", "raised_at", "event_at"]
    base_order = ("priority", "asc")
    formatters_columns = FINDING_FORMATTERS

    @expose("/show/<pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        widgets = self._show(pk)  # 404 outside the jurisdiction
        return self.render_template(self.show_template, pk=pk, title=self.show_title, widgets=widgets,
                                    related_views=[], form=ResolveForm(), finding=self._finding(pk),
                                    can_resolve=self.appbuilder.sm.has_access("can_write", roles.FINDING))

    @expose("/resolve/<int:pk>", methods=["POST"])
    @has_access
    def resolve(self, pk):
        form = ResolveForm()
        if not form.validate_on_submit():
            self._finding(pk)
            flash(_("Choose an outcome (a note of at most 500 characters)."), "danger")
            return redirect(url_for(".show", pk=pk))
        try:
            findings.resolve(pk, form.outcome.data, form.note.data, jurisdiction=current_jurisdiction(),
                             user_id=_user_id())
        except NotFound:
            abort(404)
        except DomainError as error:
            flash(str(error.message), "danger")
            return redirect(url_for(".show", pk=pk))
        flash(_("Finding resolved."), "success")
        return redirect(url_for(".list"))

    def _finding(self, pk):
        try:
            return findings.scoped_finding(pk, current_jurisdiction())
        except NotFound:
            abort(404)


class FindingApi(ScopedModelRestApi):
    """``GET /api/v1/finding/``, ``GET /api/v1/finding/<id>``, ``POST .../<id>/resolve``."""

    datamodel = SQLAInterface(Finding)
    class_permission_name = roles.FINDING
    resource_name = "finding"
    method_permission_name = {**roles.METHOD_PERMISSIONS, "resolve": roles.WRITE}
    include_route_methods = {"get", "get_list", "info", "resolve"}
    label_columns = FINDING_LABELS
    list_columns = ["id", "kind", "priority", "region_code", "status", "filing_id", "name_masked", "id_masked",
                    "event_at", "raised_at", "outcome", "note", "resolved_at"]
    show_columns = list_columns
    search_columns = ["kind", "status", "region_code", "raised_at"]
    order_columns = ["priority", "raised_at", "event_at"]
    base_order = ("priority", "asc")

    @expose("/<int:pk>/resolve", methods=["POST"])
    @protect()
    @safe
    def resolve(self, pk):
        """Resolve a finding: ``{"outcome", "note"}``; outcomes ``checked``
        ``control_started`` ``left_area`` ``wrong_match`` ``transferred``.
        ---
        post:
          parameters:
          - {in: path, name: pk, schema: {type: integer}}
          requestBody:
            content:
              application/json:
                schema: {type: object, properties: {outcome: {type: string}, note: {type: string}}}
          responses:
            200: {description: the finding after the change}
            400: {description: no such outcome}
            404: {description: no such finding in your jurisdiction}
            409: {description: already resolved}
        """
        body = json_object()
        finding = findings.resolve(pk, optional_text(body, "outcome") or "", optional_text(body, "note"),
                                   jurisdiction=current_jurisdiction(), user_id=_user_id())
        return self.response(200, id=finding.id, result=self.show_model_schema.dump(finding))


# ---- feeds -------------------------------------------------------------------------------

class VisibleBatches(BaseFilter):
    """A batch is seen by whoever imported it and by the province."""

    name = "Visible batches"
    arg_name = "visible"

    def apply(self, query, value):
        jurisdiction = current_jurisdiction()
        if feeds.province_level(jurisdiction):
            return query
        return query.filter(FeedBatch.imported_by_id == (_user_id() or -1))


BATCH_LABELS = {
    "source": _l("Source"), "filename": _l("File"), "imported_at": _l("Imported"), "status": _l("Status"),
    "row_count": _l("Rows"), "accepted": _l("Accepted"), "rejected_count": _l("Rejected rows"),
    "findings_raised": _l("Findings raised"), "undone_at": _l("Undone"), "region_code": _l("Jurisdiction"),
}
BATCH_COLUMNS = ["source", "filename", "imported_at", "status", "row_count", "accepted", "rejected_count",
                 "findings_raised"]


class ImportForm(FlaskForm):
    source = SelectField(_l("Source"), choices=list(SOURCE_LABELS.items()), validators=[DataRequired()])
    file = FileField(_l("Excel (.xlsx) or CSV file"), validators=[FileRequired()])


class FeedBatchView(ScopedModelView):
    """数据导入: the batches one may see, an upload page, templates, undo."""

    datamodel = SQLAInterface(FeedBatch)
    class_permission_name = roles.FEED
    method_permission_name = {**roles.METHOD_PERMISSIONS, "upload": roles.WRITE, "upload_job": roles.WRITE,
                              "upload_job_status": roles.WRITE, "template": roles.READ, "undo": roles.DELETE}
    include_route_methods = {"list", "show", "action", "action_post", "upload", "upload_job", "upload_job_status",
                             "template", "undo"}
    base_filters = [["id", VisibleBatches, None]]
    list_title, show_title = _l("Feed imports"), _l("Feed import")
    list_template = "crossmatch/batch_list.html"
    show_template = "crossmatch/batch_show.html"
    label_columns = BATCH_LABELS
    list_columns = BATCH_COLUMNS
    show_columns = BATCH_COLUMNS + ["undone_at"]
    search_columns = ["source", "status", "imported_at"]
    order_columns = ["imported_at"]
    base_order = ("imported_at", "desc")
    formatters_columns = {"source": _label(SOURCE_LABELS), "status": _label(BATCH_STATUS_LABELS),
                          "imported_at": clock.format_local, "undone_at": clock.format_local}

    @expose("/show/<pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        widgets = self._show(pk)  # 404 when not visible
        item = self.datamodel.get(self._deserialize_pk_if_composite(pk), self._base_filters)
        return self.render_template(self.show_template, pk=pk, title=self.show_title,
                                    widgets=widgets, related_views=[],
                                    batch=item, rejected=feeds.rejected_rows(item),
                                    can_undo=self.appbuilder.sm.has_access("can_delete", roles.FEED))

    @expose("/upload/", methods=["GET", "POST"])
    @has_access
    def upload(self):
        """A small file is imported at once; a larger one as a job (app.crossmatch.feed_jobs),
        whose page shows its progress, then the batch it made."""
        form, outcome = ImportForm(), None
        if form.validate_on_submit():
            upload = form.file.data
            data = upload.read()
            try:
                if len(data) > current_app.config["FEED_IMPORT_INLINE_BYTES"]:
                    job_id = feed_jobs.enqueue(form.source.data, data, upload.filename,
                                               jurisdiction=current_jurisdiction(), user_id=_user_id(),
                                               locale=str(get_locale() or "zh"))
                    ledger_jobs.start(job_id)
                    return redirect(url_for("FeedBatchView.upload_job", job_id=job_id))
                outcome = feeds.import_feed(form.source.data, jurisdiction=current_jurisdiction(),
                                            user_id=_user_id(), data=data, filename=upload.filename)
            except DomainError as error:
                flash(str(error.message), "danger")
        return self._upload_page(form, outcome)

    def _upload_page(self, form, outcome=None, job=None):
        return self.render_template("crossmatch/upload.html", form=form, outcome=outcome, sources=SOURCE_LABELS,
                                    title=_("Import a feed"), job=job)

    def _job(self, job_id):
        job = feed_jobs.job_of(job_id, _user_id())  # another's job: as if missing
        if job is None:
            abort(404)
        return job

    @expose("/upload/<int:job_id>")
    @has_access
    def upload_job(self, job_id):
        """A feed import job: its progress while it runs, then the batch it made."""
        job = self._job(job_id)
        if job.outcome_id is not None:
            return redirect(url_for("FeedBatchView.show", pk=job.outcome_id))
        return self._upload_page(ImportForm(), job=job)

    @expose("/upload/<int:job_id>/status")
    @has_access
    def upload_job_status(self, job_id):
        """What the job page polls: ``{status, done, total, percent, label, finished}``."""
        return jsonify(ledger_jobs.progress_of(self._job(job_id)))

    @expose("/template/<source>/")
    @has_access
    def template(self, source):
        if source not in SOURCES:
            abort(404)
        return xlsx_response(feeds.template(source), f"{source}-template")

    @expose("/undo/<int:pk>", methods=["POST"])
    @has_access
    def undo(self, pk):
        try:
            feeds.undo_batch(pk, jurisdiction=current_jurisdiction(), user_id=_user_id())
        except NotFound:
            abort(404)
        except DomainError as error:
            flash(str(error.message), "danger")
            return redirect(url_for(".show", pk=pk))
        flash(_("The batch was undone: its rows and the findings it caused are gone."), "success")
        return redirect(url_for(".list"))


class FeedApi(BaseApi):
    """``POST /api/v1/feed/<source>/import`` (multipart ``file`` or ``{"rows": [...]}``),
    ``GET /api/v1/feed/<source>/template``, ``GET`` and ``DELETE /api/v1/feed/batch/<id>``."""

    resource_name = "feed"
    class_permission_name = roles.FEED
    method_permission_name = {"import_rows": roles.WRITE, "template": roles.READ, "batch": roles.READ,
                              "undo": roles.DELETE}
    allow_browser_login = True

    @expose("/<source>/import", methods=["POST"])
    @protect()
    @safe
    def import_rows(self, source):
        """Import a feed as one batch, then match. A file with bad rows is refused whole.
        ---
        post:
          parameters:
          - {in: path, name: source, schema: {type: string, enum: [test_result, contact, arrival_push, risk_area, code_state]}}
          requestBody:
            content:
              multipart/form-data:
                schema: {type: object, properties: {file: {type: string, format: binary}}}
              application/json:
                schema: {type: object, properties: {rows: {type: array, items: {type: object}}}}
          responses:
            200: {description: "{batch, accepted, rejected: [], unchanged, findings}"}
            400: {description: "{message, errors, batch, accepted: 0, rejected: [{line, field, message}]}"}
            404: {description: no such source}
        """
        feeds.check_source(source)
        upload = request.files.get("file")
        if upload is not None:
            arguments = {"data": upload.read(), "filename": upload.filename}
        else:
            body = json_object()
            if "rows" not in body:
                raise ValidationFailed(_l("Send a file or rows."), {"file": [_l("Send a file or rows.")]})
            arguments = {"rows": body["rows"]}
        outcome = feeds.import_feed(source, jurisdiction=current_jurisdiction(), user_id=_user_id(), **arguments)
        summary = feeds.batch_summary(outcome.batch)
        if outcome.refused:
            response = jsonify({"message": str(feeds.REFUSED_MESSAGE), **summary, "errors": {
                "rows": [f"{p.line}: {p.field}: {p.message}" for p in outcome.rejected]}})
            response.status_code = 400
            return response
        return self.response(200, **summary, unchanged=outcome.unchanged, new_findings=outcome.findings)

    @expose("/<source>/template", methods=["GET"])
    @protect()
    @safe
    def template(self, source):
        """The import template of a source (.xlsx, a second sheet explains the columns).
        ---
        get:
          parameters:
          - {in: path, name: source, schema: {type: string}}
          responses:
            200: {description: an .xlsx file}
        """
        return xlsx_response(feeds.template(source), f"{source}-template")

    @expose("/batch/<int:pk>", methods=["GET"])
    @protect()
    @safe
    def batch(self, pk):
        """A batch you imported (the province sees all): counts and rejected rows.
        ---
        get:
          parameters:
          - {in: path, name: pk, schema: {type: integer}}
          responses:
            200: {description: "{batch, source, status, rows, accepted, rejected, findings}"}
            404: {description: not yours}
        """
        batch = db.session.scalar(feeds.visible_batches(db.select(FeedBatch), current_jurisdiction(), _user_id())
                                  .where(FeedBatch.id == pk))
        if batch is None:
            return self.response_404()
        return self.response(200, **feeds.batch_summary(batch))

    @expose("/batch/<int:pk>", methods=["DELETE"])
    @protect()
    @safe
    def undo(self, pk):
        """Undo a batch: its rows and the findings only it caused disappear.
        ---
        delete:
          parameters:
          - {in: path, name: pk, schema: {type: integer}}
          responses:
            200: {description: "{batch, status}"}
            404: {description: not yours}
            409: {description: not an imported batch}
        """
        batch = feeds.undo_batch(pk, jurisdiction=current_jurisdiction(), user_id=_user_id())
        return self.response(200, batch=batch.id, status=batch.status)


# ---- risk areas ----------------------------------------------------------------------------

RISK_LABELS = {"region_code": _l("County or township code"), "region": _l("Region"), "level": _l("Risk level"),
               "effective_from": _l("Effective from (UTC)"), "effective_until": _l("Effective until (UTC)"),
               "note": _l("Note"), "batch_id": _l("Feed import")}


class RiskAreaView(ScopedViewMixin, ModelView):
    """风险地区: a national registry (not scoped), kept by province Command."""

    datamodel = SQLAInterface(RiskArea)
    class_permission_name = roles.RISK_AREA
    method_permission_name = roles.METHOD_PERMISSIONS
    list_title, show_title = _l("Risk areas"), _l("Risk area")
    add_title, edit_title = _l("Add a risk area"), _l("Edit risk area")
    label_columns = RISK_LABELS
    list_columns = ["region_code", "region", "level", "effective_from", "effective_until", "batch_id"]
    show_columns = list_columns + ["note"]
    add_columns = edit_columns = ["region_code", "level", "effective_from", "effective_until", "note"]
    search_columns = ["region_code", "level", "effective_from"]
    base_order = ("effective_from", "desc")
    formatters_columns = {"level": _label(feeds.RISK_LEVEL_LABELS)}

    def pre_add(self, item):
        super().pre_add(item)
        feeds.check_risk_area(item, current_jurisdiction(), _user_id())

    def pre_update(self, item):
        super().pre_update(item)
        feeds.check_risk_area(item, current_jurisdiction(), _user_id())

    def pre_delete(self, item):
        feeds.check_risk_area_keeper(current_jurisdiction())


class CrossmatchHome(BaseView):
    """The officer's tab 比对发现: open findings per kind, linking to the list."""

    route_base = "/crossmatch"
    default_view = "index"
    class_permission_name = roles.FINDING
    method_permission_name = {"index": roles.READ}

    @expose("/")
    @has_access
    def index(self):
        counts = findings.open_counts(current_jurisdiction())
        place = get_region(current_jurisdiction() or "")
        return self.render_template("crossmatch/home.html", counts=counts, kinds=FINDING_KIND_LABELS,
                                    place=place, title=_("Cross-matching findings"))


def register(registry):
    registry.add_view("Findings", _l("Cross-matching findings"), CATEGORY, "fa-search", FindingView, roles.FINDING)
    registry.add_view("Findings overview", _l("Open findings by kind"), CATEGORY, "fa-tasks", CrossmatchHome,
                      roles.FINDING)
    registry.add_view("Feed imports", _l("Feed imports"), CATEGORY, "fa-upload", FeedBatchView, roles.FEED)
    registry.add_view("Risk areas", _l("Risk areas"), CATEGORY, "fa-exclamation-triangle", RiskAreaView,
                      roles.RISK_AREA)
    registry.add_api(FindingApi)
    registry.add_api(FeedApi)
