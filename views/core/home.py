"""The start page: who I am, my jurisdiction, what is waiting for me, and where to go next.

What is waiting comes from ``TODO_PROVIDERS``: each a function of (security manager,
jurisdiction, now) giving the to-dos of one part of the domain that the user may see
(nothing when the role does not do that work). Another part adds its function there."""
import datetime as dt
from dataclasses import dataclass
from typing import Callable

from flask import redirect, url_for
from flask_appbuilder import IndexView, expose
from flask_babel import lazy_gettext as _l

from app.core import roles
from app.core.accounts import may_enrol
from app.core.extensions import db
from app.core.jurisdiction import current_jurisdiction
from app.core.roles import ROLE_LABELS
from app.regions.service import jurisdiction_path
from models.base import utcnow


@dataclass
class ToDo:
    key: str          # a stable name (tests, styles)
    label: object
    count: int
    url: str
    urgent: bool = False   # shown red while the count is not zero


def filing_todos(sm, jurisdiction, now) -> list[ToDo]:
    """待核查 and 超期: the officer's queue (whoever may check filings)."""
    if not sm.has_access(f"can_{roles.WRITE}", roles.FILING_CHECK):
        return []
    from app.filings import service as filings  # at request time: FAB imports this module early

    counts = filings.queue_counts(db.session.connection(), jurisdiction, now)
    return [ToDo("awaiting_check", _l("Filings awaiting a check"), counts["open"],
                 url_for("FilingDeskView.queue", bucket="open")),
            ToDo("overdue_check", _l("Checks overdue"), counts["overdue"],
                 url_for("FilingDeskView.queue", bucket="overdue"), urgent=True)]


def daily_report_todos(sm, jurisdiction, now) -> list[ToDo]:
    """Today's daily report: to submit (an officer), or not yet in (the levels above)."""
    if not sm.has_access(f"can_{roles.READ}", roles.DAILY_REPORT):
        return []
    from app.reporting import daily_reports

    count = daily_reports.count_awaiting(jurisdiction, daily_reports.default_report_date(now))
    if sm.has_access(f"can_{roles.WRITE}", roles.DAILY_REPORT):
        return [ToDo("daily_report", _l("Today's daily report to submit"), count,
                     url_for("DailyReportDesk.index"), urgent=True)]
    return [ToDo("daily_report", _l("Today's daily reports not yet submitted"), count,
                 url_for("ComplianceView.index"))]


def escalation_todos(sm, jurisdiction, now) -> list[ToDo]:
    if not sm.has_access(f"can_{roles.WRITE}", roles.ESCALATION):
        return []
    from app.reporting import escalations

    return [ToDo("escalations", _l("Escalations to acknowledge"), escalations.count_to_acknowledge(jurisdiction),
                 url_for("EscalationView.list", _flt_0_status="open"), urgent=True)]


def finding_todos(sm, jurisdiction, now) -> list[ToDo]:
    """Open cross-matching findings (比对发现) within the jurisdiction."""
    if not sm.has_access(f"can_{roles.READ}", roles.FINDING):
        return []
    from app.crossmatch.findings import open_counts

    return [ToDo("findings", _l("Open cross-matching findings"), sum(open_counts(jurisdiction).values()),
                 url_for("FindingView.list") + "?_flt_0_status=open", urgent=True)]


def follow_up_todos(sm, jurisdiction, now) -> list[ToDo]:
    """Follow-ups during control due today, and late ones."""
    if not sm.has_access(f"can_{roles.READ}", roles.FOLLOW_UP):
        return []
    from app.followups.service import count_due_today

    return [ToDo("follow_ups", _l("Follow-ups to do, today and late"), count_due_today(jurisdiction, now),
                 url_for("FollowUpView.index"), urgent=True)]


TODO_PROVIDERS: list[Callable[..., list[ToDo]]] = [filing_todos, daily_report_todos, escalation_todos,
                                                   finding_todos, follow_up_todos]


def todos(sm, jurisdiction, now: dt.datetime) -> list[ToDo]:
    return [todo for provider in TODO_PROVIDERS for todo in provider(sm, jurisdiction, now)]


class HomeView(IndexView):
    index_template = "home.html"

    @expose("/")
    def index(self):
        sm = self.appbuilder.sm
        user = sm.current_user
        if user is None or not user.is_authenticated:
            return redirect(url_for(sm.auth_view.__class__.__name__ + ".login"))
        jurisdiction = current_jurisdiction()
        path = jurisdiction_path(jurisdiction)  # a grid member's ends with their grid
        roles_shown = [ROLE_LABELS.get(r.name, r.name) for r in user.roles]
        return self.render_template(self.index_template, user=user, path=path, roles=roles_shown,
                                    todos=todos(sm, jurisdiction, utcnow()),
                                    links=self.appbuilder.menu.get_list(),
                                    second_factor=may_enrol(user))


def register(app, appbuilder):
    """The index view is configured by FAB_INDEX_VIEW; nothing else to add."""
