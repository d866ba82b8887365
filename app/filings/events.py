"""Who must hear of a filing's change, in the same transaction.

Every write of a filing (create, edit, cancel, backfill, check, transfer, close) goes
through the filing service, which calls ``filing_changed(conn, before, after)`` with the
row's column values before and after the change (``before`` None for a new filing,
``after`` None for a delete). Listeners (the statistics' summary tables, for one) keep
their derived data exactly in step with the filings, inside the same transaction.

On PostgreSQL new filings are inserted by one statement (app.filings.service), and a listener
may do its work for them inside that statement: its ``sql_for_inserted(source)`` gives
data-modifying CTEs reading the inserted rows from the CTE ``source``. When every
listener can, creating a filing is that one statement and nothing more.
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


def statement_parts_for_inserted(source: str) -> Optional[tuple[str, ...]]:
    """Every listener's CTEs for the filings inserted by the CTE ``source``, or None when
    a listener has none (it must then hear of new filings by ``filings_changed``)."""
    parts = []
    for listener in _listeners:
        sql = getattr(listener, "sql_for_inserted", None)
        if sql is None:
            return None
        parts += sql(source)
    return tuple(parts)


def filings_changed(conn, changes: list[tuple[Optional[dict], Optional[dict]]]) -> None:
    """Many changes at once (a family's batch, an import): listeners may batch them."""
    for listener in _listeners:
        batch = getattr(listener, "batch", None)
        if batch:
            batch(conn, changes)
        else:
            for before, after in changes:
                listener(conn, before, after)
