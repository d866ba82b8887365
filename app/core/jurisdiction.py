"""The jurisdiction rule, implemented once.

Every user has one jurisdiction code (a region code). A row belongs to a region (its
model's ``jurisdiction_column``). A user sees and touches a row only when the row's code
starts with the user's code. Every screen, API, export, chart and job scopes through
this module; a row outside the jurisdiction behaves exactly like a missing one (404).

Prefix tests are written as a code range so an ordinary b-tree index serves them
(models.jurisdiction.code_range). A grid member's jurisdiction is simply a grid code
(or a building's or unit's): the same rule scopes the ledgers. Rows about a person (a
model naming its ``person_hash_column``: filings, findings, follow-ups) belong to a
community, below which a code range says nothing: a grid member sees those of the people
of their grid, i.e. of the community whose ID-number hash a ledger resident of that part
of it has, or, for a finding whose person a feed gave only by phone, whose phone hash a
resident of that part has (``within``).

Whose jurisdiction: the security manager resolves the caller's once per request
(app.core.security); ``current_jurisdiction()`` is its accessor, called by views, APIs
and FAB's base filter only. Services never read the request's user: they take the
jurisdiction as a required argument, ``jurisdiction: Optional[str]``: None when no user
acts (a job or the CLI, for the whole system), "" for the whole country, "-" for nobody
(a request without a user: no code starts with it).
"""
from typing import Optional

from flask import current_app, has_request_context
from flask_appbuilder.models.filters import BaseFilter
from sqlalchemy import and_, exists, or_, select, true

from app.core.errors import OutsideJurisdiction
from app.core.extensions import db
from models.jurisdiction import code_range, read_viewer_jurisdiction_from
from models.ledger import Resident
from models.region import COMMUNITY_CODE_LENGTH

__all__ = ["code_range", "code_within", "within", "is_within", "current_jurisdiction", "scope_query",
           "row_within", "ensure_within", "JurisdictionFilter", "base_filters_for"]


def code_within(column, jurisdiction: Optional[str]):
    """SQL condition: ``column`` lies in ``jurisdiction`` (None or "": everywhere)."""
    if not jurisdiction:
        return true()
    low, high = code_range(jurisdiction)
    return and_(column >= low, column <= high)


def within(model, jurisdiction: Optional[str], columns=None):
    """SQL condition: a row of ``model`` lies within ``jurisdiction``; ``columns``: where
    its columns are read (a Core table's ``.c`` or an alias; default the model itself).
    Below a community (a grid member), a row about a person lies within only when a
    ledger resident of that grid, building or unit has the person's ID-number hash."""
    columns = model if columns is None else columns
    column = getattr(columns, model.jurisdiction_column)
    if getattr(model, "person_hash_column", None) is None or not jurisdiction \
            or len(jurisdiction) <= COMMUNITY_CODE_LENGTH:
        return code_within(column, jurisdiction)
    return and_(code_within(column, jurisdiction[:COMMUNITY_CODE_LENGTH]),
                _a_resident_is_the_person(model, columns, jurisdiction))


def _a_resident_is_the_person(model, columns, jurisdiction: str):
    """SQL condition: a ledger resident within ``jurisdiction`` is the person the row is
    about: has its ID-number hash, or, for a row whose person is known only by a phone
    (a model naming its ``person_known_by_column``: findings from a feed that gave no ID
    number), has that phone's hash. A row known by ID number is never matched by a phone,
    nor one known by phone by an ID number."""
    person = getattr(columns, model.person_hash_column)

    def resident_with(key):
        return exists().where(key == person, code_within(Resident.region_code, jurisdiction))

    known_by = getattr(model, "person_known_by_column", None)
    if known_by is None:
        return resident_with(Resident.id_number_hash)
    known_by = getattr(columns, known_by)
    return or_(and_(known_by == "id_number", resident_with(Resident.id_number_hash)),
               and_(known_by == "phone", resident_with(Resident.phone_hash)))


def is_within(code: Optional[str], jurisdiction: Optional[str]) -> bool:
    if not jurisdiction:
        return True
    return bool(code) and code.startswith(jurisdiction)


def current_jurisdiction() -> Optional[str]:
    """The caller's jurisdiction, as the security manager resolved it for this request
    (web session or JWT); "-" when nobody is signed in. Outside a request (jobs, CLI)
    there is no caller: None. For views, APIs and FAB's base filter; a service is
    given the jurisdiction by its caller."""
    if not has_request_context():
        return None
    return current_app.appbuilder.sm.caller_jurisdiction()


# The column properties computed for their reader (models.jurisdiction) read it here.
read_viewer_jurisdiction_from(current_jurisdiction)


def scope_query(query, model, jurisdiction: Optional[str]):
    """Restrict an ORM query or a select on ``model`` to ``jurisdiction``."""
    return query.filter(within(model, jurisdiction))


def row_within(model, pk, jurisdiction: Optional[str], *, for_update: bool = False):
    """Row ``pk`` of ``model`` if it lies within ``jurisdiction``, else None (a row
    elsewhere looks exactly like a missing one); ``for_update`` locks it until commit."""
    query = scope_query(select(model), model, jurisdiction).where(model.id == pk)
    if for_update:
        query = query.with_for_update(of=model)
    return db.session.execute(query).unique().scalar_one_or_none()


def ensure_within(code: Optional[str], jurisdiction: Optional[str], field: Optional[str] = None) -> None:
    """The write check: refuse to create or move a row outside the jurisdiction
    (``field``: the field of the form or API body the code was given in)."""
    if not is_within(code, jurisdiction):
        raise OutsideJurisdiction(code, field=field)


class JurisdictionFilter(BaseFilter):
    """FAB filter for ``base_filters``: ``[[column, JurisdictionFilter, current_jurisdiction]]``."""

    name = "Within jurisdiction"
    arg_name = "jurisdiction"

    def apply(self, query, value):
        # FAB hands over the function itself; it is evaluated on every request.
        jurisdiction = value() if callable(value) else value
        if self.column_name == getattr(self.model, "jurisdiction_column", None):
            return query.filter(within(self.model, jurisdiction))
        return query.filter(code_within(getattr(self.model, self.column_name), jurisdiction))


def base_filters_for(model) -> list:
    """The base_filters every scoped FAB view and API declares."""
    return [[model.jurisdiction_column, JurisdictionFilter, current_jurisdiction]]
