"""Grids, buildings and units found by their code: the places below a community that a
jurisdiction code may name (a grid member's jurisdiction is a grid).

It needs only the models, so both app.regions.service, which resolves any jurisdiction
code, and the ledger services above it (app.ledgers.units) build on it.
"""
from typing import Optional

from sqlalchemy import select

from app.core.extensions import db
from app.core.jurisdiction import code_range, code_within
from models import Region
from models.ledger import BUILDING_CODE_LENGTH, GRID_CODE_LENGTH, UNIT_CODE_LENGTH, Building, Grid, Unit

LEDGER_UNIT_MODELS = {GRID_CODE_LENGTH: Grid, BUILDING_CODE_LENGTH: Building, UNIT_CODE_LENGTH: Unit}


def get_ledger_unit(code: Optional[str]):
    """The Grid, Building or Unit with this code, or None."""
    model = LEDGER_UNIT_MODELS.get(len(code or ""))
    if model is None:
        return None
    return db.session.scalar(select(model).where(model.code == code))


def ledger_path(code: str) -> list:
    """The grid, building and unit above (and including) ``code``."""
    return [unit for length in sorted(LEDGER_UNIT_MODELS) if length <= len(code)
            for unit in [get_ledger_unit(code[:length])] if unit is not None]


def ledger_label(unit, with_code: bool = True) -> str:
    """``体育社区 › 第一网格 › 5号楼 (41010500100301005)``: where a unit is (a picker shows
    the code; a list or page, ``with_code=False``, only the names)."""
    names = " › ".join(p.name for p in _ancestry(unit))
    return f"{names} ({unit.code})" if with_code else names


def _ancestry(unit) -> list:
    chain = []
    while unit is not None:
        chain.insert(0, unit)
        unit = getattr(unit, "building", None) or getattr(unit, "grid", None)
    community = db.session.get(Region, chain[0].community_code)
    return ([community] if community else []) + chain


def search_ledger_units(term: str, jurisdiction: Optional[str], limit: int = 20) -> list:
    """Grids, buildings and units within ``jurisdiction`` whose code starts with
    ``term`` or whose name contains it (index ranges on the unique codes)."""
    term = (term or "").strip()
    found = []
    for model in LEDGER_UNIT_MODELS.values():
        query = select(model).where(code_within(model.code, jurisdiction))
        if term.isdigit():
            low, high = code_range(term)
            query = query.where(model.code >= low, model.code <= high)
        elif term:
            query = query.where(model.name.contains(term, autoescape=True))
        found += db.session.scalars(query.order_by(model.code).limit(limit - len(found)))
        if len(found) >= limit:
            break
    return found
