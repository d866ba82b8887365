"""Venues 场所: kept within the jurisdiction (another's venue answers 404 and is never
listed), imported from Excel all or nothing, exported so the file imports again, and a
printable poster with the QR code of the venue's page."""
import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from app.core import roles
from app.core.excel import to_xlsx
from app.core.extensions import db
from app.venues import service
from models.venue import Venue
from tests.ledger_data import upload, xlsx_rows
from tests.scoping import ScopedResource, assert_scoped
from tests.test_traveller import _pdf_text

OWN, OTHER_IN_TOWNSHIP, OTHER_COUNTY = "410105001003", "410105001006", "410102001002"
HEADERS = ["社区（村）", "场所名称", "场所类型", "医疗机构", "地址", "负责人", "负责人电话", "备注"]


def make_venue(app, community=OWN, name="惠民超市", type_="supermarket", medical=None, phone="13800138000") -> dict:
    with app.app_context():
        venue = Venue(community_code=community, name=name, type=type_, medical=medical, address="经八路1号",
                      contact_name="王经理")
        venue.phone = phone
        service.prepare(venue, None)
        db.session.add(venue)
        db.session.commit()
        return {"id": venue.id, "code": venue.code}


def _unchanged(app, name):
    def check(pk):
        with app.app_context():
            venue = db.session.get(Venue, pk)
            return venue is not None and venue.name == name
    return check


@pytest.mark.parametrize("viewer,foreign", [("officer", OTHER_IN_TOWNSHIP), ("township", OTHER_COUNTY)])
def test_venues_are_scoped(app, web, api, viewer, foreign):
    own = make_venue(app)["id"]
    other = make_venue(app, foreign, "别处药店", "pharmacy")["id"]
    assert_scoped(web, api, ScopedResource(
        viewer=viewer, own_pk=own, foreign_pk=other, still_exists=_unchanged(app, "别处药店"),
        view="/venueview", api="/api/v1/venue", api_put_body={"name": "改名"},
        foreign_writes=[("post", "/api/v1/venue/", {"community_code": foreign, "name": "新店"}),
                        ("put", f"/api/v1/venue/{own}", {"community_code": foreign})],
        can_delete=roles.can(viewer.capitalize(), roles.DELETE, roles.VENUE)))
    client = web(viewer)
    other_code = make_venue(app, foreign, "另一家", "shop")["code"]
    assert client.get(f"/venueview/poster/{other_code}").status_code == 404
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Venue).where(Venue.name == "新店")) == 0


def test_a_venue_is_added_with_its_phone_protected_and_a_code(app, api):
    client = api("officer")
    response = client.post("/api/v1/venue/", json={"community_code": OWN, "name": "人民医院", "type": "hospital",
                                                   "phone": "13912345678", "contact_name": "李院长"})
    assert response.status_code == 201, response.json
    shown = client.get(f"/api/v1/venue/{response.json['id']}").json["result"]
    assert shown["medical"] is True and shown["phone_masked"] == "139****5678" and len(shown["code"]) == 10
    assert "13912345678" not in str(shown)
    response = client.post("/api/v1/venue/", json={"community_code": OWN, "name": "新店", "type": "bank"})
    assert response.status_code == 400 and set(response.json["errors"]) == {"type"}
    response = client.post("/api/v1/venue/", json={"community_code": OWN, "name": "人民医院"})
    assert response.status_code == 400 and set(response.json["errors"]) == {"name"}
    # Not a writer: command staff read only; a grid member has no venues at all.
    assert api("county").post("/api/v1/venue/", json={"community_code": OWN, "name": "新"}).status_code == 403
    assert api("grid").get("/api/v1/venue/").status_code in (401, 403)


def test_the_screen_adds_a_venue_by_its_type_or_as_told(app, web):
    client = web("officer")
    page = client.get("/venueview/add").get_data(as_text=True)
    assert "场所类型" in page and "医疗机构" in page
    response = client.post("/venueview/add", data={
        "community_code": OWN, "name": "社区诊所", "type": "clinic", "medical": "0", "phone": ""})
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        venue = db.session.scalar(select(Venue).where(Venue.name == "社区诊所"))
        assert venue.medical is False and venue.phone_masked is None
    listing = client.get("/venueview/list/").get_data(as_text=True)
    assert "社区诊所" in listing and f"/venueview/poster/{venue.code}" in listing


def test_import_writes_all_rows_or_none_and_the_export_imports_again(app, web, api):
    client = api("township")
    headers, _ = xlsx_rows(client.get("/api/v1/venue/template").data)
    assert headers == HEADERS
    good = [["体育社区居民居委会 (410105001003)", "惠民超市", "超市", "", "经八路1号", "王经理", "13800138000", ""],
            ["410105001006", "第一医院", "医院", "", "", "", "", ""]]
    bad = good + [["410102001002", "别处店", "商店", "", "", "", "", ""],
                  ["410105001003", "惠民超市", "超市", "", "", "", "", ""],
                  ["410105001003", "怪店", "银行", "", "", "", "1", ""]]
    response = client.post("/api/v1/venue/import", data=upload(to_xlsx(HEADERS, bad)),
                           content_type="multipart/form-data")
    assert response.status_code == 400
    rows = {int(row) for row in response.json["errors"]}
    assert rows == {4, 5, 6}, response.json
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Venue)) == 0
    response = client.post("/api/v1/venue/import", data=upload(to_xlsx(HEADERS, good)),
                           content_type="multipart/form-data")
    assert response.status_code == 200 and response.json["created"] == 2, response.json
    with app.app_context():
        hospital = db.session.scalar(select(Venue).where(Venue.name == "第一医院"))
        assert hospital.medical is True and hospital.type == "hospital"
    exported = client.get("/api/v1/venue/export").data
    export_headers, rows = xlsx_rows(exported)
    assert export_headers == HEADERS + ["场所码"] and "138****8000" in str(rows)
    response = client.post("/api/v1/venue/import", data=upload(exported), content_type="multipart/form-data")
    assert response.json == {"created": 0, "updated": 0, "unchanged": 2}, response.json
    # The screen's upload page, and the template's dropdown of types.
    page = web("township").get("/venueview/import/").get_data(as_text=True)
    assert "venueview/template" in page
    workbook = load_workbook(io.BytesIO(client.get("/api/v1/venue/template").data))
    assert workbook.worksheets[1].title == "填写说明"


def test_the_poster_is_an_a4_pdf_with_the_venue_link(app, web):
    venue = make_venue(app)
    response = web("officer").get(f"/venueview/poster/{venue['code']}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    pdf = response.get_data()
    assert pdf.startswith(b"%PDF") and len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1
    assert re.search(rb"/MediaBox\s*\[\s*0 0 595.27\d* 841.88\d*\s*\]", pdf)
    assert f"http://localhost/v/{venue['code']}" in _pdf_text(pdf)


def test_demo_venues_are_added_once(app):
    from app.venues.demo import create_demo_venues

    with app.app_context():
        create_demo_venues()
        count = db.session.scalar(select(func.count()).select_from(Venue))
        hospital = db.session.scalar(select(Venue).where(Venue.type == "hospital").limit(1))
        create_demo_venues()
        assert count >= 4 and hospital.medical is True and hospital.phone_masked.startswith("139")
        assert db.session.scalar(select(func.count()).select_from(Venue)) == count
