"""The ledgers' own rules: codes below the community (and accounts whose jurisdiction
is one), residents linked to their filings, the checks of each write, the demo."""
import datetime as dt

import pytest
from sqlalchemy import func, select

from app.ledgers import demo as ledger_demo
from app.ledgers import units as ledgers
from app.core.accounts import create_user
from app.core.errors import ValidationFailed
from app.core.extensions import db
from models import Filing
from models.ledger import Building, Grid, Household, Resident
from models.staff import Device, StaffMember
from tests.conftest import PASSWORD, user_id
from tests.ledger_data import GRID_MEMBER, make_filing, make_world, resident_id


@pytest.fixture
def world(app):
    return make_world(app)


# ---- the link with filings ---------------------------------------------------------

def test_a_resident_recorded_as_away_who_files_shows_up_as_returning(app, web, api, world):
    api_client = api("township")
    assert _filing_state(api_client, world["A1"]["resident"]) is None
    with app.app_context():
        filing_id = make_filing(resident_id(1), "410105001003")
    assert _filing_state(api_client, world["A1"]["resident"]) == "returning"
    assert _filing_state(api_client, world["A2"]["resident"]) is None
    page = web("township").get("/returningresidentview/list/").get_data(as_text=True)
    assert "居民A1" in page and "居民A2" not in page
    show = web("township").get(f"/residentview/show/{world['A1']['resident']}").get_data(as_text=True)
    assert "TESTRCPT01" in show and "来返（已报备）" in show
    with app.app_context():
        filing = db.session.get(Filing, filing_id)
        assert [r.name for r in ledgers.residents_of_filing(filing, jurisdiction="4101")] == ["居民A1"]
        assert ledgers.count_residents_by_category("410105001")["returning"] == 1
        # Marked arrived: filed, no longer returning. A cancelled filing links nothing.
        resident = db.session.get(Resident, world["A1"]["resident"])
        resident.category = "arrived"
        db.session.commit()
        assert resident.filing_state() == "filed"
        filing.status = "cancelled"
        db.session.commit()
        db.session.expire_all()
        assert db.session.get(Resident, world["A1"]["resident"]).filing_state() is None


def test_a_filing_outside_the_jurisdiction_is_not_shown_on_the_resident_page(app, web, world):
    with app.app_context():
        make_filing(resident_id(1), "410105002001")  # filed to another township
    show = web("township").get(f"/residentview/show/{world['A1']['resident']}").get_data(as_text=True)
    # Nor does it mark the resident: whether a filing exists elsewhere is not the township's to know.
    assert "TESTRCPT01" not in show and "您的管辖范围内没有报备" in show and "来返（已报备）" not in show


def _filing_state(client, pk):
    return client.get(f"/api/v1/resident/{pk}").json["result"]["filing_state"]


# ---- codes and accounts below the community --------------------------------------------

def test_grid_codes_extend_the_community_code(app, api, world):
    client = api("township")
    response = client.post("/api/v1/grid/", json={"community_code": "410105001003", "name": "第三网格"})
    assert response.status_code == 201
    with app.app_context():
        assert db.session.get(Grid, response.json["id"]).code == "41010500100303"  # the next number
    response = client.post("/api/v1/grid/", json={"community_code": "410105001003", "name": "第九网格", "number": 9})
    assert response.status_code == 201
    response = client.post("/api/v1/grid/", json={"community_code": "410105001003", "name": "又一个", "number": 9})
    assert response.status_code == 400 and response.json["errors"]["number"]
    response = client.post("/api/v1/grid/", json={"community_code": "410105001003", "name": "第三网格"})
    assert response.status_code == 400 and response.json["errors"]["name"]
    response = client.post("/api/v1/building/", json={"grid": world["A1"]["grid"], "name": "新楼", "number": 120})
    assert response.status_code == 201
    with app.app_context():
        assert db.session.get(Building, response.json["id"]).code == world["A1"]["grid_code"] + "120"
    assert client.put(f"/api/v1/grid/{world['A1']['grid']}", json={"number": 5}).status_code == 422  # not editable


