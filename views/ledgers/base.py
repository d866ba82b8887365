"""What every ledger screen and API adds to views.core.base: the service check of each write,
refused forms shown again with the problems next to the fields, Excel import (template,
upload, row-by-row report), export of the selected rows and of the whole filtered list,
and a searchable ``lookup`` for the pickers of related fields."""
import io

from flask import abort, current_app, g, jsonify, redirect, request, send_file, url_for
from flask_appbuilder import expose
from flask_appbuilder.actions import action
from flask_appbuilder.api import protect
from flask_appbuilder.security.decorators import has_access
from flask_appbuilder.urltools import get_filter_args, get_order_args, get_page_args, get_page_size_args
from flask_babel import get_locale, gettext as _, lazy_gettext as _l
from flask_appbuilder.fieldwidgets import BS3TextFieldWidget, DatePickerWidget, Select2Widget
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from marshmallow import fields
from wtforms import DateField, DecimalField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, NumberRange, Optional

from app.core import roles
from app.core.audit import actor
from app.core.clock import format_local
from app.core.errors import DomainError, ImportRejected
from app.core.excel import XLSX_MIMETYPE, to_xlsx
from app.core.extensions import db
from app.core.jurisdiction import current_jurisdiction
from app.core.search import search_scoped_rows
from app.ledgers import jobs as ledger_jobs
from app.ledgers.engine import Exporter, export_all, import_file, template
from views.core.api_input import safe
from views.core.scoped import _column_value
from views.core.search import each, search_doc, select2_search

EXCEL_PERMISSIONS = {**roles.METHOD_PERMISSIONS, "import_xlsx": roles.WRITE, "import_job": roles.WRITE,
                     "import_job_status": roles.WRITE, "import_job_state": roles.WRITE,
                     "template_xlsx": roles.READ, "export_all": roles.READ, "lookup": roles.READ}


def xlsx_response(data: bytes, name: str):
    return send_file(io.BytesIO(data), mimetype=XLSX_MIMETYPE, as_attachment=True,
                     download_name=f"{name}.xlsx")


class _ServiceChecks:
    """``service(item, jurisdiction)`` checks and completes a row before FAB writes it
    (after the jurisdiction write check); ``delete_check(item)`` may refuse a delete."""

    service = None
    delete_check = None
    excel_table = None  # an app.ledgers.tables table: import, template and exports in its columns
    # Large files imported as a job (app.ledgers.jobs finds the table in TABLES by name);
    # False for a table outside TABLES whose files stay small (a community's venues).
    import_jobs = True

    def _table(self):
        if self.excel_table is None:
            abort(404)
        return self.excel_table

    def pre_add(self, item):
        self._checked(super().pre_add, item)

    def pre_update(self, item):
        self._checked(super().pre_update, item)

    def _checked(self, write_check, item):
        try:
            with db.session.no_autoflush:  # the checks query; the row is written after them
                write_check(item)
                if self.service:
                    self.service(item, current_jurisdiction())
        except DomainError as error:
            g.refused_form = error  # the screen shows the form again, problems marked
            raise

    def pre_delete(self, item):
        if self.delete_check:
            self.delete_check(item)


# ---- form fields styled like FAB's own (extra fields do not get FAB's widgets) ------

def text_field(label, required=False, description=None):
    return StringField(label, [DataRequired()] if required else [Optional()], widget=BS3TextFieldWidget(),
                       description=description)


def integer_field(label, low=None, high=None, description=None):
    return IntegerField(label, [Optional(), NumberRange(low, high)], widget=BS3TextFieldWidget(),
                        description=description)


def decimal_field(label):
    return DecimalField(label, [Optional()], places=2, widget=BS3TextFieldWidget())


def date_field(label, required=False):
    return DateField(label, [DataRequired()] if required else [Optional()], widget=DatePickerWidget())


def select_field(label, options: dict, default=None, blank=False):
    """A choice of coded values shown by their labels (``blank``: may stay empty)."""
    options = [("", "—")] * blank + list(options.items())
    return SelectField(label, choices=options, default=default, widget=Select2Widget(),
                       validators=[Optional()] if blank else [])


# Every time a ledger screen shows, in local time to the minute.
LOCAL_TIMES = {column: format_local for column in ("created_at", "updated_at", "proposed_at", "decided_at")}


def blank_none(formatter=None):
    """Lists show nothing, not "None", for an empty value."""
    return lambda value: "" if value is None else (formatter(value) if formatter else value)


class ImportForm(FlaskForm):
    file = FileField(_l("Excel (.xlsx) or CSV file"), validators=[FileRequired()])


