"""The start page: who I am, my jurisdiction, and where to go next."""
from flask import redirect, url_for
from flask_appbuilder import IndexView, expose

from app.core.accounts import may_enrol
from app.core.jurisdiction import current_jurisdiction
from app.regions.service import jurisdiction_path
from app.core.roles import ROLE_LABELS


class HomeView(IndexView):
    index_template = "home.html"

    @expose("/")
    def index(self):
        user = self.appbuilder.sm.current_user
        if user is None or not user.is_authenticated:
            return redirect(url_for(self.appbuilder.sm.auth_view.__class__.__name__ + ".login"))
        path = jurisdiction_path(current_jurisdiction())  # a grid member's ends with their grid
        roles = [ROLE_LABELS.get(r.name, r.name) for r in user.roles]
        return self.render_template(self.index_template, user=user, path=path, roles=roles,
                                    links=self.appbuilder.menu.get_list(),
                                    second_factor=may_enrol(user))


def register(app, appbuilder):
    """The index view is configured by FAB_INDEX_VIEW; nothing else to add."""
