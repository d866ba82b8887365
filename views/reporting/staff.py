"""Screens and APIs of daily reports, compliance and escalations. Thin: every rule is
in app.reporting.daily_reports and app.reporting.escalations, scoped by the jurisdiction rule."""
import datetime as dt

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.actions import action
from flask_appbuilder.api import protect
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext as _, lazy_gettext as _l

from app.core import clock
from app.core import recipients
from app.core import roles
from app.core.errors import NotFound, ValidationFailed
from app.core.jurisdiction import current_jurisdiction
from app.regions.service import region_path
from app.reporting import compliance, escalations, reminders
from app.reporting import daily_reports as reporting
from models.base import utcnow
from models.reporting import ESCALATION_LEVEL_LABELS, REPORT_STATUS_LABELS, DailyReport, Escalation
from views.core.api_input import json_object, optional_text, safe
from views.core.base import ScopedModelRestApi, ScopedModelView
from views.core.refusals import apply_to_each

CATEGORY = ("Reporting", _l("Daily reporting"))
READ_ROUTES = {"list", "show", "action", "action_post"}
API_READ_ROUTES = {"get", "get_list", "info"}

REPORT_LABELS = {
    "report_date": _l("Day"), "region_code": _l("Community code"),
    "community_name": _l("Community"), "new_filings": _l("New filings"),
    "arrivals": _l("Arrivals"), "checks": _l("Checks done"),
    "risk_area_arrivals": _l("Arrivals from risk areas"), "under_control": _l("Under control"),
    "zero_report": _l("Zero report"), "status": _l("Status"), "status_label": _l("Status"),
    "prepared_at": _l("Prepared"), "due_at": _l("Deadline"), "submitted_at": _l("Submitted at"),
    "submitted_by_id": _l("Submitted by"), "late": _l("Late"), "note": _l("Note"),
}
REPORT_COLUMNS = ["report_date", "community_name", "new_filings", "arrivals", "checks",
                  "risk_area_arrivals", "under_control", "zero_report", "status_label", "late",
                  "due_at", "submitted_at"]
ESCALATION_LABELS = {
    "level": _l("Level"), "level_label": _l("Level"), "reason": _l("Reason"),
    "reason_label": _l("Reason"), "subject_type": _l("Subject type"), "subject_id": _l("Subject"),
    "subject_ref": _l("Subject"), "region_code": _l("Community code"),
    "community_name": _l("Community"), "target_region_code": _l("Escalated to (code)"),
    "target_name": _l("Escalated to"), "deadline_at": _l("Due since"), "raised_at": _l("Raised"),
    "due_at": _l("Escalates further at"), "status": _l("Status"), "status_label": _l("Status"),
    "acknowledged_at": _l("Acknowledged"), "resolved_at": _l("Resolved"),
    "resolution": _l("Resolution"), "resolution_label": _l("Resolution"), "note": _l("Note"),
}
ESCALATION_COLUMNS = ["level_label", "reason_label", "community_name", "subject_ref", "target_name",
                      "deadline_at", "raised_at", "due_at", "status_label"]
LOCAL_TIMES = {column: clock.format_local for column in
               ("due_at", "submitted_at", "prepared_at", "deadline_at", "raised_at",
                "acknowledged_at", "resolved_at")}


def _permissions(**extra):
    return {**roles.METHOD_PERMISSIONS, **extra}


ROW_ACTION_DOC = """{summary}
        ---
        post:
          parameters:
          - {{in: path, name: pk, schema: {{type: integer}}}}
          requestBody:
            content:
              application/json:
                schema: {{type: object, properties: {{note: {{type: string}}}}}}
          responses:
            200: {{description: the row after the change}}
            404: {{description: no such row in your jurisdiction}}
            409: {{description: {conflict}}}
        """


def row_action(summary: str, conflict: str):
    """A custom API endpoint ``POST .../<pk>/<name>`` with an optional JSON ``{"note"}``:
    ``work(pk, note)`` changes the row through a service and the endpoint answers it
    (and its OpenAPI description)."""
    def decorate(work):
        def endpoint(self, pk):
            row = work(pk, optional_text(json_object(), "note"))
            return self.response(200, id=row.id, result=self.show_model_schema.dump(row))
        endpoint.__name__ = work.__name__
        endpoint.__doc__ = ROW_ACTION_DOC.format(summary=summary, conflict=conflict)
        return protect()(safe(endpoint))
    return decorate


