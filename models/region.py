from flask_babel import lazy_gettext as _l
from sqlalchemy import Column, Index, SmallInteger, String

from models.base import Model, ScopedMixin

LEVEL_PROVINCE, LEVEL_CITY, LEVEL_COUNTY, LEVEL_TOWNSHIP, LEVEL_COMMUNITY = 1, 2, 3, 4, 5
# The length of a region's code at each level: the one place these numbers are written
# (a ledger grid, building and unit go on below a community: models/ledger.py).
CODE_LENGTH_BY_LEVEL = {LEVEL_PROVINCE: 2, LEVEL_CITY: 4, LEVEL_COUNTY: 6, LEVEL_TOWNSHIP: 9, LEVEL_COMMUNITY: 12}
REGION_CODE_LENGTHS = tuple(CODE_LENGTH_BY_LEVEL.values())
COMMUNITY_CODE_LENGTH = CODE_LENGTH_BY_LEVEL[LEVEL_COMMUNITY]
LEVEL_LABELS = {LEVEL_PROVINCE: _l("Province"), LEVEL_CITY: _l("City"), LEVEL_COUNTY: _l("County"),
                LEVEL_TOWNSHIP: _l("Township"), LEVEL_COMMUNITY: _l("Community")}


class Region(ScopedMixin, Model):
    """A division of the National Bureau of Statistics: province (2 digits), city (4),
    county (6), township (9), community or village (12). A code's prefix is its
    ancestor. Henan down to communities; the rest of China down to counties (origins)."""

    __tablename__ = "region"
    __table_args__ = (Index("ix_region_parent_code", "parent_code"),)
    jurisdiction_column = "code"

    code = Column(String(COMMUNITY_CODE_LENGTH), primary_key=True)
    name = Column(String(100), nullable=False)
    level = Column(SmallInteger, nullable=False)
    parent_code = Column(String(COMMUNITY_CODE_LENGTH))

    def __repr__(self):
        return f"{self.name} ({self.code})"
