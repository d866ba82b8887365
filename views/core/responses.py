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


def batch_refusal(rejected):
    """A refused import batch (POST /api/v1/filing/import): the error shape of every 400
    (``errors`` by row: ``{"3": ["field: message"]}``, what clients parse today) and, beside
    it, the batch answer of shared/API.md: ``created`` and ``unchanged`` empty (nothing was
    stored) and each problem as ``{"index", "field", "message"}`` in ``row_errors``."""
    response = error_response(rejected)
    body = response.get_json()
    body.update(created=[], unchanged=[], row_errors=[
        {"index": problem.row, "field": problem.column or None, "message": str(problem.message)}
        for problem in rejected.problems])
    response.set_data(jsonify(body).get_data())
    return response
