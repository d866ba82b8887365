"""A rule's refusal (app.core.errors.DomainError) as each kind of endpoint answers it.

- The console's own API endpoints answer it as JSON by ``views.core.api_input.safe``
  (its status, ``{"message", "errors"}``), so they catch nothing themselves.
- A screen showing its form again: ``with ShownRefusal() as refusal:`` around the write;
  a refusal is flashed in the user's language and kept (``refusal.error``,
  ``refusal.errors``) for the page to mark its fields.
- An action on several rows: ``apply_to_each`` does what it can and says what it could not.
Any other screen lets it reach the error handler (views.core.errors: flashed, back to
the page it came from). The write's own ``@transaction`` has rolled it back already.
"""
from flask import flash

from app.core.errors import DomainError
from app.core.extensions import db


class ShownRefusal:
    """Catches a refusal of ``kind`` (any DomainError by default) and flashes it."""

    def __init__(self, kind=DomainError):
        self.kind, self.error = kind, None

    def __enter__(self):
        return self

    def __exit__(self, exc_type, error, traceback):
        if not isinstance(error, self.kind):
            return False
        flash(str(error.message), "danger")
        self.error = error
        return True

    @property
    def errors(self) -> dict:
        return self.error.errors if self.error is not None else {}


def apply_to_each(items, work, name=str) -> tuple[int, list[str]]:
    """Run ``work(item)`` for each selected row; (done, ``"name: message"`` of each refusal)."""
    done, errors = 0, []
    for item in items if isinstance(items, list) else [items]:
        try:
            work(item)
            done += 1
        except DomainError as error:
            db.session.rollback()
            errors.append(f"{name(item)}: {error.message}")
    return done, errors
