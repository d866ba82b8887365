"""Penalties proposed for repeated late or missing reports, through the rewards service
(app.ledgers.rewards)."""
import datetime as dt

from sqlalchemy import func, select

from app.reporting.escalations import escalate
from app.core.extensions import db
from app.reporting.daily_reports import propose_report_penalties, submit_report
from models import Escalation
from scheduler.jobs import daily_report_job, report_penalties_job
from tests.report_fixtures import COMMUNITIES, DAY, DUE, PREPARED_AT, report_of

A, B = "410105001003", "410105001006"


def _three_days_with_a_late_and_a_missing_community():
    for back in (2, 1, 0):
        day, shift = DAY - dt.timedelta(days=back), dt.timedelta(days=-back)
        daily_report_job(day, now=PREPARED_AT + shift)
        escalate(DUE + shift)
        submit_report(report_of(A, day).id, jurisdiction=None, now=DUE + shift + dt.timedelta(hours=1))


def _expected():
    return {(A, "late_report")} | {(c, "missing_report") for c in COMMUNITIES if c != A}


def test_proposals_reach_the_rewards_records(app, monkeypatch):
    import app.ledgers.rewards as rewards

    calls = []
    real = rewards.propose_penalty

    def spy(session, region_code, reason_category, reason, escalation_id=None, proposed_at=None):
        calls.append((region_code, reason_category, escalation_id, reason, proposed_at))
        return real(session, region_code, reason_category, reason,
                    escalation_id=escalation_id, proposed_at=proposed_at)

    monkeypatch.setattr(rewards, "propose_penalty", spy)
    with app.app_context():
        _three_days_with_a_late_and_a_missing_community()
        now = DUE + dt.timedelta(hours=2)
        assert report_penalties_job(DAY, now) == {"proposed": len(_expected())}
        assert {(code, category) for code, category, *_rest in calls} == _expected()
        latest_of_b = db.session.scalar(select(func.max(Escalation.id)).where(Escalation.region_code == B))
        (of_b,) = [call for call in calls if call[0] == B]
        assert of_b[2] == latest_of_b and of_b[4] == now and "2026-02-23" in of_b[3]
        # Proposing again for the same period is the rewards service's no-op.
        report_penalties_job(DAY, now)
        assert db.session.scalar(select(func.count()).select_from(rewards.RewardPenalty)) == len(_expected())
        # Two late reports (the days before) are not yet "repeated".
        calls.clear()
        propose_report_penalties(DAY - dt.timedelta(days=1), now)
        assert calls == []
