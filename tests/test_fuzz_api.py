"""A short Schemathesis run in CI: a few generated requests per operation of the served
OpenAPI spec, as an administrator, an officer and anonymously (the public endpoints),
through the WSGI app. No answer may be a 5xx or break the schema it declares.

The long run, by hand, is bench/fuzz_api.py (every role, a served app, minutes each).
``FUZZ_EXAMPLES`` sets the requests per operation (default 3).
"""
import os

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.openapi import from_dict
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.conftest import ApiClient

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "3"))
CHECKS = [not_a_server_error, response_schema_conformance]
# The seed rows every test keeps (regions, accounts) must survive: no writes to them.
SEED_WRITES = {"POST /api/v1/region/", "PUT /api/v1/region/{pk}", "DELETE /api/v1/region/{pk}",
               "PUT /api/v1/user/{pk}", "DELETE /api/v1/user/{pk}"}


@pytest.fixture(scope="module")
def spec(app):
    return ApiClient(app.test_client(), "admin").get("/api/v1/_openapi").json


def _headers(app, username):
    return ApiClient(app.test_client(), username).headers if username else {}


def _selected(operation, username) -> bool:
    if username is None:
        return operation.path.startswith("/api/v1/public/")
    return operation.label not in SEED_WRITES


@pytest.mark.parametrize("username", ["admin", "officer", None])
def test_generated_requests_get_no_server_error_and_match_their_schema(app, spec, username):
    schema = from_dict(spec)
    schema.app = app
    headers = _headers(app, username)
    failures, tried = [], 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if not _selected(operation, username):
            continue
        tried += 1

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                  phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
        def fuzz(case):
            response = case.call(headers=headers)
            try:
                case.validate_response(response, checks=CHECKS)
            except AssertionError as failure:  # collect them all rather than shrink one
                failures.append(f"{operation.label}: {str(failure).strip().splitlines()[0]}")

        fuzz()
    assert tried >= (5 if username is None else 100)
    assert not failures, "\n".join(sorted(set(failures)))
