"""The ledgers' file formats: each Table's columns, how a row finds its record (the
per-ledger finders, through ImportContext, within the importer's jurisdiction) and how
it updates it. TABLES holds one of each, by name."""
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable, Optional

from flask_babel import lazy_gettext as _l
from sqlalchemy import Column as Column_, inspect, select
from sqlalchemy.orm import defer, lazyload

from app.ledgers import choices
from app.ledgers import units as ledgers
from app.ledgers import roster
from app.ledgers.cells import Masked, choice, date, integer, masked_or, text
from app.core.errors import ValidationFailed
from app.core.extensions import db
from app.core.identity import lookup_hash, normalize_id_number
from app.core.jurisdiction import code_within, is_within, scope_query
from app.regions.service import get_region
from models.user import ConsoleUser
from models import Region
from models.ledger import BUILDING_DIGITS, COMMUNITY_CODE_LENGTH, GRID_DIGITS, UNIT_DIGITS, Building, Grid, \
    Household, Resident, Unit
from models.region import LEVEL_COMMUNITY, LEVEL_TOWNSHIP
from models.staff import Device, StaffMember

LEDGER_DIGITS = {"grid": GRID_DIGITS, "building": BUILDING_DIGITS, "unit": UNIT_DIGITS}
CODE_IN_LABEL = re.compile(r"\((\d+)\)\s*$")

# ---- columns and tables ------------------------------------------------------------

@dataclass
class Column:
    key: str
    header: object
    parse: Callable = field(default_factory=lambda: text())
    required: bool = False
    note: object = None
    options: Optional[dict] = None     # code -> label, for choices
    importable: bool = True            # False: shown in exports, ignored on import
    fields: tuple = ()                 # model fields whose errors belong to this column
    export: Optional[Callable] = None  # item, exporter -> cell value

    def __post_init__(self):
        if self.options is not None and self.importable:
            self.parse = choice(self.options)


PLACE_PARTS = ("region", "grid", "building", "unit")


def place_columns(region_header, region_note, code_attr="region_code", parts=4, required=1) -> list[Column]:
    """Region, grid, building, unit (the first ``parts``, the first ``required`` of
    them required): where a row is placed; exported from the code in ``code_attr``."""
    def exported(part):
        return lambda item, ex: ex.place(getattr(item, code_attr))[part]

    columns = [
        Column("region", region_header, text(120), note=region_note, fields=("region_code", "community_code")),
        Column("grid", _l("Grid"), text(60), note=_l("Name, number or code of the grid.")),
        Column("building", _l("Building or village group"), text(60),
               note=_l("Name, number or code, within the grid.")),
        Column("unit", _l("Unit"), text(60), note=_l("Name, number or code, within the building.")),
    ][:parts]
    for index, column in enumerate(columns):
        column.export, column.required = exported(PLACE_PARTS[index]), index < required
    return columns


COMMUNITY_NOTE = _l("The community: its name, its code, or both as exported, e.g. 体育社区居民居委会 (410105001003).")


class Table:
    """One ledger's file format: columns, how a row finds and updates its record."""

    name: str
    title: object
    model: type
    columns: list[Column]
    prepare: Callable
    bulk = False  # checked and written set-based (app.ledgers.bulk), not row by row

    def key(self, values, ctx):
        """What identifies the row's record (a repeated key is a repeated row)."""
        raise NotImplementedError

    def find(self, values, ctx):
        raise NotImplementedError

    def apply(self, item, values, ctx) -> None:
        raise NotImplementedError

    def export_query(self, prefix):
        model = self.model
        return select(model).where(code_within(model.jurisdiction_attr(), prefix)).order_by(
            model.jurisdiction_attr(), model.id)

    @property
    def import_columns(self):
        return [c for c in self.columns if c.importable]


def _set(item, values, *keys) -> None:
    for key in keys:
        if key in values:
            setattr(item, key, values[key])


@lru_cache(maxsize=None)
def _lean(model) -> tuple:
    computed = [prop for prop in inspect(model).column_attrs
                if not all(isinstance(column, Column_) for column in prop.columns)]
    return (lazyload("*"), *(defer(prop.class_attribute) for prop in computed))


