"""Fetching one row for a change made by a person, and the short note they may add."""
from typing import Optional

from flask_babel import lazy_gettext as _l

from sqlalchemy import select

from app.core.errors import NotFound, ValidationFailed
from app.core.extensions import db
from app.core.jurisdiction import row_within

NOTE_MAX = 500
LARGEST_ID = 2 ** 63 - 1


def scoped_row_for_update(model, pk, jurisdiction: Optional[str]):
    """Row ``pk`` of ``model`` within ``jurisdiction``, locked until commit; NotFound
    when it is outside, exactly as when it does not exist."""
    row = row_within(model, pk, jurisdiction, for_update=True)
    if row is None:
        raise NotFound()
    return row


def row_where(model, pk, within, for_update: bool = False):
    """Row ``pk`` of ``model`` where the SQL condition ``within`` (the reader's scope)
    holds, optionally locked until commit; NotFound outside, as for an id no row has."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound()
    if not 0 < pk <= LARGEST_ID:
        raise NotFound()
    query = select(model).where(model.id == pk, within)
    row = db.session.scalar(query.with_for_update(of=model) if for_update else query)
    if row is None:
        raise NotFound()
    return row


def clean_note(note: Optional[str]) -> Optional[str]:
    note = (note or "").strip() or None
    if note and len(note) > NOTE_MAX:
        raise ValidationFailed(errors={"note": [_l("At most %(n)s characters.", n=NOTE_MAX)]})
    return note
