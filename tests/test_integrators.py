"""Integrators: the API docs, the import of filings from a local system, the change feed."""
from app.core.extensions import db
from models import Filing
from tests.conftest import user_id
from tests.filing_data import NEIGHBOUR_COMMUNITY, count_filings, report


def test_the_integrator_opens_the_spec_and_swagger_ui(api, web):
    spec = api("integrator").get("/api/v1/_openapi")
    assert spec.status_code == 200
    paths = spec.json["paths"]
    assert "post" in paths["/api/v1/public/filings"] and "/api/v1/filing/" in paths
    assert web("integrator").get("/swagger/v1").status_code == 200
    assert api("officer").get("/api/v1/_openapi").status_code == 403
    assert web("admin").get("/swagger/v1").status_code == 200


# ---- POST /api/v1/filing/import -----------------------------------------------------------

def _batch(*rows):
    return {"filings": [{"external_id": external_id, **report(**overrides)} for external_id, overrides in rows]}


def _imported(app, external_id):
    with app.app_context():
        return db.session.execute(db.select(Filing.__table__).where(Filing.external_id == external_id)).mappings().all()


def test_a_batch_is_stored_with_channel_import_and_sending_it_again_changes_nothing(app, api):
    batch = _batch(("L-1", {}), ("L-2", {"destination_region_code": NEIGHBOUR_COMMUNITY}))
    first = api("integrator").post("/api/v1/filing/import", json=batch)
    assert first.status_code == 200, first.json
    assert [row["external_id"] for row in first.json["created"]] == ["L-1", "L-2"]
    assert first.json["unchanged"] == [] and first.json["errors"] == []
    stored = _imported(app, "L-1")
    assert len(stored) == 1 and stored[0]["channel"] == "import" and stored[0]["filed_by_id"] == user_id(app, "integrator")
    before = count_filings(app)

    again = api("integrator").post("/api/v1/filing/import", json=batch)
    assert again.status_code == 200, again.json
    assert again.json["created"] == []
    assert [(r["index"], r["external_id"], r["id"]) for r in again.json["unchanged"]] == [
        (r["index"], r["external_id"], r["id"]) for r in first.json["created"]]
    assert count_filings(app) == before

    # A new row with the old ones: only it is stored.
    grown = {"filings": batch["filings"] + _batch(("L-3", {}))["filings"]}
    third = api("integrator").post("/api/v1/filing/import", json=grown)
    assert [r["external_id"] for r in third.json["created"]] == ["L-3"]
    assert [r["external_id"] for r in third.json["unchanged"]] == ["L-1", "L-2"]
    assert count_filings(app) == before + 1


def test_one_bad_row_rejects_the_whole_batch_with_every_problem_by_row(app, api):
    batch = _batch(("A", {}), ("B", {"transport_mode": "rocket", "commitment": False}), ("C", {}))
    batch["filings"][2].pop("name")
    response = api("integrator", language="en").post("/api/v1/filing/import", json=batch)
    assert response.status_code == 400, response.json
    assert set(response.json["errors"]) == {"1", "2"}
    assert any(m.startswith("transport_mode:") for m in response.json["errors"]["1"])
    assert any(m.startswith("commitment:") for m in response.json["errors"]["1"])
    assert any(m.startswith("name:") for m in response.json["errors"]["2"])
    assert response.json["message"] == "The batch has errors; nothing was imported."
    assert count_filings(app) == 0
    chinese = api("integrator").post("/api/v1/filing/import", json=batch)
    assert chinese.json["message"] == "批次有错误，未导入任何数据。"


def test_external_ids_are_required_and_unique_in_a_batch(app, api):
    batch = _batch(("X", {}), ("X", {}), ("", {}))
    response = api("integrator").post("/api/v1/filing/import", json=batch)
    assert response.status_code == 400
    assert set(response.json["errors"]) == {"1", "2"}
    assert api("integrator").post("/api/v1/filing/import", json={"filings": "x"}).status_code == 400
    assert api("integrator").post("/api/v1/filing/import", json=[1]).status_code == 400
    assert count_filings(app) == 0


def test_the_jurisdiction_bounds_the_destinations_and_external_ids_are_per_integrator(app, api):
    outside = api("integrator2").post("/api/v1/filing/import", json=_batch(("Z-1", {})))
    assert outside.status_code == 400 and "destination_region_code" in outside.json["errors"]["0"][0]
    assert count_filings(app) == 0
    mine = api("integrator").post("/api/v1/filing/import", json=_batch(("Z-1", {})))
    assert mine.status_code == 200 and len(mine.json["created"]) == 1


def test_a_person_already_filed_for_that_day_is_a_row_error(app, api):
    body = report()
    api("officer").post("/api/v1/filing/", json=body)
    response = api("integrator").post("/api/v1/filing/import", json={"filings": [{"external_id": "D", **body}]})
    assert response.status_code == 400 and response.json["errors"]["0"][0].startswith("id_number:")


def test_only_integrators_and_admins_import(api):
    assert api("officer").post("/api/v1/filing/import", json=_batch(("O", {}))).status_code == 403
    assert api("city").post("/api/v1/filing/import", json=_batch(("O", {}))).status_code == 403
