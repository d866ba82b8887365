"""Errors in the user's language: JSON for the API, a page for screens."""
import sys

import psycopg
from flask import current_app, flash, redirect, render_template, request
from flask_appbuilder.api import BaseApi
from flask_babel import get_locale, lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from app.core.errors import DomainError
from app.core.extensions import db
from app.core.sqltools import database_unavailable
from views.core.request_limits import too_large_message
from views.core.responses import error_response, json_error

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
    503: _l("The service is briefly unavailable; nothing was changed. Please try again in a moment."),
}
# A write without a valid CSRF token (views/core/csrf.py): usually a page opened before the
# session changed, or a request from another site.
CSRF_MESSAGE = _l("This request did not come from a page of this console, or the page has "
                  "expired; reload the page and try again. Nothing was changed.")
DATABASE_ERRORS = (DBAPIError, PoolTimeout, psycopg.Error)


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def unavailable_response():
    """503 with ``Retry-After``: the error shape for the API, a page of its own for
    screens, rendered without the context processors (they load the signed-in user
    from the database)."""
    message = HTTP_MESSAGES[503]
    if _wants_json():
        response = json_error(503, message)
    else:
        page = current_app.jinja_env.get_template("unavailable.html").render(message=message)
        response = current_app.make_response((page, 503))
    response.headers["Retry-After"] = str(current_app.config["DATABASE_RETRY_AFTER_SECONDS"])
    return response


def _forget_failed_transaction():
    try:
        db.session.rollback()
    except Exception:  # the connection is gone; the session is removed after the request
        pass


def _fab_response_500(original):
    """FAB's ``@safe`` turns every exception of its APIs into a 500 before Flask's
    handlers see it; it calls ``response_500`` while handling the exception, so the
    exception is still at hand here."""
    def response_500(self, message=None):
        error = sys.exc_info()[1]
        if error is not None and database_unavailable(error):
            _forget_failed_transaction()
            return unavailable_response()
        return original(self, message)
    response_500.wrapped_for_unavailability = True
    return response_500


def register_error_handlers(app):
    if not getattr(BaseApi.response_500, "wrapped_for_unavailability", False):
        BaseApi.response_500 = _fab_response_500(BaseApi.response_500)

    def database_error(error):
        if not database_unavailable(error):
            raise error  # a fault of ours: Flask's 500, logged
        app.logger.warning("database unavailable: %s", type(error).__name__)
        _forget_failed_transaction()
        return unavailable_response()

    for kind in DATABASE_ERRORS:
        app.register_error_handler(kind, database_error)

    @app.errorhandler(DomainError)
    def domain_error(error):
        db.session.rollback()
        if _wants_json():
            response = error_response(error)
            if getattr(error, "retry_after", None):  # app.core.rate_limits.TooManyRequests
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
        if request.blueprint in ("report", "healthcode"):  # the public pages keep their own layout
            return render_template("report/error.html", code=error.code, message=message,
                                   lang=str(get_locale())), error.code
        return render_template("error.html", code=error.code, message=message,
                               base_template=app.appbuilder.base_template,
                               appbuilder=app.appbuilder), error.code
