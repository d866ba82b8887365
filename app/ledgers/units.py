"""The township ledgers: grids, buildings or village groups, units, households and
residents (models.ledger).

Every screen, API, import and demo saves a ledger row through ``prepare(item, jurisdiction)`` here:
it checks the row, fills what is derived (codes, placement, the protected forms of ID
numbers and phones) and refuses, with every problem named, what is not right. Codes
extend the parent's code, so the jurisdiction rule scopes the ledgers unchanged; a
number, and so a code, never changes once given.

A resident is linked to their filings by the keyed hash of the ID number (computed
when read, see ``filings_of_resident`` and ``Resident.has_open_filing``): a person
recorded as away who files a report shows up as returning, with nothing copied.
"""
from typing import Optional

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, inspect, select

from app.core.errors import Conflict, DomainError, FieldErrors
from app.core.extensions import db
from app.core.identity import is_phone, lookup_hash, mask_id_number, mask_phone, normalize_id_number, \
    parse_resident_id, protect
from app.core.jurisdiction import code_within, ensure_within, is_within, within
from app.ledgers.places import LEDGER_UNIT_MODELS, get_ledger_unit, ledger_label, ledger_path, \
    search_ledger_units
from app.regions.service import ANY_JURISDICTION, check_assignable_region, get_region
from models import Filing, Region
from models.ledger import (
    BUILDING_DIGITS,
    BUILDING_KINDS,
    CATEGORIES,
    COMMUNITY_CODE_LENGTH,
    GRID_DIGITS,
    ID_TYPES,
    RELATIONS,
    UNIT_DIGITS,
    Building,
    Grid,
    Household,
    Resident,
    Unit,
)
from models.jurisdiction import viewer_params
from models.region import LEVEL_COMMUNITY

NAME_MAX, DOOR_MAX, TEXT_MAX = 50, 50, 200


def placement_of(code: str) -> dict:
    """``{"community", "grid", "building", "unit"}`` of a household's code (None when
    it is not placed that far down)."""
    path = {"community": get_region(code[:COMMUNITY_CODE_LENGTH]), "grid": None,
            "building": None, "unit": None}
    unit = get_ledger_unit(code) if len(code) > COMMUNITY_CODE_LENGTH else None
    while unit is not None:
        key = {Grid: "grid", Building: "building", Unit: "unit"}[type(unit)]
        path[key] = unit
        unit = getattr(unit, "building", None) or getattr(unit, "grid", None)
    return path


# ---- saving grids, buildings and units ---------------------------------------------

class _Level:
    """How a kind of ledger unit hangs under its parent."""

    def __init__(self, model, parent_attr, digits, label):
        self.model, self.parent_attr, self.digits, self.label = model, parent_attr, digits, label

    @property
    def highest_number(self) -> int:
        return 10 ** self.digits - 1


GRID_LEVEL = _Level(Grid, None, GRID_DIGITS, _l("grid"))
BUILDING_LEVEL = _Level(Building, "grid", BUILDING_DIGITS, _l("building or village group"))
UNIT_LEVEL = _Level(Unit, "building", UNIT_DIGITS, _l("unit"))
LEVELS = {Grid: GRID_LEVEL, Building: BUILDING_LEVEL, Unit: UNIT_LEVEL}


def prepare_grid(grid: Grid, jurisdiction: Optional[str]) -> None:
    errors = FieldErrors()
    try:
        check_assignable_region(grid.community_code, "community_code", LEVEL_COMMUNITY,
                                jurisdiction=jurisdiction)
    except DomainError as error:  # reported with the other problems
        merge_errors(errors, error, "community_code")
    _prepare_unit_common(grid, grid.community_code, Grid.community_code == grid.community_code,
                         GRID_LEVEL, errors, jurisdiction)


def prepare_building(building: Building, jurisdiction: Optional[str]) -> None:
    errors = FieldErrors()
    building.kind = building.kind or "building"
    if building.kind not in BUILDING_KINDS:
        errors.add("kind", _l("Choose building or village group."))
    _prepare_child(building, BUILDING_LEVEL, _l("Choose the grid."), errors, jurisdiction)


