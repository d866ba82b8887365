"""The jurisdiction rule on the foundation's resources: regions, users, audit entries."""
from sqlalchemy import select

from app.core.extensions import db
from app.core.jurisdiction import code_range, code_within, is_within
from models import AuditLog, Region
from tests.conftest import user_id
from tests.scoping import ScopedResource, assert_scoped


def test_code_range_is_a_prefix_range():
    # Padded to the longest code: a ledger unit, 19 digits (community 12 + grid 2 +
    # building 3 + unit 2), so every ledger row under a region falls in its range.
    assert code_range("4101") == ("4101", "4101999999999999999")
    assert is_within("410105001003", "4101") and not is_within("410205001003", "4101")
    assert is_within("4101", "4101") and not is_within("41", "4101")


def test_code_range_reaches_every_ledger_code_and_nothing_else():
    grid, building, unit = "41010500100301", "41010500100301005", "4101050010030100502"
    for prefix in ("41", "410105001", "410105001003", grid, building, unit):
        low, high = code_range(prefix)
        inside = [c for c in ("410105001003", grid, building, unit, "4101050010039999999") if c.startswith(prefix)]
        assert all(low <= c <= high for c in inside), prefix
    # The neighbours of a grid (the next grid, the community itself) are outside its range.
    low, high = code_range(grid)
    assert not low <= "41010500100302" <= high and not low <= "410105001003" <= high
    assert not low <= "41010500100302001" <= high


def test_code_within_selects_exactly_the_prefix(app):
    with app.app_context():
        codes = db.session.scalars(select(Region.code).where(code_within(Region.code, "410105"))).all()
        assert codes and all(c.startswith("410105") for c in codes)
        everything = db.session.scalars(select(Region.code).where(Region.code.like("410105%"))).all()
        assert sorted(codes) == sorted(everything)


def test_scoped_query_uses_an_index_on_postgres(app):
    from tests.conftest import IS_POSTGRES

    if not IS_POSTGRES:
        return
    with app.app_context():
        db.session.execute(db.text("SET enable_seqscan = off"))
        plan = "\n".join(r[0] for r in db.session.execute(db.text(
            "EXPLAIN SELECT * FROM region WHERE code >= '4101' AND code <= '410199999999'")))
        db.session.rollback()
    assert "Index" in plan


def test_regions(app, web, api):
    assert_scoped(web, api, ScopedResource(
        viewer="officer", own_pk="410105001003", foreign_pk="410105001006",
        still_exists=lambda pk: _region_name(app, pk) == "科技社区居民居委会",
        view="/regionview", api="/api/v1/region", api_put_body={"name": "改名"},
        can_write=False, can_delete=False,
    ))
    # An admin of a city cannot create a region in another city (API and form).
    assert_scoped(web, api, ScopedResource(
        viewer="city", own_pk="410105", foreign_pk="410202",
        still_exists=lambda pk: _region_name(app, pk) == "龙亭区",
        view="/regionview", api="/api/v1/region", api_put_body={"name": "改名"},
        can_write=False, can_delete=False,
    ))


def _region_name(app, code):
    with app.app_context():
        return db.session.get(Region, code).name


def test_admin_region_write_outside_jurisdiction_is_refused(app, api):
    # The admin's jurisdiction is Henan (41): a region of Guangdong cannot be created.
    response = api("admin").post("/api/v1/region/", json={
        "code": "440307", "name": "龙岗区", "level": 3, "parent_code": "4403"})
    assert response.status_code == 400 and response.json["errors"]
    with app.app_context():
        assert db.session.get(Region, "440307") is None


