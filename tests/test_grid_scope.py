"""A grid member sees the filings of the people of their grid (the one jurisdiction rule,
app.core.jurisdiction.within): a person of the community whose ID-number hash a ledger
resident of the grid has. On every filing screen and API: listed, counted, shown, looked
up, exported; a filing of another grid of the same community, or of nobody's ledger,
answers 404 and is neither listed nor counted."""
import datetime as dt
import io

from openpyxl import load_workbook

from sqlalchemy import func, select

from app.core import identity
from app.core.extensions import db
from app.core.jurisdiction import within
from models import Filing
from tests.filing_data import resident_id
from tests.ledger_data import GRID_MEMBER, make_world
from tests.ledger_data import resident_id as ledger_resident_id
from tests.report_fixtures import add_filing

A = "410105001003"
FILED = dt.datetime(2026, 3, 1, 2, 0)


def filing_of(id_number, community=A) -> int:
    person = identity.protect(id_number, identity.mask_id_number)
    fid = add_filing(community, FILED, id_number_enc=person["enc"], id_number_hash=person["hash"],
                     id_number_masked=person["masked"])
    db.session.commit()
    return fid


def setup_filings(app):
    world = make_world(app)
    with app.app_context():
        ids = {"in_grid": filing_of(ledger_resident_id(1)),       # resident of grid A1
               "other_grid": filing_of(ledger_resident_id(2)),    # resident of grid A2, same community
               "no_ledger": filing_of(resident_id(sequence=17))}  # of no household
    return world, ids


def test_the_rule_below_a_community_goes_by_the_grids_residents(app):
    world, ids = setup_filings(app)
    grid = world["A1"]["grid_code"]
    with app.app_context():
        seen = db.session.scalars(select(Filing.id).where(within(Filing, grid))).all()
        assert seen == [ids["in_grid"]]
        assert db.session.scalar(select(func.count()).select_from(Filing).where(within(Filing, A))) == 3
        # A building or unit below the grid: still the residents of that part only.
        assert db.session.scalars(select(Filing.id).where(within(Filing, grid + "999"))).all() == []


def test_a_grid_member_sees_the_filings_of_their_grid_on_the_api(app, api):
    world, ids = setup_filings(app)
    client = api(GRID_MEMBER)
    listed = client.get("/api/v1/filing/")
    assert listed.status_code == 200
    assert listed.json["ids"] == [ids["in_grid"]] and listed.json["count"] == 1
    assert client.get(f"/api/v1/filing/{ids['in_grid']}").status_code == 200
    assert client.get(f"/api/v1/filing/{ids['in_grid']}/history").status_code == 200
    for outside in (ids["other_grid"], ids["no_ledger"]):
        assert client.get(f"/api/v1/filing/{outside}").status_code == 404
        assert client.get(f"/api/v1/filing/{outside}/history").status_code == 404
    assert client.post("/api/v1/filing/lookup", json={"q": ledger_resident_id(1)}).json["ids"] == [ids["in_grid"]]
    assert client.post("/api/v1/filing/lookup", json={"q": ledger_resident_id(2)}).json["ids"] == []


def test_a_grid_member_sees_the_filings_of_their_grid_on_the_screens(app, web):
    world, ids = setup_filings(app)
    client = web(GRID_MEMBER)
    with app.app_context():
        receipts = {name: db.session.get(Filing, pk).receipt for name, pk in ids.items()}
    page = client.get("/filingview/list/").get_data(as_text=True)
    assert receipts["in_grid"] in page
    assert receipts["other_grid"] not in page and receipts["no_ledger"] not in page
    assert client.get(f"/filingview/show/{ids['in_grid']}").status_code == 200
    for outside in (ids["other_grid"], ids["no_ledger"]):
        assert client.get(f"/filingview/show/{outside}").status_code == 404
    # The Excel export of the list takes only rows the list could show.
    exported = client.post("/filingview/action_post", data={"action": "export_xlsx",
                                                            "rowid": [str(ids["in_grid"])]})
    assert exported.status_code == 200 and receipts["in_grid"] in cells_of(exported.data)
    for outside in (ids["other_grid"], ids["no_ledger"]):
        assert client.post("/filingview/action_post", data={"action": "export_xlsx",
                                                            "rowid": [str(outside)]}).status_code == 404


def cells_of(xlsx: bytes) -> list:
    return [cell.value for row in load_workbook(io.BytesIO(xlsx)).active.iter_rows() for cell in row]
