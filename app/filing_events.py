"""Who must hear of a filing's change, in the same transaction.

Every write of a filing (create, edit, cancel, backfill, check, transfer, close) goes
through the filing service, which calls ``filing_changed(conn, before, after)`` with the
row's column values before and after the change (``before`` None for a new filing,
``after`` None for a delete). Listeners (the statistics' summary tables, for one) keep
their derived data exactly in step with the filings, inside the same transaction.
"""
from typing import Callable, Optional

Listener = Callable[[object, Optional[dict], Optional[dict]], None]
_listeners: list[Listener] = []


def on_filing_change(listener: Listener) -> Listener:
    """Register a listener (usable as a decorator). Registration is idempotent."""
    if listener not in _listeners:
        _listeners.append(listener)
    return listener


def filing_changed(conn, before: Optional[dict], after: Optional[dict]) -> None:
    for listener in _listeners:
        listener(conn, before, after)


def filings_changed(conn, changes: list[tuple[Optional[dict], Optional[dict]]]) -> None:
    """Many changes at once (a family's batch, an import): listeners may batch them."""
    for listener in _listeners:
        batch = getattr(listener, "batch", None)
        if batch:
            batch(conn, changes)
        else:
            for before, after in changes:
                listener(conn, before, after)
