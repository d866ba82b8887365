from flask import current_app
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _l

from app.core import roles
from app.core.clock import format_local
from views.core.shown import times_in_text
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


def entity_label(entity):
    """A record type as its screen names it (the list title of the view of that model:
    报备, 居民...); the model's name when no screen shows it."""
    titles = current_app.extensions.setdefault("entity_titles", {})
    if not titles:
        for view in current_app.appbuilder.baseviews:
            model = getattr(getattr(view, "datamodel", None), "obj", None)
            title = getattr(type(view), "list_title", None)  # ours; FAB's default is English
            if model is not None and title:
                titles.setdefault(model.__name__, title)
    return str(titles.get(entity, entity)) if entity else ""


class AuditLogView(ScopedModelView):
    datamodel = SQLAInterface(AuditLog)
    class_permission_name = roles.AUDIT
    base_permissions = ["can_read"]
    list_title = _l("Audit log")
    show_title = _l("Audit entry")
    label_columns = {**AUDIT_LABELS, "at": _l("Time")}
    list_columns = AUDIT_COLUMNS
    show_columns = AUDIT_COLUMNS
    formatters_columns = {"at": format_local, "action": lambda action: ACTION_LABELS.get(action, action),
                          "entity": lambda entity: entity_label(entity), "changes": times_in_text}
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
