"""The jurisdiction rule on every ledger, for a township, an officer and a grid member
(whose jurisdiction is a grid code): a row outside answers 404 and never shows up in
a list; writes pointing at a foreign row or place are refused and change nothing."""
import pytest
from sqlalchemy import select

from app.core import roles

from app.core.extensions import db
from models.ledger import Building, Grid, Household, Resident, Unit
from models.rewards import RewardPenalty
from models.staff import Device, DeviceService, StaffMember
from tests.ledger_data import GRID_MEMBER, make_world, resident_id
from tests.scoping import ScopedResource, assert_scoped

# viewer -> (own tree, foreign tree)
VIEWERS = {"township": ("A1", "C1"), "officer": ("A1", "B1"), GRID_MEMBER: ("A1", "A2")}
ROLE = {"township": "Township", "officer": "Officer", GRID_MEMBER: "GridMember"}

LEDGER_RESOURCES = {
    # tree field: (model, view, api, harmless PUT body)
    "grid": (Grid, "/gridview", "/api/v1/grid", {"name": "改名"}),
    "building": (Building, "/buildingview", "/api/v1/building", {"name": "改名"}),
    "unit": (Unit, "/unitview", "/api/v1/unit", {"name": "改名"}),
    "household": (Household, "/householdview", "/api/v1/household", {"door_number": "999"}),
    "resident": (Resident, "/residentview", "/api/v1/resident", {"name": "改名"}),
}


@pytest.fixture
def world(app):
    return make_world(app)


def _unchanged(app, model, attr, value):
    def check(pk):
        with app.app_context():
            row = db.session.get(model, pk)
            return row is not None and getattr(row, attr) == value
    return check


def _snapshot(app, model, pk, attr):
    with app.app_context():
        return getattr(db.session.get(model, pk), attr)


def _foreign_writes(world, own, foreign):
    """Writes from inside the jurisdiction that point at a foreign row or place."""
    return [
        ("post", "/api/v1/grid/", {"community_code": world[foreign]["grid_code"][:12], "name": "新网格"})
        if world[foreign]["grid_code"][:12] != world[own]["grid_code"][:12] else None,
        ("post", "/api/v1/building/", {"grid": world[foreign]["grid"], "name": "新楼"}),
        ("post", "/api/v1/unit/", {"building": world[foreign]["building"], "name": "新单元"}),
        ("post", "/api/v1/household/", {"region_code": world[foreign]["unit_code"], "door_number": "888"}),
        ("post", "/api/v1/resident/", {"household": world[foreign]["household"], "name": "新人",
                                       "id_number": resident_id(99), "category": "resident"}),
        ("put", f"/api/v1/household/{world[own]['household']}", {"region_code": world[foreign]["unit_code"]}),
        ("put", f"/api/v1/resident/{world[own]['resident']}", {"household": world[foreign]["household"]}),
    ]


@pytest.mark.parametrize("viewer", sorted(VIEWERS))
def test_every_ledger_is_scoped(app, web, api, world, viewer):
    own, foreign = VIEWERS[viewer]
    writes = [w for w in _foreign_writes(world, own, foreign) if w]
    for field, (model, view, api_url, put_body) in LEDGER_RESOURCES.items():
        attr = next(iter(put_body))
        before = _snapshot(app, model, world[foreign][field], attr)
        assert_scoped(web, api, ScopedResource(
            viewer=viewer, own_pk=world[own][field], foreign_pk=world[foreign][field],
            still_exists=_unchanged(app, model, attr, before), view=view, api=api_url,
            api_put_body=put_body, foreign_writes=writes if field == "resident" else [],
            can_delete=roles.can(ROLE[viewer], roles.DELETE, roles.LEDGER)))
    with app.app_context():  # the refused writes left nothing behind
        assert db.session.scalar(select(Grid).where(Grid.name == "新网格")) is None
        assert db.session.scalar(select(Household).where(Household.door_number == "888")) is None
        assert db.session.get(Household, world[own]["household"]).region_code == world[own]["unit_code"]


