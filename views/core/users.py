"""User screens, scoped by the jurisdiction rule, with a searchable jurisdiction field."""
from flask import flash, redirect, request
from flask_appbuilder.actions import action
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.views import UserDBModelView
from flask_babel import lazy_gettext as _l

from app.core import accounts
from app.core import roles
from app.core.extensions import db
from app.core.jurisdiction import base_filters_for
from app.regions.service import ANY_JURISDICTION
from models.user import ConsoleUser
from views.core.accounts import password_fields
from views.core.base import ScopedModelRestApi
from views.core.scoped import ScopedViewMixin
from views.core.widgets import RegionSelectField


class ConsoleUserView(ScopedViewMixin, UserDBModelView):
    class_permission_name = roles.USER
    method_permission_name = {
        **roles.METHOD_PERMISSIONS,
        "userinfo": "userinfo",
        "resetmypassword": "resetmypassword",
        "resetpasswords": roles.WRITE,
        "unlock": roles.WRITE,
    }
    base_filters = base_filters_for(ConsoleUser)
    region_fields = {"region_code": ANY_JURISDICTION}  # a region, or a ledger grid/building/unit

    label_columns = {**UserDBModelView.label_columns, "region_code": _l("Jurisdiction"),
                     "locked_until": _l("Locked until")}
    list_columns = ["first_name", "last_name", "username", "region_code", "roles", "active"]
    search_columns = ["username", "first_name", "last_name", "region_code", "active"]
    show_fieldsets = [
        (_l("User info"), {"fields": ["username", "active", "roles", "region_code", "login_count"]}),
        (_l("Personal Info"), {"fields": ["first_name", "last_name", "email"], "expanded": True}),
        (_l("Audit Info"), {"fields": ["last_login", "fail_login_count", "locked_until", "created_on",
                                       "created_by", "changed_on", "changed_by"],
                            "expanded": False}),
    ]
    user_show_fieldsets = show_fieldsets[:2]
    add_columns = ["first_name", "last_name", "username", "active", "email", "roles", "groups",
                   "region_code", "password", "conf_password"]
    edit_columns = ["first_name", "last_name", "username", "active", "email", "roles", "groups",
                    "region_code"]
    add_form_extra_fields = {
        **password_fields(lambda form: form.username.data),
        "region_code": RegionSelectField(_l("Jurisdiction"), units=True),
    }
    edit_form_extra_fields = {"region_code": RegionSelectField(_l("Jurisdiction"), units=True)}

    @action("unlock", _l("Unlock"), _l("Unlock the selected accounts?"), "fa-unlock")
    def unlock(self, items):
        for user in items if isinstance(items, list) else [items]:
            accounts.unlock(db.session, user)
        flash(str(_l("Unlocked.")), "success")
        return redirect(request.referrer or self.get_redirect())


class ConsoleUserApi(ScopedModelRestApi):
    """Accounts through the API, scoped like every resource (FAB's own user API is
    not, so it is switched off)."""

    datamodel = SQLAInterface(ConsoleUser)
    class_permission_name = roles.USER
    resource_name = "user"
    allow_browser_login = True
    list_columns = ["id", "username", "first_name", "last_name", "region_code", "active",
                    "roles.name"]
    show_columns = list_columns
    edit_columns = ["first_name", "last_name", "email", "active", "region_code"]
    # POST is not routed, but ``_info`` describes the add form: FAB's default (every
    # column) would list every account of the province as created_by/changed_by choices.
    add_columns = edit_columns
    search_columns = ["username", "region_code", "active"]
    base_permissions = ["can_read", "can_write"]
    include_route_methods = {"get", "get_list", "put", "info"}
    region_fields = {"region_code": ANY_JURISDICTION}
    label_columns = {"region_code": _l("Jurisdiction")}
