"""The checks FAB's generated REST API leaves out, so a malformed body or an impossible
id answers 400 / 404 and writes nothing:

- ``checked_schema``: the add and edit schemas FAB derives from a model refuse what
  its columns cannot hold (a number beyond the column's range, a related row given as
  an object instead of its id) with field errors, instead of failing in the database;
- ``refusing_bad_input``: a FAB endpoint's ``<pk>`` must be a row id (else 404); a rule
  refusing, or the database refusing a value, answers 400 / 409 with
  ``{"message", "errors"}`` and rolls back (FAB's ``@safe`` would answer 500);
- ``safe``: the same for the console's own API endpoints, in place of FAB's ``@safe``
  (which also turns ``abort(404)`` into a 500);
- ``json_object``: an endpoint's optional JSON object body.
"""
import functools
from decimal import Decimal, InvalidOperation

from flask import request
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields, post_dump, pre_load
from marshmallow_sqlalchemy.fields import Related, RelatedList
from sqlalchemy import BigInteger, Integer, Numeric, SmallInteger, inspect
from sqlalchemy.exc import DataError, IntegrityError
from werkzeug.exceptions import HTTPException

from app.core.errors import Conflict, DomainError, ValidationFailed
from app.core.extensions import db
from app.core.text_input import is_storable
from views.core.input_guard import LARGEST_ID, row_id
from views.core.responses import error_response, json_error

NOT_AN_ID = _l("Give the id of a row.")
OUT_OF_RANGE = _l("Enter a number from %(low)s to %(high)s.")
NOT_AN_OBJECT = _l("The request body must be a JSON object.")
NOT_TEXT = _l("Enter text.")
REFUSED_VALUE = _l("A value is too long or out of range; nothing was saved.")
CONFLICTING_ROW = _l("This conflicts with an existing row; nothing was saved.")


def _integer_limit(column_type) -> int | None:
    for kind, bits in ((SmallInteger, 15), (BigInteger, 63), (Integer, 31)):
        if isinstance(column_type, kind):
            return 2 ** bits - 1
    return None


def _number_limits(model) -> dict[str, tuple]:
    """``{column: (low, high)}`` of the model's whole-number and fixed-point columns."""
    limits = {}
    for column in inspect(model).columns:
        column_type = column.type
        if isinstance(column_type, Numeric) and not isinstance(column_type, Integer) \
                and column_type.precision is not None:
            scale = column_type.scale or 0
            high = Decimal(10) ** (column_type.precision - scale) - Decimal(10) ** -scale
            limits[column.key] = (-high, high)
        elif (largest := _integer_limit(column_type)) is not None:
            limits[column.key] = (-largest - 1, largest)
    return limits


def _as_number(value):
    if isinstance(value, bool):
        return None
    try:
        return Decimal(str(value)) if isinstance(value, (int, float, str)) else None
    except InvalidOperation:
        return None


def _is_row_id(value) -> bool:
    if isinstance(value, list):
        return all(_is_row_id(item) for item in value)
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        return False
    return not isinstance(value, int) or abs(value) <= LARGEST_ID


def checked_schema(schema, model):
    """The schema, refusing numbers its model's columns cannot hold and related rows
    given other than by id (both with field errors, as marshmallow's own)."""
    limits = _number_limits(model)
    base = type(schema)

    @pre_load
    def _refuse_what_columns_cannot_hold(self, data, **kwargs):
        if not isinstance(data, dict):
            return data
        errors = {}
        for name, value in data.items():
            field = self.load_fields.get(name)
            if isinstance(field, (Related, RelatedList)):
                if value is not None and not _is_row_id(value):
                    errors[name] = [NOT_AN_ID]
            elif isinstance(field, fields.Number) and (field.attribute or name) in limits:
                low, high = limits[field.attribute or name]
                number = _as_number(value)
                if number is not None and not (number.is_finite() and low <= number <= high):
                    errors[name] = [OUT_OF_RANGE % {"low": low, "high": high}]
        if errors:
            raise ValidationError(errors)
        return data

    checked = type(base.__name__, (base,), {"Meta": type("Meta", (base.Meta,), {}),
                                            "_refuse_what_columns_cannot_hold": _refuse_what_columns_cannot_hold})
    return checked()


def with_time_offsets(schema):
    """The schema, answering its date-time fields (naive UTC as stored) with ``+00:00``."""
    names = tuple(name for name, field in schema.dump_fields.items() if isinstance(field, fields.DateTime))
    if not names:
        return schema
    base = type(schema)

    @post_dump
    def _utc_offsets(self, data, **kwargs):
        for name in names:
            value = data.get(name)
            if isinstance(value, str) and "T" in value and not value.endswith(("Z", "+00:00")) \
                    and value[-6] not in "+-":
                data[name] = value + "+00:00"
        return data

    offsets = type(base.__name__, (base,), {"Meta": type("Meta", (base.Meta,), {}),
                                            "_utc_offsets": _utc_offsets})
    return offsets()


def refusal(error: Exception) -> DomainError | None:
    """What a refused write is to the caller: a rule's own error, or the database
    refusing a value (400) or a duplicate (409). None for anything else (a bug: 500)."""
    if isinstance(error, DomainError):
        return error
    if isinstance(error, DataError):
        return ValidationFailed(REFUSED_VALUE)
    if isinstance(error, IntegrityError):
        return Conflict(CONFLICTING_ROW)
    return None


REFUSALS = (DomainError, DataError, IntegrityError)


def safe(endpoint):
    """For the console's own API endpoints (under ``@protect()``): an HTTP error keeps
    its status, a refusal answers its error after a rollback; anything else is a bug
    that Flask logs and answers 500 (views.core.errors)."""
    @functools.wraps(endpoint)
    def wrapper(*args, **kwargs):
        try:
            return endpoint(*args, **kwargs)
        except HTTPException:
            raise
        except REFUSALS as error:
            db.session.rollback()
            return error_response(refusal(error))
    return wrapper


def json_object() -> dict:
    """The request's JSON body, an object ({} when none was sent)."""
    body = request.get_json(silent=True)
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise ValidationFailed(NOT_AN_OBJECT, {"_schema": [NOT_AN_OBJECT]})
    return body


def optional_text(body: dict, name: str) -> str | None:
    """A text field of a JSON object body, or None when absent."""
    value = body.get(name)
    if value is not None and not isinstance(value, str):
        raise ValidationFailed(errors={name: [NOT_TEXT]})
    return value


def row_key(model, pk):
    """The model's primary key value of a path's ``pk``, or None when no row can have
    it (FAB routes take any text, or an int for a text key)."""
    column = inspect(model).primary_key[0]
    if isinstance(column.type, Integer):
        return row_id(pk)
    text = str(pk)
    return text if is_storable(text) and len(text) <= (column.type.length or len(text)) else None


def refusing_bad_input(method):
    """Wrap a FAB ``*_headless`` method taking ``pk`` (or none): an impossible key is a
    404; a refused write rolls back and answers its error."""
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        if args:
            key = row_key(self.datamodel.obj, args[0])
            if key is None:
                return json_error(404, _l("Not found."))
            args = (key, *args[1:])
        return safe(method)(self, *args, **kwargs)
    return wrapper
