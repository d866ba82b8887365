"""The resident import at township scale: set-based, not a query per row.

A file's rows are checked in Python against what a few bulk queries load (the
households of the places the file names, the residents with its ID numbers and those
of its households), in file order, as the row-by-row import would (app.ledgers.engine):
a row that describes a kept record updates it, one that fails changes nothing, a
repeated row is reported. The result is a ``Plan``: the households and residents to
add and the records to change. ``write`` then writes it with a few statements (COPY
on PostgreSQL, app.core.dialects). The rules themselves stay in app.ledgers.units
(``check_resident``, ``check_placement``); only the uniqueness checks, which the
services make with a query, are made here for all rows at once.

``write(plan, verify=True)`` is for a plan made in an earlier transaction (an import
job, app.ledgers.jobs): it refuses the file when a record it changes was changed, or
a household it uses removed, meanwhile.
"""
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Callable, Optional

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select, update

from app.core import dialects
from app.core.errors import DomainError, FieldErrors, ImportRejected, ValidationFailed
from app.core.extensions import db
from app.core.identity import lookup_hash, normalize_id_number
from app.core.jurisdiction import code_within, is_within
from app.ledgers import units
from app.ledgers.cells import Masked
from models.base import utcnow
from models.ledger import COMMUNITY_CODE_LENGTH, Household, Resident

CHUNK = 2000  # keys per IN list (SQLite allows 32,766 parameters)
HOUSEHOLD = Household.__table__
RESIDENT = Resident.__table__
# What an import may change in a kept resident (and what a new one is written with).
RESIDENT_FIELDS = ("household_id", "region_code", "community_code", "name", "id_type", "id_number_enc",
                   "id_number_hash", "id_number_masked", "gender", "birth_date", "phone_enc", "phone_hash",
                   "phone_masked", "relation_to_head", "category", "away_location", "expected_return", "note")
HOUSEHOLD_FIELDS = ("region_code", "community_code", "grid_id", "building_id", "unit_id", "door_number",
                    "head_name")
MASKED_MESSAGE = _l("This value is masked; enter it in full.")
CHANGED_MEANWHILE = _l("Someone changed the same records meanwhile; import again.")


@dataclass
class Plan:
    new_households: list = field(default_factory=list)     # namespaces, ``ref`` ("new", n)
    new_residents: list = field(default_factory=list)      # namespaces, ``household_id`` a ref
    changed_households: dict = field(default_factory=dict)  # id -> namespace
    changed_residents: dict = field(default_factory=dict)   # id -> namespace
    versions: dict = field(default_factory=dict)           # (table name, id) -> updated_at read
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def _chunks(items):
    items = list(items)
    for start in range(0, len(items), CHUNK):
        yield items[start:start + CHUNK]


def _load(table, *conditions):
    return [SimpleNamespace(**row._mapping) for row in db.session.execute(select(table).where(*conditions))]


