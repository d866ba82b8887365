"""Realistic filings for demos and benchmarks: ``generate_filings(n)`` (``flask demo
generate --filings N``).

- Destinations: every community of the province (PROVINCE_CODE), evenly.
- Origins: a province drawn by weight (Guangdong, Zhejiang, Jiangsu, Shanghai, Beijing
  first, where Henan's migrant workers are; 10 % from elsewhere in Henan, 1 % abroad),
  then a county of it; transport by distance (far: more flights and trains).
- Expected arrival days: the 60 days before and 14 after today, with peaks before and
  after public holidays and on weekends; local hours of the day weighted by timetables.
- Every status, consistent with the timeline: future arrivals are submitted (or
  cancelled); past ones mostly checked (arrived or not arrived, some with control
  measures, closed when the measure has ended), the rest pending, later overdue; filed
  late (less than 3 days ahead) flagged; some backfills. Checked filings get their
  FilingCheck rows; revisions are not generated.
- People: a pool of distinct people (at most ``PEOPLE_POOL``; encrypting and hashing ID
  numbers and phones once per person through app.core.identity keeps millions of filings
  fast), handed out so nobody files twice for the same day. Each person's ID number is
  derived from a sequence number (``identity_of``: one number, one ID number) that
  starts past the filings already stored, so topping a database up (``--add``, the
  benchmarks) never repeats a person of an earlier run. Receipts come from
  app.core.identity.new_receipt.
- Rows are written in batches (PostgreSQL COPY, executemany elsewhere), each batch
  committed; the summaries follow through the filing-change hook per batch, or for large
  runs by one rebuild at the end.
- Running it again adds nothing once demo filings exist (their generation is recorded in
  the audit log), unless ``add=True`` (``--add``).
"""
import bisect
import datetime as dt
import math
import queue
import random
import threading
from dataclasses import dataclass
from functools import cached_property
from typing import Callable, Optional

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.core import audit
from app.core import identity
from app.core.clock import local_date
from app.core.errors import ValidationFailed
from app.core.extensions import db
from app.filings.events import filings_changed
from app.core.jurisdiction import code_within
from app.core.clock import day_offset
from app.core import dialects
from app.core.sqltools import refresh_planner_statistics
from app.stats.summary import rebuild_summaries
from models import AuditLog, Region
from models.base import utcnow
from models.filing import Filing, FilingCheck
from models.region import LEVEL_COMMUNITY, LEVEL_COUNTY

DEFAULT_SEED = 2022
BATCH = 5000
PEOPLE_POOL = 400_000
REBUILD_ABOVE = 100_000  # larger runs recount the summaries once instead of per batch
DAYS_BACK, DAYS_AHEAD = 60, 14
AUDIT_ACTION = "generate"

PROVINCE_WEIGHTS = {"44": 20, "33": 14, "32": 10, "31": 9, "11": 9, "41": 10, "13": 4, "37": 4,
                    "42": 4, "12": 3, "61": 3, "34": 3, "35": 3, "14": 2, "51": 2, "50": 1.5, "43": 1.5}
OTHER_PROVINCE_WEIGHT = 0.5
ABROAD_SHARE = 0.01
COUNTRIES = ("US", "JP", "KR", "SG", "AE", "DE", "GB", "AU", "MY", "TH")
NEAR_PROVINCES = {"41", "42", "13", "37", "34", "14", "61", "12", "11", "32"}
TRANSPORT_NEAR = {"car": 40, "coach": 20, "train": 35, "flight": 5}
TRANSPORT_FAR = {"train": 50, "flight": 25, "car": 15, "coach": 10}
# Public holidays (first day) around which people travel home and back.
HOLIDAYS = [dt.date(*d) for d in (
    (2025, 1, 1), (2025, 1, 28), (2025, 4, 4), (2025, 5, 1), (2025, 5, 31), (2025, 10, 1),
    (2026, 1, 1), (2026, 2, 15), (2026, 4, 4), (2026, 5, 1), (2026, 6, 19), (2026, 9, 25),
    (2026, 10, 1), (2027, 1, 1), (2027, 2, 5), (2027, 4, 3), (2027, 5, 1), (2027, 6, 9),
    (2027, 9, 15), (2027, 10, 1), (2028, 1, 1), (2028, 1, 25), (2028, 10, 1))]
