"""The change feed (``GET /api/v1/changes``): filings, checks, transfers and findings
changed since a cursor, within a jurisdiction, so another system follows the province's
data without polling every list.

How the cursor stays safe: every listed table keeps the time of its last change, indexed
with the id (``filing.updated_at``, ``filing_check.checked_at``, ``filing_transfer.at``,
``finding.raised_at`` and ``resolved_at``; migration 0007). The feed orders changes by
(time, source, id) and the cursor is the last position given out. A write's time is taken
when its transaction starts, so a row may become visible after rows of later times:
the feed therefore lists only changes older than ``lag`` (CHANGES_LAG_SECONDS), and a
write transaction must end within that lag. A page that is not full moves the cursor to
that horizon, so the next call starts from there; cursors never go back.

A filing is listed at its latest change (what changed is read from the filing itself);
a finding when it was raised and again when it was resolved. Entries carry no personal
data: ids, codes, statuses, and the masked name of a finding.
"""
import datetime as dt
import re
from dataclasses import dataclass
from typing import Callable, Optional

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_, select

from app.core.clock import iso_local
from app.core.errors import ValidationFailed
from app.core.jurisdiction import code_within
from models.crossmatch import Finding
from models.filing import Filing, FilingCheck, FilingTransfer

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
BAD_CURSOR = _l("Give a cursor this feed returned as next.")
BAD_LIMIT = _l("Enter a whole number from 1 to %(n)s.")
_CURSOR = re.compile(r"^(\d{1,17})-(\d)-(\d{1,19})$")
EPOCH = dt.datetime(1970, 1, 1)


@dataclass(frozen=True)
class Source:
    kind: str
    model: type
    time: object                 # the column holding the time of its last change
    fields: Callable[[dict], dict]


SOURCES = (
    Source("filing", Filing, Filing.updated_at, lambda r: {
        "receipt": r["receipt"], "status": r["status"], "channel": r["channel"],
        "region_code": r["destination_region_code"]}),
    Source("check", FilingCheck, FilingCheck.checked_at, lambda r: {
        "filing_id": r["filing_id"], "region_code": r["region_code"], "arrived": r["arrived"],
        "test_result": r["test_result"], "control_measure": r["control_measure"]}),
    Source("transfer", FilingTransfer, FilingTransfer.at, lambda r: {
        "filing_id": r["filing_id"], "from_region_code": r["from_region_code"],
        "region_code": r["to_region_code"]}),
    Source("finding", Finding, Finding.raised_at, lambda r: _finding(r)),
    Source("finding", Finding, Finding.resolved_at, lambda r: _finding(r)),
)
END = len(SOURCES)  # a cursor's source past every source: all of its time was given out


def _finding(row: dict) -> dict:
    return {"finding_kind": row["kind"], "status": row["status"], "filing_id": row["filing_id"],
            "region_code": row["region_code"], "name_masked": row["name_masked"]}


def parse_cursor(value: Optional[str]) -> tuple[dt.datetime, int, int]:
    """``(time, source, id)`` of a cursor; the start of history when none is given."""
    if value in (None, ""):
        return EPOCH, 0, 0
    found = _CURSOR.match(value.strip())
    if not found or int(found[2]) > END:
        raise ValidationFailed(BAD_CURSOR, {"since": [BAD_CURSOR]})
    micros, source, row_id = (int(part) for part in found.groups())
    return EPOCH + dt.timedelta(microseconds=micros), source, row_id


def format_cursor(position: tuple[dt.datetime, int, int]) -> str:
    moment, source, row_id = position
    return f"{(moment - EPOCH) // dt.timedelta(microseconds=1)}-{source}-{row_id}"


def parse_limit(value: Optional[str]) -> int:
    if value in (None, ""):
        return DEFAULT_LIMIT
    if not str(value).isdigit() or not 1 <= int(value) <= MAX_LIMIT:
        message = BAD_LIMIT % {"n": MAX_LIMIT}
        raise ValidationFailed(message, {"limit": [message]})
    return int(value)


def _after(source_number: int, time_column, id_column, cursor):
    """SQL: a row of source ``source_number`` lies after ``cursor`` in (time, source, id)."""
    moment, source, row_id = cursor
    if source_number > source:
        return time_column >= moment
    if source_number < source:
        return time_column > moment
    return or_(time_column > moment, and_(time_column == moment, id_column > row_id))


def changes(conn, since: Optional[str], *, now: dt.datetime, lag: dt.timedelta, limit: int,
            jurisdiction: Optional[str]) -> dict:
    """``{"changes": [{"kind", "id", "at", ...}], "next": cursor}``: up to ``limit``
    changes after ``since`` and before ``now - lag``, within ``jurisdiction``."""
    cursor = parse_cursor(since)
    horizon = now - lag
    found = []
    for number, source in enumerate(SOURCES):
        model, time_column = source.model, source.time
        query = (select(model.__table__).where(
            code_within(model.jurisdiction_attr(), jurisdiction), time_column.is_not(None),
            time_column <= horizon, _after(number, time_column, model.id, cursor))
            .order_by(time_column, model.id).limit(limit))
        found += [((row[time_column.key], number, row["id"]), source, row)
                  for row in conn.execute(query).mappings()]
    found.sort(key=lambda item: item[0])
    page = found[:limit]
    if len(page) == limit:
        next_position = page[-1][0]
    else:
        next_position = max(cursor, (horizon, END, 0))
    return {"changes": [{"kind": source.kind, "id": row["id"], "at": iso_local(position[0]),
                         **source.fields(dict(row))} for position, source, row in page],
            "next": format_cursor(next_position)}
