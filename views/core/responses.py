"""JSON error bodies of the HTTP contract: ``{"message": "...", "errors": {...}}``,
in the language of the request."""
from flask import jsonify

from app.core.errors import DomainError


def _text(value):
    if isinstance(value, dict):
        return {k: _text(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_text(v) for v in value]
    return str(value)


def json_error(status: int, message, errors=None):
    response = jsonify({"message": str(message), "errors": _text(errors or {})})
    response.status_code = status
    return response


def error_response(error: DomainError):
    return json_error(error.status, error.message, error.errors)