def number_column(highest: int) -> Column:
    return Column("number", _l("Number"), integer(1, highest), fields=("number",),
                  note=_l("1-%(n)s; empty: the next free number. Never changes.", n=highest))


def name_column(note) -> Column:
    return Column("name", _l("Name"), text(50), True, note)


CODE_COLUMN = Column("code", _l("Code"), importable=False, export=lambda item, ex: item.code)
NOTE_COLUMN = Column("note", _l("Note"), text(200))


class _LedgerUnitTable(Table):
    """Grids, buildings, units: a row is found under its parent (the place columns
    before it) by its number, or by its name when it has none yet."""

    prepare = staticmethod(ledgers.prepare)
    parent_part: str      # the place column naming the parent
    updatable: tuple      # what a row may change in an existing record

    def parent(self, values, ctx):
        return ctx.unit_at(ctx.place(values, upto=self.parent_part))

    def under(self, parent):
        """SQL: the records under ``parent``."""
        raise NotImplementedError

    def attach(self, item, parent) -> None:
        raise NotImplementedError

    def key(self, values, ctx):
        return self.parent(values, ctx).code, values.get("number") or values["name"]

    def find(self, values, ctx):
        model = self.model
        by = model.number == values["number"] if values.get("number") else model.name == values["name"]
        return db.session.scalar(ctx.scoped(model, self.under(self.parent(values, ctx)), by))

    def apply(self, item, values, ctx):
        if item.id is None:
            self.attach(item, self.parent(values, ctx))
            item.number = values.get("number")
        _set(item, values, *self.updatable)


class GridTable(_LedgerUnitTable):
    name, title, model = "grid", _l("Grids"), Grid
    columns = [
        *place_columns(_l("Community"), COMMUNITY_NOTE, "community_code", parts=1),
        number_column(99), name_column(_l("Unique within the community, e.g. 第一网格.")),
        Column("area", _l("Area covered"), text(200)), NOTE_COLUMN, CODE_COLUMN,
    ]
    updatable = ("name", "area", "note")

    def parent(self, values, ctx):
        return ctx.region(values["region"], {LEVEL_COMMUNITY})

    def under(self, parent):
        return Grid.community_code == parent.code

    def attach(self, item, parent):
        item.community_code = parent.code


class BuildingTable(_LedgerUnitTable):
    name, title, model = "building", _l("Buildings and village groups"), Building
    columns = [
        *place_columns(_l("Community"), COMMUNITY_NOTE, "code", parts=2, required=2),
        number_column(999), name_column(_l("Unique within the grid, e.g. 5号楼 or 张庄三组.")),
        Column("kind", _l("Kind"), options=choices.BUILDING_KINDS, note=_l("Empty: building.")),
        Column("address", _l("Address"), text(200)), NOTE_COLUMN, CODE_COLUMN,
    ]
    parent_part, updatable = "grid", ("name", "kind", "address", "note")

    def under(self, parent):
        return Building.grid_id == parent.id

    def attach(self, item, parent):
        item.grid = parent


class UnitTable(_LedgerUnitTable):
    name, title, model = "unit", _l("Units"), Unit
    columns = [
        *place_columns(_l("Community"), COMMUNITY_NOTE, "code", parts=3, required=3),
        number_column(99), name_column(_l("Unique within the building, e.g. 2单元.")), NOTE_COLUMN, CODE_COLUMN,
    ]
    parent_part, updatable = "building", ("name", "note")

    def under(self, parent):
        return Unit.building_id == parent.id

    def attach(self, item, parent):
        item.building = parent


def keep_or_set(item, values, key, masked_attr) -> None:
    """A sensitive cell: plain sets it; masked must be what is stored (keep it)."""
    value = values.get(key)
    if isinstance(value, Masked):
        if getattr(item, masked_attr, None) != value.shown:
            raise ValidationFailed(errors={key: [_l("This value is masked; enter it in full.")]})
        setattr(item, key, None)
    else:
        setattr(item, key, value)


PHONE_NOTE = _l("Digits; exported masked, and a masked value keeps the stored one.")