class LedgerViewMixin(_ServiceChecks):
    """For ScopedModelView subclasses (list it first among the bases)."""

    list_template = "ledgers/list.html"
    import_template = "ledgers/import.html"
    method_permission_name = EXCEL_PERMISSIONS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        declared = {**LOCAL_TIMES, **(self.formatters_columns or {})}
        self.formatters_columns = {column: blank_none(declared.get(column))
                                   for column in {*self.list_columns, *(self.show_columns or []), *declared}}
        self.extra_args = {**(self.extra_args or {}), "ledger_import": self.excel_table is not None,
                           "ledger_resource": self.class_permission_name}

    # ---- a refused form is shown again with what the person typed ----------------

    def _add(self):
        widgets = super()._add()
        refused = g.pop("refused_form", None)
        if widgets is None and refused is not None:
            form = self.add_form.refresh()
            _mark(form, refused)
            return self._get_add_widget(form=form)
        return widgets

    def _edit(self, pk):
        widgets = super()._edit(pk)
        refused = g.pop("refused_form", None)
        if widgets is None and refused is not None:
            db.session.rollback()
            form = self.edit_form.refresh(request.form)
            _mark(form, refused)
            return self._get_related_views_widgets(
                self.datamodel.get(pk, self._base_filters), filters={}, orders=get_order_args(),
                pages=get_page_args(), page_sizes=get_page_size_args(), widgets=self._get_edit_widget(form=form))
        return widgets

    # ---- Excel ------------------------------------------------------------------

    @action("export_xlsx", _l("Export to Excel"), icon="fa-file-excel-o", single=False)
    def export_xlsx(self, items):
        items = items if isinstance(items, list) else [items]
        return xlsx_response(self._to_xlsx(items), self._file_name())

    @expose("/export/")
    @has_access
    def export_all(self):
        """Every row of the list as filtered and ordered now, not only one page."""
        get_filter_args(self._filters)
        order_column, order_direction = get_order_args().get(self.__class__.__name__) or self.base_order or ("", "")
        query = self.datamodel.apply_all(self.datamodel.session.query(self.datamodel.obj),
                                         self._filters.get_joined_filters(self._base_filters),
                                         order_column, order_direction)
        return xlsx_response(self._to_xlsx(query.yield_per(500)), self._file_name())

    def _to_xlsx(self, items) -> bytes:
        if self.excel_table is not None:
            return Exporter(self.excel_table).to_xlsx(items)
        headers = [self.label_columns.get(c, c) for c in self.list_columns]
        formatters = self.formatters_columns or {}
        return to_xlsx(headers, ([formatters.get(c, _same)(_column_value(item, c)) for c in self.list_columns]
                                 for item in items), title=str(self.list_title or "export"))

    def _file_name(self) -> str:
        return self.excel_table.name if self.excel_table is not None else self.class_permission_name

    @expose("/template/")
    @has_access
    def template_xlsx(self):
        return xlsx_response(template(self._table()), f"{self._table().name}-template")

    @expose("/import/", methods=["GET", "POST"])
    @has_access
    def import_xlsx(self):
        """A small file is imported at once; a larger one as a job (app.ledgers.jobs),
        whose page shows its progress."""
        table, form, result, problems = self._table(), ImportForm(), None, []
        if form.validate_on_submit():
            upload = form.file.data
            data = upload.read()
            if self.import_jobs and len(data) > current_app.config["LEDGER_IMPORT_INLINE_BYTES"]:
                job_id = ledger_jobs.enqueue(table.name, data, upload.filename, jurisdiction=current_jurisdiction(),
                                             user_id=g.user.id, locale=str(get_locale() or "zh"))
                ledger_jobs.start(job_id)
                return redirect(url_for(f"{self.__class__.__name__}.import_job", job_id=job_id))
            try:
                result = import_file(table, data, upload.filename, jurisdiction=current_jurisdiction())
            except ImportRejected as rejected:
                problems = rejected.problems
        return self._import_page(form, result, problems)

    def _import_page(self, form, result, problems, job=None):
        table = self._table()
        return self.render_template(self.import_template, form=form, result=result, problems=problems,
                                    table=table, title=_("Import: %(what)s", what=table.title), job=job,
                                    view_name=self.__class__.__name__)

    def _job(self, job_id):
        job = ledger_jobs.job_of(job_id, g.user.id)  # another's job: as if missing
        if job is None or job.ledger != self._table().name:
            abort(404)
        return job

    @expose("/import/<int:job_id>")
    @has_access
    def import_job(self, job_id):
        """An import job: its progress while it runs, then its result or problems."""
        job = self._job(job_id)
        return self._import_page(ImportForm(), ledger_jobs.result_of(job), ledger_jobs.problems_of(job), job)

    @expose("/import/<int:job_id>/status")
    @has_access
    def import_job_status(self, job_id):
        """What the job page polls: ``{status, done, total, percent, label, finished}``."""
        job = self._job(job_id)
        return jsonify(ledger_jobs.progress_of(job))


def _with_write_only(schema, names):
    base = type(schema)
    meta = type("Meta", (base.Meta,), {"fields": tuple(base.Meta.fields) + tuple(names)})
    extra = {name: fields.String(load_only=True, allow_none=True) for name in names}
    return type(base.__name__, (base,), {**extra, "Meta": meta})()


def _same(value):
    return value


def _mark(form, refused: DomainError) -> None:
    """Put each problem next to its field; the rest is flashed by FAB already."""
    from flask import flash

    for field_name, messages in (refused.errors or {}).items():
        field = getattr(form, field_name, None)
        if field is not None:
            field.errors = list(field.errors or []) + [str(m) for m in messages]
        else:
            for message in messages:
                flash(str(message), "danger")


