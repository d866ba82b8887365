"""Every write records who, when and what changed."""
import json

from sqlalchemy import select

from app.core.extensions import db
from models import AuditLog, Region


def _entries(app, entity, entity_id):
    with app.app_context():
        return [(e.action, e.username, json.loads(e.changes), e.region_code) for e in db.session.scalars(
            select(AuditLog).where(AuditLog.entity == entity, AuditLog.entity_id == entity_id)
            .order_by(AuditLog.id))]


def test_screen_edit_is_audited_with_old_and_new(app, web):
    client = web("admin")
    response = client.post("/regionview/edit/410202001011", data={"name": "县街社区（新）"})
    assert response.status_code == 302
    action, username, changes, region = _entries(app, "Region", "410202001011")[-1]
    assert (action, username, region) == ("update", "admin", "410202001011")
    assert changes["name"] == ["县街社区", "县街社区（新）"]
    with app.app_context():
        db.session.get(Region, "410202001011").name = "县街社区"
        db.session.commit()


def test_user_creation_is_audited_without_the_password(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "create", "--username", "newofficer", "--password",
                                 "Secret@123", "--role", "Officer", "--region", "410105001003"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = app.appbuilder.sm.find_user(username="newofficer")
        entries = _entries(app, "ConsoleUser", str(user.id))
    assert entries and entries[0][0] == "create"
    assert all("Secret@123" not in json.dumps(changes) for _a, _u, changes, _r in entries)


def test_cli_refuses_an_unknown_region(app):
    result = app.test_cli_runner().invoke(args=[
        "users", "create", "--username", "x1", "--password", "p", "--role", "Officer",
        "--region", "999999999999"])
    assert result.exit_code != 0
    with app.app_context():
        assert app.appbuilder.sm.find_user(username="x1") is None
