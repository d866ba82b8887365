"""Region and ledger-place codes shown as names on every list, show page and list
export: a person reads 体育社区, not 410105001003 (the pickers keep the code, to tell
namesakes apart)."""
from flask import g

from app.regions.service import get_jurisdiction_unit, place_name

# Columns holding a region (or a ledger grid, building or unit) code, shown by name
# wherever a screen lists them unless the view formats them itself.
PLACE_COLUMNS = {"region_code", "community_code", "destination_region_code", "origin_region_code",
                 "target_region_code", "from_region_code", "to_region_code", "parent_code",
                 "township_code", "county_code"}


def place_label(code):
    """The name of a region or ledger place (looked up once per request); the code
    itself when no such place exists."""
    if not code:
        return ""
    cache = g.setdefault("place_labels", {})
    if code not in cache:
        place = get_jurisdiction_unit(code)
        cache[code] = place_name(place) if place is not None else code
    return cache[code]


def with_place_names(formatters: dict, columns) -> dict:
    """``formatters`` plus the place name for each place column among ``columns`` the
    view does not format itself."""
    return {**{c: place_label for c in columns if c in PLACE_COLUMNS}, **(formatters or {})}
