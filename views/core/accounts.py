"""Signing in and out, passwords and the second factor: FAB's security views with the
rules of app.core.accounts (lockout, password policy, TOTP, sessions ending on logout).

The classes keep FAB's names so endpoints (``AuthDBView.login``) and permissions
(``ResetMyPasswordView``) stay what FAB and the role matrix know.
"""
import time

from flask import abort, current_app, flash, g, jsonify, redirect, request, session, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.api import safe
from flask_appbuilder.const import API_SECURITY_ACCESS_TOKEN_KEY, API_SECURITY_REFRESH_TOKEN_KEY
from flask_appbuilder.fieldwidgets import BS3PasswordFieldWidget, BS3TextFieldWidget
from flask_appbuilder.security import api as fab_api
from flask_appbuilder.security import views as fab_views
from flask_appbuilder.security.decorators import no_cache
from flask_appbuilder.security.forms import DynamicForm, LoginForm_db
from flask_appbuilder.security.schemas import LoginPost
from flask_appbuilder.utils.base import get_safe_redirect
from flask_babel import lazy_gettext as _l
from flask_jwt_extended import create_access_token, create_refresh_token, get_current_user, jwt_required
from flask_login import current_user, login_user
from marshmallow import ValidationError, fields, validate
from wtforms import PasswordField, StringField, validators

from app.core import accounts
from app.core.security import SESSION_VERSION_KEY
from views.core.responses import json_error

PENDING_LOGIN_KEY = "second_factor_login"  # {"id", "ver", "at"}: the password passed
PENDING_LOGIN_SECONDS = 300
ENROL_SECRET_KEY = "second_factor_enrolment"  # the secret being set up, until confirmed
INVALID_CODE = _l("The code is not valid.")
PASSWORD_RULES = _l("At least 10 characters, three of: lower-case letters, capital letters, "
                    "digits, other characters; not containing the user name.")


# ---- password policy on forms -------------------------------------------------------

class PolicyPassword:
    """WTForms validator: app.core.accounts' password policy for the account whose name
    ``username_of(form)`` gives."""

    def __init__(self, username_of):
        self.username_of = username_of

    def __call__(self, form, field):
        problems = accounts.password_problems(field.data, self.username_of(form))
        if problems:
            raise validators.ValidationError(" ".join(str(problem) for problem in problems))


def password_fields(username_of) -> dict:
    """The password and its confirmation, checked by the policy."""
    return {
        "password": PasswordField(_l("Password"), description=PASSWORD_RULES,
                                  validators=[validators.DataRequired(), PolicyPassword(username_of)],
                                  widget=BS3PasswordFieldWidget()),
        "conf_password": PasswordField(_l("Confirm Password"),
                                       validators=[validators.DataRequired(), validators.EqualTo(
                                           "password", message=_l("Passwords must match"))],
                                       widget=BS3PasswordFieldWidget()),
    }


def _own_username(_form):
    return g.user.username


def _username_of_pk(_form):
    user = current_app.appbuilder.sm.get_user_by_id(request.args.get("pk", type=int))
    return user.username if user is not None else None


OwnPasswordForm = type("OwnPasswordForm", (DynamicForm,), password_fields(_own_username))
OtherPasswordForm = type("OtherPasswordForm", (DynamicForm,), password_fields(_username_of_pk))


class ResetMyPasswordView(fab_views.ResetMyPasswordView):
    form = OwnPasswordForm

    def form_post(self, form):
        super().form_post(form)
        # The change ended every session of the account; this one goes on.
        session[SESSION_VERSION_KEY] = g.user.session_version


class ResetPasswordView(fab_views.ResetPasswordView):
    form = OtherPasswordForm


# ---- signing in ---------------------------------------------------------------------

class SecondFactorForm(DynamicForm):
    code = StringField(_l("Code"), description=_l("The 6 digits your authenticator app shows."),
                       validators=[validators.DataRequired()], widget=BS3TextFieldWidget())


