"""Demo ledgers for the demo township 经八路街道 (410105001): three communities with
grids, buildings, units, households and residents (run before the demo accounts, since
the demo grid member's jurisdiction is a grid), then the staff roster, devices and a
few rewards and penalties (after them: staff are linked to the demo accounts).

Everything goes through the services (app.ledgers.units, app.ledgers.roster, app.ledgers.rewards), as an
import would; running it again changes nothing.
"""
import datetime as dt

import click
from sqlalchemy import select

from app.ledgers import units as ledgers
from app.ledgers import rewards
from app.ledgers import roster
from app.core.extensions import db
from app.core.identity import decrypt, resident_id_check_char
from app.core.transaction import transaction
from models import Region
from models.ledger import Building, Grid, Household, Resident, Unit
from models.rewards import RewardPenalty
from models.staff import Device, DeviceService, StaffMember
from models.user import ConsoleUser

COMMUNITIES = ("410105001003", "410105001006", "410105001007")
GRID_NAMES = ("第一网格", "第二网格")
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗"
GIVEN = ("建国", "秀英", "志强", "桂兰", "小明", "丽娜", "海涛", "欣怡", "浩然", "子涵", "雨桐", "俊杰")
AWAY_PLACES = ("广东省深圳市", "上海市浦东新区", "北京市朝阳区", "浙江省杭州市")


def resident_id(seq: int, birth: dt.date) -> str:
    first17 = f"410105{birth:%Y%m%d}{seq % 1000:03d}"
    return first17 + resident_id_check_char(first17)


def imei(seq: int) -> str:
    body = f"86{seq:012d}"
    total = sum(d if i % 2 == 0 else (2 * d - 9 if 2 * d > 9 else 2 * d)
                for i, d in enumerate(int(c) for c in body))
    return body + str((10 - total % 10) % 10)


@transaction
def create_demo_ledgers() -> None:
    """Grids, buildings, units, households and residents of three communities."""
    communities = [c for c in COMMUNITIES if db.session.get(Region, c) is not None]
    if not communities or db.session.scalar(select(Grid.id).where(Grid.community_code == communities[0])):
        click.echo("demo ledgers: already there")
        return
    seq = 0
    for community in communities:
        for grid_name in GRID_NAMES:
            grid = _saved(Grid(community_code=community, name=grid_name, area=f"{grid_name}范围"))
            for building_number in (1, 2):
                building = _saved(Building(grid=grid, name=f"{building_number}号楼", kind="building",
                                           address=f"{grid_name}{building_number}号楼"))
                for unit_number in (1, 2):
                    unit = _saved(Unit(building=building, name=f"{unit_number}单元"))
                    for floor in (1, 2, 3):
                        seq = _demo_household(unit, f"{floor}01", seq)
    counts = {m.__name__: db.session.query(m).count() for m in (Grid, Building, Unit, Household, Resident)}
    click.echo(f"demo ledgers: {counts}")
    away = db.session.scalar(select(Resident).where(Resident.category == "away").order_by(Resident.id))
    if away is not None:
        # Masked: a full ID number is never printed (output ends up in logs); an account
        # allowed to see it finds it on the resident's page.
        click.echo(f"  {away.name} (ID {away.id_number_masked}, menu 台账 > 人员) is recorded as "
                   f"away: a report filed with their ID number shows them as returning")


def _demo_household(unit: Unit, door: str, seq: int) -> int:
    surname = SURNAMES[seq % len(SURNAMES)]
    members = [("head", "resident", 1968), ("spouse", "resident", 1970), ("child", "away", 1996)]
    if seq % 3 == 2:
        members[2] = ("child", "floating", 1999)
    head_name = surname + GIVEN[seq % len(GIVEN)]
    household = _saved(Household(region_code=unit.code, door_number=door, head_name=head_name,
                                 phone=f"1380371{seq:04d}"))
    for index, (relation, category, year) in enumerate(members):
        seq += 1
        name = head_name if relation == "head" else surname + GIVEN[(seq + index) % len(GIVEN)]
        away = category == "away"
        _saved(Resident(
            household=household, name=name, id_type="resident_id",
            id_number=resident_id(seq, dt.date(year, 1 + seq % 12, 1 + seq % 28)),
            relation_to_head=relation, category=category,
            away_location=AWAY_PLACES[seq % len(AWAY_PLACES)] if away else None,
            expected_return=dt.date(2026, 12, 20) if away else None))
    return seq


