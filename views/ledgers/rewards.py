"""Screens and API of rewards and penalties: proposals, decisions by a higher level,
and totals per jurisdiction."""
from flask import flash, redirect, request
from flask_appbuilder import expose
from flask_appbuilder.actions import action
from flask_appbuilder.api import protect
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext as _, lazy_gettext as _l

from app.ledgers import choices
from app.ledgers import rewards
from app.core import roles
from app.core.jurisdiction import current_jurisdiction
from models.rewards import RewardPenalty
from models.staff import StaffMember
from views.core.api_input import json_object, optional_text, safe
from views.core.base import ScopedModelRestApi, ScopedModelView
from views.core.places import place_label
from views.ledgers.base import EXCEL_PERMISSIONS, LedgerApiMixin, LedgerViewMixin, decimal_field, \
    integer_field, select_field
from views.ledgers.units import LEDGERS, formatter
from views.core.refusals import apply_to_each
from views.ledgers.roster import describe_staff
from views.core.widgets import RegionSelectField, RelatedSelectField

REWARD_PERMISSIONS = {**EXCEL_PERMISSIONS, "approve": roles.WRITE, "reject": roles.WRITE, "totals": roles.READ}
LABELS = {
    "region_code": _l("Unit concerned"), "target": _l("For"), "staff": _l("Person"), "staff.name": _l("Person"),
    "kind": _l("Kind"), "reason_category": _l("Reason"), "reason": _l("Details"), "amount": _l("Amount (yuan)"),
    "source_type": _l("Based on"), "source_id": _l("Number of the escalation or finding"),
    "period": _l("Month"), "status": _l("Status"), "proposed_at": _l("Proposed"),
    "decided_at": _l("Decided"), "decision_note": _l("Decision note"),
}
FORMATTERS = {
    "region_code": place_label, "target": formatter(choices.REWARD_TARGETS), "kind": formatter(choices.REWARD_KINDS),
    "reason_category": formatter(choices.REWARD_CATEGORIES), "status": formatter(choices.REWARD_STATUSES),
    "source_type": formatter(choices.SOURCE_TYPES),
}
LIST = ["region_code", "target", "staff.name", "kind", "reason_category", "amount", "status", "period",
        "source_type", "source_id"]
SHOW = ["region_code", "target", "staff", "kind", "reason_category", "reason", "amount", "source_type",
        "source_id", "period", "status", "proposed_at", "decided_at", "decision_note"]
WRITE = ["kind", "target", "region_code", "staff", "reason_category", "reason", "amount", "source_type",
         "source_id"]
FORM = {
    "kind": select_field(_l("Kind"), choices.REWARD_KINDS, "penalty"),
    "target": select_field(_l("For"), choices.REWARD_TARGETS, "unit"),
    "region_code": RegionSelectField(_l("Unit concerned"), units=True,
                                     description=_l("For a person: their unit (or leave it to their roster entry).")),
    "staff": RelatedSelectField(_l("Person"), model=StaffMember, endpoint="StaffApi.lookup",
                                describe=describe_staff, required=False),
    "reason_category": select_field(_l("Reason"), choices.REWARD_CATEGORIES),
    "amount": decimal_field(_l("Amount (yuan)")),
    "source_type": select_field(_l("Based on"), choices.SOURCE_TYPES, blank=True),
    "source_id": integer_field(_l("Number of the escalation or finding"), 1),
}


def _proposer_id():
    from flask import current_app

    user = current_app.appbuilder.sm.current_user
    return user.id if user is not None else None


def _decide(record, approve, note=None, amount=None):
    """The current user decides ``record`` (app.ledgers.rewards checks their level)."""
    from flask import current_app

    user = current_app.appbuilder.sm.current_user
    return rewards.decide(record, approve, user.id, current_jurisdiction(), note=note, amount=amount)


