"""What the models need of the jurisdiction rule (app.core.jurisdiction holds the rule).

A jurisdiction code ``P`` covers the codes that start with it. All codes are digit
strings of at most MAX_CODE_LENGTH characters, so those codes are exactly the range from
``P`` to ``P`` padded with nines: an ordinary b-tree index serves the test.

A column property computed for its reader (models.ledger: ``Resident.has_open_filing``)
compares with the reader's range, bound when its statement runs: the reader's
jurisdiction comes from the source the application registers here
(``read_viewer_jurisdiction_from``; app.core.jurisdiction registers the request's one
resolution), so models never import app/. A service that runs such a statement for an
explicit jurisdiction binds it itself: ``session.execute(statement, viewer_params(j))``.
"""
from typing import Callable, Optional

from sqlalchemy import String, and_, bindparam

from models.base import MAX_CODE_LENGTH


def code_range(prefix: str) -> tuple[str, str]:
    """The inclusive range of codes that start with ``prefix``."""
    return prefix, prefix + "9" * (MAX_CODE_LENGTH - len(prefix))


# Until the application registers its source, no reader is known: the whole system.
_viewer_source: Callable[[], Optional[str]] = lambda: None


def read_viewer_jurisdiction_from(source: Callable[[], Optional[str]]) -> None:
    """``source()`` answers the jurisdiction of whoever runs a statement now."""
    global _viewer_source
    _viewer_source = source


def _viewer_range() -> tuple[str, str]:
    # None (no reader: a job, the CLI) and "" (the whole country) cover every code.
    return code_range(_viewer_source() or "")


VIEWER_LOW, VIEWER_HIGH = "viewer_jurisdiction_low", "viewer_jurisdiction_high"
# Evaluated when a statement runs, so an expression built once (a column property)
# answers for whoever reads it.
_LOW = bindparam(VIEWER_LOW, callable_=lambda: _viewer_range()[0], type_=String())
_HIGH = bindparam(VIEWER_HIGH, callable_=lambda: _viewer_range()[1], type_=String())


def code_within_viewer(column):
    """SQL condition: ``column`` lies in the jurisdiction of the statement's reader."""
    return and_(column >= _LOW, column <= _HIGH)


def viewer_params(jurisdiction: Optional[str]) -> dict:
    """The parameters that bind ``code_within_viewer`` to ``jurisdiction`` explicitly."""
    low, high = code_range(jurisdiction or "")
    return {VIEWER_LOW: low, VIEWER_HIGH: high}
