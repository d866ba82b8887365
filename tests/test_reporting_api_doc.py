"""The reporting endpoints are described in the OpenAPI spec integrators read."""


def test_openapi_describes_the_reporting_endpoints(api):
    spec = api("admin").get("/api/v1/_openapi").json
    paths = spec["paths"]
    for path in ("/daily_report/{pk}/submit", "/escalation/{pk}/acknowledge", "/escalation/{pk}/resolve"):
        operation = paths[f"/api/v1{path}"]["post"]
        assert operation["responses"]["409"] and operation["requestBody"]
    assert "/api/v1/daily_report/compliance" in paths
