"""Distribution rounds: each community's officers hear what was routed to it since the
last round, once; transfers reach the receiving community."""
import datetime as dt

from sqlalchemy import select

from app.reporting.distribution import SETTLE, run_distribution_round
from app.core.extensions import db
from models import DistributionRound, Filing, Notification
from tests.conftest import user_id
from tests.report_fixtures import add_filing, add_transfer, local

A, B = "410105001003", "410105001006"
ROUND = local(10)  # a round at 10:00 local


def _inbox(app, username):
    return db.session.scalars(select(Notification).where(
        Notification.kind == "distribution",
        Notification.recipient == str(user_id(app, username))).order_by(Notification.id)).all()


def test_a_round_tells_each_officer_what_reached_the_community(app):
    with app.app_context():
        first = run_distribution_round(ROUND)  # the first round looks back one interval
        assert (first.window_start, first.window_end) == (ROUND - SETTLE - dt.timedelta(minutes=30), ROUND - SETTLE)
        f1 = add_filing(A, ROUND + dt.timedelta(minutes=5))
        add_filing(A, ROUND + dt.timedelta(minutes=6))
        add_filing(B, ROUND + dt.timedelta(minutes=7))
        add_filing(A, ROUND + dt.timedelta(minutes=30))   # inside the settle margin: next round
        db.session.commit()
        second = run_distribution_round(ROUND + dt.timedelta(minutes=30))
        assert (second.filings, second.communities, second.notifications) == (3, 2, 2)
        (message,) = _inbox(app, "officer")
        receipt = db.session.get(Filing, f1).receipt
        assert message.channel == "inbox" and message.region_code == A and receipt in message.body
        assert "2" in message.body and "体育社区" in message.body
        assert len(_inbox(app, "officer_b")) == 1
        assert _inbox(app, "township") == [] and _inbox(app, "officer2") == []
        # The same round again announces nothing; the next one only what is new.
        assert run_distribution_round(ROUND + dt.timedelta(minutes=30)).filings == 0
        third = run_distribution_round(ROUND + dt.timedelta(minutes=60))
        assert (third.filings, third.communities) == (1, 1)
        assert len(_inbox(app, "officer")) == 2 and len(_inbox(app, "officer_b")) == 1
        windows = db.session.execute(select(DistributionRound.window_start, DistributionRound.window_end)
                                     .order_by(DistributionRound.window_start)).all()
        assert all(earlier[1] == later[0] for earlier, later in zip(windows, windows[1:]))


def test_a_transfer_reaches_the_receiving_community(app):
    with app.app_context():
        run_distribution_round(ROUND)
        filing_id = add_filing(A, ROUND - dt.timedelta(days=1))
        add_transfer(filing_id, A, B, ROUND + dt.timedelta(minutes=10))
        db.session.commit()
        result = run_distribution_round(ROUND + dt.timedelta(minutes=30))
        assert (result.filings, result.communities) == (1, 1)
        assert _inbox(app, "officer") == [] and len(_inbox(app, "officer_b")) == 1
