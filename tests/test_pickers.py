"""Every picker's search endpoint answers through views.core.search.select2_search: the
same ``{"results": [{"id", "text", ...}]}`` shape, found within the scope the helper
resolves (the caller's jurisdiction; the province for a transfer's target)."""
import pytest
from sqlalchemy import select

from app.core.extensions import db
from models.user import ConsoleUser
from models.ledger import Grid
from tests.ledger_data import make_world
from views.core import search

ELSEWHERE = "410105002"  # township2's township: no caller's below


def _code(app, option):
    return option["id"]


def _grid_code(app, option):
    with app.app_context():
        return db.session.get(Grid, option["id"]).code


def _account_code(app, option):
    with app.app_context():
        return db.session.scalar(select(ConsoleUser.region_code).where(ConsoleUser.id == option["id"]))


PICKERS = [
    # (user, endpoint, code of an option, scoped to the caller's jurisdiction)
    ("township", "/api/v1/region/search", _code, True),
    ("township", "/api/v1/region/search?units=1", _code, True),
    ("officer", "/api/v1/filing/transfer_targets", _code, False),
    ("officer", "/api/v1/grid/lookup", _grid_code, True),
    ("township", "/api/v1/staff/accounts", _account_code, True),
]


@pytest.mark.parametrize("user,url,code_of,scoped", PICKERS, ids=[p[1] for p in PICKERS])
def test_every_picker_answers_through_the_shared_search(app, api, monkeypatch, user, url, code_of, scoped):
    make_world(app)
    shaped = []

    def shared_row(*args):
        option = real_row(*args)
        shaped.append(option)
        return option

    real_row = search.select2_row
    monkeypatch.setattr(search, "select2_row", shared_row)
    # The scope is the helper's: moved elsewhere, every scoped picker follows it.
    monkeypatch.setattr(search, "current_jurisdiction", lambda: ELSEWHERE)
    body = api(user).get(url).json
    assert set(body) == {"results"} and body["results"], body
    assert body["results"] == shaped
    assert all({"id", "text"} <= set(option) and isinstance(option["text"], str) for option in body["results"])
    codes = [code_of(app, option) for option in body["results"]]
    if scoped:
        assert all(code.startswith(ELSEWHERE) for code in codes), codes
    else:  # any community of the province may receive a transfer
        assert any(not code.startswith(ELSEWHERE) for code in codes), codes