def prepare_unit(unit: Unit, jurisdiction: Optional[str]) -> None:
    _prepare_child(unit, UNIT_LEVEL, _l("Choose the building."), FieldErrors(), jurisdiction)


def _prepare_child(item, level: "_Level", missing, errors: FieldErrors, jurisdiction) -> None:
    """A building under its grid, a unit under its building."""
    parent = getattr(item, level.parent_attr)
    if parent is None:
        errors.add(level.parent_attr, missing)
    else:
        item.community_code = parent.community_code
    siblings = getattr(level.model, f"{level.parent_attr}_id") == (parent.id if parent else None)
    _prepare_unit_common(item, parent.code if parent else None, siblings, level, errors, jurisdiction)


def _prepare_unit_common(item, parent_code, siblings, level: _Level, errors: FieldErrors,
                         jurisdiction: Optional[str]) -> None:
    """Name unique among its siblings; a new unit gets its number (the one given, or
    the next free one) and so its code; an existing one keeps both."""
    model = level.model
    item.name = (item.name or "").strip()
    if not item.name or len(item.name) > NAME_MAX:
        errors.add("name", _l("Enter a name of at most %(n)s characters.", n=NAME_MAX))
    if item.name and parent_code and db.session.scalar(
            select(model.id).where(siblings, model.name == item.name, not_self(model, item))):
        errors.add("name", _l("This name is already used here."))
    if item.id is None and parent_code:
        _assign_number(item, parent_code, siblings, level, errors)
    elif item.id is not None:
        _refuse_code_change(item, errors)
    errors.raise_if_any()
    ensure_within(item.code, jurisdiction, level.parent_attr or "community_code")


def _assign_number(item, parent_code, siblings, level, errors) -> None:
    model = level.model
    if item.number in (None, ""):
        highest = db.session.scalar(select(func.max(model.number)).where(siblings)) or 0
        item.number = highest + 1
    try:
        item.number = int(item.number)
    except (TypeError, ValueError):
        item.number = None
    if item.number is None or not 1 <= item.number <= level.highest_number:
        errors.add("number", _l("The number must be 1 to %(n)s.", n=level.highest_number))
        return
    item.code = f"{parent_code}{item.number:0{level.digits}d}"
    if db.session.scalar(select(model.id).where(model.code == item.code)):
        errors.add("number", _l("Number %(n)s is already used here.", n=item.number))


def _refuse_code_change(item, errors) -> None:
    """Codes are jurisdictions (of accounts, households, staff): they never move."""
    state = inspect(item)
    for attr in ("code", "number", "community_code", "grid", "building"):
        if attr in state.attrs and state.attrs[attr].history.deleted:
            errors.add(attr, _l("This cannot change once created; add a new one instead."))


def not_self(model, item):
    return model.id != item.id if item.id is not None else True


def merge_errors(errors: FieldErrors, error: DomainError, default_field) -> None:
    for field, messages in (error.errors or {default_field: [error.message]}).items():
        for message in messages:
            errors.add(field, message)


# ---- households and residents ------------------------------------------------------

def prepare_household(household: Household, jurisdiction: Optional[str]) -> None:
    """Place the household (community, grid, building, unit derived from its code),
    check the door number and protect the contact phone."""
    errors = FieldErrors()
    place = check_placement(household, errors, jurisdiction)
    household.door_number = (household.door_number or "").strip()
    if not household.door_number or len(household.door_number) > DOOR_MAX:
        errors.add("door_number", _l("Enter the door number (at most %(n)s characters).", n=DOOR_MAX))
    elif place is not None:
        if db.session.scalar(select(Household.id).where(
                Household.region_code == household.region_code,
                Household.door_number == household.door_number, not_self(Household, household))):
            errors.add("door_number", _l("This door number is already recorded here."))
    set_phone(household, errors)
    errors.raise_if_any()
    if household.id is not None:
        _move_residents(household)


