"""Malformed input answers 400 (or 404 for an id no row can have) with the error shape
of shared/API.md, never 500, and writes nothing (the "Trust" issue, item 15)."""
import json

import pytest
from sqlalchemy import func, select

from app.core.extensions import db
from models import Filing, RewardPenalty
from models.ledger import Grid
from tests.conftest import login
from tests.filing_data import report

HUGE_ID = 2 ** 70


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def _post_raw(client, url, text, headers=None):
    return client.post(url, data=text, content_type="application/json", headers=headers or {})


def _assert_refused(response, status=400):
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    body = response.get_json()
    assert isinstance(body["message"], str) and isinstance(body["errors"], dict)
    return body


@pytest.mark.parametrize("field, raw", [
    ("name", '"张\\u0000三"'),                     # a NUL byte in a name
    ("destination_address", '"体育路\\ud800号"'),  # a lone surrogate in an address
    ("origin_address", '"\\udfff"'),
])
def test_unstorable_text_in_a_public_filing_is_refused(app, client, field, raw):
    body = json.dumps({k: v for k, v in report().items() if k != field}, ensure_ascii=False)
    text = body[:-1] + f', "{field}": {raw}}}'
    body = _assert_refused(_post_raw(client, "/api/v1/public/filings", text))
    assert field in body["errors"]
    assert _count(app, Filing) == 0


def test_unstorable_text_is_refused_in_english_too(client):
    response = client.post("/api/v1/public/filings", headers={"Accept-Language": "en"},
                           json=report(name="a\x00b"))
    body = _assert_refused(response)
    assert "cannot be stored" in body["errors"]["name"][0]


def test_a_100k_deep_json_body_is_refused(app, client):
    deep = "[" * 100_000 + "]" * 100_000
    _assert_refused(_post_raw(client, "/api/v1/public/filings", deep))
    _assert_refused(_post_raw(client, "/api/v1/public/filings/batch", '{"filings": ' + deep + "}"))
    assert _count(app, Filing) == 0


def test_an_arrival_in_year_1_is_refused(app, client):
    body = _assert_refused(client.post("/api/v1/public/filings",
                                       json=report(expected_arrival_at="0001-01-01T00:00:00+08:00")))
    assert "expected_arrival_at" in body["errors"]
    assert _count(app, Filing) == 0


@pytest.mark.parametrize("query", ["psize_FilingView=abc", "page_FilingView=-5",
                                   "page_FilingView=99999999999999999999", "name=a%00b"])
def test_bad_list_arguments_of_a_screen_answer_400(client, query):
    login(client, "admin")
    assert client.get(f"/filingview/list/?{query}").status_code == 400


def test_an_unknown_action_answers_404(web):
    client = web("admin")
    assert client.post("/filingview/action_post", data={"action": "nope", "rowid": ["1"]}).status_code == 404
    assert client.get("/filingview/action/nope/1").status_code in (404, 405)


@pytest.mark.parametrize("q", ["((", "(a:!", "-2.459641518901132e", "(page:'x\x00')"])
def test_bad_rison_answers_400(api, q):
    _assert_refused(api("admin").get("/api/v1/filing/", query_string={"q": q}))


def test_a_number_as_rison_answers_400_not_500(api):
    response = api("admin").get("/api/v1/household/", query_string={"q": "-1.27e+16"})
    assert response.status_code == 400


@pytest.mark.parametrize("url", ["/api/v1/device_service/export", "/api/v1/reward/export",
                                 "/api/v1/device_service/template", "/api/v1/reward/template"])
def test_excel_routes_of_apis_without_excel_columns_answer_404(api, url):
    assert api("admin").get(url).status_code in (404, 405)  # no such route: PUT /<pk> matches


@pytest.mark.parametrize("method, url", [
    ("get", f"/api/v1/escalation/{HUGE_ID}"), ("get", f"/api/v1/filing/{HUGE_ID}"),
    ("put", f"/api/v1/filing/{HUGE_ID}"), ("delete", f"/api/v1/reward/{HUGE_ID}"),
    ("get", f"/api/v1/filing/{HUGE_ID}/history"), ("post", f"/api/v1/escalation/{HUGE_ID}/acknowledge"),
    ("post", f"/api/v1/reward/{HUGE_ID}/approve"), ("put", "/api/v1/grid/abc"),
])
def test_an_id_beyond_64_bits_answers_404(api, method, url):
    response = getattr(api("admin"), method)(url, json={})
    assert response.status_code == 404, response.get_data(as_text=True)[:300]


