import datetime as dt

from flask_appbuilder import Model
from sqlalchemy import BigInteger, Integer

# A 64-bit key on PostgreSQL; SQLite only autoincrements a plain INTEGER primary key.
BigId = BigInteger().with_variant(Integer, "sqlite")

# The longest jurisdiction code: below a 12-digit community code the ledgers go on
# with grid (+2 digits), building or village group (+3) and unit (+2), models.ledger.
# Columns holding any jurisdiction code (a user's, an audit entry's) are this wide.
MAX_CODE_LENGTH = 19


def utcnow() -> dt.datetime:
    """Times are stored as naive UTC (DESIGN: stored in UTC, shown in Asia/Shanghai)."""
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


class ScopedMixin:
    """A row that belongs to a region. ``jurisdiction_column`` names the column holding
    that region's code; app.core.jurisdiction scopes every query and write by it."""

    jurisdiction_column = "region_code"

    @classmethod
    def jurisdiction_attr(cls):
        return getattr(cls, cls.jurisdiction_column)

    def jurisdiction_code(self) -> str:
        return getattr(self, self.jurisdiction_column)


__all__ = ["Model", "ScopedMixin", "BigId", "MAX_CODE_LENGTH", "utcnow"]