def check_placement(household, errors, jurisdiction):
    """Derive a household's community, grid, building and unit from its ``region_code``
    (which must be a community or a ledger unit within ``jurisdiction``); the Region or
    ledger unit, or None after adding the problem to ``errors``."""
    try:
        place = check_assignable_region(household.region_code, "region_code", ANY_JURISDICTION,
                                        jurisdiction=jurisdiction)
    except DomainError as error:
        merge_errors(errors, error, "region_code")
        return None
    if isinstance(place, Region) and place.level != LEVEL_COMMUNITY:
        errors.add("region_code", _l("Choose a community, grid, building or unit."))
        return None
    path = placement_of(household.region_code)
    household.community_code = household.region_code[:COMMUNITY_CODE_LENGTH]
    household.grid, household.building, household.unit = path["grid"], path["building"], path["unit"]
    return place


def _move_residents(household) -> None:
    """Residents carry their household's code: follow a household that moved."""
    for resident in household.residents:
        resident.region_code = household.region_code
        resident.community_code = household.community_code


def prepare_resident(resident: Resident, jurisdiction: Optional[str]) -> None:
    """Check a resident and protect the ID number and phone given in plain."""
    errors = FieldErrors()
    household = resident.household
    check_resident(resident, household, jurisdiction, errors)
    if household is not None and not errors:
        _check_unique_in_household(resident, household, errors)
    errors.raise_if_any()


def check_resident(resident, household, jurisdiction: Optional[str], errors: FieldErrors) -> None:
    """The checks of a resident that need no query (an import makes the others for all
    its rows at once): placement within ``jurisdiction``, name, coded values, the ID
    number and phone (protected when given in plain). ``resident`` and ``household``
    may be any objects with the models' attributes."""
    if household is None:
        errors.add("household", _l("Choose the household."))
    else:
        if not is_within(household.region_code, jurisdiction):
            errors.add("household", _l("This region is outside your jurisdiction."))
        resident.region_code, resident.community_code = household.region_code, household.community_code
    resident.name = (resident.name or "").strip()
    if not resident.name or len(resident.name) > NAME_MAX:
        errors.add("name", _l("Enter a name of at most %(n)s characters.", n=NAME_MAX))
    resident.id_type = resident.id_type or "resident_id"
    resident.relation_to_head = resident.relation_to_head or "other"
    resident.category = resident.category or "resident"
    _check_choice(resident, "relation_to_head", RELATIONS, errors)
    _check_choice(resident, "category", CATEGORIES, errors)
    _check_choice(resident, "id_type", ID_TYPES, errors)
    _set_id_number(resident, errors)
    set_phone(resident, errors)


def _check_choice(item, field, allowed, errors) -> None:
    if getattr(item, field) not in allowed:
        errors.add(field, _l("Choose one of the listed values."))


def _set_id_number(resident, errors) -> None:
    plain = normalize_id_number(resident.id_number or "")
    if not plain:
        if resident.id_number_hash is None:
            errors.add("id_number", _l("Enter the ID number."))
        return
    if resident.id_type == "resident_id":
        parsed = parse_resident_id(plain)
        if parsed is None:
            errors.add("id_number", _l("This is not a valid resident ID number (check the last character)."))
            return
        resident.gender, resident.birth_date = parsed["gender"], parsed["birth_date"]
    elif len(plain) > 30:
        errors.add("id_number", _l("An ID number has at most 30 characters."))
        return
    _store_protected(resident, "id_number", plain, mask_id_number)


def set_phone(item, errors) -> None:
    """``phone`` in plain: set it (validated); empty: keep what is stored."""
    plain = (item.phone or "").strip()
    if not plain:
        return
    if not is_phone(plain):
        errors.add("phone", _l("Enter a phone number (digits, at most 20)."))
        return
    _store_protected(item, "phone", plain, mask_phone)


def _store_protected(item, field, plain, masker) -> None:
    if getattr(item, f"{field}_hash", None) == lookup_hash(plain):
        return  # the same value: keep it as stored (a new nonce would look like a change)
    stored = protect(plain, masker)
    setattr(item, f"{field}_enc", stored["enc"])
    setattr(item, f"{field}_hash", stored["hash"])
    setattr(item, f"{field}_masked", stored["masked"])


