"""Every screen and API, registered in one place.

The menu is a list of entries (name, label, category, category label, icon, view,
resource); app.core.roles grants each role the entries of the resources it may read."""
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from app.core import roles

SYSTEM = ("System", _l("System"))


@dataclass
class MenuEntry:
    name: str
    label: object
    category: tuple
    icon: str
    view: type
    resource: str


class Registry:
    """What a part of the domain adds: menu entries and APIs."""

    def __init__(self):
        self.menu: list[MenuEntry] = []
        self.apis: list[type] = []
        self.hidden_views: list[type] = []   # screens reached by links, not the menu
        self.blueprints: list[tuple] = []    # plain Flask blueprints (public pages)

    def add_view(self, name, label, category, icon, view, resource):
        self.menu.append(MenuEntry(name, label, category, icon, view, resource))

    def add_api(self, api):
        self.apis.append(api)

    def add_hidden_view(self, view):
        self.hidden_views.append(view)

    def add_blueprint(self, blueprint, csrf_exempt=False):
        self.blueprints.append((blueprint, csrf_exempt))

    def menu_entries(self):
        return [(e.name, e.category[0] if e.category else None, e.resource) for e in self.menu] + [
            # FAB's own user list, scoped by views.core.users.ConsoleUserView
            ("List Users", "Security", roles.USER)]


def build_registry() -> Registry:
    from views import domain_registry
    from views.core import accounts as account_views
    from views.core import audit
    from views.regions import staff as regions
    from views.core import users

    registry = Registry()
    registry.add_hidden_view(account_views.SecondFactorView)
    registry.add_view("Regions", _l("Regions"), SYSTEM, "fa-map", regions.RegionView, roles.REGION)
    registry.add_view("Audit log", _l("Audit log"), SYSTEM, "fa-history", audit.AuditLogView, roles.AUDIT)
    registry.add_api(regions.RegionApi)
    registry.add_api(audit.AuditLogApi)
    registry.add_api(users.ConsoleUserApi)
    domain_registry.register_all(registry)
    return registry


def security_views() -> dict:
    """The account screens and API that FAB's security manager shows, by FAB's names
    (app.core.security's ``use_views``; the factory hands them over before FAB starts)."""
    from views.core import accounts as account_views
    from views.core.users import ConsoleUserView

    return dict(userdbmodelview=ConsoleUserView, authdbview=account_views.AuthDBView,
                resetmypasswordview=account_views.ResetMyPasswordView,
                resetpasswordview=account_views.ResetPasswordView,
                security_api=account_views.SecurityApi, token_refused=account_views.token_refused,
                token_errors=account_views.TOKEN_ERRORS)


def init_views(app, appbuilder) -> Registry:
    from views.core import accounts as account_views
    from views.core import api_spec
    from views.core import home
    from views.regions import public
    from views.core.csrf import exempt_public

    registry = build_registry()
    for entry in registry.menu:
        category, category_label = entry.category or (None, None)
        appbuilder.add_view(entry.view, entry.name, label=entry.label, icon=entry.icon,
                            category=category, category_label=category_label)
    for view in registry.hidden_views:
        appbuilder.add_view_no_menu(view)
    for api in registry.apis:
        appbuilder.add_api(api)
    for blueprint, csrf_exempt in registry.blueprints:
        app.register_blueprint(blueprint)
        if csrf_exempt:
            exempt_public(app, blueprint)
    account_views.register(app)
    home.register(app, appbuilder)
    public.register(app)
    api_spec.register_api_docs(appbuilder)
    return registry
