"""A grid member sees the filings of the people of their grid (the one jurisdiction rule,
app.core.jurisdiction.within): a person of the community whose ID-number hash a ledger
resident of the grid has. On every filing screen and API: listed, counted, shown, looked
up, exported; a filing of another grid of the same community, or of nobody's ledger,
answers 404 and is neither listed nor counted."""
import datetime as dt
import io
import re

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


# ---- findings known only by phone ------------------------------------------------------------
# A feed row with a phone and no ID number makes a finding whose person is known by the
# phone's keyed hash only: it reaches the grid member of the grid where a ledger resident
# has that phone, and nobody else below the community.

IN_GRID_PHONE, OTHER_GRID_PHONE, FILED_PHONE = "13611110001", "13611110002", "13611110003"
SEEN = dt.datetime(2026, 3, 8, 2, 0)
AFTER = dt.datetime(2026, 3, 10, 2, 0)


def resident_with_phone(household_id, sequence, phone):
    from models.ledger import Household, Resident
    from tests.ledger_data import save

    household = db.session.get(Household, household_id)
    save(Resident(household=household, name="居民", id_type="resident_id", id_number=ledger_resident_id(sequence),
                  relation_to_head="other", category="resident", phone=phone))


def setup_phone_findings(app):
    """Contacts known by phone only: one living in grid A1, one in grid A2, and one
    matched to a filing of community A by its phone (a resident of grid A1 has that
    phone); an arrival seen by phone of the resident of grid A1. Their finding ids."""
    from app.crossmatch.feeds import import_feed
    from models.crossmatch import Finding

    world = make_world(app)
    with app.app_context():
        resident_with_phone(world["A1"]["household"], 51, IN_GRID_PHONE)
        resident_with_phone(world["A2"]["household"], 52, OTHER_GRID_PHONE)
        resident_with_phone(world["A1"]["household"], 53, FILED_PHONE)
        person = identity.protect(resident_id(sequence=18), identity.mask_id_number)
        add_filing(A, SEEN - dt.timedelta(days=3), id_number_enc=person["enc"], id_number_hash=person["hash"],
                   id_number_masked=person["masked"], phone_hash=identity.lookup_hash(FILED_PHONE),
                   expected_arrival_at=SEEN)
        db.session.commit()
        contact = {"kind": "close", "exposed_on": "2026-03-07", "region_code": "4101"}
        import_feed("contact", jurisdiction=None, now=AFTER, rows=[
            {"phone": phone, **contact} for phone in (IN_GRID_PHONE, OTHER_GRID_PHONE, FILED_PHONE)])
        import_feed("arrival_push", jurisdiction=None, now=AFTER, rows=[
            {"phone": IN_GRID_PHONE, "seen_at": SEEN.isoformat() + "+00:00", "region_code": "4101"}])
        found = db.session.execute(select(Finding.kind, Finding.person_hash, Finding.id, Finding.region_code,
                                          Finding.person_known_by)).all()
        assert {(r.region_code, r.person_known_by) for r in found} == {(A, "phone")} and len(found) == 4
        by = {(r.kind, r.person_hash): r.id for r in found}
        ids = {"in_grid": [by["contact_arrived", identity.lookup_hash(IN_GRID_PHONE)],
                           by["arrived_without_filing", identity.lookup_hash(IN_GRID_PHONE)],
                           by["contact_arrived", identity.lookup_hash(FILED_PHONE)]],
               "other_grid": by["contact_arrived", identity.lookup_hash(OTHER_GRID_PHONE)]}
    return world, ids


def test_a_finding_known_by_phone_lies_within_the_grid_where_that_phone_lives(app):
    from app.crossmatch.findings import open_counts
    from models.crossmatch import Finding

    world, ids = setup_phone_findings(app)
    grid, other = world["A1"]["grid_code"], world["A2"]["grid_code"]
    with app.app_context():
        assert sorted(db.session.scalars(select(Finding.id).where(within(Finding, grid)))) == sorted(ids["in_grid"])
        assert db.session.scalars(select(Finding.id).where(within(Finding, other))).all() == [ids["other_grid"]]
        assert sum(open_counts(grid).values()) == 3 and sum(open_counts(A).values()) == 4
        # A finding known by an ID number is never matched by a resident's phone, even one
        # whose hash were the same: the rule reads what the person is known by.
        db.session.add(Finding(kind="positive", priority=1, person_hash=identity.lookup_hash(IN_GRID_PHONE),
                               person_known_by="id_number", episode="2026-03-09", region_code=A,
                               raised_at=AFTER, status="open"))
        db.session.commit()
        assert sum(open_counts(grid).values()) == 3 and sum(open_counts(A).values()) == 5


def test_a_grid_member_sees_the_findings_known_by_phone_of_their_grid(app, api, web):
    world, ids = setup_phone_findings(app)
    client = api(GRID_MEMBER)
    listed = client.get("/api/v1/finding/")
    assert listed.status_code == 200
    assert sorted(listed.json["ids"]) == sorted(ids["in_grid"]) and listed.json["count"] == 3
    for pk in ids["in_grid"]:
        shown = client.get(f"/api/v1/finding/{pk}")
        assert shown.status_code == 200 and shown.json["result"]["id_masked"].startswith("136****")
    assert client.get(f"/api/v1/finding/{ids['other_grid']}").status_code == 404
    # Reading is all: the community's officer resolves them.
    assert client.post(f"/api/v1/finding/{ids['in_grid'][0]}/resolve",
                       json={"outcome": "checked"}).status_code in (401, 403)
    screens = web(GRID_MEMBER)
    page = screens.get("/findingview/list/").get_data(as_text=True)
    for pk in ids["in_grid"]:
        assert f"/findingview/show/{pk}" in page
    assert f"/findingview/show/{ids['other_grid']}" not in page
    assert screens.get(f"/findingview/show/{ids['in_grid'][0]}").status_code == 200
    assert screens.get(f"/findingview/show/{ids['other_grid']}").status_code == 404
    home = screens.get("/").get_data(as_text=True)
    assert re.search(r'id="todo-findings".*?<span class="home-todo-count">(\d+)</span>', home, re.S).group(1) == "3"
    overview = screens.get("/crossmatch/").get_data(as_text=True)
    per_kind = dict(re.findall(r'_flt_0_kind=(\w+)&(?:amp;)?_flt_0_status=open">[^<]+</a></td><td>(\d+)</td>', overview))
    assert (per_kind["contact_arrived"], per_kind["arrived_without_filing"]) == ("2", "1")
    # The officer of the community sees all four, a grid member of grid A2 would see its one.
    assert api("officer").get("/api/v1/finding/").json["count"] == 4
