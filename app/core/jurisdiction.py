"""The jurisdiction rule, implemented once.

Every user has one jurisdiction code (a region code). A row belongs to a region (its
model's ``jurisdiction_column``). A user sees and touches a row only when the row's code
starts with the user's code. Every screen, API, export, chart and job scopes through
this module; a row outside the jurisdiction behaves exactly like a missing one (404).

Prefix tests are written as a code range so an ordinary b-tree index serves them:
all codes are digit strings of at most MAX_CODE_LENGTH characters (19: a community's
12 digits, then a ledger grid, building and unit, models.ledger), so the codes under
prefix ``P`` are exactly those between ``P`` and ``P`` padded with nines to 19 digits.
A grid member's jurisdiction is simply a grid code: the same rule scopes the ledgers.
"""
from typing import Optional

from flask import has_request_context
from flask_appbuilder.models.filters import BaseFilter
from sqlalchemy import String, and_, bindparam, true

from app.core.errors import OutsideJurisdiction


def code_range(prefix: str) -> tuple[str, str]:
    """The inclusive range of codes that start with ``prefix``."""
    # Imported here: models.ledger builds a column property with this module.
    from models.base import MAX_CODE_LENGTH

    return prefix, prefix + "9" * (MAX_CODE_LENGTH - len(prefix))


def code_within(column, prefix: Optional[str]):
    """SQL condition: ``column`` lies in the jurisdiction ``prefix``.

    ``prefix`` None means no user is known (a job or the CLI acting for the whole
    system); an empty string means the whole country."""
    if not prefix:
        return true()
    low, high = code_range(prefix)
    return and_(column >= low, column <= high)


def _viewer_range() -> tuple[str, str]:
    # No user known (a job, the CLI): every code lies in the range of "".
    return code_range(current_jurisdiction() or "")


# Evaluated when a statement runs, so an expression built once (a column property)
# still answers for whoever reads it.
_VIEWER_LOW = bindparam("viewer_jurisdiction_low", callable_=lambda: _viewer_range()[0], type_=String())
_VIEWER_HIGH = bindparam("viewer_jurisdiction_high", callable_=lambda: _viewer_range()[1], type_=String())


def code_within_viewer(column):
    """SQL condition: ``column`` lies in the jurisdiction of the current user (as
    ``code_within(column, current_jurisdiction())``), decided each time it runs."""
    return and_(column >= _VIEWER_LOW, column <= _VIEWER_HIGH)


def is_within(code: Optional[str], prefix: Optional[str]) -> bool:
    if not prefix:
        return True
    return bool(code) and code.startswith(prefix)


def current_jurisdiction() -> Optional[str]:
    """The jurisdiction code of the user of this request (web session or JWT).

    Outside a request (jobs, CLI) there is no user and nothing is scoped here; jobs
    scope themselves by the region they work on. Inside a request with no user,
    nothing is visible: an impossible code."""
    if not has_request_context():
        return None
    user = _request_user()
    if user is None or not getattr(user, "is_authenticated", False):
        return "-"  # matches no code
    return user.region_code or "-"


def _request_user():
    """The signed-in user of a web session, or of the JWT of an API call."""
    from flask import current_app

    try:
        return current_app.appbuilder.sm.current_user
    except RuntimeError:  # no JWT was verified on this request
        return None


def scope_query(query, model, prefix: Optional[str] = "__current__"):
    """Restrict an ORM query (or select) on ``model`` to a jurisdiction."""
    if prefix == "__current__":
        prefix = current_jurisdiction()
    return query.filter(code_within(model.jurisdiction_attr(), prefix))


def ensure_within(code: Optional[str], prefix: Optional[str] = "__current__") -> None:
    """The write check: refuse to create or move a row outside the jurisdiction."""
    if prefix == "__current__":
        prefix = current_jurisdiction()
    if not is_within(code, prefix):
        raise OutsideJurisdiction(code)


class JurisdictionFilter(BaseFilter):
    """FAB filter for ``base_filters``: ``[[column, JurisdictionFilter, current_jurisdiction]]``."""

    name = "Within jurisdiction"
    arg_name = "jurisdiction"

    def apply(self, query, value):
        # FAB hands over the function itself; it is evaluated on every request.
        prefix = value() if callable(value) else value
        column = getattr(self.model, self.column_name)
        return query.filter(code_within(column, prefix))


def base_filters_for(model) -> list:
    """The base_filters every scoped FAB view and API declares."""
    return [[model.jurisdiction_column, JurisdictionFilter, current_jurisdiction]]
