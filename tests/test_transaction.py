"""The unit of work (app.core.transaction): the outermost decorated function commits,
a failure anywhere inside rolls everything back."""
import pytest

from app.core.extensions import db
from app.core.transaction import in_unit_of_work, transaction
from models import Region


def _add_region(code):
    db.session.add(Region(code=code, name=f"区{code}", level=1))


@transaction
def _inner(code):
    assert in_unit_of_work()
    _add_region(code)


@transaction
def _outer_then_fail(code):
    _inner(code)
    raise RuntimeError("after the inner unit")


@transaction
def _outer(code):
    _inner(code)


def _exists(code):
    db.session.expire_all()
    return db.session.get(Region, code) is not None


@pytest.fixture
def app_ctx(ctx):
    """Regions are seed rows, left alone by the clean slate: remove the test's own."""
    yield
    db.session.rollback()
    db.session.query(Region).filter(Region.code.in_(["97", "98"])).delete()
    db.session.commit()


def test_the_outermost_unit_commits(app_ctx):
    _outer("98")
    db.session.rollback()  # nothing pending is left to undo: it was committed
    assert _exists("98")
    assert not in_unit_of_work()


def test_an_inner_unit_does_not_commit_a_failing_outer_one(app_ctx):
    with pytest.raises(RuntimeError):
        _outer_then_fail("97")
    assert not _exists("97")
    assert not in_unit_of_work()