class AuthDBView(fab_views.AuthDBView):
    """The password, then (for an account that has one) the code of the second factor."""

    @expose("/login/", methods=["GET", "POST"])
    @no_cache
    def login(self):
        if g.user is not None and g.user.is_authenticated:
            return redirect(self._get_safe_next_url())
        form = LoginForm_db()
        if form.validate_on_submit():
            next_url = get_safe_redirect(request.args.get("next", ""))
            user = self.appbuilder.sm.password_login(form.username.data, form.password.data)
            if user is None:  # also a locked account: the same answer as a wrong password
                flash(str(self.invalid_login_message), "warning")
                return redirect(self.appbuilder.get_url_for_login_with(next_url))
            if accounts.has_second_factor(user):
                session[PENDING_LOGIN_KEY] = {"id": user.id, "ver": user.session_version,
                                              "at": time.time()}
                return redirect(url_for(".second_factor", next=next_url))
            return self._sign_in(user, next_url)
        return self.render_template(self.login_template, title=self.title, form=form,
                                    appbuilder=self.appbuilder)

    @expose("/login/code/", methods=["GET", "POST"])
    @no_cache
    def second_factor(self):
        user = self._pending_user()
        if user is None:
            return redirect(self.appbuilder.get_url_for_login)
        form = SecondFactorForm()
        if form.validate_on_submit():
            if not accounts.is_locked(user) and accounts.second_factor_passes(user, form.code.data):
                session.pop(PENDING_LOGIN_KEY, None)
                return self._sign_in(user, get_safe_redirect(request.args.get("next", "")))
            self.appbuilder.sm.login_failed(user)  # counts towards the lockout like a password
            flash(str(INVALID_CODE), "warning")
            return redirect(request.url)
        return self.render_template("account/second_factor.html", title=self.title, form=form,
                                    appbuilder=self.appbuilder)

    def _pending_user(self):
        pending = session.get(PENDING_LOGIN_KEY) or {}
        if time.time() - pending.get("at", 0) > PENDING_LOGIN_SECONDS:
            return None
        user = self.appbuilder.sm.get_user_by_id(pending.get("id"))
        if user is None or not user.is_active or not accounts.is_current(user, pending.get("ver")):
            return None
        return user

    def _sign_in(self, user, next_url):
        self.appbuilder.sm.complete_login(user)
        login_user(user, remember=False)
        return redirect(next_url)

    @expose("/logout/", methods=["GET", "POST"])
    def logout(self):
        """Signing out ends every session of the account (a write): the menu posts it
        with the token; a GET, from a bookmark or another site, only asks."""
        if request.method == "POST":
            return super().logout()
        if not current_user.is_authenticated:
            return redirect(self.appbuilder.get_url_for_login)
        return self.render_template("account/logout.html", appbuilder=self.appbuilder)


class SecondFactorView(BaseView):
    """Turning the second factor on: the secret as a QR code, confirmed by a code."""

    route_base = "/second-factor"
    default_view = "enrol"

    @expose("/", methods=["GET", "POST"])
    @no_cache
    def enrol(self):
        from views.filings.public import qr_svg  # (its module needs the app's Babel, set up later)

        user = current_user
        if not user.is_authenticated:
            return redirect(self.appbuilder.get_url_for_login)
        if not accounts.may_enrol(user):
            abort(403)
        form = SecondFactorForm()
        secret = session.get(ENROL_SECRET_KEY)
        if secret and form.validate_on_submit():
            if accounts.enable_second_factor(user, secret, form.code.data):
                session.pop(ENROL_SECRET_KEY, None)
                flash(str(_l("The second factor is on: signing in now asks for a code.")), "success")
                return redirect(self.appbuilder.get_url_for_index)
            flash(str(INVALID_CODE), "danger")
        if not secret:
            secret = session[ENROL_SECRET_KEY] = accounts.new_totp_secret()
        return self.render_template("account/enrol.html", form=form, secret=secret,
                                    qr=qr_svg(accounts.provisioning_uri(user, secret)),
                                    enabled=accounts.has_second_factor(user),
                                    required=accounts.must_enrol(user), appbuilder=self.appbuilder)


# Reachable while enrolment is still required.
ENROLMENT_ENDPOINTS = {"SecondFactorView.enrol", "AuthDBView.logout", "AuthDBView.login",
                       "AuthDBView.second_factor", "static", "appbuilder.static",
                       "LocaleView.index"}


def require_enrolment():
    """REQUIRE_TOTP_FOR: a signed-in account of those roles does nothing else first."""
    if not current_app.config.get("REQUIRE_TOTP_FOR") or request.endpoint in ENROLMENT_ENDPOINTS:
        return None
    user = current_user
    if not user.is_authenticated or not accounts.must_enrol(user):
        return None
    if request.path.startswith("/api/"):
        return json_error(403, MUST_ENROL)
    return redirect(url_for("SecondFactorView.enrol"))