HOUR_WEIGHTS = [1, 0.5, 0.3, 0.3, 0.5, 1, 3, 6, 8, 9, 9, 8, 7, 7, 8, 9, 10, 11, 11, 10, 8, 6, 4, 2]
CHANNELS = {"web": 82, "paper": 7, "checkpoint": 4, "import": 4, "api": 3}
CONTROL_DAYS = {"health_monitoring": 7, "home_quarantine": 7, "central_quarantine": 14}
CONTROL = {"none": 86, "health_monitoring": 12, "home_quarantine": 2}
STRICT_CONTROL = {"home_quarantine": 6, "central_quarantine": 3, "health_monitoring": 1}  # risk, abroad, contact
LEAD_DAYS = {0.3: 5, 1: 8, 2: 10, 3.5: 20, 4: 15, 5: 15, 7: 12, 10: 8, 14: 7}  # days filed ahead
EDITS = {0: 87, 1: 10, 2: 3}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉梅建国志红海燕鹏辉"
STREETS = ("人民路", "建设路", "解放路", "中山路", "和平路", "新华路", "文化路", "黄河路", "长江路")
RELATIONS = ("父亲", "母亲", "配偶", "子女", "兄弟姐妹")

FILING_COLUMNS = [c.name for c in Filing.__table__.columns]
CHECK_COLUMNS = [c.name for c in FilingCheck.__table__.columns if c.name != "id"]
assert CHECK_COLUMNS[0] == "filing_id"


@dataclass
class Person:
    name: str
    gender: str
    birth_date: dt.date
    id_number: dict  # app.core.identity.protect forms: enc, hash, masked
    phone: dict


def demo_filings_exist() -> bool:
    return db.session.scalar(select(func.count()).select_from(AuditLog).where(
        AuditLog.action == AUDIT_ACTION, AuditLog.entity == "Filing")) > 0


def generate_filings(n: int, progress=None, seed: int = DEFAULT_SEED, now: Optional[dt.datetime] = None,
                     add: bool = False, defer_indexes: bool = False, within: Optional[str] = None) -> int:
    """Add ``n`` demo filings (see the module's docstring); returns how many were added:
    0 when demo filings exist already and ``add`` is false. ``within`` limits the
    destinations to the communities of one region.

    ``defer_indexes`` (PostgreSQL, for loading a benchmark database with millions): the
    filings' non-unique indexes are dropped during the load and built again after it,
    which is several times faster than keeping them up to date row by row. Searches of
    the filings are slow meanwhile: never on a database in use."""
    if n <= 0 or (not add and demo_filings_exist()):
        return 0
    world = _World.load(_Dice(seed), now or utcnow(), people=min(n, PEOPLE_POOL), within=within)
    deferred = _drop_secondary_indexes() if defer_indexes else []
    db.session.commit()  # the writer has its own session; SQLite must not see this one waiting
    through_hook = n <= REBUILD_ABOVE
    writer = _BatchWriter(current_app._get_current_object(), through_hook, n, progress,
                          first=lambda: audit.record(db.session, AUDIT_ACTION, "Filing",
                                                     changes={"demo": True, "count": n, "seed": seed}))
    writer.start()
    try:
        for start in range(0, n, BATCH):
            if writer.error:
                break
            writer.queue.put(world.batch(min(BATCH, n - start)))
    finally:
        writer.queue.put(None)
        writer.join()
        _create_indexes(deferred)
    if writer.error:
        raise writer.error
    if not through_hook:
        rebuild_summaries(db.session)
    refresh_planner_statistics(db.session)  # plans for the new volume
    db.session.commit()
    return n


DEMO_SPREAD = 2500        # across the province
DEMO_TOWNSHIP = "410105001"  # the demo accounts' township (app.setup_cli.DEMO_USERS)
DEMO_FOCUS = 600          # in it, so its officers' queues and charts have work


