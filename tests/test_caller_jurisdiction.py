"""One home for the caller's jurisdiction: the security manager resolves it once per
request (app.core.security), ``current_jurisdiction()`` reads that resolution in views,
APIs and FAB's base filter, and services take the jurisdiction as a required argument."""
import inspect
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from app.core import recipients, scoped_rows
from app.core.extensions import db
from app.core.jurisdiction import current_jurisdiction, ensure_within, row_within, scope_query
from app.core.security import ConsoleSecurityManager
from app.filings import service as filings
from app.ledgers import engine as ledger_io
from app.ledgers import rewards, roster
from app.ledgers import units as ledgers
from app.regions import service as regions
from models import Filing
from tests.ledger_data import make_filing, make_world, resident_id

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def counted(monkeypatch):
    """How often, per request, the jurisdiction was asked for and was resolved."""
    calls = {"asked": 0, "resolved": 0}
    ask, resolve = ConsoleSecurityManager.caller_jurisdiction, ConsoleSecurityManager.resolve_jurisdiction

    def asking(self):
        calls["asked"] += 1
        return ask(self)

    def resolving(user):
        calls["resolved"] += 1
        return resolve(user)

    monkeypatch.setattr(ConsoleSecurityManager, "caller_jurisdiction", asking)
    monkeypatch.setattr(ConsoleSecurityManager, "resolve_jurisdiction", staticmethod(resolving))
    return calls


@pytest.mark.parametrize("kind", ["screen", "api"])
def test_the_callers_jurisdiction_is_resolved_once_per_request(app, web, api, counted, kind):
    world = make_world(app)
    with app.app_context():
        make_filing(resident_id(1), "410105001003")  # resident A1 is returning
    client = web("township") if kind == "screen" else api("township")
    counted.update(asked=0, resolved=0)
    if kind == "screen":  # a list and its count, the relation filters, the computed column
        page = client.get("/returningresidentview/list/").get_data(as_text=True)
        assert "居民A1" in page and "居民C1" not in page
    else:
        listing = client.get("/api/v1/resident/").json
        assert listing["count"] == 3 and world["C1"]["resident"] not in listing["ids"]
    assert counted["asked"] > 1
    assert counted["resolved"] == 1


def test_a_resolution_lasts_as_long_as_its_request_and_its_user(app, monkeypatch):
    township = SimpleNamespace(is_authenticated=True, region_code="410105001")
    city2 = SimpleNamespace(is_authenticated=True, region_code="4102")
    caller = [township]
    monkeypatch.setattr(ConsoleSecurityManager, "_request_user", lambda self: caller[0])
    with app.app_context():  # one application context (one flask.g) for both requests
        with app.test_request_context():
            assert current_jurisdiction() == "410105001"
            township.region_code = "4101"
            assert current_jurisdiction() == "410105001"  # resolved once in this request
            caller[0] = city2  # someone else signs in during the request
            assert current_jurisdiction() == "4102"
            caller[0] = None
            assert current_jurisdiction() == "-"  # nobody: no code starts with "-"
        with app.test_request_context():
            caller[0] = township
            assert current_jurisdiction() == "4101"  # a new request resolves again
    assert current_jurisdiction() is None  # no request: no caller (jobs, CLI)


def test_a_service_counts_for_the_jurisdiction_it_is_given_not_for_the_caller(app):
    """The filing marking a resident as returning counts only within the jurisdiction
    passed, even where the column property would read the caller's (here: none)."""
    world = make_world(app)
    with app.app_context():
        make_filing(resident_id(4), "410105001003")  # C1's resident (township2) filed elsewhere
        assert ledgers.count_residents_by_category(None)["returning"] == 1
        assert ledgers.count_residents_by_category("410105002")["returning"] == 0
        filing = db.session.scalar(select(Filing))
    with app.app_context():
        [resident] = ledgers.residents_of_filing(filing, "410105002")
        assert resident.id == world["C1"]["resident"] and not resident.has_open_filing
    with app.app_context():
        [resident] = ledgers.residents_of_filing(filing, None)
        assert resident.has_open_filing


# Every service of the jurisdiction rule, the regions and the ledgers that scopes or
# checks by a jurisdiction, and the filing services staff call.
SERVICES = [
    scope_query, ensure_within, row_within, scoped_rows.scoped_row_for_update,
    regions.check_assignable_region, regions.search_regions, regions.search_jurisdictions,
    ledgers.prepare, ledgers.search_ledger_units, ledgers.filings_of_resident,
    ledgers.residents_of_filing, ledgers.count_residents_by_category,
    roster.prepare, roster.search_accounts, rewards.prepare_record, rewards.totals,
    ledger_io.import_file, ledger_io.export_all, recipients.inbox,
    filings.create_filings, filings.prepare_filings, filings.scoped_row, filings.find_filings,
]


@pytest.mark.parametrize("service", SERVICES, ids=lambda f: f"{f.__module__}.{f.__name__}")
def test_services_take_the_jurisdiction_as_a_required_argument(service):
    parameter = inspect.signature(service).parameters.get("jurisdiction")
    assert parameter is not None, "the parameter is named jurisdiction"
    assert parameter.default is inspect.Parameter.empty, "no default: the caller says whose"


def test_a_service_called_without_a_jurisdiction_refuses_to_run(app):
    from models import Region

    with app.app_context():
        with pytest.raises(TypeError):
            scope_query(select(Region), Region)
        with pytest.raises(TypeError):
            ensure_within("410105")
        with pytest.raises(TypeError):
            ledgers.count_residents_by_category()
        with pytest.raises(TypeError):
            rewards.totals("4101")


# The packages converted here; app/reporting and app/stats are converted on their own
# branch (add them when it lands, then the whole of app/).
SERVICE_PACKAGES = ["app"]  # every service package, and the factory and CLI wiring
ACCESSOR_HOMES = {"app/core/jurisdiction.py", "app/core/security.py"}


def _sources(*folders):
    for folder in folders:
        for path in sorted((ROOT / folder).rglob("*.py")):
            yield path.relative_to(ROOT).as_posix(), path.read_text(encoding="utf-8")


def test_no_sentinel_stands_for_the_current_user():
    found = [name for name, text in _sources(*SERVICE_PACKAGES, "views") if "__current__" in text]
    assert found == []


def test_services_never_read_the_request_s_user_for_its_jurisdiction():
    found = [name for name, text in _sources(*SERVICE_PACKAGES)
             if name not in ACCESSOR_HOMES and "current_jurisdiction" in text]
    assert found == []


def test_models_do_not_import_app():
    importing = re.compile(r"^\s*(from app[ .]|import app\b)", re.MULTILINE)
    found = [name for name, text in _sources("models") if importing.search(text)]
    assert found == []
