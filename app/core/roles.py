"""The permission matrix: which role may read, write or delete which resource.

Every FAB view and API declares ``class_permission_name`` (a resource below) and
``method_permission_name = METHOD_PERMISSIONS``, so FAB checks ``can_read``,
``can_write`` or ``can_delete`` on the resource. ``sync_roles`` makes the database match
this table; what a role may see *within* a resource is the jurisdiction rule's business
(app.core.jurisdiction), not this table's.
"""
from flask import current_app, has_request_context
from flask_appbuilder.menu import Menu
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.core.transaction import transaction

# Resources (FAB "view menus"). Later parts of the domain add theirs here.
REGION = "Region"
USER = "User"
AUDIT = "AuditLog"
FILING = "Filing"
FILING_CHECK = "FilingCheck"        # checks and transfers of filings
FILING_UNMASK = "FilingUnmask"      # reveal a filing's ID number and phones (audited)
NOTIFICATION = "Notification"
DAILY_REPORT = "DailyReport"
ESCALATION = "Escalation"
STATS = "Statistics"                 # dashboards, rollups, their exports
LEDGER = "Ledger"                    # grids, buildings, units, households, residents
STAFF = "Staff"                      # staff roster
DEVICE = "Device"                    # one card, one phone, one officer
REWARD = "Reward"                    # rewards and penalties
CHECKPOINT_LOG = "CheckpointLog"
FEED = "Feed"                        # cross-matching feeds: import (write), undo (delete)
FINDING = "Finding"                  # cross-matching findings: resolve (write)
RISK_AREA = "RiskArea"               # the registry of risk areas
API_DOCS = "ApiDocs"                 # the OpenAPI spec and Swagger UI
FILING_IMPORT = "FilingImport"       # an integrator's batches of filings from a local system
CHANGES = "Changes"                  # the change feed of filings, checks, transfers, findings
FOLLOW_UP = "FollowUp"               # follow-ups during control: record (write)
VENUE = "Venue"                      # venues and their venue codes (场所码); scans are public
HEALTH_CODE = "HealthCode"           # health codes: see them and why (read), set one by hand (write)
HEALTH_CODE_VERIFY = "HealthCodeVerify"  # the verify API: a scanned code's colour, province-wide
CHECKPOINT_SITE = "CheckpointSite"   # checkpoints and the accounts posted at them
CHECKPOINT_SCAN = "CheckpointScan"   # the checkpoint screen: scan and log a pass (write)

READ, WRITE, DELETE = "read", "write", "delete"
R, W, RW, RWD = {READ}, {WRITE}, {READ, WRITE}, {READ, WRITE, DELETE}

# FAB method name -> permission. Views (list, show, add, edit, delete, download, action)
# and APIs (get, get_list, info, post, put, delete) map onto read / write / delete.
METHOD_PERMISSIONS = {
    "list": READ, "show": READ, "download": READ, "api_read": READ, "api": READ,
    "api_get": READ, "api_column_add": WRITE, "api_column_edit": WRITE,
    "add": WRITE, "edit": WRITE, "api_create": WRITE, "api_update": WRITE,
    "action": WRITE, "action_post": WRITE,
    "delete": DELETE, "api_delete": DELETE,
    "get": READ, "get_list": READ, "info": READ, "post": WRITE, "put": WRITE,
    "search": READ, "children": READ, "export_xlsx": READ,
}

ROLE_LABELS = {
    "Admin": _l("Administrator"),
    "Command": _l("Command staff (province, city, county)"),
    "Township": _l("Township (street) staff"),
    "Officer": _l("Community officer"),
    "GridMember": _l("Grid member"),
    "Leader": _l("Leader"),
    "Checkpoint": _l("Checkpoint staff"),
    "Integrator": _l("Integrator (API)"),
}
ROLES = tuple(ROLE_LABELS)

# The lengths of jurisdiction code each role's work is at (a role not listed: any).
JURISDICTION_LENGTHS = {
    "Command": (2, 4, 6), "Leader": (2, 4, 6), "Township": (9,), "Officer": (12,),
    "GridMember": (14, 17, 19),
}


def misplaced_roles(role_names, code: str | None) -> list[str]:
    """The roles whose work is not at the level of jurisdiction ``code`` (an Officer on
    a township's code), for a warning when an account is saved."""
    return [name for name in role_names
            if name in JURISDICTION_LENGTHS and len(code or "") not in JURISDICTION_LENGTHS[name]]