def load_demo_filings(progress=None, now: Optional[dt.datetime] = None) -> int:
    """The demo data of ``flask setup``: filings across the province and a concentration
    in the demo township. Does nothing when demo filings exist."""
    if demo_filings_exist():
        return 0
    added = generate_filings(DEMO_SPREAD, progress, now=now)
    return added + generate_filings(DEMO_FOCUS, progress, seed=DEFAULT_SEED + 1, now=now,
                                    add=True, within=DEMO_TOWNSHIP)


# ---- writing ----------------------------------------------------------------------

def _drop_secondary_indexes() -> list:
    """Those the database drops for a bulk load (PostgreSQL's; none of SQLite's)."""
    indexes = [index for table in (Filing.__table__, FilingCheck.__table__)
               for index in table.indexes if not index.unique]
    return dialects.of(db.session).drop_indexes_for_load(db.session, indexes)


def _create_indexes(indexes) -> None:
    if not indexes:
        return
    dialects.of(db.session).create_indexes_after_load(db.session, indexes)
    db.session.commit()


class _BatchWriter(threading.Thread):
    """Writes and commits the batches the generator queues, in its own session: the
    database works on one batch while Python draws the next."""

    def __init__(self, app, through_hook: bool, total: int, progress, first: Callable[[], None]):
        super().__init__(name="demo-writer", daemon=True)
        self.app, self.through_hook, self.total, self.progress, self.first = app, through_hook, total, progress, first
        self.queue: queue.Queue = queue.Queue(maxsize=2)
        self.error: Optional[BaseException] = None

    def run(self) -> None:
        with self.app.app_context():
            done = 0
            try:
                while (item := self.queue.get()) is not None:
                    if self.first:
                        self.first()
                        self.first = None
                    _write_batch(*item, self.through_hook)
                    db.session.commit()
                    done += len(item[0])
                    if self.progress:
                        self.progress(done, self.total)
            except BaseException as error:  # handed to the generating thread
                self.error = error
                db.session.rollback()
                while self.queue.get() is not None:
                    pass
            finally:
                db.session.remove()


def _write_batch(filings: list[list], checks: list[list], through_hook: bool) -> None:
    """Insert one batch with ids reserved up front (checks point at them)."""
    conn = db.session.connection()
    ids = _reserve_filing_ids(conn, len(filings))
    id_index = FILING_COLUMNS.index("id")
    for filing_id, row in zip(ids, filings):
        row[id_index] = filing_id
    for check in checks:
        check[0] = filings[check[0]][id_index]  # batch position -> filing id
    dialect = dialects.of(conn)
    dialect.bulk_insert(conn, Filing.__table__, FILING_COLUMNS, filings)
    dialect.bulk_insert(conn, FilingCheck.__table__, CHECK_COLUMNS, checks)
    if through_hook:
        filings_changed(conn, [(None, dict(zip(FILING_COLUMNS, row))) for row in filings])


def _reserve_filing_ids(conn, count: int) -> list[int]:
    return dialects.of(conn).reserve_ids(conn, Filing.__table__.c.id, count)


# ---- the synthetic world ---------------------------------------------------------

class _Dice:
    """Seeded draws, several times faster than random.Random's choice and choices (they
    are most of the generator's time at millions of filings)."""

    def __init__(self, seed: int):
        self.random = random.Random(seed).random

    def chance(self, probability: float) -> bool:
        return self.random() < probability

    def pick(self, items):
        return items[int(self.random() * len(items))]

    def integer(self, low: int, high: int) -> int:
        return low + int(self.random() * (high - low + 1))

    def uniform(self, low: float, high: float) -> float:
        return low + (high - low) * self.random()

    def weighted(self, weights: dict) -> Callable[[], object]:
        """A draw among ``weights``' keys, each as likely as its weight."""
        keys, cumulative, total = list(weights), [], 0.0
        for key in keys:
            total += weights[key]
            cumulative.append(total)
        random_, last = self.random, len(keys) - 1
        return lambda: keys[min(bisect.bisect(cumulative, random_() * total), last)]


