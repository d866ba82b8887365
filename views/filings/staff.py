"""Staff screens and APIs of filings: the list and the filing page (FAB, scoped by
views/core/base.py), the officer's queue with the check and transfer forms, paper entry,
the Excel import, revealing an ID number (audited), and the staff REST endpoints of
shared/API.md. Every rule is in app.filings.service; these are thin."""
import datetime as dt
import io

from flask import abort, current_app, flash, redirect, request, send_file, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.api import BaseApi, protect
from flask_appbuilder.forms import DynamicForm
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy import Boolean
from wtforms import BooleanField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired

from app.filings import changes as change_feed
from app.filings import importer as filing_import
from app.filings import labels
from app.filings import service as filings
from app.filings import staff_entry
from app.filings.staff_entry import STAFF_CHANNELS
from app.core import identity
from app.core import roles
from app.core.audit import actor
from app.core.errors import ImportRejected, NotFound, ValidationFailed
from app.core.excel import XLSX_MIMETYPE
from app.core.extensions import db
from app.core.jurisdiction import current_jurisdiction
from app.core.clock import format_local, input_local, iso_utc
from app.regions.service import label as region_label, labels_for, region_path, search_regions
from models import Filing
from models.base import utcnow
from models.filing import CHECK_METHODS, CONTROL_MEASURES, TEST_RESULTS, TRANSPORT_MODES
from views.core.api_input import refusing_bad_input, safe
from views.core.base import ScopedModelRestApi, ScopedModelView
from views.filings.public import form_choices
from views.core.refusals import ShownRefusal
from views.core.responses import batch_refusal
from views.core.search import each, search_doc, select2_search
from views.core.widgets import RegionSelectField

FILINGS = ("Filings", _l("Filings"))
LIST_COLUMNS = ["receipt", "name", "id_number_masked", "phone_masked", "destination_region_code",
                "expected_arrival_at", "status", "check_count", "late_notice", "channel"]
# No birth date: with the masked ID number and the destination county it rebuilds the
# number, for a role that may unmask too, but without the audit entry a reveal writes.
API_COLUMNS = ["id", "receipt", "status", "channel", "batch_id", "name", "id_type",
               "id_number_masked", "phone_masked", "gender", "origin_country",
               "origin_region_code", "origin_address", "departure_at", "expected_arrival_at",
               "transport_mode", "transport_no", "transit", "destination_region_code",
               "destination_address", "work_unit", "fever", "cough", "fatigue", "other_symptoms",
               "risk_area_14d", "abroad_14d", "close_contact_14d", "proxy_name",
               "proxy_phone_masked", "proxy_relation", "late_notice", "is_backfill", "arrived_at",
               "edit_count", "filed_at", "updated_at", "check_count", "last_checked_at",
               "test_result", "control_measure", "control_start", "control_end", "anonymised_at"]
SEARCH_COLUMNS = ["receipt", "name", "status", "channel", "destination_region_code",
                  "expected_arrival_at", "filed_at", "late_notice", "is_backfill", "check_count",
                  "test_result", "control_measure"]


def _conn():
    return db.session.connection()


def _scoped_row(pk) -> dict:
    """A filing of the user's jurisdiction for a screen; 404 otherwise."""
    try:
        return filings.scoped_row(_conn(), pk, current_jurisdiction())
    except NotFound:
        abort(404)


def _user_id():
    return actor()[0]


def served(records: list[dict]) -> list[dict]:
    """Filings as this user may see them: what is read from the ID number (the gender
    here) only for a role that may unmask it."""
    if roles.may_unmask():
        return records
    return [{key: value for key, value in record.items() if key not in identity.ID_DERIVED_FIELDS}
            for record in records]


def _can(permission, resource) -> bool:
    return current_app.appbuilder.sm.has_access(f"can_{permission}", resource)


class FilingWriteHooks:
    """FAB's edit and delete (screen and API) go through the filing service."""

    def pre_update(self, item):
        super().pre_update(item)
        filings.staff_edit(db.session, item, now=utcnow(), user_id=_user_id())

    def pre_delete(self, item):
        filings.staff_delete(db.session, item)


def _region_formatter(code):
    return labels_for([code]).get(code, code) if code else ""


def _choice_formatter(field):
    return lambda value: labels.choice_label(field, value)