def test_users(app, web, api):
    own, foreign = user_id(app, "officer_b"), user_id(app, "officer2")
    # A township sees its officers but not those of another township.
    assert_scoped(web, api, ScopedResource(
        viewer="township", own_pk=user_id(app, "officer"), foreign_pk=foreign,
        still_exists=lambda pk: _user_region(app, pk) == "410102001002",
        view="/users", api="/api/v1/user", can_write=False, can_delete=False,
    ))
    # An admin of the province may not move a user out of the province, nor to a
    # region that does not exist: 400, nothing changed.
    response = api("admin").put(f"/api/v1/user/{own}", json={"region_code": "440305"})
    assert response.status_code == 400 and response.json["errors"]["region_code"]
    response = api("admin").put(f"/api/v1/user/{own}", json={"region_code": "999999"})
    assert response.status_code == 400
    assert _user_region(app, own) == "410105001006"


def test_officer_cannot_open_a_user_of_another_community(app, web, api):
    foreign = user_id(app, "officer2")
    assert web("officer").get(f"/users/show/{foreign}").status_code == 404
    assert api("officer").get(f"/api/v1/user/{foreign}").status_code == 404
    assert api("officer").get(f"/api/v1/user/{user_id(app, 'officer_b')}").status_code == 404


def _user_region(app, pk):
    with app.app_context():
        return app.appbuilder.sm.get_user_by_id(pk).region_code


def test_audit_entries(app, web, api):
    with app.app_context():
        own = AuditLog(action="update", entity="Region", entity_id="410105001003",
                       region_code="410105001003", username="x", changes="{}")
        foreign = AuditLog(action="update", entity="Region", entity_id="410102001002",
                           region_code="410102001002", username="x", changes="{}")
        db.session.add_all([own, foreign])
        db.session.commit()
        own_pk, foreign_pk = own.id, foreign.id
    assert_scoped(web, api, ScopedResource(
        viewer="officer", own_pk=own_pk, foreign_pk=foreign_pk,
        still_exists=lambda pk: _audit_exists(app, pk),
        view="/auditlogview", api="/api/v1/audit_log", can_write=False, can_delete=False,
    ))


def _audit_exists(app, pk):
    with app.app_context():
        return db.session.get(AuditLog, pk) is not None


def test_region_search_is_scoped_and_says_where(api):
    results = api("township").get("/api/v1/region/search?q=社区").json["results"]
    assert results and all(r["id"].startswith("410105001") for r in results)
    assert "金水区" in results[0]["text"] and "经八路街道" in results[0]["text"]
    by_code = api("township").get("/api/v1/region/search?q=4101050010").json["results"]
    assert {r["id"] for r in by_code} == {"410105001003", "410105001006", "410105001007"}
    assert api("township").get("/api/v1/region/search?q=410102").json["results"] == []


def test_form_write_outside_the_jurisdiction_changes_nothing(app, web):
    pk = user_id(app, "officer_b")
    client = web("admin")
    form = {"first_name": "B", "last_name": "Officer", "username": "officer_b",
            "email": "officer_b@example.invalid", "active": "y", "roles": [_officer_role_id(app)],
            "region_code": "440305"}
    page = client.post(f"/users/edit/{pk}", data=form, follow_redirects=True).get_data(as_text=True)
    assert "该区划不在您的管辖范围内" in page
    assert _user_region(app, pk) == "410105001006"


def _officer_role_id(app):
    with app.app_context():
        return str(app.appbuilder.sm.find_role("Officer").id)


def test_form_write_inside_the_jurisdiction_works(app, web):
    pk = user_id(app, "officer_b")
    form = {"first_name": "B", "last_name": "Officer", "username": "officer_b",
            "email": "officer_b@example.invalid", "active": "y", "roles": [_officer_role_id(app)],
            "region_code": "410105001007"}
    assert web("admin").post(f"/users/edit/{pk}", data=form).status_code == 302
    assert _user_region(app, pk) == "410105001007"
    with app.app_context():
        app.appbuilder.sm.get_user_by_id(pk).region_code = "410105001006"
        app.appbuilder.sm.session.commit()


def test_swagger_and_openapi_are_served(web):
    client = web("admin")
    assert client.get("/swagger/v1").status_code == 200
    spec = client.get("/api/v1/_openapi").json
    assert "/api/v1/region/" in spec["paths"] and "/api/v1/security/login" in spec["paths"]
