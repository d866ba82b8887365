"""Ledger rows for the tests, made through the services as the screens make them.

``make_world`` builds, under three communities, a grid with a building, a unit, a
household in the unit and a resident, plus a staff member, a device with a service
record and a penalty proposal per community:

    A1, A2: grids 01 and 02 of 410105001003 (the officer's community, township 410105001)
    B1:     grid 01 of 410105001006 (officer_b's community, same township)
    C1:     grid 01 of 410105002001 (township2)

and a GridMember account ``gridA1`` whose jurisdiction is grid A1's code.
"""
import datetime as dt
import io
from dataclasses import dataclass

from app.ledgers import units as ledgers
from app.ledgers import rewards
from app.ledgers import roster
from app.core.excel import read_table
from app.core.extensions import db
from app.core.identity import lookup_hash, mask_id_number, protect, resident_id_check_char
from models import Filing
from models.ledger import Building, Grid, Household, Resident, Unit
from models.rewards import RewardPenalty
from models.staff import Device, DeviceService, StaffMember
from tests.conftest import PASSWORD

GRIDS = {"A1": "410105001003", "A2": "410105001003", "B1": "410105001006", "C1": "410105002001"}
GRID_MEMBER = "gridA1"


def resident_id(seq: int, birth=dt.date(1990, 5, 17), county="410105") -> str:
    first17 = f"{county}{birth:%Y%m%d}{seq:03d}"
    return first17 + resident_id_check_char(first17)


def imei(seq: int) -> str:
    body = f"35{seq:012d}"
    total = sum(d if i % 2 == 0 else (2 * d - 9 if 2 * d > 9 else 2 * d) for i, d in enumerate(map(int, body)))
    return body + str((10 - total % 10) % 10)


def save(item):
    (roster.prepare if type(item) in roster.PREPARE else ledgers.prepare)(item, None)  # as the CLI
    db.session.add(item)
    db.session.flush()
    return item


@dataclass
class Tree:
    grid: Grid
    building: Building
    unit: Unit
    household: Household
    resident: Resident
    staff: StaffMember
    device: Device
    service: DeviceService
    penalty: RewardPenalty


def make_tree(name: str, community: str, seq: int) -> Tree:
    grid = save(Grid(community_code=community, name=f"网格{name}"))
    building = save(Building(grid=grid, name=f"{name}号楼", kind="building"))
    unit = save(Unit(building=building, name="1单元"))
    household = save(Household(region_code=unit.code, door_number="101", head_name=f"户主{name}",
                               phone="13800138000"))
    resident = save(Resident(household=household, name=f"居民{name}", id_type="resident_id",
                             id_number=resident_id(seq), relation_to_head="head", category="away",
                             away_location="广东省深圳市", phone="13912345678"))
    staff = save(StaffMember(region_code=grid.code, name=f"网格员{name}", role="grid_member", phone="13700000000"))
    device = save(Device(community_code=community, imei=imei(seq), model="A1", status="in_use"))
    service = save(DeviceService(device=device, serviced_on=dt.date(2022, 3, 1), kind="repair"))
    penalty = rewards.propose_penalty(db.session, grid.code, "late_report", f"迟报{name}",
                                      proposed_at=dt.datetime(2022, 3, 2))
    return Tree(grid, building, unit, household, resident, staff, device, service, penalty)


def make_world(app) -> dict:
    """The trees by name (their ids and codes, usable after the session closes)."""
    from app.core.accounts import create_user

    with app.app_context():
        trees = {name: make_tree(name, community, seq) for seq, (name, community) in enumerate(GRIDS.items(), 1)}
        db.session.commit()
        create_user(GRID_MEMBER, PASSWORD, "GridMember", trees["A1"].grid.code)
        return {name: _ids(tree) for name, tree in trees.items()}


def _ids(tree: Tree) -> dict:
    return {field: getattr(tree, field).id for field in Tree.__dataclass_fields__} | {
        "grid_code": tree.grid.code, "building_code": tree.building.code, "unit_code": tree.unit.code,
        "id_number_hash": tree.resident.id_number_hash}


def make_filing(id_number: str, community: str, status: str = "submitted", receipt: str = "TESTRCPT01") -> int:
    """A filing as the filing service would store it (only what the link needs)."""
    stored = protect(id_number, mask_id_number)
    filing = Filing(receipt=receipt, token_hash="x" * 64, status=status, name="来返人", id_type="resident_id",
                    id_number_enc=stored["enc"], id_number_hash=lookup_hash(id_number),
                    id_number_masked=stored["masked"], expected_arrival_at=dt.datetime(2022, 3, 10, 2),
                    transport_mode="train", destination_region_code=community, destination_address="体育路1号",
                    commitment=True)
    db.session.add(filing)
    db.session.commit()
    return filing.id


def xlsx_rows(data: bytes) -> tuple[list, list]:
    return read_table(data, "file.xlsx")


def upload(data: bytes, name: str = "ledger.xlsx") -> dict:
    return {"file": (io.BytesIO(data), name)}
