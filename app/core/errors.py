"""Domain errors. Services raise them; views turn them into the user's language."""
from typing import NamedTuple

from flask_babel import lazy_gettext as _l


class DomainError(Exception):
    """A rule refused the request. ``message`` is a lazy, translated string; ``errors``
    maps field names to lists of messages."""

    status = 400

    def __init__(self, message=None, errors=None):
        self.message = message or _l("The request is not valid.")
        self.errors = errors or {}
        super().__init__(str(self.message))


class ValidationFailed(DomainError):
    status = 400


class NotFound(DomainError):
    status = 404

    def __init__(self, message=None, errors=None):
        super().__init__(message or _l("Not found."), errors)


class Conflict(DomainError):
    status = 409


class OutsideJurisdiction(DomainError):
    """Raised by the write check. For a row that exists it is reported as 404 (as if it
    did not exist); for a code given in a write it is a 400 on that field."""

    status = 400

    def __init__(self, code=None, field=None):
        message = _l("This region is outside your jurisdiction.")
        errors = {field: [message]} if field else {}
        super().__init__(message, errors)
        self.code = code


class FieldErrors:
    """Collects every problem of a form, an API body or an import row, so the person
    sees them all at once: ``errors.add(field, message)``, then ``raise_if_any()``.
    ``prefix`` names the input in each key (``filings.1.``, ``3|`` for a file's row 3)."""

    def __init__(self, prefix: str = ""):
        self.prefix = prefix
        self.errors: dict[str, list] = {}

    def add(self, field: str, message) -> None:
        self.errors.setdefault(self.prefix + field, []).append(message)

    def __bool__(self) -> bool:
        return bool(self.errors)

    def raise_if_any(self, message=None) -> None:
        if self.errors:
            raise ValidationFailed(message or _l("Please correct the marked fields."), self.errors)


class Problem(NamedTuple):
    """One reason a file was refused: its row (the header is row 1), the column's label
    ("" or "-" for the whole row) and the message."""

    row: int
    column: str
    message: str


class ImportRejected(ValidationFailed):
    """A file (filings, ledgers, regions) with bad rows: nothing was imported.

    ``problems`` lists every one, so the person fixes them all at once: Problem tuples
    ``(row, column, message)``, or ``(line, message)`` for a file that names no columns
    (the regions file). ``errors`` holds them per row: ``{"3": ["column: message"]}``."""

    def __init__(self, problems, message=None):
        self.problems = list(problems)
        errors = {}
        for row, *details in self.problems:
            errors.setdefault(str(row), []).append(": ".join(str(part) for part in details if part))
        super().__init__(message or _l("The file has %(n)s problems; nothing was imported.",
                                       n=len(self.problems)), errors)
