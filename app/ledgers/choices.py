"""What people read for the coded values of the ledgers, staff, devices and rewards:
one table, used by the screens, the API's users and the Excel files alike."""
from flask_babel import lazy_gettext as _l

BUILDING_KINDS = {"building": _l("Building"), "village_group": _l("Village group")}
RELATIONS = {
    "head": _l("Head of household"), "spouse": _l("Spouse"), "child": _l("Child"),
    "parent": _l("Parent"), "grandchild": _l("Grandchild"), "sibling": _l("Sibling"),
    "other": _l("Other relation"),
}
CATEGORIES = {
    "resident": _l("Resident"), "away": _l("Away"), "floating": _l("Floating"),
    "arrived": _l("Arrived or returned"),
}
ID_TYPES = {
    "resident_id": _l("Resident ID card"), "passport": _l("Passport"),
    "hk_macao_permit": _l("Hong Kong / Macao permit"), "taiwan_permit": _l("Taiwan permit"),
    "other": _l("Other document"),
}
FILING_STATES = {"returning": _l("Returning (filed)"), "filed": _l("Filed a report")}
STAFF_ROLES = {
    "officer": _l("Community officer"), "task_force": _l("Task force"),
    "grid_member": _l("Grid member"), "building_head": _l("Building head"),
    "unit_head": _l("Unit head"),
}
DEVICE_STATUSES = {"in_use": _l("In use"), "repair": _l("Under repair"), "lost": _l("Lost"),
                   "replaced": _l("Replaced")}
SERVICE_KINDS = {"repair": _l("Repair"), "replacement": _l("Replacement"), "loss": _l("Loss report"),
                 "other": _l("Other service")}
REWARD_KINDS = {"reward": _l("Reward"), "penalty": _l("Penalty")}
REWARD_TARGETS = {"unit": _l("Organisation or area"), "person": _l("Person")}
REWARD_CATEGORIES = {
    "late_report": _l("Late report"), "missing_report": _l("Missing report"),
    "weak_control": _l("Weak control"), "missed_tests": _l("Tests not done as required"),
    "untracked_arrival": _l("Arrival not tracked"),
    "code_mismanagement": _l("Red or yellow code not managed"),
    "other_penalty": _l("Other (penalty)"),
    "early_discovery": _l("Early discovery and report"),
    "epidemic_free_community": _l("Epidemic-free community"),
    "outstanding_work": _l("Outstanding work"), "other_reward": _l("Other (reward)"),
}
REWARD_STATUSES = {"proposed": _l("Proposed"), "approved": _l("Approved"), "rejected": _l("Rejected")}
SOURCE_TYPES = {"escalation": _l("Escalation"), "finding": _l("Comparison finding")}
YES_NO = {True: _l("Yes"), False: _l("No")}


def choice_label(choices: dict, value):
    """The label of a coded value (the value itself when it has none)."""
    if value is None:
        return None
    return choices.get(value, value)