def _report_name(report: DailyReport) -> str:
    """How a person names a report in a message: its community and day (no codes)."""
    return f"{report.community_name()} {report.report_date.isoformat()}"


def _escalation_name(escalation: Escalation) -> str:
    return " ".join(str(part) for part in (escalation.community_name(), escalation.reason_label(),
                                           escalation.subject_ref) if part)


def _flash_outcome(done: int, errors: list[str]):
    if done:
        flash(_("%(count)s done.", count=done), "success")
    for message in errors:
        flash(message, "warning")


# ---- daily reports -------------------------------------------------------------------

class DailyReportView(ScopedModelView):
    datamodel = SQLAInterface(DailyReport)
    class_permission_name = roles.DAILY_REPORT
    method_permission_name = _permissions(submit_reports=roles.WRITE)
    include_route_methods = READ_ROUTES
    list_title = _l("Daily reports")
    show_title = _l("Daily report")
    label_columns = REPORT_LABELS
    list_columns = REPORT_COLUMNS
    show_columns = REPORT_COLUMNS + ["prepared_at", "note"]
    search_columns = ["report_date", "region_code", "status", "late", "zero_report"]
    order_columns = ["report_date", "new_filings", "arrivals", "checks", "due_at", "submitted_at"]
    base_order = ("report_date", "desc")
    formatters_columns = LOCAL_TIMES

    @action("submit_reports", _l("Confirm and submit"),
            _l("Submit the selected reports with their counts as shown?"), "fa-check")
    def submit_reports(self, items):
        jurisdiction = current_jurisdiction()
        _flash_outcome(*apply_to_each(items, lambda report: reporting.submit_report(
            report.id, jurisdiction=jurisdiction), name=_report_name))
        return redirect(request.referrer or self.get_redirect())


class DailyReportApi(ScopedModelRestApi):
    """``GET /api/v1/daily_report/``, ``POST /api/v1/daily_report/<id>/submit`` and
    ``GET /api/v1/daily_report/compliance?region=&date=``."""

    datamodel = SQLAInterface(DailyReport)
    class_permission_name = roles.DAILY_REPORT
    resource_name = "daily_report"
    method_permission_name = _permissions(submit=roles.WRITE, compliance=roles.READ)
    include_route_methods = API_READ_ROUTES | {"submit", "compliance"}
    label_columns = REPORT_LABELS
    list_columns = ["id", "region_code", "report_date", *DailyReport.COUNT_FIELDS, "zero_report",
                    "status", "late", "prepared_at", "due_at", "submitted_at", "submitted_by_id", "note"]
    show_columns = list_columns
    search_columns = ["region_code", "report_date", "status", "late", "zero_report"]
    order_columns = ["report_date", "region_code", "status", "submitted_at"]
    base_order = ("report_date", "desc")

    @expose("/<int:pk>/submit", methods=["POST"])
    @row_action("Confirm and submit a daily report (a zero report too); late after the deadline.",
                "already submitted")
    def submit(pk, note):
        return reporting.submit_report(pk, jurisdiction=current_jurisdiction(), note=note)

    @expose("/compliance", methods=["GET"])
    @protect()
    @safe
    def compliance(self):
        """Who has reported a day, per child region one level down.
        ---
        get:
          parameters:
          - {in: query, name: region, schema: {type: string}}
          - {in: query, name: date, schema: {type: string, format: date}}
          responses:
            200: {description: totals, one row per child region, communities not reported}
            404: {description: region outside your jurisdiction}
        """
        result = compliance.compliance(request.args.get("region"), _requested_day(),
                                       jurisdiction=current_jurisdiction())
        return self.response(200, **result.as_dict())


def _requested_day(values=None) -> dt.date:
    value = (request.args if values is None else values).get("date")
    if not value:
        return reporting.default_report_date()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValidationFailed(errors={"date": [_l("Use a date like 2026-03-01.")]})


class _Page(BaseView):
    """A console page at ``route_base/``, read permission on ``class_permission_name``."""

    default_view = "index"
    method_permission_name = {"index": roles.READ}


