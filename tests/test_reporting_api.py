"""The reporting API as integrators see it: described in the OpenAPI spec, and open
to exactly the roles the permission matrix names."""
import pytest

from app.core import roles
from tests.conftest import TEST_USERS

ROLE_OF = {username: role for username, role, _code in TEST_USERS}


def test_openapi_describes_the_reporting_endpoints(api):
    spec = api("admin").get("/api/v1/_openapi").json
    paths = spec["paths"]
    for path in ("/daily_report/{pk}/submit", "/escalation/{pk}/acknowledge", "/escalation/{pk}/resolve"):
        operation = paths[f"/api/v1{path}"]["post"]
        assert operation["responses"]["409"] and operation["requestBody"]
    assert "/api/v1/daily_report/compliance" in paths


@pytest.mark.parametrize("username", sorted(ROLE_OF))
def test_reading_follows_the_matrix(api, username):
    client = api(username)
    for url, resource in (("/api/v1/daily_report/", roles.DAILY_REPORT),
                          ("/api/v1/escalation/", roles.ESCALATION)):
        status = client.get(url).status_code
        assert status == (200 if roles.can(ROLE_OF[username], roles.READ, resource) else 403), (url, status)


def test_generic_writes_are_not_offered(api):
    client = api("admin")
    for url in ("/api/v1/daily_report/", "/api/v1/escalation/"):
        assert client.post(url, json={}).status_code == 405
    assert client.delete("/api/v1/daily_report/1").status_code == 405
