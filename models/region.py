from sqlalchemy import Column, Index, SmallInteger, String

from models.base import Model, ScopedMixin

LEVEL_PROVINCE, LEVEL_CITY, LEVEL_COUNTY, LEVEL_TOWNSHIP, LEVEL_COMMUNITY = 1, 2, 3, 4, 5
CODE_LENGTH_BY_LEVEL = {1: 2, 2: 4, 3: 6, 4: 9, 5: 12}


class Region(ScopedMixin, Model):
    """A division of the National Bureau of Statistics: province (2 digits), city (4),
    county (6), township (9), community or village (12). A code's prefix is its
    ancestor. Henan down to communities; the rest of China down to counties (origins)."""

    __tablename__ = "region"
    __table_args__ = (Index("ix_region_parent_code", "parent_code"),)
    jurisdiction_column = "code"

    code = Column(String(12), primary_key=True)
    name = Column(String(100), nullable=False)
    level = Column(SmallInteger, nullable=False)
    parent_code = Column(String(12))

    def __repr__(self):
        return f"{self.name} ({self.code})"
