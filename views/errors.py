"""Errors in the user's language: JSON for the API, a page for screens."""
from flask import flash, redirect, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from app.errors import DomainError
from app.extensions import db
from views.request_limits import too_large_message
from views.responses import error_response, json_error

HTTP_MESSAGES = {
    400: _l("The request is not valid."),
    401: _l("Please sign in."),
    403: _l("You may not do this."),
    404: _l("Not found."),
    405: _l("This method is not allowed here."),
    409: _l("This conflicts with the current state."),
    413: _l("The upload is too large."),
    429: _l("Too many requests; try again later."),
    500: _l("Something went wrong on our side; nothing was changed."),
}
# A write without a valid CSRF token (views/csrf.py): usually a page opened before the
# session changed, or a request from another site.
CSRF_MESSAGE = _l("This request did not come from a page of this console, or the page has "
                  "expired; reload the page and try again. Nothing was changed.")


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def register_error_handlers(app):
    @app.errorhandler(DomainError)
    def domain_error(error):
        db.session.rollback()
        if _wants_json():
            response = error_response(error)
            if getattr(error, "retry_after", None):  # app.rate_limits.TooManyRequests
                response.headers["Retry-After"] = str(error.retry_after)
            return response
        flash(str(error.message), "danger")
        return redirect(request.referrer or "/")

    @app.errorhandler(HTTPException)
    def http_error(error):
        if isinstance(error, CSRFError):
            message = CSRF_MESSAGE
        else:
            message = (error.code == 413 and too_large_message()) or HTTP_MESSAGES.get(error.code, error.description)
        if _wants_json():
            return json_error(error.code, message)
        return render_template("error.html", code=error.code, message=message,
                               base_template=app.appbuilder.base_template,
                               appbuilder=app.appbuilder), error.code