def test_a_grid_member_account_has_a_grid_code_as_jurisdiction(app, web, api, world, monkeypatch):
    grid_code = world["A1"]["grid_code"]
    page = web(GRID_MEMBER).get("/").get_data(as_text=True)
    assert "网格A1" in page  # the jurisdiction by its names (views.core.places), not its code
    # Accounts at a ledger code: the CLI and the user API accept one, and check it.
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "create", "--username", "unit_head", "--password", PASSWORD,
                                 "--role", "GridMember", "--region", world["A2"]["unit_code"]])
    assert result.exit_code == 0, result.output
    with app.app_context():
        with pytest.raises(ValidationFailed):
            create_user("nobody", PASSWORD, "GridMember", grid_code[:12] + "77")
    target = user_id(app, "unit_head")
    client = api("township")
    assert client.put(f"/api/v1/user/{target}", json={"region_code": grid_code}).status_code == 403  # read only
    admin = api("admin")
    assert admin.put(f"/api/v1/user/{target}", json={"region_code": grid_code}).status_code == 200
    response = admin.put(f"/api/v1/user/{target}", json={"region_code": grid_code[:12] + "77"})
    assert response.status_code == 400 and response.json["errors"]["region_code"]
    # The jurisdiction picker finds grids, buildings and units within the caller's reach.
    found = api("township").get("/api/v1/region/search?units=1&q=网格A").json["results"]
    assert {r["id"] for r in found} == {grid_code, world["A2"]["grid_code"]}
    assert api("officer_b").get("/api/v1/region/search?units=1&q=网格A").json["results"] == []
    form = web("admin").get(f"/users/edit/{target}").get_data(as_text=True)
    assert f'value="{grid_code}" selected' in form and "units=1" in form


def test_a_grid_still_in_use_is_not_deleted(app, api, world):
    client = api("township")
    response = client.delete(f"/api/v1/grid/{world['A1']['grid']}")
    assert response.status_code == 409 and "网格A1" in response.json["message"]
    empty = client.post("/api/v1/grid/", json={"community_code": "410105001007", "name": "空网格"}).json["id"]
    assert client.delete(f"/api/v1/grid/{empty}").status_code == 200
    # A household goes with its residents.
    assert client.delete(f"/api/v1/household/{world['A2']['household']}").status_code == 200
    with app.app_context():
        assert db.session.get(Resident, world["A2"]["resident"]) is None


def test_a_refused_form_is_shown_again_with_the_problem_next_to_the_field(app, web, world):
    client = web("township")
    response = client.post("/gridview/add", data={"community_code": "410105001003", "name": "网格A1"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "此处已有同名记录" in page and 'value="网格A1"' in page
    response = client.post(f"/householdview/edit/{world['A1']['household']}",
                           data={"region_code": world["C1"]["unit_code"], "door_number": "101"})
    assert "不在您的管辖范围内" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Household, world["A1"]["household"]).region_code == world["A1"]["unit_code"]


def test_resident_and_roster_checks(app, api, world):
    client = api("township")
    body = {"household": world["A1"]["household"], "name": "新人", "category": "away"}
    response = client.post("/api/v1/resident/", json={**body, "id_number": "410105199005170011"})
    assert response.status_code == 400 and response.json["errors"]["id_number"]
    response = client.post("/api/v1/resident/", json={**body, "id_number": resident_id(1)})
    assert response.status_code == 400 and "已在本社区登记" in response.json["errors"]["id_number"][0]
    response = client.post("/api/v1/resident/", json={**body, "id_number": resident_id(77), "phone": "13900001111"})
    assert response.status_code == 201
    result = client.get(f"/api/v1/resident/{response.json['id']}").json["result"]
    assert result["phone_masked"] == "139****1111" and "phone" not in result and "id_number" not in result
    assert "gender" not in result and "birth_date" not in result  # no unmask right in the ledgers
    assert result["region_code"] == world["A1"]["unit_code"]
    with app.app_context():
        assert db.session.get(Resident, response.json["id"]).gender == "male"  # kept, from the ID number
    response = client.post("/api/v1/staff/", json={"region_code": world["A1"]["grid_code"], "name": "某", "role": "officer"})
    assert response.status_code == 400 and "社区" in response.json["errors"]["region_code"][0]
    response = client.post("/api/v1/device/", json={"community_code": "410105001003", "imei": "123456789012345"})
    assert response.status_code == 400 and response.json["errors"]["imei"]
    response = client.post("/api/v1/device/", json={"community_code": "410105001003", "imei": "490154203237518",
                                                    "holder": world["B1"]["staff"]})
    assert response.status_code == 400 and response.json["errors"]["holder"]


def test_the_demo_ledgers(app):
    with app.app_context():
        ledger_demo.create_demo_ledgers()
        ledger_demo.create_demo_ledgers()  # again: nothing changes
        assert db.session.scalar(select(Grid.code).where(Grid.code == "41010500100301"))
        assert db.session.scalar(select(func.count()).select_from(Grid)) == 6
        residents = db.session.scalar(select(func.count()).select_from(Resident))
        assert residents == 6 * 2 * 2 * 3 * 3
        ledger_demo.create_demo_roster()
        ledger_demo.create_demo_roster()
        officer = db.session.scalar(select(StaffMember).where(StaffMember.role == "officer",
                                                              StaffMember.region_code == "410105001003"))
        assert officer.user is not None and officer.user.username == "officer"
        assert db.session.scalar(select(func.count()).select_from(Device)) == 3
        assert dt.date(2022, 2, 10) == db.session.scalars(select(Device.issued_on)).first()