class DailyReportDesk(_Page):
    """The officer's screen: the prepared reports waiting for confirmation, with their
    counts, one button to submit each (a zero report too), and the latest ones sent."""

    route_base = "/dailyreport"
    class_permission_name = roles.DAILY_REPORT
    method_permission_name = {**_Page.method_permission_name, "submit": roles.WRITE}

    @expose("/")
    @has_access
    def index(self):
        jurisdiction = current_jurisdiction()
        awaiting = reporting.reports_awaiting(jurisdiction)
        levels = escalations.escalation_levels_of_reports(r.id for r in awaiting)
        return self.render_template(
            "daily_report_desk.html", awaiting=awaiting, submitted=reporting.reports_submitted(jurisdiction),
            levels=levels, level_labels=ESCALATION_LEVEL_LABELS, labels=REPORT_LABELS,
            count_fields=DailyReport.COUNT_FIELDS, now=utcnow(), local=clock.format_local,
            can_submit=self.appbuilder.sm.has_access("can_write", roles.DAILY_REPORT))

    @expose("/submit/<int:pk>", methods=["POST"])
    @has_access
    def submit(self, pk):
        try:
            report = reporting.submit_report(pk, jurisdiction=current_jurisdiction(), note=request.form.get("note"))
        except NotFound:
            abort(404)
        if report.late:
            flash(_("Report of %(day)s submitted after the deadline: marked late.",
                    day=report.report_date.isoformat()), "warning")
        else:
            flash(_("Report of %(day)s submitted.", day=report.report_date.isoformat()), "success")
        return redirect(url_for(".index"))


class ComplianceView(_Page):
    """Township, county and higher: who has (not) reported a day, one level at a time."""

    route_base = "/compliance"
    class_permission_name = roles.DAILY_REPORT

    @expose("/")
    @has_access
    def index(self):
        try:
            result = compliance.compliance(request.args.get("region"), _requested_day(),
                                           jurisdiction=current_jurisdiction())
        except NotFound:
            abort(404)
        return self.render_template(
            "compliance.html", result=result, path=region_path(result.region.code),
            level_labels=ESCALATION_LEVEL_LABELS, status_labels=REPORT_STATUS_LABELS,
            local=clock.format_local, now=utcnow(),
            can_remind=self.appbuilder.sm.has_access("can_write", roles.ESCALATION))


class ReportReminderView(BaseView):
    """催报 on the compliance screen: one POST reminds the communities of a region that
    have not reported the day (app.reporting.reminders)."""

    route_base = "/reportreminder"
    class_permission_name = roles.ESCALATION
    method_permission_name = {"remind": roles.WRITE}

    @expose("/", methods=["POST"])
    @has_access
    def remind(self):
        day = _requested_day(request.form)
        user = self.appbuilder.sm.current_user
        try:
            result = reminders.remind_not_reported(
                request.form.get("region"), day, jurisdiction=current_jurisdiction(), by_id=user.id,
                by_name=" ".join(filter(None, (user.first_name, user.last_name))) or user.username)
        except NotFound:
            abort(404)
        if not result.not_reported:
            flash(_("Every community has reported: nobody to remind."), "info")
        else:
            flash(_("Reminded %(reminded)s communities (%(messages)s messages to their officers); "
                    "%(already)s had been reminded already for this day.", reminded=result.reminded,
                    messages=result.messages, already=result.already), "success")
        return redirect(url_for("ComplianceView.index", region=request.form.get("region") or None,
                                date=day.isoformat()))


class InboxView(_Page):
    """My messages: distribution rounds and escalations sent to this account."""

    route_base = "/inbox"
    class_permission_name = roles.NOTIFICATION
    # Marking one's own messages read is part of reading them (no one has more on them).
    method_permission_name = {**_Page.method_permission_name, "mark_read": roles.READ}

    @expose("/")
    @has_access
    def index(self):
        messages = recipients.inbox(self.appbuilder.sm.current_user.id, jurisdiction=current_jurisdiction())
        return self.render_template("inbox.html", messages=messages, local=clock.format_local)

    @expose("/read", methods=["POST"])
    @has_access
    def mark_read(self):
        recipients.mark_read(self.appbuilder.sm.current_user.id, request.form.getlist("id", type=int),
                             now=utcnow())
        return redirect(url_for(".index"))