class HouseholdTable(Table):
    name, title, model = "household", _l("Households"), Household
    prepare = staticmethod(ledgers.prepare)
    columns = [
        *place_columns(_l("Community"), COMMUNITY_NOTE),
        Column("door_number", _l("Door number"), text(50), True, _l("Unique within its place, e.g. 301.")),
        Column("address", _l("Address"), text(200)),
        Column("head_name", _l("Name of the head of household"), text(50)),
        Column("phone", _l("Phone"), masked_or(text(20)), note=PHONE_NOTE,
               export=lambda item, ex: item.phone_masked),
        NOTE_COLUMN,
    ]

    def key(self, values, ctx):
        return ctx.place(values), values["door_number"]

    def find(self, values, ctx):
        return ctx.household(ctx.place(values), values["door_number"])

    def apply(self, item, values, ctx):
        item.region_code = ctx.place(values)
        _set(item, values, "door_number", "address", "head_name", "note")
        keep_or_set(item, values, "phone", "phone_masked")


class ResidentTable(Table):
    name, title, model = "resident", _l("Residents"), Resident
    bulk = True
    prepare = staticmethod(ledgers.prepare)
    columns = [
        *place_columns(_l("Community"), COMMUNITY_NOTE),
        Column("door_number", _l("Door number"), text(50), True,
               _l("The household; a new door number here adds the household."), fields=("household",),
               export=lambda item, ex: item.household.door_number),
        Column("name", _l("Full name"), text(50), True),
        Column("id_type", _l("ID type"), options=choices.ID_TYPES, note=_l("Empty: resident ID card.")),
        Column("id_number", _l("ID number"), masked_or(text(30)), True,
               _l("Checked by its last character; exported masked, and a masked value keeps the stored one."),
               export=lambda item, ex: item.id_number_masked),
        Column("phone", _l("Phone"), masked_or(text(20)), note=PHONE_NOTE,
               export=lambda item, ex: item.phone_masked),
        Column("relation_to_head", _l("Relation to the head"), options=choices.RELATIONS,
               note=_l("Empty: other relation.")),
        Column("category", _l("Category"), options=choices.CATEGORIES, required=True),
        Column("away_location", _l("Where (when away)"), text(100)),
        Column("expected_return", _l("Expected return"), date, note=_l("A date like 2022-03-15.")),
        NOTE_COLUMN,
        Column("filing_state", _l("Filing"), importable=False,
               export=lambda item, ex: choices.choice_label(choices.FILING_STATES, item.filing_state())),
    ]

    def key(self, values, ctx):
        number = values["id_number"]
        if isinstance(number, Masked):
            return ctx.place(values), values["door_number"], values["name"], number.shown
        return ctx.place(values)[:COMMUNITY_CODE_LENGTH], lookup_hash(normalize_id_number(number))

    def find(self, values, ctx):
        number, place = values["id_number"], ctx.place(values)
        if isinstance(number, Masked):
            household = ctx.household(place, values["door_number"])
            found = household and db.session.scalar(ctx.scoped(
                Resident, Resident.household_id == household.id, Resident.name == values["name"],
                Resident.id_number_masked == number.shown))
            if not found:
                raise ValidationFailed(errors={"id_number": [_l("This value is masked; enter it in full.")]})
            return found
        return db.session.scalar(ctx.scoped(
            Resident, Resident.community_code == place[:COMMUNITY_CODE_LENGTH],
            Resident.id_number_hash == lookup_hash(normalize_id_number(number))))

    def apply(self, item, values, ctx):
        item.household = self._household(values, ctx)
        item.id_type = values.get("id_type") or item.id_type or "resident_id"
        item.relation_to_head = values.get("relation_to_head") or item.relation_to_head or "other"
        _set(item, values, "name", "category", "away_location", "expected_return", "note")
        keep_or_set(item, values, "id_number", "id_number_masked")
        keep_or_set(item, values, "phone", "phone_masked")

    @staticmethod
    def _household(values, ctx):
        """The household of the row's place and door number; a new one is added."""
        place = ctx.place(values)
        household = ctx.household(place, values["door_number"])
        if household is None:
            household = Household(region_code=place, door_number=values["door_number"])
            ledgers.prepare(household, ctx.prefix)
            db.session.add(household)
        if values.get("relation_to_head") == "head" and not household.head_name:
            household.head_name = values["name"]
        return household


