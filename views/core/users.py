"""User screens, scoped by the jurisdiction rule, with a searchable jurisdiction field."""
from flask import flash, redirect, request
from flask_appbuilder.actions import action
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.views import UserDBModelView
from flask_appbuilder.fields import QuerySelectMultipleField
from flask_appbuilder.fieldwidgets import Select2ManyWidget
from flask_babel import gettext as _, lazy_gettext as _l

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


def _role_label(role) -> str:
    return str(roles.ROLE_LABELS.get(role.name, role.name))


def _roles_field():
    """The roles by their names on screen (FAB shows the stored English names)."""
    from flask import current_app

    return QuerySelectMultipleField(
        _l("Roles"), query_func=lambda: db.session.query(current_app.appbuilder.sm.role_model),
        get_label=_role_label, get_pk_func=lambda role: role.id, widget=Select2ManyWidget(),
        description=_l("What the account may do; each role works at one level of jurisdiction."))


USER_HELP = {
    "first_name": _l("The person's full name, as colleagues know it."),
    "username": _l("The name to sign in with."),
    "active": _l("Rather than delete an account, make it inactive."),
    "email": _l("Optional; may be left empty."),
    "region_code": _l("Officer: a community; township staff: a township; grid member: a grid, building "
                      "or unit; command staff and leaders: the province, a city or a county."),
    "conf_password": _l("The same password again."),
}


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
                     "locked_until": _l("Locked until"), "first_name": _l("Full name")}
    description_columns = USER_HELP
    # The name is one field (first_name; last_name stays empty), as Chinese names are written.
    list_columns = ["first_name", "username", "region_code", "roles", "active"]
    formatters_columns = {"roles": lambda assigned: "、".join(_role_label(role) for role in assigned)}
    search_columns = ["username", "first_name", "last_name", "region_code", "active"]
    show_fieldsets = [
        (_l("User info"), {"fields": ["username", "active", "roles", "region_code", "login_count"]}),
        (_l("Personal Info"), {"fields": ["first_name", "email"], "expanded": True}),
        (_l("Audit Info"), {"fields": ["last_login", "fail_login_count", "locked_until", "created_on",
                                       "created_by", "changed_on", "changed_by"],
                            "expanded": False}),
    ]
    user_show_fieldsets = show_fieldsets[:2]
    add_columns = ["first_name", "username", "active", "email", "roles",
                   "region_code", "password", "conf_password"]
    edit_columns = ["first_name", "username", "active", "email", "roles", "region_code"]
    add_form_extra_fields = {
        **password_fields(lambda form: form.username.data),
        "region_code": RegionSelectField(_l("Jurisdiction"), units=True),
        "roles": _roles_field(),
    }
    edit_form_extra_fields = {"region_code": RegionSelectField(_l("Jurisdiction"), units=True),
                              "roles": _roles_field()}

    def pre_add(self, item):
        item.last_name = item.last_name or ""
        super().pre_add(item)

    def post_add(self, item):
        super().post_add(item)
        _warn_of_misplaced_roles(item)

    def post_update(self, item):
        super().post_update(item)
        _warn_of_misplaced_roles(item)

    @action("unlock", _l("Unlock"), _l("Unlock the selected accounts?"), "fa-unlock")
    def unlock(self, items):
        for user in items if isinstance(items, list) else [items]:
            accounts.unlock(db.session, user)
        flash(str(_l("Unlocked.")), "success")
        return redirect(request.referrer or self.get_redirect())


def _warn_of_misplaced_roles(user) -> None:
    for name in roles.misplaced_roles([role.name for role in user.roles], user.region_code):
        flash(_("%(role)s works at another level of jurisdiction than %(code)s: check the role or the jurisdiction.",
                role=roles.ROLE_LABELS[name], code=user.region_code or "-"), "warning")


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