class ResidentPlanner:
    """Checks the parsed rows of a resident file (``(row number, values, place code)``)
    within ``ctx.prefix`` (the importer's jurisdiction) and makes the Plan."""

    def __init__(self, ctx, problems_of: Callable):
        self.ctx, self.prefix, self.problems_of = ctx, ctx.prefix, problems_of
        self.plan = Plan()
        self.households: dict = {}   # (place, door) -> namespace (kept or new)
        self.by_ref: dict = {}       # household ref -> namespace
        self.residents: dict = {}    # id -> namespace (kept), loaded once
        self.members: dict = {}      # household ref -> set of resident namespaces
        self.by_person: dict = {}    # (community, id hash) -> namespace (kept or new)
        self.placements: dict = {}   # place code -> namespace or the problem raised
        self.new_by_key: dict = {}   # ("new", n) -> namespace of a resident this file adds
        self.hashes: dict = {}       # ID number as written -> its keyed hash

    # ---- loading what the rows name, a few queries for the whole file ---------------

    def load(self, rows) -> None:
        places = {place for _number, _values, place in rows}
        for chunk in _chunks(places):
            for household in _load(HOUSEHOLD, HOUSEHOLD.c.region_code.in_(chunk),
                                   code_within(HOUSEHOLD.c.region_code, self.prefix)):
                household.ref = household.id
                self.households[(household.region_code, household.door_number)] = household
                self.by_ref[household.id] = household
                self.plan.versions[("household", household.id)] = household.updated_at
        hashes = {self._hash(values["id_number"])
                  for _number, values, _place in rows if not isinstance(values["id_number"], Masked)}
        found = []
        for chunk in _chunks(hashes):
            found += _load(RESIDENT, RESIDENT.c.id_number_hash.in_(chunk))
        for chunk in _chunks(self.by_ref):
            found += _load(RESIDENT, RESIDENT.c.household_id.in_(chunk))
        for resident in found:
            if resident.id in self.residents:
                continue
            self.residents[resident.id] = resident
            self.plan.versions[("resident", resident.id)] = resident.updated_at
            self.by_person[(resident.community_code, resident.id_number_hash)] = resident
            self.members.setdefault(resident.household_id, set()).add(resident.id)

    def _hash(self, number: str) -> str:
        if number not in self.hashes:
            self.hashes[number] = lookup_hash(normalize_id_number(number))
        return self.hashes[number]

    # ---- each row, in file order -------------------------------------------------

    def row(self, number, values, place) -> list:
        try:
            kept, resident, household, head_name = self._apply(values, place)
        except DomainError as error:
            return self.problems_of(number, error)
        self._commit(kept, resident, household, head_name)
        return []

    def _find(self, values, place):
        number = values["id_number"]
        if isinstance(number, Masked):
            household = self.households.get((place, values["door_number"]))
            for resident_id in self.members.get(household.ref, ()) if household else ():
                resident = self._resident(resident_id)
                if resident.name == values["name"] and resident.id_number_masked == number.shown:
                    return resident
            raise ValidationFailed(errors={"id_number": [MASKED_MESSAGE]})
        found = self.by_person.get((place[:COMMUNITY_CODE_LENGTH], self._hash(number)))
        # One recorded outside the jurisdiction is not found: adding it is refused below.
        return found if found is not None and is_within(found.region_code, self.prefix) else None

    def _apply(self, values, place):
        """The row applied to a copy of its record (nothing kept changes until it passed)."""
        kept = self._find(values, place)
        resident = SimpleNamespace(**vars(kept)) if kept else SimpleNamespace(
            id=None, id_type=None, relation_to_head=None, category=None, id_number_hash=None,
            id_number_masked=None, phone_hash=None, phone_masked=None, gender=None, birth_date=None,
            away_location=None, expected_return=None, note=None, id_number_enc=None, phone_enc=None)
        household = self._household(place, values["door_number"])
        head_name = values["name"] if values.get("relation_to_head") == "head" and not household.head_name else None
        resident.household_id = household.ref
        resident.id_type = values.get("id_type") or resident.id_type or "resident_id"
        resident.relation_to_head = values.get("relation_to_head") or resident.relation_to_head or "other"
        for key in ("name", "category", "away_location", "expected_return", "note"):
            if key in values:
                setattr(resident, key, values[key])
        for key in ("id_number", "phone"):
            value = values.get(key)
            if isinstance(value, Masked):
                if getattr(resident, f"{key}_masked") != value.shown:
                    raise ValidationFailed(errors={key: [MASKED_MESSAGE]})
                value = None
            setattr(resident, key, value)
        errors = FieldErrors()
        units.check_resident(resident, household, self.prefix, errors)
        if not errors:
            self._check_unique(resident, household, errors)
        errors.raise_if_any()
        return kept, resident, household, head_name

    def _household(self, place, door):
        household = self.households.get((place, door))
        if household is not None:
            return household
        placement = self._placement(place)
        return SimpleNamespace(ref=None, id=None, region_code=place, door_number=door, head_name=None,
                               community_code=placement.community_code, grid_id=placement.grid_id,
                               building_id=placement.building_id, unit_id=placement.unit_id)

    def _placement(self, place):
        """A new household's placement, checked once per place (app.ledgers.units)."""
        if place not in self.placements:
            errors, household = FieldErrors(), SimpleNamespace(region_code=place)
            units.check_placement(household, errors, self.prefix)
            self.placements[place] = ValidationFailed(_l("Please correct the marked fields."), errors.errors) \
                if errors else SimpleNamespace(community_code=household.community_code, **{
                    f"{part}_id": getattr(household, part).id if getattr(household, part) else None
                    for part in ("grid", "building", "unit")})
        found = self.placements[place]
        if isinstance(found, ValidationFailed):
            raise found
        return found

    def _check_unique(self, resident, household, errors) -> None:
        """units' ``_check_unique_in_household``, against what is loaded and planned."""
        same = self.by_person.get((resident.community_code, resident.id_number_hash))
        if same is not None and same.id != resident.id:
            errors.add("id_number", _l("This person is already recorded in this community (%(where)s).",
                                       where=self._describe(same.household_id)))
        if resident.relation_to_head == "head" and household.ref is not None and any(
                other != resident.id and self._resident(other).relation_to_head == "head"
                for other in self.members.get(household.ref, ())):
            errors.add("relation_to_head", _l("This household already has a head."))

    def _resident(self, key):
        return self.residents[key] if key in self.residents else self.new_by_key[key]

    def _describe(self, household_ref) -> str:
        if isinstance(household_ref, tuple):  # added by an earlier row of the file
            return self.by_ref[household_ref].door_number
        return repr(db.session.get(Household, household_ref))

    def _commit(self, kept, resident, household, head_name) -> None:
        """The row passed: what it changed becomes the state the next rows see."""
        plan = self.plan
        if household.ref is None:
            household.ref = ("new", len(plan.new_households))
            plan.new_households.append(household)
            self.households[(household.region_code, household.door_number)] = household
            self.by_ref[household.ref] = household
            resident.household_id = household.ref
        if head_name:
            household.head_name = head_name
            if household.id is not None:
                plan.changed_households[household.id] = household
        if kept is None:
            resident.id = ("new", len(plan.new_residents))
            plan.new_residents.append(resident)
            self.new_by_key[resident.id] = resident
            plan.created += 1
        else:
            changed = any(getattr(resident, name) != getattr(kept, name) for name in RESIDENT_FIELDS)
            if changed:
                self.members.get(kept.household_id, set()).discard(kept.id)
                vars(kept).update(vars(resident))
                plan.changed_residents[kept.id] = kept
            plan.updated += changed
            plan.unchanged += not changed
            resident = kept
        self.members.setdefault(resident.household_id, set()).add(resident.id)
        self.by_person[(resident.community_code, resident.id_number_hash)] = resident