ROSTER_RESOURCES = {
    "staff": (StaffMember, "/staffview", "/api/v1/staff", {"title": "改"}, "title"),
    "device": (Device, "/deviceview", "/api/v1/device", {"model": "改"}, "model"),
    "service": (DeviceService, "/deviceserviceview", "/api/v1/device_service", {"provider": "改"}, "provider"),
    "penalty": (RewardPenalty, "/rewardview", "/api/v1/reward", {"reason": "改"}, "reason"),
}


@pytest.mark.parametrize("viewer,writes", [("township", True), ("officer", False)])
def test_roster_devices_and_rewards_are_scoped(app, web, api, world, viewer, writes):
    own, foreign = VIEWERS[viewer]
    for field, (model, view, api_url, put_body, attr) in ROSTER_RESOURCES.items():
        before = _snapshot(app, model, world[foreign][field], attr)
        deletes = writes and field != "penalty"  # rewards are decided, never deleted
        assert_scoped(web, api, ScopedResource(
            viewer=viewer, own_pk=world[own][field], foreign_pk=world[foreign][field],
            still_exists=_unchanged(app, model, attr, before), view=view, api=api_url,
            api_put_body=put_body, can_write=writes, can_delete=deletes))


def test_township_cannot_point_roster_rows_at_another_township(app, api, world):
    client = api("township")
    foreign_grid, foreign_staff = world["C1"]["grid_code"], world["C1"]["staff"]
    response = client.post("/api/v1/staff/", json={"region_code": foreign_grid, "name": "某", "role": "grid_member"})
    assert response.status_code == 400 and response.json["errors"]["region_code"]
    response = client.post("/api/v1/device/", json={"community_code": "410105001003", "imei": "356938035643809",
                                                    "holder": foreign_staff, "status": "in_use"})
    assert response.status_code == 400 and response.json["errors"]
    response = client.post("/api/v1/device_service/", json={"device": world["C1"]["device"],
                                                            "serviced_on": "2022-03-01", "kind": "repair"})
    assert response.status_code == 400 and response.json["errors"]
    with app.app_context():
        assert db.session.scalar(select(Device).where(Device.imei == "356938035643809")) is None


def test_grid_member_has_no_roster_device_or_reward_screens(web, api, world):
    client = api(GRID_MEMBER)
    for url in ("/api/v1/staff/", "/api/v1/device/", "/api/v1/reward/"):
        assert client.get(url).status_code in (401, 403), url
    assert client.get("/api/v1/grid/").status_code == 200


def test_related_pickers_only_offer_rows_within_the_jurisdiction(api, world):
    """The relation values FAB offers (``_info``) and the lookups of the select2 fields."""
    client = api("officer")
    info = client.get("/api/v1/building/_info").json["add_columns"]
    ids = {row["id"] for column in info if column["name"] == "grid" for row in column["values"]}
    assert ids == {world["A1"]["grid"], world["A2"]["grid"]}
    lookup = client.get("/api/v1/grid/lookup?q=网格").json["results"]
    assert {r["id"] for r in lookup} == {world["A1"]["grid"], world["A2"]["grid"]}
    households = api(GRID_MEMBER).get("/api/v1/household/lookup?q=101").json["results"]
    assert [r["id"] for r in households] == [world["A1"]["household"]]
    accounts = api("township").get("/api/v1/staff/accounts?q=officer").json["results"]
    assert {r["text"].split(" ")[0] for r in accounts} == {"officer", "officer_b"}


def test_the_search_index_serves_ledger_codes_on_postgres(app, world):
    from tests.conftest import IS_POSTGRES

    if not IS_POSTGRES:
        return
    with app.app_context():
        db.session.execute(db.text("SET enable_seqscan = off"))
        plan = "\n".join(r[0] for r in db.session.execute(db.text(
            "EXPLAIN SELECT * FROM ledger_resident WHERE region_code >= '41010500100301' "
            "AND region_code <= '4101050010030199999'")))
        db.session.rollback()
    assert "Index" in plan
