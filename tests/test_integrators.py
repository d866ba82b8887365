"""Integrators: the API docs, the import of filings from a local system, the change feed."""


def test_the_integrator_opens_the_spec_and_swagger_ui(api, web):
    spec = api("integrator").get("/api/v1/_openapi")
    assert spec.status_code == 200
    paths = spec.json["paths"]
    assert "post" in paths["/api/v1/public/filings"] and "/api/v1/filing/" in paths
    assert web("integrator").get("/swagger/v1").status_code == 200
    assert api("officer").get("/api/v1/_openapi").status_code == 403
    assert web("admin").get("/swagger/v1").status_code == 200
