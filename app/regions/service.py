"""Regions: importing the division codes, looking them up, searching them.

Import is all or nothing: the whole file is validated first (each bad line reported
with its number and reason), then written in bulk in one transaction. Re-importing
the same file changes nothing; a changed name or parent is updated.
"""
import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Optional

from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy import or_, select, update

from app.core import audit
from app.core.errors import ImportRejected, ValidationFailed
from app.core.extensions import db
from app.core.jurisdiction import code_range, code_within, ensure_within
from app.ledgers.places import get_ledger_unit, ledger_label, ledger_path, search_ledger_units
from app.core.transaction import transaction
from models import Region
from models.region import CODE_LENGTH_BY_LEVEL, LEVEL_CITY, LEVEL_COMMUNITY, LEVEL_COUNTY, LEVEL_TOWNSHIP, REGION_CODE_LENGTHS

SEED_DIR = Path(__file__).resolve().parents[2] / "data"
HENAN_FILE = SEED_DIR / "henan-divisions.csv"
CHINA_COUNTIES_FILE = SEED_DIR / "china-counties.csv"
COLUMNS = ["code", "name", "level", "parent_code"]
BATCH = 5000


@dataclass
class ImportResult:
    added: int = 0
    updated: int = 0
    unchanged: int = 0


def _refused(problems) -> ImportRejected:
    """The region file's bad lines, as (line number, reason)."""
    return ImportRejected(problems, _l("The region file has errors; nothing was imported."))


def read_region_file(path) -> list[dict]:
    """Parse and validate a region CSV. Raises ImportRejected listing every bad line."""
    problems, rows, seen = [], [], {}
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None or [h.strip() for h in header] != COLUMNS:
            raise _refused([(1, _("The header must be: %(columns)s", columns=",".join(COLUMNS)))])
        for number, fields in enumerate(reader, start=2):
            row, reason = _parse_region_line(fields)
            if reason is None and row["code"] in seen:
                reason = _("Code %(code)s is repeated (first on line %(line)s).",
                           code=row["code"], line=seen[row["code"]])
            if reason:
                problems.append((number, reason))
                continue
            seen[row["code"]] = number
            rows.append(row)
    codes = set(seen)
    for row in rows:
        parent = row["parent_code"]
        if parent and parent not in codes and not _region_exists(parent):
            problems.append((seen[row["code"]], _("Parent %(code)s is unknown.", code=parent)))
    if problems:
        raise _refused(sorted(problems))
    return rows


def _parse_region_line(fields):
    if len(fields) != len(COLUMNS):
        return None, _("Expected %(n)s columns, found %(found)s.", n=len(COLUMNS), found=len(fields))
    code, name, level, parent = (f.strip() for f in fields)
    if not level.isdigit() or int(level) not in CODE_LENGTH_BY_LEVEL:
        return None, _("Level must be 1 to 5.")
    level = int(level)
    if not code.isdigit() or len(code) != CODE_LENGTH_BY_LEVEL[level]:
        return None, _("Code %(code)s is not a level-%(level)s code (%(length)s digits).",
                       code=code, level=level, length=CODE_LENGTH_BY_LEVEL[level])
    if not name or len(name) > 100:
        return None, _("Name must be 1 to 100 characters.")
    if level == 1 and parent:
        return None, _("A province has no parent.")
    if level > 1 and (not parent or not code.startswith(parent)
                      or len(parent) != CODE_LENGTH_BY_LEVEL[level - 1]):
        return None, _("Parent %(parent)s is not the level above %(code)s.", parent=parent, code=code)
    return {"code": code, "name": name, "level": level, "parent_code": parent or None}, None


def check_new_region(code, name, level, parent_code) -> None:
    """A region added by hand (screen or API) keeps the rules of a line of the regions
    file: a level of 1 to 5, a code of that level's length under its parent."""
    fields = (code, name, "" if level is None else str(level), parent_code)
    _, problem = _parse_region_line(["" if value is None else str(value) for value in fields])
    if problem:
        raise ValidationFailed(problem)


