"""Text the database can store: no NUL character (PostgreSQL refuses it in text) and no
lone UTF-16 surrogate (no encoding can write one; a JSON ``"\\ud800"`` makes it). The
one rule every input path uses: the request guard (views.core.input_guard), the filing
schemas (app.filings.rules) and the spreadsheet cells (app.ledgers.cells)."""
import re

from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError

UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
UNSTORABLE_TEXT = _l("The text contains a character that cannot be stored (a NUL or a broken one).")


def is_storable(text: str) -> bool:
    return UNSTORABLE.search(text) is None


def check_storable(text) -> None:
    """A marshmallow validator."""
    if isinstance(text, str) and not is_storable(text):
        raise ValidationError(UNSTORABLE_TEXT)


def unstorable_paths(value, path: str = "") -> list[str]:
    """The dotted paths of the strings (keys included) in a JSON value that cannot be
    stored; walked without recursion, since a body may be nested deep."""
    found, pending = [], [(path, value)]
    while pending:
        where, item = pending.pop()
        if isinstance(item, str):
            if not is_storable(item):
                found.append(where or "_schema")
        elif isinstance(item, dict):
            for key, child in item.items():
                child_path = f"{where}.{key}" if where else str(key)
                if isinstance(key, str) and not is_storable(key):
                    found.append(where or "_schema")
                else:
                    pending.append((child_path, child))
        elif isinstance(item, list):
            pending.extend((f"{where}.{index}" if where else str(index), child)
                           for index, child in enumerate(item))
    return sorted(set(found))
