"""催报: remind, in one action, the communities of a region whose report of a day is not
in. Each such community's officers get an in-app message (app.core.recipients, through
the outbox); a community is reminded once per report day (``ReportReminder``), so a
second click, or another staff member's, reminds only those not reminded yet.

Which communities: those of the region (within the caller's jurisdiction) expected to
report that day (live, by the rule of app.reporting.compliance) that have not submitted it."""
import datetime as dt
from dataclasses import dataclass
from typing import Optional

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import and_, select

from app.core import clock
from app.core.errors import NotFound
from app.core.extensions import db
from app.core.jurisdiction import code_within, is_within
from app.core.recipients import OFFICER_ROLES, accounts_at, send_to_accounts
from app.core.sqltools import insert_ignoring_conflicts
from app.core.transaction import transaction
from app.regions.service import get_region
from app.reporting.compliance import first_report_days, live_from
from models import DailyReport, Region
from models.base import utcnow
from models.region import LEVEL_COMMUNITY
from models.reporting import ReportReminder

KIND = "report_reminder"
REMINDERS = ReportReminder.__table__


@dataclass
class Reminded:
    not_reported: int   # communities expected that day without a submitted report
    reminded: int       # of them reminded now
    already: int        # of them reminded before (by anyone)
    messages: int       # in-app messages queued


def not_reported(region: Region, day: dt.date) -> list[tuple[str, str]]:
    """(code, name) of the communities of ``region`` expected to report ``day`` that have not submitted it."""
    rows = db.session.execute(
        select(Region.code, Region.name).select_from(Region)
        .outerjoin(DailyReport, and_(DailyReport.region_code == Region.code, DailyReport.report_date == day,
                                     DailyReport.status == "submitted"))
        .where(Region.level == LEVEL_COMMUNITY, code_within(Region.code, region.code), DailyReport.id.is_(None))
        .order_by(Region.code)).all()
    starts = first_report_days(code for code, _name in rows)
    return [(code, name) for code, name in rows
            if (start := live_from(starts.get(code))) is not None and start <= day]


@transaction
def remind_not_reported(region_code: Optional[str], day: dt.date, *, jurisdiction: Optional[str],
                        by_id: Optional[int] = None, by_name: str = "", now: Optional[dt.datetime] = None) -> Reminded:
    """Remind the officers of the communities of ``region_code`` (default: the
    jurisdiction) that have not reported ``day``; NotFound outside ``jurisdiction``."""
    region = get_region(region_code or jurisdiction or current_app.config["PROVINCE_CODE"])
    if region is None or not is_within(region.code, jurisdiction) or region.level > LEVEL_COMMUNITY:
        raise NotFound()
    now = now or utcnow()
    missing = not_reported(region, day)
    names = dict(missing)
    fresh = [code for (code,) in db.session.execute(
        insert_ignoring_conflicts(REMINDERS).returning(REMINDERS.c.region_code),
        [{"region_code": code, "report_date": day, "reminded_at": now, "reminded_by_id": by_id}
         for code in names])] if names else []
    officers = accounts_at(db.session, fresh, OFFICER_ROLES)
    deadline = clock.format_local(clock.report_due_at(day))
    messages = {(code, user_id): _("Reminder from %(who)s: the daily report of %(day)s for %(community)s is not "
                                   "submitted yet. Please submit it (a zero report too); deadline %(deadline)s.",
                                   who=by_name or region.name, day=day.isoformat(), community=names[code],
                                   deadline=deadline)
                for code in fresh for user_id in officers.get(code, ())}
    sent = send_to_accounts(db.session, KIND, messages)
    return Reminded(len(missing), len(fresh), len(missing) - len(fresh), sent)
