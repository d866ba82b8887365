"""Bring what is already stored up to the mask rule (app.core.identity): run by ``flask setup``
once per release, idempotent.

Masked ID numbers stored before the rule kept the 6 region digits; masking a masked value
again (the same masker) gives the value the rule wants, and the Excel round trip (a
masked cell means "keep the stored one") compares with it. Audit entries and filing
revisions written before kept the birth date and gender read from the ID number: they
are hidden as new entries hide them (app.core.audit.shown).
"""
import json

from sqlalchemy import and_, bindparam, func, or_, select, update

from app.core import audit
from app.core.identity import ID_DERIVED_FIELDS, mask_id_number
from models import AuditLog, Filing
from models.filing import FilingRevision
from models.ledger import Resident

BATCH = 1000
RESIDENT_ID_LENGTH = 18
MASKED_ID_COLUMNS = (Filing.__table__.c.id_number_masked, Resident.__table__.c.id_number_masked)
CHANGE_LOGS = (AuditLog.__table__, FilingRevision.__table__)
# Fields of a change log whose stored values the rule rewrites.
REMASKED_CHANGES = {"id_number_masked": mask_id_number}


def remask_stored(conn) -> dict:
    """``{"masked ids": n, "change entries": n}``: how many rows were rewritten."""
    return {"masked ids": sum(_remask_column(conn, column) for column in MASKED_ID_COLUMNS),
            "change entries": sum(_scrub_changes(conn, table) for table in CHANGE_LOGS)}


def _remask_column(conn, column) -> int:
    table = column.table
    # Only a resident ID's mask ever kept more than the rule allows (its region digits).
    stale = and_(func.length(column) == RESIDENT_ID_LENGTH, func.substr(column, 4, 3) != "***")
    rewrite = update(table).where(table.c.id == bindparam("row_id")).values({column.name: bindparam("masked")})
    done = 0
    for rows in _batches(conn, table, column, stale):
        conn.execute(rewrite, [{"row_id": row_id, "masked": mask_id_number(masked)} for row_id, masked in rows])
        done += len(rows)
    return done


def _batches(conn, table, column, condition):
    """``[(id, value)]`` of the rows matching ``condition``, BATCH at a time, in id order
    (each batch starts after the last: no batch reads the rows before it again)."""
    after = None
    while True:
        query = select(table.c.id, column).where(condition).order_by(table.c.id).limit(BATCH)
        rows = conn.execute(query if after is None else query.where(table.c.id > after)).all()
        if not rows:
            return
        after = rows[-1][0]
        yield rows


def _scrub_changes(conn, table) -> int:
    """Change entries that still hold what the rule now hides or masks differently."""
    mentions = or_(*(table.c.changes.contains(f'"{key}"') for key in (*ID_DERIVED_FIELDS, *REMASKED_CHANGES)))
    rewrite = update(table).where(table.c.id == bindparam("row_id")).values(changes=bindparam("scrubbed"))
    done = 0
    for rows in _batches(conn, table, table.c.changes, mentions):
        scrubbed = [{"row_id": row_id, "scrubbed": new} for row_id, old in rows
                    for new in [_scrubbed(old)] if new != old]
        if scrubbed:
            conn.execute(rewrite, scrubbed)
        done += len(scrubbed)
    return done


def _scrubbed(changes: str) -> str:
    try:
        entry = json.loads(changes or "{}")
    except ValueError:
        return changes
    if not isinstance(entry, dict):
        return changes
    fixed = {}
    for key, values in entry.items():
        if isinstance(values, list) and key in REMASKED_CHANGES:
            values = [REMASKED_CHANGES[key](v) if isinstance(v, str) else v for v in values]
        elif isinstance(values, list) and audit.is_hidden(key):
            values = [None if v is None else audit.shown(key, v) for v in values]
        fixed[key] = values
    return changes if fixed == entry else json.dumps(fixed, ensure_ascii=False, default=str)
