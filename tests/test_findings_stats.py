"""Findings in the statistics: open findings by kind and "slipped through" (漏管) per
county, in the rollup service, the rollup API (an added field), the key figures, the
dashboard's chart and its Excel export, each scoped by the jurisdiction rule."""
import datetime as dt
import io

from openpyxl import load_workbook

from app.core.extensions import db
from app.stats import rollups
from models.crossmatch import FINDING_PRIORITY, Finding

NOW = dt.datetime(2026, 3, 10, 2, 0)
FINDINGS = [  # (owner, kind, status)
    ("410105001003", "no_test_after_arrival", "open"),
    ("410105001003", "no_test_after_arrival", "open"),
    ("410105001003", "positive", "open"),
    ("410105001003", "arrived_without_filing", "resolved"),
    ("410105001006", "follow_up_symptom", "open"),
    ("410102001002", "arrived_without_filing", "open"),
    ("4101", "arrived_without_filing", "open"),                 # only the city is known
    ("410202001001", "no_test_after_arrival", "open"),         # another city
]


def _findings(app):
    with app.app_context():
        for n, (owner, kind, status) in enumerate(FINDINGS):
            db.session.add(Finding(kind=kind, priority=FINDING_PRIORITY[kind], person_hash=f"p{n}", episode="e",
                                   region_code=owner, status=status, raised_at=NOW))
        db.session.commit()


def test_open_findings_by_kind_and_slipped_through_per_county(app):
    _findings(app)
    with app.app_context():
        city = rollups.open_findings("4101", jurisdiction="4101")
        assert (city["open_total"], city["slipped_through"]) == (6, 4)
        assert city["open"]["no_test_after_arrival"] == 2 and city["open"]["arrived_without_filing"] == 2
        assert [(c["code"], c["slipped_through"], c["open_total"]) for c in city["by_county"]] == [
            ("4101", 1, 1), ("410102", 1, 1), ("410105", 2, 4)]
        county = rollups.open_findings("410105", jurisdiction="410105")
        assert [(c["code"], c["name"], c["slipped_through"]) for c in county["by_county"]] == [("410105", "金水区", 2)]
        community = rollups.open_findings("410105001006", jurisdiction="410105001006")
        assert (community["open_total"], community["slipped_through"]) == (1, 0)
        province = rollups.open_findings("41", jurisdiction=None)
        assert (province["open_total"], province["slipped_through"]) == (7, 5)
        figures = rollups.key_figures("410105", NOW, jurisdiction="410105")
        assert (figures["open_findings"], figures["slipped_through"]) == (4, 2)


def test_the_rollup_api_adds_the_findings_and_keeps_its_fields(app, api):
    _findings(app)
    body = api("leader").get("/api/v1/stats/rollup", query_string={"region": "4101"}).json
    assert {"region", "from", "to", "total", "children"} <= set(body)
    assert (body["findings"]["open_total"], body["findings"]["slipped_through"]) == (6, 4)
    county = api("county").get("/api/v1/stats/rollup").json
    assert (county["findings"]["open_total"], county["findings"]["slipped_through"]) == (4, 2)
    assert [c["code"] for c in county["findings"]["by_county"]] == ["410105"]
    assert api("county").get("/api/v1/stats/rollup", query_string={"region": "410102"}).status_code == 404


def test_the_findings_chart_and_its_export_are_scoped(app, web):
    _findings(app)
    chart = web("leader").get("/stats/chart/findings?region=4101").json
    assert chart["title"] == "各县区待处置比对发现" and "漏管（待处置）" in chart["html"]
    response = web("county").get("/stats/export/findings")
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True))
    assert rows[0][:2] == ("代码", "县（区）") and "漏管（待处置）" in rows[0]
    assert [r[0] for r in rows[1:]] == ["410105", None] and rows[-1][-1] == 2
    assert web("county").get("/stats/export/findings?region=4101").status_code == 404
