"""The rollup API and the dashboards: the contract of API.md, the jurisdiction rule
(404 outside, nothing of another county in any number), drill-down links, exports."""
import datetime as dt
import re

import pytest

from app.stats import rollups
from app.core.accounts import create_user
from app.demo import generate_filings
from app.core.excel import read_table
from tests.conftest import PASSWORD
from tests.filing_writes import create_filing
from views.stats.charts import CHARTS

FROM, TO = "2025-12-01", "2026-11-30"
RANGE = rollups.DateRange(dt.date(2025, 12, 1), dt.date(2026, 11, 30))
CHILD_FIELDS = {"code", "name", "filings", "arrived", "checked", "pending", "risk_area", "under_control"}


@pytest.fixture
def generated(app):
    with app.app_context():
        generate_filings(300, now=dt.datetime(2026, 2, 12, 4), seed=11)


@pytest.fixture
def county_leader(app):
    with app.app_context():
        create_user("county_leader", PASSWORD, "Leader", "410105")
    return "county_leader"


def _rollup(client, region=None, **params):
    query = {"from": FROM, "to": TO, **params}
    if region:
        query["region"] = region
    return client.get("/api/v1/stats/rollup", query_string=query)


def _live(app, region):
    with app.app_context():
        return rollups.live_counts(region, RANGE, jurisdiction=None)


def test_rollup_api_answers_as_the_contract_says(app, api, generated):
    response = _rollup(api("leader"), "4101")
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.json
    assert body["region"] == {"code": "4101", "name": "郑州市", "level": 2}
    assert (body["from"], body["to"]) == (FROM, TO)
    assert [c["code"] for c in body["children"]] == ["410102", "410105"]
    assert all(CHILD_FIELDS <= set(child) for child in body["children"])
    live = _live(app, "4101")
    assert {k: body["total"][k] for k in rollups.COUNT_FIELDS} == live["total"]
    assert sum(c["filings"] for c in body["children"]) == body["total"]["filings"] > 0


def test_a_county_leader_never_sees_another_county(app, api, generated, county_leader):
    client = api(county_leader)
    body = _rollup(client).json  # the default region is the jurisdiction
    assert body["region"]["code"] == "410105"
    assert [c["code"] for c in body["children"]] == ["410105001", "410105002"]
    assert {k: body["total"][k] for k in rollups.COUNT_FIELDS} == _live(app, "410105")["total"]
    assert _live(app, "410102")["total"]["filings"] > 0  # the neighbour has filings...
    for outside in ("410102", "4101", "41", "4102", "410202001", "410102001002"):
        response = _rollup(client, outside)  # ...that answer exactly like a missing region
        assert response.status_code == 404, outside
        assert response.json == _rollup(client, "999999").json
    assert _rollup(client, "410105001003").status_code == 200


def test_rollup_api_refuses_bad_input_and_strangers(api, client):
    response = _rollup(api("leader"), "4101", **{"from": "2026-13-01"})
    assert response.status_code == 400 and "from" in response.json["errors"]
    response = _rollup(api("leader", language="en"), "4101", **{"from": "2026-03-01", "to": "2026-02-01"})
    assert response.status_code == 400 and response.json["message"] == "The date range is not valid."
    assert _rollup(api("leader"), "41").json["message"] == "未找到。"
    assert client.get("/api/v1/stats/rollup").status_code == 401
    assert _rollup(api("grid")).status_code in (401, 403)  # grid members have no statistics
    assert _rollup(api("officer")).json["region"]["code"] == "410105001003"


def _chart(client, name, **query):
    return client.get(f"/stats/chart/{name}", query_string=query)


def test_dashboard_drills_down_one_level_at_a_time(app, web, generated):
    client = web("leader")
    page = client.get("/stats/").get_data(as_text=True)  # opens at the jurisdiction
    assert "郑州市" in page and "plotly.min.js" in page
    # One placeholder per registered chart, in order, each fetching its chart for this region and range.
    sources = re.findall(r'id="chart-(\w+)"\s+data-src="([^"]+)"', page)
    assert [name for name, _src in sources] == list(CHARTS)
    assert all("region=4101" in src for _name, src in sources)
    children = _chart(client, "children", region="4101").json
    assert children["figure"]["data"][0]["type"] == "bar" and children["clickable"]
    links = set(re.findall(r'href="(/stats/\?region=(\d+)[^"]*)"', children["html"].replace("&amp;", "&")))
    codes = {code for _url, code in links}
    assert {"410102", "410105"} <= codes and "4102" not in codes
    county = _chart(client, "children", region="410105").json
    assert "经八路街道" in county["html"] and "花园路街道" in county["figure"]["data"][0]["x"]
    township = _chart(client, "children", region="410105001").json["html"]
    assert "体育社区" in township
    for path in ("/stats/?region=4102", "/stats/?region=41", "/stats/chart/children?region=4102",
                 "/stats/chart/findings?region=41", "/stats/chart/nothing"):
        assert client.get(path).status_code == 404, path


def test_every_chart_answers_on_its_own(web, generated):
    client = web("leader")
    for name in CHARTS:
        body = _chart(client, name, region="4101", **{"from": FROM, "to": TO}).json
        assert body["name"] == name and body["title"] and "<table" in body["html"], name
    assert _chart(client, "daily", region="4101", **{"from": "nonsense"}).status_code == 400


def test_dashboard_survives_a_bad_range_and_shows_key_figures(web, generated):
    page = web("leader").get("/stats/?region=4101&from=nonsense").get_data(as_text=True)
    assert "今日" in page or "今天" in page
    assert "2026-" in page


def test_each_chart_exports_its_numbers(app, web, generated):
    client = web("leader")
    response = client.get(f"/stats/export/children?region=4101&from={FROM}&to={TO}")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    headers, rows = read_table(response.data, "children.xlsx")
    assert headers[:3] == ["代码", "名称", "报备"]
    live = _live(app, "4101")
    assert {row[0]: int(row[2]) for row in rows if row[0]} == {
        code: counts["filings"] for code, counts in live["children"].items()}
    for name in ("check_status", "daily", "origin_provinces", "origin_cities", "transport", "compliance"):
        assert client.get(f"/stats/export/{name}?region=4101&from={FROM}&to={TO}").status_code == 200, name
    assert client.get("/stats/export/nothing?region=4101").status_code == 404
    assert client.get("/stats/export/daily?region=4102").status_code == 404


def test_plotly_is_served_from_the_package(client):
    response = client.get("/stats/plotly.min.js")
    assert response.status_code == 200 and b"plotly" in response.data[:2000].lower()
    response.close()


def test_heatmap_for_a_township(app, web):
    from tests.daily_reports import add_report

    with app.app_context():
        from app.core.extensions import db

        yesterday = rollups.local_today() - dt.timedelta(days=2)
        add_report("410105001003", yesterday, dt.datetime.combine(yesterday, dt.time(12)))
        create_filing(expected_arrival_at=dt.datetime.combine(yesterday, dt.time(3)))
        db.session.commit()
    chart = _chart(web("township"), "compliance").json
    assert "体育社区" in chart["html"] and chart["figure"]["data"][0]["type"] == "heatmap" and "按时" in chart["html"]