class RewardView(LedgerViewMixin, ScopedModelView):
    datamodel = SQLAInterface(RewardPenalty)
    class_permission_name = roles.REWARD
    method_permission_name = REWARD_PERMISSIONS
    list_title, show_title = _l("Rewards and penalties"), _l("Reward or penalty")
    add_title, edit_title = _l("Propose a reward or penalty"), _l("Edit proposal")
    list_template = "ledgers/reward_list.html"
    label_columns = LABELS
    formatters_columns = FORMATTERS
    list_columns = LIST
    show_columns = SHOW
    add_columns = WRITE
    edit_columns = WRITE
    search_columns = ["region_code", "kind", "reason_category", "status", "period", "source_type"]
    order_columns = ["region_code", "status", "period", "amount"]
    base_order = ("id", "desc")
    add_form_extra_fields = FORM
    edit_form_extra_fields = FORM

    def service(self, item, jurisdiction):
        rewards.prepare_record(item, _proposer_id(), jurisdiction=jurisdiction)

    @action("approve", _l("Approve"), _l("Approve the selected proposals?"), "fa-check", single=False)
    def approve(self, items):
        return self._decide_all(items, True)

    @action("reject", _l("Reject"), _l("Reject the selected proposals?"), "fa-times", single=False)
    def reject(self, items):
        return self._decide_all(items, False)

    def _decide_all(self, items, approve):
        decided, errors = apply_to_each(items, lambda item: _decide(item, approve), name=lambda item: f"#{item.id}")
        for message in errors:
            flash(message, "danger")
        flash(_("%(n)s records decided.", n=decided), "success" if decided else "warning")
        return redirect(self.get_redirect())

    @expose("/totals/")
    @has_access
    def totals(self):
        """Approved rewards and penalties per unit one level down, with drill-down."""
        result = rewards.totals(request.args.get("region") or None, jurisdiction=current_jurisdiction())
        return self.render_template("ledgers/reward_totals.html", totals=result,
                                    title=_("Totals of rewards and penalties"))


class RewardApi(LedgerApiMixin, ScopedModelRestApi):
    datamodel = SQLAInterface(RewardPenalty)
    class_permission_name = roles.REWARD
    resource_name = "reward"
    method_permission_name = REWARD_PERMISSIONS
    lookup_columns = ("reason",)
    label_columns = LABELS
    list_columns = ["id", *[c for c in LIST if c != "staff.name"], "staff.id", "staff.name", "reason",
                    "proposed_at", "decided_at", "decision_note"]
    show_columns = list_columns
    add_columns = WRITE
    edit_columns = WRITE
    search_columns = ["region_code", "kind", "reason_category", "status", "period", "source_type", "source_id"]
    order_columns = ["region_code", "status", "period", "amount", "proposed_at"]

    def service(self, item, jurisdiction):
        rewards.prepare_record(item, _proposer_id(), jurisdiction=jurisdiction)

    @expose("/<int:pk>/approve", methods=["POST"])
    @protect()
    @safe
    def approve(self, pk):
        """Approve a proposal: only an account of a higher level than the unit concerned.
        Body (optional): ``{"note", "amount"}``.
        ---
        post:
          parameters:
          - {in: path, name: pk, schema: {type: integer}}
          responses:
            200: {description: "{id, status}"}
            400: {description: not of a higher level}
            404: {description: outside the jurisdiction}
            409: {description: already decided}
        """
        return self._decide_one(pk, True)

    @expose("/<int:pk>/reject", methods=["POST"])
    @protect()
    @safe
    def reject(self, pk):
        """Reject a proposal (same rules and body as approve).
        ---
        post:
          parameters:
          - {in: path, name: pk, schema: {type: integer}}
          responses:
            200: {description: "{id, status}"}
        """
        return self._decide_one(pk, False)

    def _decide_one(self, pk, approve):
        record = self.datamodel.get(pk, self._base_filters)
        if record is None:
            return self.response_404()
        body = json_object()
        _decide(record, approve, optional_text(body, "note"), body.get("amount"))
        return self.response(200, id=record.id, status=record.status)

    @expose("/totals", methods=["GET"])
    @protect()
    @safe
    def totals(self):
        """Totals for ``region`` (default: the caller's jurisdiction) and each unit one
        level down: approved rewards and penalties (count, amount), open proposals.
        ---
        get:
          parameters:
          - {in: query, name: region, schema: {type: string}}
          responses:
            200: {description: "{region: {...}, children: [...]}"}
        """
        result = rewards.totals(request.args.get("region") or None, jurisdiction=current_jurisdiction())
        return self.response(200, region=_row(result.region), children=[_row(r) for r in result.children])


def _row(row) -> dict:
    return {"code": row.code, "name": row.label, "rewards": row.rewards, "reward_amount": str(row.reward_amount),
            "penalties": row.penalties, "penalty_amount": str(row.penalty_amount), "proposed": row.proposed}


def register(registry):
    registry.add_view("Rewards and penalties", _l("Rewards and penalties"), LEDGERS, "fa-balance-scale",
                      RewardView, roles.REWARD)
    registry.add_api(RewardApi)
