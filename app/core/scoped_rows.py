"""Fetching one row for a change made by a person, and the short note they may add."""
from typing import Optional

from flask_babel import lazy_gettext as _l

from app.core.errors import NotFound, ValidationFailed
from app.core.extensions import db
from app.core.jurisdiction import scope_query

NOTE_MAX = 500


def scoped_row_for_update(model, pk, jurisdiction: Optional[str]):
    """Row ``pk`` of ``model`` within ``jurisdiction`` (None: the whole system), locked
    until commit; NotFound when it is outside, exactly as when it does not exist."""
    row = (scope_query(db.session.query(model), model, jurisdiction).filter(model.id == pk)
           .with_for_update(of=model).one_or_none())
    if row is None:
        raise NotFound()
    return row


def clean_note(note: Optional[str]) -> Optional[str]:
    note = (note or "").strip() or None
    if note and len(note) > NOTE_MAX:
        raise ValidationFailed(errors={"note": [_l("At most %(n)s characters.", n=NOTE_MAX)]})
    return note