class _World:
    """Everything drawn from: communities, origin counties, days, people."""

    def __init__(self, dice: _Dice, now, communities, counties_by_province, home_counties, people,
                 first_person: int = 0):
        self.dice, self.now, self.people_size, self.first_person = dice, now, people, first_person
        self.communities = communities  # [(code, name)]
        self.counties = counties_by_province
        self.provinces = list(counties_by_province)
        self.draw_province = dice.weighted({code: PROVINCE_WEIGHTS.get(code, OTHER_PROVINCE_WEIGHT)
                                            for code in counties_by_province})
        self.draw_channel = dice.weighted(CHANNELS)
        self.draw_near = dice.weighted(TRANSPORT_NEAR)
        self.draw_far = dice.weighted(TRANSPORT_FAR)
        self.draw_lead_days = dice.weighted(LEAD_DAYS)
        self.draw_edits = dice.weighted(EDITS)
        self.draw_control = dice.weighted(CONTROL)
        self.draw_strict_control = dice.weighted(STRICT_CONTROL)
        self.offset = day_offset()
        today = (now + self.offset).date()
        days = [today + dt.timedelta(days=d) for d in range(-DAYS_BACK, DAYS_AHEAD + 1)]
        self.draw_day = dice.weighted({day: _day_weight(day) for day in days})
        self.draw_hour = dice.weighted(dict(enumerate(HOUR_WEIGHTS)))
        self.home_counties = home_counties
        self.people: list[Person] = []
        self.day_cursor = {day: dice.integer(0, people - 1) for day in days}

    @classmethod
    def load(cls, dice, now, people: int, within: Optional[str] = None) -> "_World":
        province = current_app.config["PROVINCE_CODE"]
        communities = db.session.execute(
            select(Region.code, Region.name).where(Region.level == LEVEL_COMMUNITY,
                                                   code_within(Region.code, within or province))
            .order_by(Region.code)).all()
        if not communities:
            raise ValidationFailed(_l("Load the regions first: there are no communities."))
        counties = {}
        for code in db.session.scalars(select(Region.code).where(Region.level == LEVEL_COUNTY).order_by(Region.code)):
            counties.setdefault(code[:2], []).append(code)
        home = counties.get(province) or [c for codes in counties.values() for c in codes]
        stored = db.session.scalar(select(func.count()).select_from(Filing))
        return cls(dice, now, [tuple(c) for c in communities], counties, home, people, first_person=stored)

    def person(self, day: dt.date) -> Person:
        """The next person of the day's turn: nobody files twice for one day (as long as
        a day has fewer filings than the pool has people)."""
        index = self.day_cursor[day] % self.people_size
        self.day_cursor[day] += 1
        while len(self.people) <= index:
            self.people.append(self._new_person(self.first_person + len(self.people)))
        return self.people[index]

    @cached_property
    def _id_counties(self) -> tuple[list[str], list[str]]:
        home = sorted(set(self.home_counties))
        others = sorted({c for codes in self.counties.values() for c in codes} - set(home))
        return home, others or home

    def _new_person(self, number: int) -> Person:
        dice = self.dice
        county, birth, sequence = identity_of(number, *self._id_counties)
        first17 = f"{county}{birth:%Y%m%d}{sequence:03d}"
        id_number = first17 + identity.resident_id_check_char(first17)
        phone = f"1{dice.pick('3456789')}{dice.integer(0, 10**9 - 1):09d}"
        name = dice.pick(SURNAMES) + "".join(dice.pick(GIVEN) for _ in range(dice.integer(1, 2)))
        return Person(name, "male" if sequence % 2 else "female", birth,
                      identity.protect(id_number, identity.mask_id_number),
                      identity.protect(phone, identity.mask_phone))

    def batch(self, size: int) -> tuple[list[list], list[list]]:
        """``size`` filing rows (column order FILING_COLUMNS) and their check rows (the
        first value is the filing's position in the batch)."""
        filings, checks = [], []
        for position in range(size):
            day = self.draw_day()
            arrival = (dt.datetime.combine(day, dt.time(self.draw_hour(), self.dice.integer(0, 59)))
                       - self.offset)
            filing = self._filing(day, arrival)
            for check in self._checks(filing):
                checks.append([position, *(check.get(c) for c in CHECK_COLUMNS[1:])])
            filings.append([filing.get(c) for c in FILING_COLUMNS])
        return filings, checks

    def _origin(self):
        dice = self.dice
        if dice.chance(ABROAD_SHARE):
            return dice.pick(COUNTRIES), None, "flight"
        province = self.draw_province()
        mode = (self.draw_near if province in NEAR_PROVINCES else self.draw_far)()
        return "CN", dice.pick(self.counties[province]), mode

    def _filing(self, day, arrival) -> dict:
        dice, now = self.dice, self.now
        country, origin_county, mode = self._origin()
        person = self.person(day)
        community, community_name = dice.pick(self.communities)
        backfill = arrival < now and dice.chance(0.03)
        if backfill:
            filed_at = min(arrival + dt.timedelta(hours=dice.uniform(1, 48)), now)
        else:
            filed_at = min(arrival - dt.timedelta(days=self.draw_lead_days(), hours=dice.uniform(0, 12)),
                           now - dt.timedelta(minutes=dice.uniform(1, 600)))
        abroad = country != "CN"
        values = dict(
            receipt=identity.new_receipt(), token_hash=identity.token_hash(identity.new_token()),
            status="submitted", channel=self.draw_channel(), name=person.name, id_type="resident_id",
            id_number_enc=person.id_number["enc"], id_number_hash=person.id_number["hash"],
            id_number_masked=person.id_number["masked"], phone_enc=person.phone["enc"],
            phone_hash=person.phone["hash"], phone_masked=person.phone["masked"],
            gender=person.gender, birth_date=person.birth_date,
            origin_country=country, origin_region_code=origin_county,
            origin_address=None if abroad else f"{dice.pick(STREETS)}{dice.integer(1, 300)}号",
            departure_at=arrival - dt.timedelta(hours=dice.uniform(1, 30)), expected_arrival_at=arrival,
            arrival_day=local_date(arrival),
            transport_mode=mode, transport_no=_transport_no(dice, mode), transit=None,
            destination_region_code=community,
            destination_address=f"{community_name}{dice.integer(1, 30)}号楼{dice.integer(1, 6)}单元"
                                f"{dice.integer(101, 2404)}室",
            work_unit=None, fever=dice.chance(0.004), cough=dice.chance(0.01),
            fatigue=dice.chance(0.008), other_symptoms=None,
            risk_area_14d=(not abroad) and dice.chance(0.03), abroad_14d=abroad,
            close_contact_14d=dice.chance(0.003), commitment=True,
            late_notice=(not backfill) and arrival - filed_at < dt.timedelta(days=3),
            is_backfill=backfill, arrived_at=None, edit_count=0 if backfill else self.draw_edits(),
            filed_at=filed_at, updated_at=filed_at, filed_by_id=None, check_count=0,
        )
        if dice.chance(0.1):
            values.update(proxy_name=dice.pick(SURNAMES) + dice.pick(GIVEN),
                          proxy_phone_enc=person.phone["enc"], proxy_phone_hash=person.phone["hash"],
                          proxy_phone_masked=person.phone["masked"],
                          proxy_relation=dice.pick(RELATIONS))
        self._lifecycle(values, backfill)
        return values

    def _lifecycle(self, f: dict, backfill: bool) -> None:
        """Status, checks and control measures consistent with the arrival and now."""
        dice, now, arrival = self.dice, self.now, f["expected_arrival_at"]
        if not backfill and dice.chance(0.06):
            f["status"] = "cancelled"
            f["updated_at"] = min(f["filed_at"] + dt.timedelta(hours=dice.uniform(1, 48)), arrival, now)
            return
        if backfill:
            f["status"], f["arrived_at"] = "arrived", arrival
        if arrival >= now:
            return
        age_days = (now - arrival).total_seconds() / 86400
        if not dice.chance(0.5 if age_days < 1 else 0.8 if age_days < 2 else 0.93):
            return  # pending: not checked (yet)
        checked_at = arrival + dt.timedelta(hours=dice.uniform(0.5, min(30.0, age_days * 24)))
        f.update(check_count=1 if dice.chance(0.85) else 2, last_checked_at=checked_at, updated_at=checked_at)
        if not backfill and dice.chance(0.08):
            f.update(status="not_arrived", control_measure="none")
            return
        f["status"] = "arrived"
        f["arrived_at"] = f["arrived_at"] or min(arrival + dt.timedelta(minutes=dice.uniform(-60, 120)), checked_at)
        if dice.chance(0.7):
            f["test_result"] = "pending" if age_days < 1 else "negative"
        strict = f["risk_area_14d"] or f["abroad_14d"] or f["close_contact_14d"]
        f["control_measure"] = measure = (self.draw_strict_control if strict else self.draw_control)()
        if measure != "none":
            f["control_start"] = f["arrived_at"]
            f["control_end"] = f["arrived_at"] + dt.timedelta(days=CONTROL_DAYS[measure])
            if f["control_end"] < now:
                f.update(status="closed", updated_at=f["control_end"])

    def _checks(self, f: dict) -> list[dict]:
        dice, checks, count = self.dice, [], f["check_count"]
        for number in range(count):
            last = number == count - 1
            at = f["last_checked_at"] - dt.timedelta(hours=(count - 1 - number) * dice.uniform(2, 20))
            arrived = f["status"] in ("arrived", "closed") and (last or dice.chance(0.5))
            tested = last and bool(f.get("test_result"))
            checks.append(dict(
                region_code=f["destination_region_code"], method="phone" if dice.chance(0.7) else "visit",
                arrived=arrived, arrived_at=f["arrived_at"] if arrived else None,
                actual_transport_mode=f["transport_mode"] if arrived else None,
                tested=tested, test_at=at if tested else None, test_result=f.get("test_result") if last else None,
                control_measure=f.get("control_measure") if last else None,
                control_start=f.get("control_start") if last else None,
                control_end=f.get("control_end") if last else None,
                note=None, checked_by_id=None, checked_at=at))
        return checks