PERMISSION_MATRIX: dict[str, dict[str, set]] = {
    "Admin": {REGION: RWD, USER: RWD, AUDIT: R, FILING: RWD, FILING_CHECK: RW, FILING_UNMASK: R,
              NOTIFICATION: R,
              DAILY_REPORT: RW, ESCALATION: RW, STATS: R, LEDGER: RWD, STAFF: RWD, DEVICE: RWD,
              REWARD: RWD, CHECKPOINT_LOG: RWD, FEED: RWD, FINDING: RW, RISK_AREA: RWD,
              API_DOCS: R, CHANGES: R, FILING_IMPORT: W, FOLLOW_UP: RW,
              CHECKPOINT_SITE: RWD, CHECKPOINT_SCAN: RW},
    "Command": {REGION: R, USER: R, AUDIT: R, FILING: R, FILING_CHECK: R, NOTIFICATION: R,
                DAILY_REPORT: R, ESCALATION: RW, STATS: R, LEDGER: R, STAFF: R, DEVICE: R,
                REWARD: RW, CHECKPOINT_LOG: R, FEED: RWD, FINDING: RW, RISK_AREA: RWD, FOLLOW_UP: R,
                CHECKPOINT_SITE: RWD},
    "Township": {REGION: R, USER: R, AUDIT: R, FILING: RW, FILING_CHECK: RW, FILING_UNMASK: R,
                 NOTIFICATION: R,
                 DAILY_REPORT: R, ESCALATION: RW, STATS: R, LEDGER: RWD, STAFF: RWD, DEVICE: RWD,
                 REWARD: RW, FINDING: RW, RISK_AREA: R, FOLLOW_UP: RW},
    # No ESCALATION: escalations belong to the region they reach (township and up); an
    # officer hears of them by notification and on the daily-report screen.
    "Officer": {REGION: R, USER: R, AUDIT: R, FILING: RW, FILING_CHECK: RW, FILING_UNMASK: R,
                NOTIFICATION: R, DAILY_REPORT: RW, STATS: R, LEDGER: RW, STAFF: R, DEVICE: R,
                REWARD: R, FINDING: RW, RISK_AREA: R, FOLLOW_UP: RW},
    # Findings: read, those of the people of their grid (app.core.jurisdiction.within);
    # the community's officer resolves them.
    "GridMember": {REGION: R, FILING: R, LEDGER: RW, FOLLOW_UP: RW, FINDING: R},
    "Leader": {REGION: R, FILING: R, DAILY_REPORT: R, ESCALATION: R, STATS: R, REWARD: R, FINDING: R,
               FOLLOW_UP: R},
    "Checkpoint": {REGION: R, FILING: RW, CHECKPOINT_LOG: RW, CHECKPOINT_SCAN: RW},
    "Integrator": {REGION: R, FILING: R, FILING_CHECK: RW, DAILY_REPORT: R, ESCALATION: R,
                   STATS: R, FEED: RWD, FINDING: R, RISK_AREA: R, API_DOCS: R, CHANGES: R, FILING_IMPORT: W},
}

# Venues (app.venues): kept by township staff and officers, read by command staff and leaders.
for _role, _granted in {"Admin": RWD, "Command": R, "Township": RWD, "Officer": RWD, "Leader": R}.items():
    PERMISSION_MATRIX[_role][VENUE] = _granted


# Health codes (app.healthcode): command, township staff and officers see their jurisdiction's
# codes and why; command and township staff set one by hand. Checkpoints and integrators
# verify a scanned code (mutual recognition).
for _role, _granted in {"Admin": RW, "Command": RW, "Township": RW, "Officer": R, "Leader": R}.items():
    PERMISSION_MATRIX[_role][HEALTH_CODE] = _granted
for _role in ("Admin", "Checkpoint", "Integrator"):
    PERMISSION_MATRIX[_role][HEALTH_CODE_VERIFY] = R


def can(role: str, permission: str, resource: str) -> bool:
    return permission in PERMISSION_MATRIX.get(role, {}).get(resource, set())


def may_unmask() -> bool:
    """Whether the user of this request may reveal a person's ID number (audited). It
    also decides whether what is read from the number (app.core.identity.ID_DERIVED_FIELDS)
    is served at all."""
    return current_app.appbuilder.sm.has_access(f"can_{READ}", FILING_UNMASK)