def _check_unique_in_household(resident, household, errors) -> None:
    same_person = db.session.scalar(select(Resident).where(
        Resident.community_code == resident.community_code,
        Resident.id_number_hash == resident.id_number_hash, not_self(Resident, resident)))
    if same_person is not None:
        errors.add("id_number", _l("This person is already recorded in this community (%(where)s).",
                                   where=repr(same_person.household)))
    if resident.relation_to_head == "head" and household.id is not None and db.session.scalar(
            select(Resident.id).where(Resident.household_id == household.id,
                                      Resident.relation_to_head == "head", not_self(Resident, resident))):
        errors.add("relation_to_head", _l("This household already has a head."))


# ---- deleting ----------------------------------------------------------------------

def check_deletable(item) -> None:
    """A grid, building or unit is deleted only when nothing hangs under its code:
    no smaller units, households, staff or accounts (their jurisdiction)."""
    from models.user import ConsoleUser
    from models.staff import StaffMember

    if type(item) not in LEVELS:
        return
    below = [(Household, _l("households")), (StaffMember, _l("staff")), (ConsoleUser, _l("accounts"))]
    below += [(model, _l("grids, buildings or units")) for model in LEDGER_UNIT_MODELS.values()
              if model is not type(item)]
    for model, what in below:
        if db.session.scalar(select(func.count()).select_from(model).where(
                code_within(model.jurisdiction_attr(), item.code))):
            raise Conflict(_l("%(name)s still has %(what)s; remove or move them first.",
                              name=item.name, what=what))


# ---- the link with filings ---------------------------------------------------------

def filings_of_resident(resident: Resident, jurisdiction: Optional[str]) -> list:
    """The resident's filings (same ID hash), newest first, within ``jurisdiction`` (the
    reader's: a filing elsewhere is not shown)."""
    query = (select(Filing).where(Filing.id_number_hash == resident.id_number_hash,
                                  within(Filing, jurisdiction))
             .order_by(Filing.expected_arrival_at.desc()))
    return list(db.session.scalars(query))


def residents_of_filing(filing: Filing, jurisdiction: Optional[str]) -> list:
    """The ledger entries of the person who filed (same ID hash) within ``jurisdiction``."""
    return list(db.session.scalars(select(Resident).where(
        Resident.id_number_hash == filing.id_number_hash, code_within(Resident.region_code, jurisdiction)),
        viewer_params(jurisdiction)))


def returning_condition():
    """SQL: a resident recorded as away who has an open filing (submitted or arrived)
    within the reader's jurisdiction (bound by ``viewer_params``, else the request's)."""
    return and_(Resident.category == "away", Resident.has_open_filing)


def count_residents_by_category(jurisdiction: Optional[str]) -> dict:
    """``{"resident": n, "away": n, ..., "returning": n}`` within ``jurisdiction``."""
    scope = code_within(Resident.region_code, jurisdiction)
    counts = {category: 0 for category in CATEGORIES}
    counts.update(dict(db.session.execute(
        select(Resident.category, func.count()).where(scope).group_by(Resident.category)).all()))
    counts["returning"] = db.session.scalar(
        select(func.count()).select_from(Resident).where(scope, returning_condition()),
        viewer_params(jurisdiction))
    return counts


PREPARE = {Grid: prepare_grid, Building: prepare_building, Unit: prepare_unit,
           Household: prepare_household, Resident: prepare_resident}


def prepare(item, jurisdiction: Optional[str]) -> None:
    """Check and complete any ledger row written within ``jurisdiction`` (the writer's)
    before it is written. The checks query the database; the row being checked must
    not be flushed by them (no autoflush)."""
    with db.session.no_autoflush:
        PREPARE[type(item)](item, jurisdiction)


__all__ = ["get_ledger_unit", "ledger_path", "ledger_label", "search_ledger_units",
           "placement_of", "prepare", "check_deletable", "filings_of_resident",
           "residents_of_filing", "returning_condition", "count_residents_by_category"]