@pytest.mark.parametrize("url", ["/api/v1/escalation/1/acknowledge", "/api/v1/escalation/1/resolve",
                                 "/api/v1/daily_report/1/submit", "/api/v1/reward/1/approve"])
@pytest.mark.parametrize("body", [[None, None], 1.5, {"note": [None]}])
def test_a_row_action_with_a_body_of_the_wrong_shape_answers_400(api, url, body):
    response = api("admin").post(url, json=body)
    assert response.status_code in (400, 404), response.get_data(as_text=True)[:300]


@pytest.mark.parametrize("body", [
    {"reason": "x", "region_code": "41", "kind": "reward", "amount": -4.4e181},
    {"reason": "x", "region_code": "41", "kind": "reward", "source_id": 3361906827770223870869504},
    {"reason": "x", "region_code": "41", "kind": "reward", "staff": {"": False}},
])
def test_a_ledger_post_with_values_no_column_holds_answers_400(app, api, body):
    response = api("admin").post("/api/v1/reward/", json=body)
    assert response.status_code in (400, 422), response.get_data(as_text=True)[:300]
    assert _count(app, RewardPenalty) == 0


def test_a_ledger_post_with_a_nul_answers_400_and_writes_nothing(app, api):
    response = api("admin").post("/api/v1/grid/", json={"name": "网格\x00", "community_code": "410105001003"})
    body = _assert_refused(response)
    assert "name" in body["errors"]
    assert _count(app, Grid) == 0


def test_the_public_endpoints_are_in_the_spec(api):
    paths = api("admin").get("/api/v1/_openapi").json["paths"]
    assert {"post", } <= set(paths["/api/v1/public/filings"])
    assert "post" in paths["/api/v1/public/filings/batch"]
    assert {"get", "put", "delete"} <= set(paths["/api/v1/public/filings/{receipt}"])
    assert "get" in paths["/api/v1/public/regions"]


@pytest.mark.parametrize("body", [
    {"code": "4199", "name": "x", "level": -34, "parent_code": "41"},
    {"code": "4199", "name": "x", "level": 9, "parent_code": "41"},
    {"code": "41999", "name": "x", "level": 2, "parent_code": "41"},
])
def test_a_region_of_an_impossible_level_or_code_is_refused(app, api, body):
    """Found by the fuzzing: a region of level -34 was stored, then every rollup over it
    failed with a 500."""
    _assert_refused(api("admin").post("/api/v1/region/", json=body))
    with app.app_context():
        from models import Region
        assert db.session.get(Region, body["code"]) is None


def test_a_multipart_part_without_a_name_is_no_500(api):
    """Found by the fuzzing: werkzeug gives such a part the name None."""
    body = b"--XX\r\nContent-Disposition: form-data\r\n\r\ntrue\r\n--XX--\r\n"
    response = api("admin").post("/api/v1/unit/import", data=body,
                                 content_type="multipart/form-data; boundary=XX")
    assert response.status_code == 400


def test_an_export_of_text_with_control_characters_is_no_500(api):
    """Found by the fuzzing: a grid named with an escape character (storable, but not in
    a worksheet) made the export fail."""
    admin = api("admin")
    assert admin.post("/api/v1/grid/", json={"name": "网格\x1b一", "community_code": "410105001003"}).status_code == 201
    response = admin.get("/api/v1/grid/export")
    assert response.status_code == 200 and response.data[:2] == b"PK"


def test_the_spec_lets_an_absent_related_row_be_null(api):
    """Found by the fuzzing: a household without a unit answered ``"unit": null``,
    which the declared schema (an object) refused."""
    properties = api("admin").get("/api/v1/_openapi").json["components"]["schemas"]["HouseholdApi.get"]["properties"]
    assert properties["unit"]["nullable"] is True
    assert "nullable" not in properties["community_code"]


def test_a_login_without_provider_answers_400(client):
    """Found by the fuzzing: FAB's login answered 500 (KeyError) without ``provider``."""
    response = client.post("/api/v1/security/login", json={"username": "admin", "password": "x"})
    assert response.status_code == 400
