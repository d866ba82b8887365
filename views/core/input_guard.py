"""What every request's input must be before a view reads it, checked once here so that
malformed input answers 400 (or 404 for an id no row can have) and never reaches a
view, a library or the database as something that fails with a 500:

- an ``<int:...>`` path part is a 64-bit integer (SQLite and PostgreSQL ids), else 404;
- a JSON body parses (100,000 nested brackets too: 400, not a RecursionError);
- no text (path, query, form, JSON) holds a NUL or a lone surrogate (app.core.text_input);
- ``q`` of FAB's REST endpoints is valid Rison;
- FAB's list paging (``page_<View>``, ``psize_<View>``) is a whole number.
"""
import re

import prison
from flask import abort, current_app, request
from flask_appbuilder import ModelRestApi
from flask.json.provider import DefaultJSONProvider
from flask_babel import lazy_gettext as _l
from werkzeug.routing import IntegerConverter

from app.core.errors import ValidationFailed
from app.core.text_input import UNSTORABLE_TEXT, is_storable, unstorable_paths

LARGEST_ID = 2 ** 63 - 1
# FAB reads every argument whose name contains these as an int (flask_appbuilder.urltools).
PAGING_ARGUMENT = re.compile("page_|psize_")
LARGEST_PAGE = 2 ** 31 - 1
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
# Valid JSON text holds a NUL or a surrogate only as an escape (\u0000, \ud800-\udfff):
# a body without one needs no walk (the public filing is the hot path).
MAY_HOLD_UNSTORABLE = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])|\x00")
NOT_JSON = _l("The request body is not valid JSON.")
BAD_QUERY = _l("The query argument \"q\" is not valid Rison.")
BAD_PAGE = _l("A page number or size must be a whole number.")


class RowIdConverter(IntegerConverter):
    """``<int:pk>``: at most 64 bits, so a longer number is an unknown row (404)
    rather than an overflow in the database driver."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", LARGEST_ID)
        super().__init__(map, *args, **kwargs)


def row_id(pk) -> int | None:
    """A path's row id as an int, or None when no row can have it (FAB's ``<pk>``
    routes take any text)."""
    text = str(pk)
    if not text.isascii() or not text.isdigit():
        return None
    number = int(text)
    return number if 0 < number <= LARGEST_ID else None


class RequestJSONProvider(DefaultJSONProvider):
    """Too deep a document is invalid JSON (a ValueError, which Flask answers 400)."""

    def loads(self, s, **kwargs):
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError("JSON nested too deeply")


def check_request() -> None:
    """``before_request``: refuse malformed input: 400 with the field errors for the
    API, the 400 page for screens."""
    errors = {}
    sources = [("path", request.view_args or {}), ("query", request.args)]
    if request.mimetype in FORM_TYPES:  # (asking any other request for its form parses for nothing)
        sources.append(("form", request.form))
    for where, values in sources:
        for name, value in _items(values):
            name = name if isinstance(name, str) else where  # a multipart part may have none
            if isinstance(value, str) and not (is_storable(value) and is_storable(name)):
                errors.setdefault(name if is_storable(name) else where, []).append(UNSTORABLE_TEXT)
    for name, value in request.args.items(multi=True):
        if PAGING_ARGUMENT.search(name) and not _is_page_number(value):
            errors.setdefault(name, []).append(BAD_PAGE)
    if "q" in request.args and "q" not in errors and _takes_rison():
        try:
            prison.loads(request.args["q"])
        except Exception:  # prison raises several kinds (ValueError, its own, IndexError)
            errors["q"] = [BAD_QUERY]
    raw = request.get_data(cache=True) if request.is_json else b""
    if raw:
        body = request.get_json(silent=True)
        if body is None and raw.strip() != b"null":
            errors["_schema"] = [NOT_JSON]
        if MAY_HOLD_UNSTORABLE.search(raw):  # the walk only where an escape could make one
            for path in unstorable_paths(body):
                errors.setdefault(path, []).append(UNSTORABLE_TEXT)
    if errors:
        if not request.path.startswith("/api/"):
            abort(400)
        raise ValidationFailed(errors=errors)


def _takes_rison() -> bool:
    """FAB's list, show and info endpoints read ``q`` as Rison (other endpoints' ``q``
    is plain text, e.g. ``lookup``)."""
    view = current_app.view_functions.get(request.endpoint)
    return getattr(view, "__func__", None) in (ModelRestApi.get_list, ModelRestApi.get, ModelRestApi.info)


def _items(values):
    return values.items(multi=True) if hasattr(values, "getlist") else values.items()


def _is_page_number(value: str) -> bool:
    return value.isascii() and value.isdigit() and int(value) <= LARGEST_PAGE


def init_input_guard(app) -> None:
    """Before any view is registered: the converter applies to every ``<int:...>``.
    (``check_request`` is registered by ``register_check``, after FAB's own
    ``before_request`` that the error page needs.)"""
    app.json = RequestJSONProvider(app)
    app.url_map.converters["int"] = RowIdConverter


def register_check(app) -> None:
    """Malformed input is refused before any view (after FAB's and the limiter's hooks)."""
    app.before_request(check_request)
