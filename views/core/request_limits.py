"""How large a request body may be: small on the public endpoints anyone can call,
larger elsewhere (staff upload their imports). Past the limit the answer is 413
(views.core.errors), before the body is read."""
from flask import abort, current_app, request
from flask_babel import lazy_gettext as _l

PUBLIC_PREFIXES = ("/api/v1/public/", "/report/")
MEGABYTE = 1024 * 1024


def body_limit(path: str) -> int:
    public = (path.rstrip("/") + "/").startswith(PUBLIC_PREFIXES)
    return current_app.config["PUBLIC_MAX_CONTENT_LENGTH" if public else "IMPORT_MAX_CONTENT_LENGTH"]


def limit_request_body():
    # Set before anything reads the body: werkzeug then refuses a larger declared
    # length, and stops a chunked body at the limit.
    request.max_content_length = body_limit(request.path)
    if request.content_length is not None:
        if request.content_length > request.max_content_length:
            abort(413)
    elif request.environ.get("wsgi.input_terminated"):
        # A chunked body declares no length: read it here, up to the limit (werkzeug
        # stops there, silently), so that a longer one answers 413 from this hook and
        # not a truncated body to a view. Parsing the body later uses this copy.
        if len(request.get_data(cache=True, parse_form_data=False)) >= request.max_content_length:
            abort(413)


def too_large_message():
    """The limit the body went past; None when it was within it (a 413 for one form
    field too large, say), for the general message."""
    limit = request.max_content_length
    if limit is None or (request.content_length is not None and request.content_length <= limit):
        return None
    return _l("The request is larger than the %(size)s allowed here.", size=_size(limit))


def _size(limit: int) -> str:
    return f"{limit / MEGABYTE:g} MB" if limit >= MEGABYTE else f"{limit / 1024:g} KB"


def register(app) -> None:
    # After FAB's hook (it sets g.user, which the error page's menu needs), before any
    # view reads the body; Flask's MAX_CONTENT_LENGTH bounds whatever might read earlier.
    app.before_request(limit_request_body)
