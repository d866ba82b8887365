from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _l

from app.core import roles
from models import AuditLog
from views.core.base import ScopedModelRestApi, ScopedModelView

AUDIT_LABELS = {
    "at": _l("Time (UTC)"), "username": _l("User"), "action": _l("Action"),
    "entity": _l("Record type"), "entity_id": _l("Record"), "region_code": _l("Region"),
    "changes": _l("Changes"),
}
AUDIT_COLUMNS = ["at", "username", "action", "entity", "entity_id", "region_code", "changes"]


class AuditLogView(ScopedModelView):
    datamodel = SQLAInterface(AuditLog)
    class_permission_name = roles.AUDIT
    base_permissions = ["can_read"]
    list_title = _l("Audit log")
    show_title = _l("Audit entry")
    label_columns = AUDIT_LABELS
    list_columns = AUDIT_COLUMNS
    show_columns = AUDIT_COLUMNS
    search_columns = ["username", "action", "entity", "entity_id", "region_code", "at"]
    base_order = ("id", "desc")


class AuditLogApi(ScopedModelRestApi):
    datamodel = SQLAInterface(AuditLog)
    class_permission_name = roles.AUDIT
    resource_name = "audit_log"
    base_permissions = ["can_read"]
    label_columns = AUDIT_LABELS
    list_columns = ["id"] + AUDIT_COLUMNS
    show_columns = list_columns
    search_columns = ["username", "action", "entity", "entity_id", "region_code"]