class LedgerApiMixin(_ServiceChecks):
    """For ScopedModelRestApi subclasses (list it first among the bases).

    ``lookup_columns`` are searched by ``GET /lookup?q=`` (text contains; a ``code``
    column by prefix range); ``describe(item)`` is the text shown for a row."""

    lookup_columns: tuple = ("name",)
    method_permission_name = EXCEL_PERMISSIONS
    EXCEL_ROUTES = {"template_xlsx", "export_all", "import_xlsx"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.excel_table is None:  # no Excel columns: no such routes (nor spec paths)
            self.exclude_route_methods = set(self.exclude_route_methods or ()) | self.EXCEL_ROUTES
    # Plain values the model never stores (an ID number, a phone: the services
    # protect them), accepted by POST and PUT and never sent back.
    write_only_fields: tuple = ()
    # Columns a POST may leave out (the service fills them, e.g. the next number).
    optional_fields: tuple = ()

    def _init_model_schemas(self):
        super()._init_model_schemas()
        if self.write_only_fields:
            self.add_model_schema = _with_write_only(self.add_model_schema, self.write_only_fields)
            self.edit_model_schema = _with_write_only(self.edit_model_schema, self.write_only_fields)
        for name in self.optional_fields:
            self.add_model_schema.fields[name].required = False
            self.add_model_schema.fields[name].allow_none = True

    @staticmethod
    def describe(item) -> str:
        return str(item)

    @expose("/lookup", methods=["GET"])
    @protect(allow_browser_login=True)
    @safe
    @search_doc("Rows within the caller's jurisdiction matching ``q``, for searchable fields.")
    def lookup(self):
        return select2_search(lambda term, jurisdiction: search_scoped_rows(
            self.datamodel.obj, self.lookup_columns, term, jurisdiction), each(self.describe))

    @expose("/template", methods=["GET"])
    @protect(allow_browser_login=True)
    @safe
    def template_xlsx(self):
        """The import template of this ledger (.xlsx, headers in the caller's language).
        ---
        get:
          responses:
            200:
              description: an .xlsx file
        """
        return xlsx_response(template(self._table()), f"{self._table().name}-template")

    @expose("/export", methods=["GET"])
    @protect(allow_browser_login=True)
    @safe
    def export_all(self):
        """Every row within the caller's jurisdiction, in the import columns (.xlsx).
        ---
        get:
          responses:
            200:
              description: an .xlsx file
        """
        return xlsx_response(export_all(self._table(), jurisdiction=current_jurisdiction()), self._table().name)

    @expose("/import", methods=["POST"])
    @protect(allow_browser_login=True)
    @safe
    def import_xlsx(self):
        """Import a filled template (multipart field ``file``): all rows or none. With
        ``async=1`` the file is imported as a job (a large file outlasts a request):
        ``202`` with the job's URL, which answers its progress and then its result.
        ---
        post:
          parameters:
          - {in: query, name: async, schema: {type: integer, enum: [0, 1]}, description: 1 to import as a job}
          requestBody:
            content:
              multipart/form-data:
                schema: {type: object, properties: {file: {type: string, format: binary}}}
          responses:
            200:
              description: "{created, updated, unchanged}"
            202:
              description: "queued as a job: {job, url} (also in Location); GET the url for its state"
            400:
              description: "{message, errors: {row number: [problems]}}"
        """
        table, upload = self._table(), request.files.get("file")
        if upload is None:
            return self.response_400(message=str(_l("Choose a file.")))
        data = upload.read()
        if request.args.get("async") == "1" and self.import_jobs:
            job_id = ledger_jobs.enqueue(table.name, data, upload.filename, jurisdiction=current_jurisdiction(),
                                         user_id=actor()[0], locale=str(get_locale() or "zh"))
            ledger_jobs.start(job_id)
            url = url_for(f"{self.__class__.__name__}.import_job_state", job_id=job_id)
            response = self.response(202, job=job_id, url=url)
            response.headers["Location"] = url
            return response
        result = import_file(table, data, upload.filename, jurisdiction=current_jurisdiction())
        return self.response(200, created=result.created, updated=result.updated, unchanged=result.unchanged)

    @expose("/import/<int:job_id>", methods=["GET"])
    @protect(allow_browser_login=True)
    @safe
    def import_job_state(self, job_id):
        """An import job started by this account (another's: 404): its progress, then its
        result (``created``, ``updated``, ``unchanged``) or, rejected, every problem by row.
        ---
        get:
          parameters:
          - {in: path, name: job_id, required: true, schema: {type: integer}}
          responses:
            200:
              description: "{status: queued|running|done|rejected|failed, done, total, percent, finished,
                label, created, updated, unchanged, errors: {row number: [problems]}}"
            404:
              description: no such job of yours
        """
        job = ledger_jobs.job_of(job_id, actor()[0])
        if job is None or job.ledger != self._table().name:
            return self.response_404()
        return self.response(200, **ledger_jobs.state_of(job))