class StaffTable(Table):
    name, title, model = "staff", _l("Staff roster"), StaffMember
    prepare = staticmethod(roster.prepare)
    columns = [
        *place_columns(_l("Township or community"),
                       _l("Where they work: a township or community (name, code, or both as exported); "
                          "grid members, building and unit heads also name their grid, building, unit.")),
        Column("name", _l("Full name"), text(50), True),
        Column("role", _l("Role"), options=choices.STAFF_ROLES, required=True),
        Column("title", _l("Title"), text(50), note=_l("E.g. 两委干部, 党员.")),
        Column("phone", _l("Phone"), masked_or(text(20)), note=PHONE_NOTE,
               export=lambda item, ex: item.phone_masked),
        Column("dedicated_phone", _l("Dedicated number"), text(20),
               note=_l("The officer's work number (11 digits).")),
        Column("username", _l("Login account"), text(64), note=_l("User name of their account, if any."),
               fields=("user",), export=lambda item, ex: item.user.username if item.user else None),
        Column("active", _l("Active"), choice(choices.YES_NO), note=_l("Yes or no; empty: yes."),
               export=lambda item, ex: choices.choice_label(choices.YES_NO, item.active)),
        NOTE_COLUMN,
    ]

    def key(self, values, ctx):
        return ctx.place(values, levels={LEVEL_TOWNSHIP, LEVEL_COMMUNITY}), values["role"], values["name"]

    def find(self, values, ctx):
        place = ctx.place(values, levels={LEVEL_TOWNSHIP, LEVEL_COMMUNITY})
        return db.session.scalar(ctx.scoped(StaffMember, StaffMember.region_code == place,
                                            StaffMember.role == values["role"], StaffMember.name == values["name"]))

    def apply(self, item, values, ctx):
        item.region_code = ctx.place(values, levels={LEVEL_TOWNSHIP, LEVEL_COMMUNITY})
        _set(item, values, "name", "role", "title", "dedicated_phone", "note")
        item.active = values.get("active") if values.get("active") is not None else True
        item.user = ctx.account(values["username"]) if values.get("username") else None
        keep_or_set(item, values, "phone", "phone_masked")


class DeviceTable(Table):
    name, title, model = "device", _l("Devices"), Device
    prepare = staticmethod(roster.prepare)
    columns = [
        *place_columns(_l("Community"), COMMUNITY_NOTE, "community_code", parts=1),
        Column("imei", _l("IMEI"), text(15), True, _l("15 digits (dial *#06#).")),
        Column("model", _l("Model"), text(50)),
        Column("sim_number", _l("SIM number"), text(20), note=_l("The card's phone number.")),
        Column("holder", _l("Holder"), text(50), note=_l("Name of a staff member of the community."),
               export=lambda item, ex: item.holder.name if item.holder else None),
        Column("status", _l("Status"), options=choices.DEVICE_STATUSES, note=_l("Empty: in use.")),
        Column("issued_on", _l("Issued on"), date, note=_l("A date like 2022-03-15.")),
        NOTE_COLUMN,
    ]

    def key(self, values, ctx):
        return values["imei"]

    def find(self, values, ctx):
        return db.session.scalar(ctx.scoped(Device, Device.imei == values["imei"]))

    def apply(self, item, values, ctx):
        item.community_code = ctx.region(values["region"], {LEVEL_COMMUNITY}).code
        item.status = values.get("status") or item.status or "in_use"
        item.holder = ctx.staff_member(item.community_code, values["holder"]) if values.get("holder") else None
        _set(item, values, "imei", "model", "sim_number", "issued_on", "note")


TABLES = {t.name: t() for t in (GridTable, BuildingTable, UnitTable, HouseholdTable, ResidentTable,
                                StaffTable, DeviceTable)}


# ---- resolving what a row names, within the importer's jurisdiction --------------------