def _region_exists(code) -> bool:
    return db.session.get(Region, code) is not None


@transaction
def import_regions(path, progress: Optional[Callable[[int, int], None]] = None) -> ImportResult:
    """Validate the whole file, then insert new codes and update changed ones in bulk,
    in one transaction."""
    rows = read_region_file(path)
    existing = dict(
        ((code, (name, level, parent)) for code, name, level, parent in
         db.session.execute(select(Region.code, Region.name, Region.level, Region.parent_code)))
    )
    result = ImportResult()
    new_rows, changed_rows = [], []
    for row in rows:
        old = existing.get(row["code"])
        if old is None:
            new_rows.append(row)
        elif old != (row["name"], row["level"], row["parent_code"]):
            changed_rows.append(row)
        else:
            result.unchanged += 1
    total, done = len(new_rows) + len(changed_rows), 0
    # Parents before children: the file may list them in any order.
    new_rows.sort(key=lambda r: r["level"])
    for start in range(0, len(new_rows), BATCH):
        chunk = new_rows[start:start + BATCH]
        db.session.execute(Region.__table__.insert(), chunk)
        done += len(chunk)
        progress and progress(done, total)
    for row in changed_rows:
        db.session.execute(update(Region).where(Region.code == row["code"])
                           .values(name=row["name"], level=row["level"], parent_code=row["parent_code"]))
        done += 1
        if progress and done % BATCH == 0:
            progress(done, total)
    audit.record(db.session, "import", "Region", changes={
        "file": Path(path).name, "added": len(new_rows), "updated": len(changed_rows)})
    progress and progress(total, total)
    result.added, result.updated = len(new_rows), len(changed_rows)
    return result


def load_seed_regions(progress=None) -> ImportResult:
    """All of China's counties (origins), then all of Henan down to communities."""
    first = import_regions(CHINA_COUNTIES_FILE, progress)
    second = import_regions(HENAN_FILE, progress)
    return ImportResult(first.added + second.added, first.updated + second.updated,
                        second.unchanged)


def get_region(code: Optional[str]) -> Optional[Region]:
    if not code:
        return None
    return db.session.get(Region, code)


def region_path(code: str) -> list[Region]:
    """The region and its ancestors, province first."""
    prefixes = [code[:n] for n in REGION_CODE_LENGTHS if n <= len(code)]
    found = {r.code: r for r in db.session.scalars(select(Region).where(Region.code.in_(prefixes)))}
    return [found[p] for p in prefixes if p in found]


def children(code: Optional[str]) -> list[Region]:
    query = select(Region).order_by(Region.code)
    query = query.where(Region.parent_code == code) if code else query.where(Region.level == 1)
    return list(db.session.scalars(query))


def search_regions(term: str, jurisdiction: Optional[str], level: Optional[int] = None,
                   limit: int = 20) -> list[Region]:
    """Regions within ``jurisdiction`` whose code starts with ``term`` (an index range)
    or whose name contains it. Used by the searchable region fields."""
    term = (term or "").strip()
    query = select(Region).where(code_within(Region.code, jurisdiction))
    if level:
        query = query.where(Region.level == level)
    if term.isdigit():
        low, high = code_range(term)
        query = query.where(Region.code >= low, Region.code <= high)
    elif term:
        query = query.where(or_(Region.name.contains(term, autoescape=True)))
    return list(db.session.scalars(query.order_by(Region.level, Region.code).limit(limit)))


# ``level`` for check_assignable_region (and views' ``region_fields``): any jurisdiction
# code, a region's or, below a community, a ledger grid's, building's or unit's.
ANY_JURISDICTION = "jurisdiction"