BIRTH_DAYS, SEQUENCES = 60 * 365, 1000
HOME_SHARE = 7  # of 10 people born in the province


def identity_of(number: int, home: list[str], others: list[str]) -> tuple[str, dt.date, int]:
    """(county, birth date, sequence) of the ID number of person ``number``: distinct for
    distinct numbers (below 2 x 21,900,000 x the counties), 7 in 10 born in ``home``,
    birth dates spread over 1950-2009 from the first numbers on."""
    tenth, digit = divmod(number, 10)
    if digit < HOME_SHARE:
        counties, index = home, tenth * HOME_SHARE + digit
    else:
        counties, index = others, tenth * (10 - HOME_SHARE) + digit - HOME_SHARE
    cycle, slot = divmod(index, BIRTH_DAYS)
    birth = (slot * 7919) % BIRTH_DAYS  # 7919 is prime to BIRTH_DAYS: each day once per cycle
    round_, county = divmod(cycle + slot, len(counties))
    sequence = (round_ + slot) % SEQUENCES
    return counties[county], dt.date(1950, 1, 1) + dt.timedelta(days=birth), sequence


def _day_weight(day: dt.date) -> float:
    """Travel peaks just before a holiday (going home) and a week after (back to work)."""
    weight = 1.0 + (0.4 if day.weekday() in (4, 6) else 0.0)
    for holiday in HOLIDAYS:
        gap = (day - holiday).days
        if abs(gap) < 20:
            weight += 4 * math.exp(-((gap + 2) ** 2) / 18) + 2 * math.exp(-((gap - 7) ** 2) / 18)
    return weight


def _transport_no(dice: _Dice, mode: str) -> Optional[str]:
    if mode == "train":
        return f"{dice.pick('GDKZT')}{dice.integer(1, 9999)}"
    if mode == "flight":
        return f"{dice.pick(('CZ', 'MU', 'CA', 'HU', '3U'))}{dice.integer(1000, 9999)}"
    if mode == "car":
        return f"豫{dice.pick('ABCDEFGHJKLMNPQRSU')}{dice.integer(10000, 99999)}"
    return None