def plan_residents(ctx, rows, problems_of, progress: Optional[Callable] = None, offset: int = 0,
                   total: int = 0) -> tuple[Plan, list]:
    """The Plan of ``rows`` (``(number, values, place)``, each parsed and placed), and
    the problems of the rows that cannot be imported."""
    planner, problems = ResidentPlanner(ctx, problems_of), []
    planner.load(rows)
    for index, (number, values, place) in enumerate(rows, start=1):
        problems += planner.row(number, values, place)
        if progress and index % 1000 == 0:
            progress(offset + index, total)
    return planner.plan, problems


# ---- writing a plan ------------------------------------------------------------------

def write(plan: Plan, verify: bool = False) -> None:
    """Write ``plan`` in the current transaction (``verify``: it was made in another)."""
    conn = db.session.connection()
    dialect = dialects.of(conn)
    now = utcnow()
    if verify:
        _verify(plan)
    household_ids = dialect.reserve_ids(conn, HOUSEHOLD.c.id, len(plan.new_households))
    for household, new_id in zip(plan.new_households, household_ids):
        household.id = new_id
    columns = ("id", *HOUSEHOLD_FIELDS, "created_at", "updated_at")
    dialect.bulk_insert(conn, HOUSEHOLD, columns, [
        (h.id, *(getattr(h, name) for name in HOUSEHOLD_FIELDS), now, now) for h in plan.new_households])
    ids = {h.ref: h.id for h in plan.new_households}
    if plan.changed_households:
        conn.execute(update(HOUSEHOLD).where(HOUSEHOLD.c.id == bindparam("_id")).values(
            head_name=bindparam("_head_name"), updated_at=now),
            [{"_id": h.id, "_head_name": h.head_name} for h in plan.changed_households.values()])
    for resident in (*plan.new_residents, *plan.changed_residents.values()):
        resident.household_id = ids.get(resident.household_id, resident.household_id)
    resident_ids = dialect.reserve_ids(conn, RESIDENT.c.id, len(plan.new_residents))
    columns = ("id", *RESIDENT_FIELDS, "created_at", "updated_at")
    dialect.bulk_insert(conn, RESIDENT, columns, [
        (new_id, *(getattr(r, name) for name in RESIDENT_FIELDS), now, now)
        for r, new_id in zip(plan.new_residents, resident_ids)])
    if plan.changed_residents:
        conn.execute(update(RESIDENT).where(RESIDENT.c.id == bindparam("_id")).values(
            updated_at=now, **{name: bindparam(f"_{name}") for name in RESIDENT_FIELDS}),
            [{"_id": r.id, **{f"_{name}": getattr(r, name) for name in RESIDENT_FIELDS}}
             for r in plan.changed_residents.values()])


def _verify(plan: Plan) -> None:
    """Refuse a plan whose households or changed residents moved on since it was made."""
    wanted = {("household", h.id) for h in plan.changed_households.values()}
    wanted |= {("household", r.household_id) for r in (*plan.new_residents, *plan.changed_residents.values())
               if not isinstance(r.household_id, tuple)}
    wanted |= {("resident", r.id) for r in plan.changed_residents.values()}
    for name, table in (("household", HOUSEHOLD), ("resident", RESIDENT)):
        ids = [key for kind, key in wanted if kind == name]
        now = {}
        for chunk in _chunks(ids):
            now.update(db.session.execute(select(table.c.id, table.c.updated_at).where(table.c.id.in_(chunk))).all())
        if any(now.get(key) != plan.versions.get((name, key)) for key in ids):
            raise ImportRejected([(1, "", CHANGED_MEANWHILE)])