# ---- escalations ---------------------------------------------------------------------

class EscalationView(ScopedModelView):
    datamodel = SQLAInterface(Escalation)
    class_permission_name = roles.ESCALATION
    method_permission_name = _permissions(acknowledge_escalations=roles.WRITE,
                                          resolve_escalations=roles.WRITE)
    include_route_methods = READ_ROUTES
    list_title = _l("Escalations")
    show_title = _l("Escalation")
    label_columns = ESCALATION_LABELS
    list_columns = ESCALATION_COLUMNS
    show_columns = ESCALATION_COLUMNS + ["acknowledged_at", "resolved_at", "resolution_label", "note"]
    search_columns = ["status", "level", "reason", "region_code", "target_region_code", "raised_at"]
    order_columns = ["raised_at", "deadline_at", "due_at"]
    base_order = ("raised_at", "desc")
    formatters_columns = LOCAL_TIMES

    @action("acknowledge_escalations", _l("Acknowledge"), None, "fa-eye")
    def acknowledge_escalations(self, items):
        jurisdiction = current_jurisdiction()
        _flash_outcome(*apply_to_each(items, lambda e: escalations.acknowledge(e.id, jurisdiction=jurisdiction),
                                      name=_escalation_name))
        return redirect(request.referrer or self.get_redirect())

    @action("resolve_escalations", _l("Resolve"), _l("Mark the selected escalations resolved?"),
            "fa-check")
    def resolve_escalations(self, items):
        jurisdiction = current_jurisdiction()
        _flash_outcome(*apply_to_each(items, lambda e: escalations.resolve(e.id, jurisdiction=jurisdiction),
                                      name=_escalation_name))
        return redirect(request.referrer or self.get_redirect())



class EscalationApi(ScopedModelRestApi):
    """``GET /api/v1/escalation/``; ``POST .../<id>/acknowledge`` and ``.../<id>/resolve``."""

    datamodel = SQLAInterface(Escalation)
    class_permission_name = roles.ESCALATION
    resource_name = "escalation"
    method_permission_name = _permissions(acknowledge=roles.WRITE, resolve=roles.WRITE)
    include_route_methods = API_READ_ROUTES | {"acknowledge", "resolve"}
    label_columns = ESCALATION_LABELS
    list_columns = ["id", "level", "reason", "subject_type", "subject_id", "subject_ref",
                    "region_code", "target_region_code", "deadline_at", "raised_at", "due_at",
                    "status", "acknowledged_at", "resolved_at", "resolution", "note"]
    show_columns = list_columns
    search_columns = ["status", "level", "reason", "region_code", "target_region_code", "subject_type"]
    order_columns = ["raised_at", "deadline_at", "due_at", "level"]
    base_order = ("raised_at", "desc")

    @expose("/<int:pk>/acknowledge", methods=["POST"])
    @row_action("Acknowledge an escalation that reached your region.", "already acknowledged or resolved")
    def acknowledge(pk, note):
        return escalations.acknowledge(pk, jurisdiction=current_jurisdiction())

    @expose("/<int:pk>/resolve", methods=["POST"])
    @row_action("Resolve an escalation (and the levels below it) with an optional note.",
                "already resolved")
    def resolve(pk, note):
        return escalations.resolve(pk, jurisdiction=current_jurisdiction(), note=note)


def register(registry):
    registry.add_view("Daily report desk", _l("Today's report"), CATEGORY, "fa-check-square-o",
                      DailyReportDesk, roles.DAILY_REPORT)
    registry.add_view("Daily reports", _l("Daily reports"), CATEGORY, "fa-calendar-check-o",
                      DailyReportView, roles.DAILY_REPORT)
    registry.add_view("Report compliance", _l("Report compliance"), CATEGORY, "fa-tasks",
                      ComplianceView, roles.DAILY_REPORT)
    registry.add_hidden_view(ReportReminderView)
    registry.add_view("Escalations", _l("Escalations"), CATEGORY, "fa-bell",
                      EscalationView, roles.ESCALATION)
    registry.add_view("Messages", _l("My messages"), CATEGORY, "fa-envelope",
                      InboxView, roles.NOTIFICATION)
    registry.add_api(DailyReportApi)
    registry.add_api(EscalationApi)