MUST_ENROL = _l("Turn on the second factor (an authenticator app) first.")
CODE_NEEDED = _l("Enter the code of your authenticator app.")


# ---- the API ------------------------------------------------------------------------

class LoginWithCode(LoginPost):
    # shared/API.md's body names the provider; FAB's schema lets it be left out.
    provider = fields.String(required=True, validate=validate.OneOf(["db"]))
    totp = fields.String(load_default=None)


login_with_code = LoginWithCode()


class SecurityApi(fab_api.SecurityApi):
    @expose("/login", methods=["POST"])
    @safe
    def login(self):
        """A JWT for an account; with a second factor, its code in ``totp``
        ---
        post:
          description: >-
            Authenticate and get a JWT access token (15 minutes) and optionally a refresh
            token (12 hours). A locked account answers like a wrong password.
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  type: object
                  properties:
                    username:
                      type: string
                    password:
                      type: string
                    provider:
                      type: string
                      enum:
                      - db
                    refresh:
                      type: boolean
                    totp:
                      description: the code of the authenticator app, for accounts with a second factor
                      type: string
          responses:
            200:
              description: Authentication Successful
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      access_token:
                        type: string
                      refresh_token:
                        type: string
            400:
              $ref: '#/components/responses/400'
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
        """
        if not request.is_json:
            return json_error(400, _l("The request is not valid."))
        try:
            payload = login_with_code.load(request.json)
        except ValidationError as error:
            return json_error(400, _l("The request is not valid."), error.messages)
        sm = self.appbuilder.sm
        user = sm.password_login(payload["username"], payload["password"])
        if user is None:
            return json_error(401, self.appbuilder.sm.authdbview.invalid_login_message)
        if accounts.has_second_factor(user):
            if not accounts.second_factor_passes(user, payload["totp"]):
                if payload["totp"]:
                    sm.login_failed(user)
                return json_error(401, CODE_NEEDED, {"totp": [CODE_NEEDED]})
        elif accounts.must_enrol(user):
            return json_error(403, MUST_ENROL)
        sm.complete_login(user)
        tokens = {API_SECURITY_ACCESS_TOKEN_KEY: create_access_token(identity=str(user.id), fresh=True)}
        if payload.get("refresh"):
            tokens[API_SECURITY_REFRESH_TOKEN_KEY] = create_refresh_token(identity=str(user.id))
        return self.response(200, **tokens)

    @expose("/logout", methods=["POST"])
    @jwt_required()
    @safe
    def logout(self):
        """Ends every session and token of the account
        ---
        post:
          responses:
            200:
              description: every session and token of the account ended
            401:
              $ref: '#/components/responses/401'
          security:
            - jwt: []
        """
        self.appbuilder.sm.on_user_logout(get_current_user())
        return self.response(200, message=str(_l("Signed out everywhere.")))


def token_refused(_jwt_header, _jwt_data):
    """A token of an ended session (logout, password or access changed, deactivated)."""
    return json_error(401, _l("Please sign in."))


TOKEN_EXPIRED = _l("Your sign-in has expired; sign in again.")
TOKEN_INVALID = _l("The access token is not valid; sign in again.")
TOKEN_MISSING = _l("Send the access token of a sign-in: Authorization: Bearer <token>.")


def _token_error(status: int, message, detail: str):
    """The error shape of shared/API.md; ``msg`` keeps flask-jwt-extended's own words
    (English), which clients read before."""
    response = jsonify({"message": str(message), "errors": {"token": [str(message)]}, "msg": detail})
    response.status_code = status
    return response


# flask-jwt-extended's loaders (app.core.security); their statuses stay its own.
TOKEN_ERRORS = {
    "expired_token_loader": lambda _header, _data: _token_error(401, TOKEN_EXPIRED, "Token has expired"),
    "invalid_token_loader": lambda reason: _token_error(422, TOKEN_INVALID, reason),
    "unauthorized_loader": lambda reason: _token_error(401, TOKEN_MISSING, reason),
    "needs_fresh_token_loader": lambda _header, _data: _token_error(401, TOKEN_EXPIRED, "Fresh token required"),
    "revoked_token_loader": lambda _header, _data: _token_error(401, TOKEN_INVALID, "Token has been revoked"),
    "token_verification_failed_loader": lambda _header, _data: _token_error(
        400, TOKEN_INVALID, "User claims verification failed"),
}


def register(app):
    app.before_request(require_enrolment)
