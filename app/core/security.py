"""Accounts: the security manager of the user model with its jurisdiction (models.user).

A user has exactly one jurisdiction code (``region_code``) and the roles of
app.core.roles. The user and login screens are views (views.core.accounts,
views.core.users): the factory hands them to the manager (``use_views``), so this
module imports nothing of views/. The user screens are scoped by the jurisdiction rule like
every other resource. Logins go through ``password_login`` (lockout) and the second
factor before ``complete_login``; sessions and tokens stand only while they carry the
account's current ``session_version`` (app.core.accounts).
"""
from typing import Optional

from flask import current_app, g, request, session
from flask_appbuilder.security.sqla.manager import SecurityManager
from flask_appbuilder.security.utils import is_null_password
from flask_login import user_logged_in
from werkzeug.security import check_password_hash

from app.core import accounts
from models.user import ConsoleUser


SESSION_VERSION_KEY = "session_version"  # in the cookie session, set at login
TOKEN_VERSION_CLAIM = "ver"  # in every JWT
NOBODY = "-"  # the jurisdiction of a request without a user: no code starts with it
# Where a request keeps its caller's jurisdiction: in its own WSGI environ, not in
# flask.g, whose application context may outlive the request.
_JURISDICTION_KEY = "console.caller_jurisdiction"


def _remember_session_version(_app, user, **_extra):
    session[SESSION_VERSION_KEY] = user.session_version or 0


class ConsoleSecurityManager(SecurityManager):
    user_model = ConsoleUser
    # FAB's login-count chart loads Google Charts from gstatic.com: a third-party script
    # the Content-Security-Policy refuses (and that would not load offline anyway).
    userstatschartview = None

    # What an API call with a refused token answers (a view's; set by ``use_views``), and
    # with a token missing, expired or malformed: flask-jwt-extended's loader name -> answer.
    token_refused = None
    token_errors: dict = {}

    @classmethod
    def use_views(cls, *, token_refused, token_errors=None, **views) -> None:
        """The screens and API of accounts, which live in views/ (views -> app -> models):
        ``userdbmodelview``, ``authdbview``, ... as FAB names them. The factory calls
        this before FAB builds the manager."""
        for name, view in views.items():
            if not hasattr(SecurityManager, name):
                raise AttributeError(f"FAB's security manager has no view {name}")
            setattr(cls, name, view)
        cls.token_refused = staticmethod(token_refused)
        cls.token_errors = dict(token_errors or {})

    def __init__(self, appbuilder):
        super().__init__(appbuilder)
        user_logged_in.connect(_remember_session_version)

    # ---- logging in ----

    def password_login(self, username, password, now=None):
        """The account if the password is its own, else None; a locked, inactive or unknown
        account answers the same (and takes as long). Failures are counted; success is
        recorded by ``complete_login`` once the second factor, if any, passed too."""
        if not username or not password or is_null_password(password):
            return None
        by_name, by_email = self.find_user(username=username), self.find_user(email=username)
        user = by_name or by_email  # both looked up always: no timing tells which exists
        usable = user is not None and user.is_active and not accounts.is_locked(user, now)
        if not usable:
            check_password_hash(current_app.config["AUTH_DB_FAKE_PASSWORD_HASH_CHECK"], password)
        if usable and user.password and check_password_hash(user.password, password):
            return user
        if user is not None:
            self.login_failed(user, now)
        elif (first_user := self.get_first_user()) is not None:
            self.noop_user_update(first_user)  # a write too, as for a known account
        return None

    def login_failed(self, user, now=None):
        accounts.record_failed_login(self.session, user, now)
        self.update_user(user)
        self.on_user_login_failed(user)

    def complete_login(self, user):
        accounts.clear_failures(user)
        self.update_user_auth_stat(user, True)

    def auth_user_db(self, username, password):
        """FAB's entry point, for anything still calling it: never lets an account with
        a second factor in on its password alone."""
        user = self.password_login(username, password)
        if user is None or accounts.has_second_factor(user):
            return None
        self.complete_login(user)
        return user

    def update_user_auth_stat(self, user, success=True):
        if success:
            super().update_user_auth_stat(user, True)
        else:
            self.login_failed(user)

    def on_user_logout(self, user):
        accounts.revoke_sessions(user)
        self.update_user(user)

    # ---- sessions and tokens stand only at the account's current version ----

    def load_user(self, pk):
        user = super().load_user(pk)
        if user is not None and accounts.is_current(user, session.get(SESSION_VERSION_KEY)):
            return user
        return None

    def load_user_jwt(self, _jwt_header, jwt_data):
        user = self.get_user_by_id(int(jwt_data["sub"]))
        if user is not None and user.is_active and accounts.is_current(
                user, jwt_data.get(TOKEN_VERSION_CLAIM)):
            g.user = user
            return user
        return None

    def create_jwt_manager(self, app):
        jwt_manager = super().create_jwt_manager(app)
        jwt_manager.additional_claims_loader(self.token_claims)
        jwt_manager.user_lookup_error_loader(self.token_refused)
        for loader, answer in self.token_errors.items():
            getattr(jwt_manager, loader)(answer)
        return jwt_manager

    def token_claims(self, identity):
        user = self.get_user_by_id(int(identity))
        return {TOKEN_VERSION_CLAIM: user.session_version or 0} if user is not None else {}

    def create_limiter(self, app):
        """FAB's limiter is the console's (app.core.extensions.limiter): one set of counts."""
        from app.core.extensions import limiter

        limiter.init_app(app)
        return limiter

    def add_user(self, *args, region_code=None, **kwargs):
        user = super().add_user(*args, **kwargs)
        if user and region_code is not None:
            user.region_code = region_code
            self.session.commit()
        return user

    # ---- the caller's jurisdiction, resolved once per request ----

    def caller_jurisdiction(self) -> str:
        """The jurisdiction code of this request's user (web session or JWT), resolved
        once and kept for the rest of the request (app.core.jurisdiction's
        ``current_jurisdiction`` is its public accessor). A user signing in or out
        during the request is resolved again."""
        user = self._request_user()
        cached = request.environ.get(_JURISDICTION_KEY)
        if cached is None or cached[0] is not user:
            cached = (user, self.resolve_jurisdiction(user))
            request.environ[_JURISDICTION_KEY] = cached
        return cached[1]

    @staticmethod
    def resolve_jurisdiction(user) -> str:
        """A user's jurisdiction code; nobody (or an account without one) sees nothing."""
        if user is None or not getattr(user, "is_authenticated", False):
            return NOBODY
        return user.region_code or NOBODY

    def _request_user(self) -> Optional[ConsoleUser]:
        """The signed-in user of a web session, or of the JWT of an API call."""
        try:
            return self.current_user
        except RuntimeError:  # no JWT was verified on this request
            return None
