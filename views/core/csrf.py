"""Cross-site request forgery: the one rule every request goes through.

- A GET (or HEAD, OPTIONS) never changes anything: FAB's delete and action routes,
  which also answer GET, refuse it with 405 (the screens send them as POST forms).
- A write (POST, PUT, PATCH, DELETE) authenticated by the session cookie needs the
  CSRF token, in the form field ``csrf_token`` or the header ``X-CSRFToken``; so does
  every form posted without a session (the login form).
- Not checked: an API call carrying ``Authorization: Bearer`` (a browser cannot add
  that header to a cross-site request: there is no CORS), an API call without a
  session (it has no authority; the API answers 401), and the public blueprints of
  travellers, who have no session (their edits carry the filing's own token).
"""
from flask import abort, current_app, request
from flask_appbuilder.baseviews import BaseCRUDView
from flask_login import current_user
from flask_wtf.csrf import CSRFProtect

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
# FAB's routes that change rows yet also answer GET (kept by FAB for old clients).
GET_MUTATION_ROUTES = frozenset({"delete", "action"})
PUBLIC_BLUEPRINTS = "csrf_public_blueprints"


def init_csrf(app) -> None:
    """Flask-WTF's own check runs for every request or none; ours decides per request
    (WTF_CSRF_CHECK_DEFAULT is False), and calls its check where the rule asks."""
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    csrf = CSRFProtect(app)
    app.extensions[PUBLIC_BLUEPRINTS] = set()

    @app.before_request
    def _forgery_check():
        if request.method in SAFE_METHODS:
            if request.method in ("GET", "HEAD") and _is_get_mutation_route():
                abort(405, valid_methods=["POST"])
            return
        if current_app.config["WTF_CSRF_ENABLED"] and needs_token():
            csrf.protect()


def exempt_public(app, blueprint) -> None:
    """A blueprint of the public (no account, no session) whose writes need no token."""
    app.extensions[PUBLIC_BLUEPRINTS].add(blueprint.name)


def needs_token() -> bool:
    """Whether this write must carry the token (the rule at the top of this module)."""
    if request.blueprint in current_app.extensions[PUBLIC_BLUEPRINTS]:
        return False
    if request.headers.get("Authorization", "").lower().startswith("bearer "):
        return False
    if request.path.startswith("/api/") and not current_user.is_authenticated:
        return False
    return True


def _is_get_mutation_route() -> bool:
    view = current_app.view_functions.get(request.endpoint)
    return (getattr(view, "__name__", None) in GET_MUTATION_ROUTES
            and isinstance(getattr(view, "__self__", None), BaseCRUDView))
