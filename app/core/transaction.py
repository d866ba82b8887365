"""The unit of work: a domain function that changes data owns its transaction.

Decorate it with ``@transaction``: it commits when the function returns and rolls back
when it raises, so views, API handlers and jobs never commit (as Superset's commands
do). A decorated function called from another one joins the caller's transaction: only
the outermost commits, so a service built from smaller ones still writes all or nothing.
"""
import functools

from app.core.extensions import db

_DEPTH = "unit_of_work_depth"


def transaction(func):
    """Run ``func`` as one unit of work (see the module's docstring)."""

    @functools.wraps(func)
    def unit_of_work(*args, **kwargs):
        info = db.session.info
        depth = info.get(_DEPTH, 0)
        info[_DEPTH] = depth + 1
        try:
            result = func(*args, **kwargs)
            if depth == 0:
                db.session.commit()
            return result
        except BaseException:
            if depth == 0:
                db.session.rollback()
            raise
        finally:
            info[_DEPTH] = depth

    return unit_of_work


def in_unit_of_work() -> bool:
    """Whether a ``@transaction`` function is running (its caller owns the commit)."""
    return db.session.info.get(_DEPTH, 0) > 0


def outermost_unit_of_work() -> bool:
    """Whether the ``@transaction`` function running is the outermost one (it commits)."""
    return db.session.info.get(_DEPTH, 0) == 1
