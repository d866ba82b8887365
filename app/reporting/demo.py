"""A history of daily reports for the demo (``flask setup``): the communities of the
demo counties (the demo accounts' 金水区 and 中原区) and of one county in
every other city report the last DEMO_REPORT_DAYS days, prepared by the report service
from the demo filings, mostly on time, some late, a few never (each county with its own
habits), so a first look at the dashboard and the compliance screen tells a story."""
import datetime as dt
import random
from typing import Optional

from sqlalchemy import bindparam, func, select

from app.core import clock
from app.core.extensions import db
from app.core.transaction import transaction
from app.reporting.compliance import recount_report_compliance
from app.reporting.daily_reports import prepare_daily_reports
from models import DailyReport, Region
from models.base import utcnow
from models.region import LEVEL_COMMUNITY

DEMO_REPORT_DAYS = 30
DEMO_REPORT_COUNTIES = ("410105", "410102")  # the demo accounts' (app.setup_cli.DEMO_USERS)
SEED = 2026
REPORT = DailyReport.__table__


def demo_report_counties() -> list[str]:
    """The demo counties, and the first county with communities of every other city."""
    with_communities = db.session.scalars(
        select(func.substr(Region.code, 1, 6)).where(Region.level == LEVEL_COMMUNITY).distinct())
    counties = set(with_communities)
    chosen = list(DEMO_REPORT_COUNTIES)
    for code in sorted(counties):
        if not any(c[:4] == code[:4] for c in chosen):
            chosen.append(code)
    return [c for c in chosen if c in counties and len(c) == 6]


@transaction
def load_demo_reports(now: Optional[dt.datetime] = None) -> int:
    """Prepare and submit the demo history (see the module's docstring); nothing when any
    daily report exists. Returns how many reports were written."""
    if db.session.scalar(select(func.count()).select_from(REPORT)):
        return 0
    now = now or utcnow()
    dice = random.Random(SEED)
    counties = demo_report_counties()
    habits = {code: (dice.uniform(0.72, 0.95), dice.uniform(0.02, 0.08)) for code in counties}  # on time, missing
    today = clock.local_today(now)
    written, days = 0, []
    for back in range(DEMO_REPORT_DAYS, 0, -1):
        day = today - dt.timedelta(days=back)
        prepared_at = min(clock.report_due_at(day) - dt.timedelta(hours=2), now)
        written += prepare_daily_reports(day, prepared_at, within=counties)
        days.append(day)
        submissions = []
        for report_id, code, due_at in db.session.execute(
                select(REPORT.c.id, REPORT.c.region_code, REPORT.c.due_at).where(REPORT.c.report_date == day)):
            on_time_share, missing_share = habits[code[:6]]
            draw = dice.random()
            if draw < on_time_share:
                at = prepared_at + (due_at - prepared_at) * dice.uniform(0.05, 0.95)
            elif draw < 1 - missing_share:
                at = due_at + dt.timedelta(hours=dice.uniform(0.5, 30))
            else:
                continue  # never submitted
            if at <= now:
                submissions.append({"b_id": report_id, "b_at": at, "b_late": at > due_at})
        if submissions:
            db.session.execute(REPORT.update().where(REPORT.c.id == bindparam("b_id")).values(
                status="submitted", submitted_at=bindparam("b_at"), late=bindparam("b_late")), submissions)
    recount_report_compliance(days)  # the submissions above were written in bulk
    return written