def _saved(item):
    # The demo is set up from the CLI: no user acts, for the whole system.
    (roster.prepare if type(item) in roster.PREPARE else ledgers.prepare)(item, None)
    db.session.add(item)
    db.session.flush()
    return item


@transaction
def create_demo_roster() -> None:
    """Officers, a task force, grid members and heads; a device per community; a few
    rewards and penalties."""
    if db.session.scalar(select(StaffMember.id).limit(1)) is not None:
        click.echo("demo roster: already there")
        return
    accounts = {u.username: u for u in db.session.scalars(select(ConsoleUser))}
    grids = list(db.session.scalars(select(Grid).order_by(Grid.code)))
    for index, community in enumerate(c for c in COMMUNITIES if db.session.get(Region, c)):
        officer = _saved(StaffMember(region_code=community, name=f"{SURNAMES[index]}专管员", role="officer",
                                     title="两委干部", dedicated_phone=f"1883710{index:04d}",
                                     phone=f"1390371{index:04d}",
                                     user=accounts.get("officer") if community == "410105001003" else None))
        _saved(StaffMember(region_code=community, name=f"{SURNAMES[index + 5]}专班", role="task_force", title="党员"))
        device = _saved(Device(community_code=community, imei=imei(index + 1), model="专管员终端 A1",
                               sim_number=officer.dedicated_phone, holder=officer, status="in_use",
                               issued_on=dt.date(2022, 2, 10)))
        if index == 1:
            _saved(DeviceService(device=device, serviced_on=dt.date(2022, 3, 2), kind="repair",
                                 description="屏幕损坏，更换屏幕", provider="运营商售后网点", cost=180))
    for index, grid in enumerate(grids):
        _saved(StaffMember(region_code=grid.code, name=f"{SURNAMES[index % 20]}网格员", role="grid_member",
                           phone=f"1370371{index:04d}", user=accounts.get("grid") if index == 0 else None))
        for building in grid.buildings[:1]:
            _saved(StaffMember(region_code=building.code, name=f"{SURNAMES[(index + 3) % 20]}楼栋长",
                               role="building_head"))
    _demo_rewards(accounts)
    returning = _demo_returning()
    click.echo(f"demo returning residents: {returning} recorded as away have filed a report (来返人员)")
    click.echo(f"demo roster: {db.session.query(StaffMember).count()} staff, "
               f"{db.session.query(Device).count()} devices, {db.session.query(RewardPenalty).count()} "
               "rewards and penalties")


def _demo_returning(limit: int = 3) -> int:
    """Some people who filed a report to 体育社区 are in its ledger as away: the
    returning list has them (their ledger entry is made from the filing, for the demo)."""
    from models import Filing

    filings = db.session.scalars(select(Filing).where(
        Filing.destination_region_code == COMMUNITIES[0], Filing.id_type == "resident_id",
        Filing.status.in_(("submitted", "arrived"))).order_by(Filing.id).limit(limit))
    households = db.session.scalars(select(Household).where(Household.community_code == COMMUNITIES[0])
                                    .order_by(Household.id).limit(limit))
    added = 0
    for filing, household in zip(filings, households):
        if db.session.scalar(select(Resident.id).where(Resident.community_code == COMMUNITIES[0],
                                                       Resident.id_number_hash == filing.id_number_hash)):
            continue
        _saved(Resident(household=household, name=filing.name, id_type="resident_id",
                        id_number=decrypt(filing.id_number_enc), relation_to_head="child", category="away",
                        away_location="外省", expected_return=dt.date(2026, 12, 20)))
        added += 1
    return added


def _demo_rewards(accounts) -> None:
    rewards.propose_penalty(db.session, "410105001006", "late_report",
                            "连续两日未按时提交日报告", proposed_at=dt.datetime(2022, 3, 3, 3, 0))
    record = RewardPenalty(region_code="410105001003", target="unit", kind="reward",
                           reason_category="early_discovery", reason="及时发现并报告中风险地区来返人员",
                           amount=2000, proposed_at=dt.datetime(2022, 3, 5, 2, 0))
    rewards.prepare_record(record, accounts["township"].id if "township" in accounts else None,
                           jurisdiction=None)
    db.session.add(record)
    county = accounts.get("county")
    rewards.decide(record, True, county.id if county else None, "410105", note="同意")