class ImportContext:
    def __init__(self, prefix: Optional[str]):
        self.prefix = prefix  # the importer's jurisdiction
        self._cache: dict = {}

    def scoped(self, model, *conditions):
        """The record a row names, within the jurisdiction; loaded lean (no eager loads,
        no computed columns: an import looks up every row)."""
        return scope_query(select(model).options(*_lean(model)), model, self.prefix).where(*conditions)

    def _cached(self, key, find):
        if key not in self._cache:
            self._cache[key] = find()
        return self._cache[key]

    def region(self, cell: str, levels: set) -> Region:
        return self._cached(("region", cell, frozenset(levels)), lambda: self._find_region(cell, levels))

    def _find_region(self, cell, levels) -> Region:
        match = CODE_IN_LABEL.search(cell)
        code = match.group(1) if match else (cell if cell.isdigit() else None)
        if code:
            found = [r for r in [get_region(code)] if r is not None]
        else:
            found = list(db.session.scalars(select(Region).where(Region.name == cell).limit(3)))
        # The region, or (for a grid member, say) the community above their jurisdiction:
        # what is placed must still lie within it, as the services check.
        found = [r for r in found if r.level in levels and (
            is_within(r.code, self.prefix) or is_within(self.prefix or "", r.code))]
        if not found:
            raise _field_error("region_code", _l("No such region in your jurisdiction: %(cell)s.", cell=cell))
        if len(found) > 1:
            raise _field_error("region_code", _l("Several regions are named %(cell)s; write its code.", cell=cell))
        return found[0]

    def place(self, values, upto: str = "unit", levels=frozenset({LEVEL_COMMUNITY})) -> str:
        """The code of the smallest place a row names (region > grid > building > unit)."""
        region = self.region(values["region"], set(levels))
        code, parent = region.code, region
        for part in ("grid", "building", "unit"):
            cell = values.get(part)
            if cell:
                if parent is None:
                    raise _field_error(part, _l("Name the place above it first."))
                parent = self._cached(("child", part, code, cell), lambda: self._find_child(part, code, cell))
                code = parent.code
            else:
                parent = None
            if part == upto:
                break
        if upto != "unit" and not values.get(upto):
            raise _field_error(upto, _l("Required."))
        return code

    @staticmethod
    def _find_child(part, parent_code, cell):
        model = {"grid": Grid, "building": Building, "unit": Unit}[part]
        # Its codes have a fixed length, so those within the parent's are its children.
        candidates = select(model).where(code_within(model.code, parent_code))
        found = None
        if cell.isdigit() and len(cell) > 3:
            found = db.session.scalar(candidates.where(model.code == cell))
        found = found or db.session.scalar(candidates.where(model.name == cell).limit(1))
        if found is None and cell.isdigit():
            found = db.session.scalar(candidates.where(model.number == int(cell)).limit(1))
        if found is None or len(found.code) != len(parent_code) + LEDGER_DIGITS[part]:
            raise _field_error(part, _l("Not found here: %(cell)s.", cell=cell))
        return found

    def unit_at(self, code):
        return ledgers.get_ledger_unit(code)

    def household(self, place_code, door_number) -> Optional[Household]:
        """Found once, then remembered (a household's rows follow one another). Only
        a household found in the database is remembered: one added by a row that
        fails later is rolled back with that row."""
        key = ("household", place_code, door_number)
        if self._cache.get(key) is None:
            self._cache[key] = db.session.scalar(self.scoped(
                Household, Household.region_code == place_code, Household.door_number == door_number))
        return self._cache[key]

    def account(self, username):
        found = db.session.scalar(select(ConsoleUser).where(
            ConsoleUser.username == username, code_within(ConsoleUser.region_code, self.prefix)))
        if found is None:
            raise _field_error("user", _l("No such account in your jurisdiction: %(cell)s.", cell=username))
        return found

    def staff_member(self, community_code, name):
        found = list(db.session.scalars(select(StaffMember).where(
            code_within(StaffMember.region_code, community_code), StaffMember.name == name).limit(2)))
        if len(found) != 1:
            raise _field_error("holder", _l("No single staff member of the community is named %(cell)s.", cell=name))
        return found[0]


def _field_error(field_name, message):
    return ValidationFailed(message, {field_name: [message]})