def check_assignable_region(code: Optional[str], field: str = "region_code",
                            level: Optional[int] | str = None, *, jurisdiction: Optional[str]):
    """The write check for a region code given in a form or an API body: it must exist,
    be of the required level, and lie within ``jurisdiction`` (the writer's). With
    ``level=ANY_JURISDICTION`` a ledger unit's code is accepted too (a user's
    jurisdiction may be a grid); the Region or ledger unit is returned."""
    if level == ANY_JURISDICTION:
        place, level = get_jurisdiction_unit(code), None
    else:
        place = get_region(code)
    if place is None or (level and place.level != level):
        raise ValidationFailed(_l("Unknown region."), {field: [_l("Unknown region.")]})
    ensure_within(code, jurisdiction, field)
    return place


# ---- jurisdiction codes below the community (ledger grids, buildings, units) ------
# The one place that resolves a jurisdiction code: up to a community it is a region,
# below it a ledger unit (app.ledgers.places).

def _is_ledger_code(code: Optional[str]) -> bool:
    return bool(code) and len(code) > CODE_LENGTH_BY_LEVEL[LEVEL_COMMUNITY]


def get_jurisdiction_unit(code: Optional[str]):
    """The Region, or the ledger Grid / Building / Unit, a jurisdiction code names."""
    if _is_ledger_code(code):
        return get_ledger_unit(code)
    return get_region(code)


def jurisdiction_path(code: Optional[str]) -> list:
    """The regions down to the community, then the ledger units down to ``code``."""
    if not code:
        return []
    path = region_path(code)
    if _is_ledger_code(code):
        path += ledger_path(code)
    return path


def search_jurisdictions(term: str, jurisdiction: Optional[str], limit: int = 20) -> list:
    """Regions and ledger units within ``jurisdiction`` matching ``term`` (a code
    prefix or part of a name), for the jurisdiction field of accounts and staff."""
    units = search_ledger_units(term, jurisdiction, limit)
    regions = search_regions(term, jurisdiction, limit=limit)
    # Regions first, but ledger units keep at least half the places when they match.
    regions = regions[:limit - min(len(units), limit // 2)]
    return regions + units[:limit - len(regions)]


def label(place) -> str:
    """``name (code)`` of a region; a ledger unit also names its community and parents."""
    if isinstance(place, Region):
        return f"{place.name} ({place.code})"
    return ledger_label(place)


def ancestor_prefixes(code: str) -> list[str]:
    return [code[:CODE_LENGTH_BY_LEVEL[level]] for level in (LEVEL_CITY, LEVEL_COUNTY, LEVEL_TOWNSHIP)
            if CODE_LENGTH_BY_LEVEL[level] < len(code)]


def labels_with_place(regions: list[Region]) -> dict[str, str]:
    """``code -> "name — city county township (code)"``: names repeat across the
    province, so a pick list shows where each one lies (one query for all)."""
    prefixes = {p for r in regions for p in ancestor_prefixes(r.code)}
    rows = db.session.execute(select(Region.code, Region.name).where(Region.code.in_(prefixes))).all() \
        if prefixes else []
    names = dict(rows)
    labelled = {}
    for region in regions:
        place = " ".join(names[p] for p in ancestor_prefixes(region.code) if p in names)
        labelled[region.code] = f"{region.name} — {place} ({region.code})" if place else label(region)
    return labelled


def labels_for(codes: Iterable[str]) -> dict[str, str]:
    """``code -> name`` for many codes in one query: lists and pages show names, not codes
    (a picker shows ``label``, with the code, to tell namesakes apart)."""
    codes = [c for c in set(codes) if c]
    if not codes:
        return {}
    return {r.code: r.name for r in db.session.scalars(select(Region).where(Region.code.in_(codes)))}


def place_name(place) -> str:
    """What a screen shows for a jurisdiction: a region's name; a ledger grid, building
    or unit with its community and parents (``体育社区 › 第一网格 › 5号楼``)."""
    if isinstance(place, Region):
        return place.name
    return ledger_label(place, with_code=False)
