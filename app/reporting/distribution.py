"""Distribution rounds 分发: every DISTRIBUTION_INTERVAL_MINUTES each community's
officers are told (in-app, through the outbox) what was routed to their community
since the last round: new filings and filings transferred to it.

A round covers the window [end of the previous round, now - SETTLE). Filings are
written with their routing time a moment before their transaction commits, so the
window stops SETTLE short of now: a filing still being committed falls into the next
round instead of being missed. The round's row and its messages are written in one
transaction and the window's start is unique, so a round never repeats a window
(running it again at the same time announces nothing).
"""
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.core import clock
from app.core.extensions import db
from app.core.sqltools import insert_ignoring_conflicts
from app.core.transaction import transaction
from app.core.recipients import OFFICER_ROLES, accounts_at, send_to_accounts, summarize
from app.reporting.daily_reports import routed_filings
from models import Region
from models.reporting import DistributionRound

SETTLE = dt.timedelta(minutes=1)
MESSAGE = _l("%(count)s filings routed to %(community)s since %(since)s: %(receipts)s")


@dataclass
class RoundResult:
    window_start: dt.datetime | None = None
    window_end: dt.datetime | None = None
    communities: int = 0
    filings: int = 0
    notifications: int = 0


@transaction
def run_distribution_round(now: dt.datetime) -> RoundResult:
    """One round, one unit of work: its row, its window's messages."""
    end = now - SETTLE
    last_end = db.session.scalar(select(func.max(DistributionRound.window_end)))
    start = last_end or end - dt.timedelta(minutes=current_app.config["DISTRIBUTION_INTERVAL_MINUTES"])
    result = RoundResult(start, end)
    if end <= start:
        return result
    rounds = DistributionRound.__table__
    round_id = db.session.scalar(insert_ignoring_conflicts(rounds).values(
        window_start=start, window_end=end, ran_at=now).returning(rounds.c.id))
    if round_id is None:  # another round took this window
        return RoundResult()
    routed = routed_filings(start, end)
    receipts, names = defaultdict(list), {}
    for community, receipt, name in db.session.execute(
            select(routed.c.community, routed.c.receipt, Region.name)
            .outerjoin(Region, Region.code == routed.c.community)
            .order_by(routed.c.community, routed.c.receipt)):
        receipts[community].append(receipt)
        names[community] = name
    officers = accounts_at(db.session, receipts, OFFICER_ROLES)
    since = clock.format_local(start)
    messages = {}
    for community, items in receipts.items():
        body = str(MESSAGE) % {"count": len(items), "community": names.get(community) or community,
                               "since": since, "receipts": summarize(items, ", ")}
        for user_id in officers.get(community, ()):
            messages[(community, user_id)] = body
    result.communities, result.filings = len(receipts), sum(len(v) for v in receipts.values())
    result.notifications = send_to_accounts(db.session, "distribution", messages)
    db.session.execute(rounds.update().where(rounds.c.id == round_id).values(
        communities=result.communities, filings=result.filings, notifications=result.notifications))
    return result
