from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _l

from app.core import roles
from app.core.clock import format_local
from models import AuditLog
from views.core.base import ScopedModelRestApi, ScopedModelView

AUDIT_LABELS = {
    "at": _l("Time (UTC)"), "username": _l("User"), "action": _l("Action"),
    "entity": _l("Record type"), "entity_id": _l("Record"), "region_code": _l("Region"),
    "changes": _l("Changes"),
}
# What each kind of entry is called on the screen (the API keeps the stored word).
ACTION_LABELS = {
    "create": _l("Created"), "update": _l("Changed"), "delete": _l("Deleted"),
    "unmask": _l("Number revealed"), "escalate": _l("Escalated"), "import": _l("Imported"),
    "prepare": _l("Prepared"), "resolve": _l("Resolved"), "undo": _l("Undone"),
    "login": _l("Signed in"), "login_failed": _l("Sign-in failed"), "locked": _l("Account locked"),
    "unlock": _l("Unlocked"),
}
AUDIT_COLUMNS = ["at", "username", "action", "entity", "entity_id", "region_code", "changes"]


class AuditLogView(ScopedModelView):
    datamodel = SQLAInterface(AuditLog)
    class_permission_name = roles.AUDIT
    base_permissions = ["can_read"]
    list_title = _l("Audit log")
    show_title = _l("Audit entry")
    label_columns = {**AUDIT_LABELS, "at": _l("Time")}
    list_columns = AUDIT_COLUMNS
    show_columns = AUDIT_COLUMNS
    formatters_columns = {"at": format_local, "action": lambda action: ACTION_LABELS.get(action, action)}
    search_columns = ["username", "action", "entity", "entity_id", "region_code", "at"]
    base_order = ("id", "desc")


class AuditLogApi(ScopedModelRestApi):
    datamodel = SQLAInterface(AuditLog)
    class_permission_name = roles.AUDIT
    resource_name = "audit_log"
    base_permissions = ["can_read"]
    label_columns = AUDIT_LABELS
    label_columns = AUDIT_LABELS
    list_columns = ["id"] + AUDIT_COLUMNS
    show_columns = list_columns
    search_columns = ["username", "action", "entity", "entity_id", "region_code"]
