"""The start page: who I am, my jurisdiction, what waits for me (open findings, the
follow-ups due today, counted within my jurisdiction) and where to go next."""
from flask import redirect, url_for
from flask_appbuilder import IndexView, expose
from flask_babel import lazy_gettext as _l

from app.core import roles
from app.core.accounts import may_enrol
from app.core.jurisdiction import current_jurisdiction
from app.crossmatch.findings import open_counts
from app.followups.service import count_due_today
from app.regions.service import jurisdiction_path
from app.core.roles import ROLE_LABELS
from models.base import utcnow

# (label, resource read, count of the jurisdiction at a time, endpoint, query string)
HOME_COUNTS = (
    (_l("Open cross-matching findings"), roles.FINDING,
     lambda jurisdiction, now: sum(open_counts(jurisdiction).values()), "FindingView.list", "?_flt_0_status=open"),
    (_l("Follow-ups to do, today and late"), roles.FOLLOW_UP, count_due_today, "FollowUpView.index", ""),
)


class HomeView(IndexView):
    index_template = "home.html"

    @expose("/")
    def index(self):
        user = self.appbuilder.sm.current_user
        if user is None or not user.is_authenticated:
            return redirect(url_for(self.appbuilder.sm.auth_view.__class__.__name__ + ".login"))
        jurisdiction = current_jurisdiction()
        path = jurisdiction_path(jurisdiction)  # a grid member's ends with their grid
        roles_shown = [ROLE_LABELS.get(r.name, r.name) for r in user.roles]
        now = utcnow()
        counts = [(label, count(jurisdiction, now), url_for(endpoint) + query)
                  for label, resource, count, endpoint, query in HOME_COUNTS
                  if self.appbuilder.sm.has_access(f"can_{roles.READ}", resource)]
        return self.render_template(self.index_template, user=user, path=path, roles=roles_shown,
                                    links=self.appbuilder.menu.get_list(), counts=counts,
                                    second_factor=may_enrol(user))


def register(app, appbuilder):
    """The index view is configured by FAB_INDEX_VIEW; nothing else to add."""