# Every signed-in user may edit their own profile and password.
SELF_SERVICE = {
    ("can_userinfo", USER), ("can_resetmypassword", USER),
    ("can_this_form_get", "UserInfoEditView"), ("can_this_form_post", "UserInfoEditView"),
    ("can_this_form_get", "ResetMyPasswordView"), ("can_this_form_post", "ResetMyPasswordView"),
}


def wanted_permissions(role_name: str, menu_entries) -> set[tuple[str, str]]:
    """(permission, view menu) pairs the matrix grants ``role_name``. ``menu_entries``
    are (menu name, category, resource): a role sees the entries of the resources it
    may read, and the categories holding them."""
    wanted = set(SELF_SERVICE)
    for resource, perms in PERMISSION_MATRIX[role_name].items():
        wanted |= {(f"can_{p}", resource) for p in perms}
    for menu_name, category, resource in menu_entries:
        if READ in PERMISSION_MATRIX[role_name].get(resource, set()):
            wanted.add(("menu_access", menu_name))
            if category:
                wanted.add(("menu_access", category))
    return wanted


def every_registered_permission(appbuilder) -> set[tuple[str, str]]:
    """All permissions of all registered views and menus: the Admin's.

    FAB's own permission update is off (FAB_UPDATE_PERMS): it assumes one view per
    resource and would strip from a resource the permissions of its sibling view
    (our user screen and user API share the resource "User")."""
    found = set()
    for view in appbuilder.baseviews:
        for permission in view.base_permissions or []:
            found.add((permission, view.class_permission_name))
    for item in appbuilder.menu.get_list():
        found.add(("menu_access", item.name))
        for child in item.childs or []:
            if child.name != "-":
                found.add(("menu_access", child.name))
    return found


@transaction
def sync_roles(appbuilder, menu_entries) -> None:
    """Create the roles and give each exactly the permissions of the matrix.

    The Admin role also gets every permission of every registered view (FAB's
    security screens included)."""
    sm = appbuilder.sm
    for role_name in ROLES:
        role = sm.find_role(role_name) or sm.add_role(role_name)
        granted = [
            sm.add_permission_view_menu(permission, view)
            for permission, view in sorted(wanted_permissions(role_name, menu_entries))
        ]
        if role_name == current_app.config["AUTH_ROLE_ADMIN"]:
            granted += [sm.add_permission_view_menu(permission, view)
                        for permission, view in sorted(every_registered_permission(appbuilder))]
        role.permissions = [pv for pv in granted if pv is not None]

# The menu's categories in the order of what each role does (its daily work first, the
# system's screens last); a category not listed keeps its place after the listed ones.
MENU_ORDER = {
    "Admin": ("Security", "System", "Filings", "Reporting", "Statistics", "Ledgers", "Crossmatch", "Followups",
              "Healthcode", "Venues", "Checkpoints"),
    "Command": ("Statistics", "Reporting", "Crossmatch", "Followups", "Healthcode", "Filings", "Checkpoints",
                "Venues", "Ledgers"),
    "Township": ("Filings", "Followups", "Reporting", "Ledgers", "Crossmatch", "Healthcode", "Venues", "Statistics"),
    "Officer": ("Filings", "Followups", "Reporting", "Crossmatch", "Healthcode", "Ledgers", "Venues", "Statistics"),
    "GridMember": ("Followups", "Ledgers", "Filings", "Crossmatch"),
    "Leader": ("Statistics", "Reporting", "Crossmatch", "Followups", "Healthcode", "Venues"),
    "Checkpoint": ("Checkpoints", "Filings"),
    "Integrator": ("Statistics", "Filings", "Reporting", "Crossmatch"),
}
LAST_IN_MENU = ("System", "Security")


def menu_rank(role_names, category: str) -> tuple:
    """Where a menu category goes for a user of these roles (the first role with an order)."""
    order = next((MENU_ORDER[name] for name in role_names if name in MENU_ORDER), ())
    if category in order:
        return (0, order.index(category))
    return (2, LAST_IN_MENU.index(category)) if category in LAST_IN_MENU else (1, 0)


class RoleMenu(Menu):
    """FAB's menu (FAB_MENU), its categories ordered for the signed-in user's role."""

    def get_list(self):
        if not has_request_context() or not getattr(current_user, "is_authenticated", False):
            return self.menu
        names = [role.name for role in current_user.roles]
        return sorted(self.menu, key=lambda item: menu_rank(names, item.name))
