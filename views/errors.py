"""Errors in the user's language: JSON for the API, a page for screens."""
from flask import flash, redirect, render_template, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

from app.errors import DomainError
from app.extensions import db
from views.input_guard import check_request
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


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def register_error_handlers(app):
    app.before_request(check_request)  # malformed input is refused before any view

    @app.errorhandler(DomainError)
    def domain_error(error):
        db.session.rollback()
        if _wants_json():
            return error_response(error)
        flash(str(error.message), "danger")
        return redirect(request.referrer or "/")

    @app.errorhandler(HTTPException)
    def http_error(error):
        message = HTTP_MESSAGES.get(error.code, error.description)
        if _wants_json():
            return json_error(error.code, message)
        return render_template("error.html", code=error.code, message=message,
                               base_template=app.appbuilder.base_template,
                               appbuilder=app.appbuilder), error.code
