"""Demo checkpoints in Zhengzhou, the demo ``checkpoint`` account posted at them, and a
week of passes: travellers of the demo filings (bound for every city), a few with no
filing (filed on the spot, so their finding is raised) and a few transit passengers.
Runs after the demo accounts and filings (a demo hook); running it again changes nothing."""
import datetime as dt
import random

import click
from sqlalchemy import select

from app.checkpoints.service import link_paper_filings, masked_name
from app.core import clock
from app.core.extensions import db
from app.core.identity import lookup_hash
from app.core.transaction import transaction
from app.healthcode.codes import current_codes
from models import Region
from models.base import utcnow
from models.checkpoint import Checkpoint, CheckpointPass
from models.filing import Filing
from models.user import ConsoleUser

DEMO_CHECKPOINTS = (
    ("郑州东站", "railway", "410105", "郑东新区心怡路"),
    ("郑州站", "railway", "410103", "二七区二马路"),
    ("郑州新郑国际机场", "airport", "410184", "新郑市迎宾大道"),
    ("京港澳高速郑州收费站", "road", "410122", "中牟县京港澳高速"),
)
DEMO_ACCOUNT = "checkpoint"
DAYS = 7
PASSES_PER_DAY = 40
WITHOUT_FILING_SHARE = 0.05
TRANSIT_SHARE = 0.08


@transaction
def create_demo_checkpoints(now: dt.datetime | None = None, seed: int = 14) -> None:
    if db.session.scalar(select(Checkpoint.id).limit(1)) is not None:
        click.echo("demo checkpoints: already there")
        return
    now = now or utcnow()
    account = db.session.scalar(select(ConsoleUser).where(ConsoleUser.username == DEMO_ACCOUNT))
    checkpoints = []
    for name, kind, region, address in DEMO_CHECKPOINTS:
        if db.session.get(Region, region) is None:
            continue
        checkpoint = Checkpoint(name=name, kind=kind, region_code=region, address=address, active=True)
        if account is not None and kind in ("railway", "airport"):
            checkpoint.staff.append(account)
        db.session.add(checkpoint)
        checkpoints.append(checkpoint)
    db.session.flush()
    passes = _demo_passes(checkpoints, account.id if account else None, now, random.Random(seed)) if checkpoints else 0
    click.echo(f"demo checkpoints: {len(checkpoints)}, passes: {passes}")


def _demo_passes(checkpoints, account_id, now, dice) -> int:
    """Travellers of the demo filings expected in the last DAYS days, through the checkpoints."""
    filings = list(db.session.scalars(select(Filing).where(
        Filing.expected_arrival_at >= now - dt.timedelta(days=DAYS), Filing.expected_arrival_at <= now,
        Filing.status != "cancelled").order_by(Filing.id).limit(DAYS * PASSES_PER_DAY)))
    colours = current_codes([f.id_number_hash for f in filings], now)
    rows, unfiled = [], []
    for number, filing in enumerate(filings):
        at = filing.expected_arrival_at - dt.timedelta(minutes=dice.randint(20, 90))
        checkpoint = dice.choice(checkpoints)
        transit = dice.random() < TRANSIT_SHARE
        without = not transit and dice.random() < WITHOUT_FILING_SHARE
        row = CheckpointPass(
            checkpoint_id=checkpoint.id, region_code=checkpoint.region_code, passed_at=at, day=clock.local_date(at),
            direction="in", transit=transit, person_hash=filing.id_number_hash,
            colour=colours[filing.id_number_hash].colour, logged_by_id=account_id,
            # A few came without a filing: their pass found none, the form was filled on the spot.
            filing_id=None if without else filing.id, without_filing=without,
            name_masked=None if without else masked_name(filing.name),
            destination_region_code=None if without else filing.destination_region_code)
        rows.append(row)
        if without:
            unfiled.append((filing, row))
    for number in range(DAYS * 4):  # some leave again
        at = now - dt.timedelta(hours=dice.randint(1, DAYS * 24))
        checkpoint = dice.choice(checkpoints)
        rows.append(CheckpointPass(checkpoint_id=checkpoint.id, region_code=checkpoint.region_code, passed_at=at,
                                   day=clock.local_date(at), direction="out", transit=False,
                                   person_hash=lookup_hash(f"demo-leaving-{number}"), logged_by_id=account_id))
    db.session.add_all(rows)
    db.session.flush()
    for filing, row in unfiled:
        link_paper_filings([filing.id], user_id=account_id, now=row.passed_at)
    return len(rows)