FORMATTERS = {
    "destination_region_code": _region_formatter,
    "expected_arrival_at": format_local, "filed_at": format_local, "arrived_at": format_local,
    "last_checked_at": format_local,
    "status": _choice_formatter("status"), "channel": _choice_formatter("channel"),
    "late_notice": lambda value: _("Yes") if value else _("No"),
}


class FilingView(FilingWriteHooks, ScopedModelView):
    datamodel = SQLAInterface(Filing)
    class_permission_name = roles.FILING
    list_title = _l("Filings")
    show_title = _l("Filing")
    edit_title = _l("Correct a filing")
    label_columns = labels.FIELD_LABELS
    list_columns = LIST_COLUMNS
    search_columns = SEARCH_COLUMNS
    order_columns = ["receipt", "expected_arrival_at", "status", "check_count"]
    base_order = ("expected_arrival_at", "desc")
    formatters_columns = FORMATTERS
    edit_columns = list(filings.STAFF_EDITABLE)
    edit_form_extra_fields = {
        "transport_mode": SelectField(labels.FIELD_LABELS["transport_mode"], choices=[
            SelectChoice(m, labels.TRANSPORT_LABELS[m]) for m in TRANSPORT_MODES]),
        # FAB makes a non-null boolean required, so an unticked box would not pass.
        **{name: BooleanField(labels.FIELD_LABELS[name]) for name in filings.STAFF_EDITABLE
           if isinstance(getattr(Filing, name).type, Boolean)},
    }
    list_template = "filings/list.html"

    @expose("/add", methods=["GET", "POST"])
    @has_access
    def add(self):
        return redirect(url_for("FilingEntryView.paper"))

    @expose("/show/<pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        return render_filing_page(self, _scoped_row(pk))


def render_filing_page(view, row, revealed=None):
    conn = _conn()
    codes = [row["destination_region_code"], row["origin_region_code"]]
    record = filings.history(conn, row["id"])
    codes += [t[key] for t in record["transfers"] for key in ("from_region_code", "to_region_code")]
    return view.render_template(
        "filings/show.html", filing=row, history=record, revealed=revealed or {},
        regions=labels_for(codes), path=region_path(row["destination_region_code"]),
        labels=labels.FIELD_LABELS, revision_labels=labels.REVISION_LABELS,
        can_check=_can(roles.WRITE, roles.FILING_CHECK) and row["status"] != "cancelled",
        can_edit=_can(roles.WRITE, roles.FILING), can_unmask=_can(roles.READ, roles.FILING_UNMASK),
        max_edits=filings.MAX_EDITS)


class FilingUnmaskView(BaseView):
    """Reveal a filing's ID number and phones: an explicit, audited act."""

    route_base = "/filingunmask"
    class_permission_name = roles.FILING_UNMASK
    method_permission_name = {"reveal": roles.READ, "call": roles.READ}

    @expose("/<int:pk>", methods=["POST"])
    @has_access
    def reveal(self, pk):
        row = _scoped_row(pk)
        plain = filings.reveal(_conn(), row["id"], jurisdiction=current_jurisdiction())
        return render_filing_page(self, row, revealed=plain)

    @expose("/<int:pk>/call", methods=["POST"])
    @has_access
    def call(self, pk):
        """Tap to call: the phone is revealed (audited like any unmasking) and the phone's
        dialler opened with it (``tel:``)."""
        row = _scoped_row(pk)
        phone = filings.reveal(_conn(), row["id"], jurisdiction=current_jurisdiction(), fields=("phone",))["phone"]
        if not phone:
            flash(_("This filing has no phone number."), "warning")
            return redirect(url_for("FilingView.show", pk=row["id"]))
        return redirect("tel:" + phone, code=303)


def _search_term() -> str:
    """``q`` of a search: from a POST's JSON or form body, else from the query string."""
    if request.method == "POST":
        body = request.get_json(silent=True)
        term = body.get("q") if isinstance(body, dict) else request.form.get("q")
    else:
        term = request.args.get("q")
    return term.strip() if isinstance(term, str) else ""


# ---- the officer's queue, checks and transfers ---------------------------------------------

class TransferForm(DynamicForm):
    to_region_code = RegionSelectField(labels.FIELD_LABELS["to_region_code"], level=5,
                                       search_endpoint="FilingActionApi.transfer_targets", scoped=False)
    reason = StringField(labels.FIELD_LABELS["reason"], validators=[DataRequired()])


class FilingDeskView(BaseView):
    """The officer's work: the queue of open filings and the check and transfer forms."""

    route_base = "/filingdesk"
    default_view = "queue"
    class_permission_name = roles.FILING_CHECK
    method_permission_name = {"queue": roles.READ, "check": roles.WRITE, "transfer": roles.WRITE}

    @expose("/queue", methods=["GET", "POST"])
    @has_access
    def queue(self):
        """The queue; a search (``q``: receipt, ID number or phone) comes by POST, so the
        number never stands in a URL or an access log (GET ``?q=`` still answers)."""
        now, jurisdiction, conn = utcnow(), current_jurisdiction(), _conn()
        bucket = request.args.get("bucket", "due")
        bucket = bucket if bucket in filings.QUEUE_BUCKETS else "due"
        page = max(0, request.args.get("page", 0, type=int))
        term = _search_term()
        rows = (filings.find_filings(conn, jurisdiction, term) if term
                else filings.queue_page(conn, jurisdiction, bucket, now, page))
        return self.render_template(
            "filings/queue.html", rows=rows, bucket=bucket, page=page, term=term,
            can_unmask=_can(roles.READ, roles.FILING_UNMASK),
            counts=filings.queue_counts(conn, jurisdiction, now), page_size=50,
            regions=labels_for(r[key] for r in rows for key in ("origin_region_code", "destination_region_code")),
            can_enter=_can(roles.WRITE, roles.FILING), can_check=_can(roles.WRITE, roles.FILING_CHECK),
            labels=labels.FIELD_LABELS)

    @expose("/check/<int:pk>", methods=["GET", "POST"])
    @has_access
    def check(self, pk):
        conn, row = _conn(), _scoped_row(pk)
        errors, values = {}, {}
        if request.method == "POST":
            values = {key: request.form.get(key) for key in
                      ("method", "arrived", "arrived_at", "actual_transport_mode", "tested", "test_at",
                       "test_result", "control_measure", "control_start", "control_end", "note")}
            with ShownRefusal(ValidationFailed) as refusal:
                filings.record_check(conn, pk, values, now=utcnow(), jurisdiction=current_jurisdiction(),
                                     user_id=_user_id())
                flash(_("The check was recorded."), "success")
                return redirect(url_for("FilingView.show", pk=pk))
            errors = refusal.errors
        return self.render_template(
            "filings/check.html", filing=row, errors=errors, values=values, labels=labels.FIELD_LABELS,
            choices={"method": _pairs(labels.CHECK_METHOD_LABELS, CHECK_METHODS),
                     "transport": _pairs(labels.TRANSPORT_LABELS, TRANSPORT_MODES),
                     "test_result": _pairs(labels.TEST_RESULT_LABELS, TEST_RESULTS),
                     "control_measure": _pairs(labels.CONTROL_LABELS, CONTROL_MEASURES)},
            arrival=input_local(row["expected_arrival_at"]))

    @expose("/transfer/<int:pk>", methods=["GET", "POST"])
    @has_access
    def transfer(self, pk):
        conn, row = _conn(), _scoped_row(pk)
        form = TransferForm()
        if form.validate_on_submit():
            with ShownRefusal(ValidationFailed) as refusal:
                filings.transfer_filing(conn, pk, {"to_region_code": form.to_region_code.data,
                                                   "reason": form.reason.data},
                                        now=utcnow(), jurisdiction=current_jurisdiction(), user_id=_user_id())
                flash(_("The filing was transferred."), "success")
                return redirect(url_for("FilingDeskView.queue"))
            for field, messages in refusal.errors.items():
                getattr(form, field, form.reason).errors = [str(m) for m in messages]
        return self.render_template("filings/transfer.html", filing=row, form=form,
                                    current=_region_formatter(row["destination_region_code"]))


def _pairs(mapping, values):
    return [(value, str(mapping[value])) for value in values]


# ---- paper entry and import ----------------------------------------------------------------

class FilingEntryView(BaseView):
    """Staff enter paper forms (the report form, posting to the staff API) and import
    spreadsheets of filings, within their jurisdiction."""

    route_base = "/filingentry"
    default_view = "paper"
    class_permission_name = roles.FILING
    method_permission_name = {"paper": roles.WRITE, "import_filings": roles.WRITE,
                              "import_template": roles.WRITE}

    @expose("/paper")
    @has_access
    def paper(self):
        channel = request.args.get("channel") if request.args.get("channel") in STAFF_CHANNELS else "paper"
        jurisdiction = staff_entry.entry_jurisdiction(current_jurisdiction(), channel=channel, user_id=_user_id())
        path = region_path(jurisdiction) if jurisdiction and jurisdiction != "-" else []
        root = path[-1] if path else None
        return self.render_template(
            "filings/paper.html", labels=labels.FIELD_LABELS, choices=form_choices(),
            root_code=root.code if root else "", root_label=region_label(root) if root else "",
            root_level=root.level if root else 0,
            channel=channel, channel_choices=[(c, labels.choice_label("channel", c)) for c in STAFF_CHANNELS])

    @expose("/import", methods=["GET", "POST"])
    @has_access
    def import_filings(self):
        result, problems = None, []
        if request.method == "POST":
            upload = request.files.get("file")
            if upload is None or not upload.filename:
                flash(_("Choose a file to import."), "danger")
            else:
                with ShownRefusal(ImportRejected) as refusal:
                    result = filing_import.import_filings(
                        _conn(), upload.read(), upload.filename, now=utcnow(),
                        jurisdiction=current_jurisdiction(), user_id=_user_id())
                    flash(_("%(n)s filings were imported.", n=len(result)), "success")
                problems = refusal.error.problems if refusal.error else []
        return self.render_template("filings/import.html", result=result, problems=problems,
                                    columns=filing_import.template_columns())

    @expose("/import/template.xlsx")
    @has_access
    def import_template(self):
        return send_file(io.BytesIO(filing_import.template_xlsx()), mimetype=XLSX_MIMETYPE,
                         as_attachment=True, download_name="filings-template.xlsx")


# ---- the staff REST API ----------------------------------------------------------------------

class FilingApi(FilingWriteHooks, ScopedModelRestApi):
    """``/api/v1/filing/``: list and show (masked, scoped), correct (PUT), delete (admins),
    and POST for paper forms and checkpoint terminals (``?channel=checkpoint``)."""

    datamodel = SQLAInterface(Filing)
    class_permission_name = roles.FILING
    resource_name = "filing"
    method_permission_name = {**roles.METHOD_PERMISSIONS, "lookup": roles.READ, "history": roles.READ}
    label_columns = labels.FIELD_LABELS
    list_columns = API_COLUMNS
    show_columns = API_COLUMNS
    edit_columns = list(filings.STAFF_EDITABLE)
    add_columns = ["name"]  # POST is the filing service's (post_headless)
    search_columns = SEARCH_COLUMNS
    order_columns = ["id", "receipt", "expected_arrival_at", "filed_at", "status", "check_count"]
    base_order = ("expected_arrival_at", "desc")

    @refusing_bad_input
    def post_headless(self):
        channel = request.args.get("channel", "paper")
        body = request.get_json(silent=True)
        people = body["filings"] if isinstance(body, dict) and isinstance(body.get("filings"), list) else [body]
        results = staff_entry.enter_staff_filings(
            _conn(), people, now=utcnow(), channel=channel, jurisdiction=current_jurisdiction(),
            user_id=_user_id(), prefix=(lambda i: f"filings.{i}.") if len(people) > 1 else (lambda i: ""))
        created = [{**r.as_dict(), "id": r.id} for r in results]
        return self.response(201, **(created[0] if len(people) == 1 and body is people[0] else {"filings": created}))

    def pre_get(self, data):
        data["result"] = served([data["result"]])[0]

    def pre_get_list(self, data):
        data["result"] = served(data["result"])

    @expose("/lookup", methods=["GET", "POST"])
    @protect()
    @safe
    def lookup(self):
        """Filings of your jurisdiction by receipt, ID number or phone (exact). Prefer
        POST: a number in the body stays out of URLs and access logs.
        ---
        get:
          parameters:
          - {in: query, name: q, schema: {type: string}, required: true}
          responses:
            200:
              description: '{"ids": [...], "result": [...]}'
        post:
          requestBody:
            content:
              application/json:
                schema: {type: object, properties: {q: {type: string}}}
          responses:
            200:
              description: '{"ids": [...], "result": [...]}'
        """
        rows = filings.find_filings(_conn(), current_jurisdiction(), _search_term())
        return self.response(200, ids=[r["id"] for r in rows],
                             result=served([{k: _json_value(r[k]) for k in API_COLUMNS} for r in rows]))

    @expose("/<int:pk>/history", methods=["GET"])
    @protect()
    @safe
    def history(self, pk):
        """Checks, transfers and revisions of a filing, oldest first.
        ---
        get:
          parameters:
          - {in: path, name: pk, schema: {type: integer}, required: true}
          responses:
            200:
              description: '{"checks": [...], "transfers": [...], "revisions": [...]}'
            404:
              description: not found (or outside your jurisdiction)
        """
        row = filings.scoped_row(_conn(), pk, current_jurisdiction())
        record = filings.history(_conn(), row["id"])
        return self.response(200, **{kind: [{k: _json_value(v) for k, v in entry.items()} for entry in entries]
                                     for kind, entries in record.items()})


def _json_value(value):
    """A value of a stored row as JSON: a time in UTC with its offset, a day as a day."""
    if isinstance(value, dt.datetime):
        return iso_utc(value)
    return value.isoformat() if hasattr(value, "isoformat") else value


class FilingActionApi(BaseApi):
    """``POST /api/v1/filing/<id>/check`` and ``/transfer`` (shared/API.md): the
    officer's acts, on filings of their jurisdiction only."""

    resource_name = "filing"
    class_permission_name = roles.FILING_CHECK
    method_permission_name = {"check": roles.WRITE, "transfer": roles.WRITE,
                              "transfer_targets": roles.WRITE}
    allow_browser_login = True
    openapi_spec_tag = "Filing checks"

    @expose("/<int:pk>/check", methods=["POST"])
    @protect()
    @safe
    def check(self, pk):
        """Record a check (method, arrived, arrived_at, tested, test_at, test_result,
        control_measure, control_start, control_end, note).
        ---
        post:
          parameters:
          - {in: path, name: pk, schema: {type: integer}, required: true}
          responses:
            200:
              description: '{"check_id", "status", "check_count"}'
            400:
              description: invalid values, per field
            404:
              description: not found (or outside your jurisdiction)
            409:
              description: the filing was cancelled
        """
        return self._act(lambda conn, now: filings.record_check(
            conn, pk, request.get_json(silent=True), now=now, jurisdiction=current_jurisdiction(),
            user_id=_user_id()), "check_id")

    @expose("/<int:pk>/transfer", methods=["POST"])
    @protect()
    @safe
    def transfer(self, pk):
        """Transfer the filing to another community of the province, with a reason.
        ---
        post:
          parameters:
          - {in: path, name: pk, schema: {type: integer}, required: true}
          responses:
            200:
              description: '{"transfer_id", "destination_region_code", "status"}'
            400:
              description: unknown community or missing reason
            404:
              description: not found (or outside your jurisdiction)
        """
        return self._act(lambda conn, now: filings.transfer_filing(
            conn, pk, request.get_json(silent=True), now=now, jurisdiction=current_jurisdiction(),
            user_id=_user_id()), "transfer_id")

    def _act(self, act, id_key):
        new_id, row = act(_conn(), utcnow())
        return self.response(200, **{id_key: new_id, "id": row["id"], "status": row["status"],
                                     "check_count": row["check_count"],
                                     "destination_region_code": row["destination_region_code"]})

    @expose("/transfer_targets", methods=["GET"])
    @protect()
    @safe
    @search_doc("Communities of the province matching ``q`` (any may receive a transfer).")
    def transfer_targets(self):
        return select2_search(lambda term, province: search_regions(term, province, level=5), each(region_label),
                              key="code", with_level=True, scope=lambda: current_app.config["PROVINCE_CODE"])


class FilingImportApi(BaseApi):
    """``POST /api/v1/filing/import``: an integrator's local system sends its filings in
    batches (app.filings.importer.import_batch)."""

    resource_name = "filing"
    class_permission_name = roles.FILING_IMPORT
    method_permission_name = {"import_batch": roles.WRITE}
    openapi_spec_tag = "Filing import"

    @expose("/import", methods=["POST"])
    @protect()
    @safe
    def import_batch(self):
        """Import a batch of filings from a local system, all or nothing, channel
        ``import``. Each row is a filing of the public form plus ``external_id`` (the id in
        the sending system, unique per integrator account): a row sent again changes
        nothing and is listed in ``unchanged``. Destinations must lie within the
        account's jurisdiction.
        ---
        post:
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  type: object
                  required: [filings]
                  properties:
                    filings:
                      type: array
                      maxItems: 5000
                      items:
                        allOf:
                        - $ref: '#/components/schemas/FilingInput'
                        - type: object
                          required: [external_id]
                          properties:
                            external_id: {type: string, maxLength: 64}
          responses:
            200:
              description: stored (or already there); nothing was refused
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      created: {type: array, items: {$ref: '#/components/schemas/ImportedFiling'}}
                      unchanged: {type: array, items: {$ref: '#/components/schemas/ImportedFiling'}}
                      errors: {type: array, items: {type: object}}
            400:
              description: 'nothing was stored; errors lists the problems by the index of the
                row (from 0): {"3": ["transport_mode: ..."]}; row_errors lists the same as
                [{"index": 3, "field": "transport_mode", "message": ...}] (shared/API.md),
                beside created and unchanged, both empty'
              content:
                application/json:
                  schema:
                    allOf:
                    - $ref: '#/components/schemas/PublicError'
                    - type: object
                      properties:
                        created: {type: array, maxItems: 0, items: {type: object}}
                        unchanged: {type: array, maxItems: 0, items: {type: object}}
                        row_errors:
                          type: array
                          items:
                            type: object
                            properties:
                              index: {type: integer}
                              field: {type: string, nullable: true}
                              message: {type: string}
            409:
              description: a concurrent batch stored the same person; send the batch again
        """
        try:
            answer = filing_import.import_batch(_conn(), request.get_json(silent=True), now=utcnow(),
                                                jurisdiction=current_jurisdiction(), user_id=_user_id())
        except ImportRejected as rejected:
            return batch_refusal(rejected)
        return self.response(200, **answer)


class ChangesApi(BaseApi):
    """``GET /api/v1/changes?since=<cursor>&limit=``: the change feed of the caller's
    jurisdiction (app.filings.changes)."""

    route_base = "/api/v1/changes"
    class_permission_name = roles.CHANGES
    method_permission_name = {"changes": roles.READ}
    openapi_spec_tag = "Changes"

    @expose("", methods=["GET"])
    @protect()
    @safe
    def changes(self):
        """Filings, checks, transfers and findings changed after ``since`` (a cursor this
        feed returned as ``next``; none: from the start), oldest first, within your
        jurisdiction. Changes younger than CHANGES_LAG_SECONDS are listed on a later
        call, so a cursor never passes over a write still in progress; call again with
        ``next`` (a page shorter than ``limit`` means you are up to date). Times are
        local, ISO 8601 with their offset. No personal data: follow ``id`` to the
        resource's own endpoint (``/api/v1/filing/<id>``, ``/api/v1/finding/<id>``).
        ---
        get:
          parameters:
          - {in: query, name: since, schema: {type: string}, required: false}
          - {in: query, name: limit, schema: {type: integer, minimum: 1, maximum: 1000, default: 100}, required: false}
          responses:
            200:
              description: the changes and the cursor to send next
              content:
                application/json:
                  schema:
                    type: object
                    required: [changes, next]
                    properties:
                      next: {type: string}
                      changes:
                        type: array
                        items:
                          type: object
                          required: [kind, id, at]
                          properties:
                            kind: {type: string, enum: [filing, check, transfer, finding]}
                            id: {type: integer}
                            at: {type: string, format: date-time}
                            region_code: {type: string}
                            filing_id: {type: integer, nullable: true}
                            status: {type: string}
            400:
              description: a cursor or limit this feed never gives
              content:
                application/json:
                  schema: {$ref: '#/components/schemas/PublicError'}
        """
        lag = dt.timedelta(seconds=current_app.config["CHANGES_LAG_SECONDS"])
        return self.response(200, **change_feed.changes(
            _conn(), request.args.get("since"), now=utcnow(), lag=lag,
            limit=change_feed.parse_limit(request.args.get("limit")), jurisdiction=current_jurisdiction()))


def register(registry):
    registry.add_view("Officer's queue", _l("Officer's queue"), FILINGS, "fa-inbox", FilingDeskView,
                      roles.FILING_CHECK)
    registry.add_view("Filings", _l("Filings"), FILINGS, "fa-id-card", FilingView, roles.FILING)
    registry.add_hidden_view(FilingEntryView)
    registry.add_hidden_view(FilingUnmaskView)
    registry.add_api(FilingApi)
    registry.add_api(FilingActionApi)
    registry.add_api(FilingImportApi)
    registry.add_api(ChangesApi)
