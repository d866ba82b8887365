"""Cross-site request forgery (views/core/csrf.py): a GET never changes anything; a write
authenticated by the session cookie needs the CSRF token, whatever its body (a form,
text/plain, multipart), and without it answers 400 in the caller's language and
changes nothing; JWT calls and the public filing API need no token.

A forged request is what another site can make a signed-in browser send: the session
cookie, no token. ``login(app.test_client(), ...)`` is such a client (``web(...)``
clients send the token, as the console's pages do)."""
import datetime as dt
import os
import subprocess
import sys
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from app.ledgers import rewards
from app.core.accounts import create_user
from app.reporting.escalations import escalate
from app.core.excel import to_xlsx
from app.core.extensions import db
from models import AuditLog, DailyReport, Escalation
from models.ledger import Grid
from models.rewards import RewardPenalty
from scheduler.jobs import daily_report_job
from tests.conftest import PASSWORD, TESTS_DIR, login, post_login, user_id
from tests.filing_data import OWN_COMMUNITY, filing_row, report, store
from tests.ledger_data import save, upload
from tests.report_fixtures import DAY, DUE, PREPARED_AT, report_of

CSRF_ZH = "此请求不是来自本系统的页面，或页面已过期"
CSRF_EN = "This request did not come from a page of this console"
GRID_HEADERS = ["社区（村）", "编号", "名称", "网格范围", "备注"]


def forged(app, username):
    """Signed in as ``username``, sending the cookie and no token."""
    return login(app.test_client(), username)


@pytest.fixture
def rows(app):
    """One row of each kind the attacker's probe changed, in the township of 410105001."""
    with app.app_context():
        daily_report_job(DAY, now=PREPARED_AT)
        escalate(DUE)
        escalation = db.session.scalars(select(Escalation.id).where(
            Escalation.region_code == OWN_COMMUNITY, Escalation.level == "township")).first()
        grid = save(Grid(community_code=OWN_COMMUNITY, name="网格甲"))
        penalty = rewards.propose_penalty(db.session, OWN_COMMUNITY, "late_report", "连续迟报",
                                          proposed_at=dt.datetime(2022, 3, 2))
        db.session.commit()
        create_user("victim", PASSWORD, "Officer", OWN_COMMUNITY)
        ids = SimpleNamespace(grid=grid.id, escalation=escalation, report=report_of(OWN_COMMUNITY).id,
                              penalty=penalty.id)
    ids.user = user_id(app, "victim")
    ids.filing = store(app).id
    return ids


def state(app, rows) -> dict:
    """Everything the forged requests aim at."""
    with app.app_context():
        return {"grids": db.session.scalar(select(func.count()).select_from(Grid)),
                "user": db.session.get(app.appbuilder.sm.user_model, rows.user) is not None,
                "escalation": db.session.get(Escalation, rows.escalation).status,
                "report": db.session.get(DailyReport, rows.report).status,
                "penalty": db.session.get(RewardPenalty, rows.penalty).status,
                "checks": filing_row(app, rows.filing)["check_count"],
                "audit_unmask": db.session.scalar(select(func.count()).select_from(AuditLog)
                                                  .where(AuditLog.action == "unmask"))}


def test_a_get_to_a_delete_or_an_action_answers_405_and_changes_nothing(app, rows):
    before = state(app, rows)
    township, admin = forged(app, "township"), forged(app, "admin")
    assert township.get(f"/gridview/delete/{rows.grid}").status_code == 405
    assert township.get(f"/escalationview/action/resolve_escalations/{rows.escalation}").status_code == 405
    assert township.get(f"/escalationview/action/acknowledge_escalations/{rows.escalation}").status_code == 405
    assert admin.get(f"/users/delete/{rows.user}").status_code == 405
    assert admin.get(f"/rewardview/action/approve/{rows.penalty}").status_code == 405
    assert state(app, rows) == before


def test_no_delete_or_action_route_of_any_screen_answers_a_get(app):
    """FAB's own screens (roles, groups, permissions) too; an admin may open them all."""
    admin = forged(app, "admin")
    routes = [rule for rule in app.url_map.iter_rules()
              if rule.endpoint.rsplit(".", 1)[-1] in ("delete", "action") and "GET" in rule.methods]
    assert len(routes) > 10
    for rule in routes:
        url = rule.rule.replace("<pk>", "1").replace("<string:name>", "copy_role")
        assert admin.get(url).status_code == 405, url


@pytest.mark.parametrize("username, url, data", [
    ("township", "/gridview/delete/{grid}", {}),
    ("township", "/gridview/edit/{grid}", {"name": "改名"}),
    ("township", "/escalationview/action/resolve_escalations/{escalation}", {}),
    ("township", "/escalationview/action_post", {"action": "resolve_escalations", "rowid": "{escalation}"}),
    ("township", "/rewardview/action_post", {"action": "approve", "rowid": "{penalty}"}),
    ("admin", "/users/delete/{user}", {}),
    ("officer", "/filingdesk/check/{filing}", {"method": "visit", "arrived": "1"}),
    ("officer", "/dailyreport/submit/{report}", {"note": ""}),
    ("officer", "/filingunmask/{filing}", {}),
])
def test_a_form_post_without_the_token_is_refused(app, rows, username, url, data):
    before = state(app, rows)
    ids = vars(rows)
    client = forged(app, username)
    response = client.post(url.format(**ids), data={k: v.format(**ids) for k, v in data.items()})
    assert response.status_code == 400
    assert CSRF_ZH in response.get_data(as_text=True)
    assert state(app, rows) == before
    # A made-up token is no better.
    response = client.post(url.format(**ids), data={k: v.format(**ids) for k, v in data.items()},
                           headers={"X-CSRFToken": "forged"})
    assert response.status_code == 400 and state(app, rows) == before


def test_the_same_posts_with_the_token_act(app, rows, web):
    township = web("township")
    assert township.post(f"/escalationview/action/acknowledge_escalations/{rows.escalation}").status_code == 302
    assert township.post(f"/gridview/delete/{rows.grid}").status_code == 302
    after = state(app, rows)
    assert (after["escalation"], after["grids"]) == ("acknowledged", 0)
    assert web("officer").post(f"/dailyreport/submit/{rows.report}", data={"note": ""}).status_code == 302
    assert state(app, rows)["report"] == "submitted"


@pytest.mark.parametrize("url, kwargs", [
    ("/api/v1/escalation/{escalation}/acknowledge", {"data": "{}", "content_type": "text/plain"}),
    ("/api/v1/escalation/{escalation}/resolve", {"json": {"note": "x"}}),
    ("/api/v1/reward/{penalty}/approve", {"data": '{"note": "ok"}', "content_type": "text/plain"}),
    ("/api/v1/grid/import", {"data": "grids", "content_type": "multipart/form-data"}),
])
def test_an_api_write_by_the_session_cookie_needs_the_token(app, rows, url, kwargs):
    if kwargs.get("data") == "grids":
        kwargs = {**kwargs, "data": upload(to_xlsx(GRID_HEADERS, [[OWN_COMMUNITY, "9", "第九网格", "", ""]]))}
    before = state(app, rows)
    client = forged(app, "township")
    response = client.post(url.format(**vars(rows)), **kwargs)
    assert response.status_code == 400 and CSRF_ZH in response.json["message"], response.get_data(as_text=True)
    assert state(app, rows) == before


def test_the_refusal_speaks_english_too(app, rows):
    response = forged(app, "township").post(f"/api/v1/escalation/{rows.escalation}/acknowledge",
                                            headers={"Accept-Language": "en"})
    assert response.status_code == 400 and CSRF_EN in response.json["message"]
    assert set(response.json) == {"message", "errors"}


def test_the_console_scripts_token_works_for_api_writes_by_the_session(app, rows, web):
    response = web("township").post(f"/api/v1/escalation/{rows.escalation}/acknowledge", data="{}",
                                    content_type="text/plain")
    assert response.status_code == 200, response.get_data(as_text=True)


def test_jwt_calls_need_no_token(app, rows, api):
    township = api("township")
    assert township.post(f"/api/v1/escalation/{rows.escalation}/acknowledge").status_code == 200
    assert township.post(f"/api/v1/reward/{rows.penalty}/approve", json={"note": "同意"}).status_code == 200
    response = township.post("/api/v1/grid/import", content_type="multipart/form-data",
                             data=upload(to_xlsx(GRID_HEADERS, [[OWN_COMMUNITY, "9", "第九网格", "", ""]])))
    assert response.status_code == 200 and response.json["created"] == 1
    assert state(app, rows)["penalty"] == "approved"


def test_an_api_write_without_any_credentials_answers_401(app, rows, client):
    assert client.post(f"/api/v1/escalation/{rows.escalation}/acknowledge").status_code == 401


def test_the_public_filing_api_needs_no_token_even_with_a_staff_session(app):
    response = forged(app, "officer").post("/api/v1/public/filings", json=report())
    assert response.status_code == 201, response.get_data(as_text=True)
    receipt, token = response.json["receipt"], response.json["token"]
    anonymous = app.test_client()
    assert anonymous.delete(f"/api/v1/public/filings/{receipt}",
                            headers={"X-Filing-Token": token}).json["status"] == "cancelled"


def test_the_login_form_needs_its_token(app, client):
    response = client.post("/login/", data={"username": "officer", "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/").status_code == 302  # still not signed in


def test_the_login_helper_refuses_a_wrong_password(app, client):
    assert post_login(client, "officer", "wrong").status_code == 302  # back to the form, like a success
    with pytest.raises(AssertionError):
        login(app.test_client(), "officer", "wrong")


def test_the_session_cookie_is_httponly_and_lax(app, client):
    response = post_login(client, "officer")
    cookie = next(value for value in response.headers.getlist("Set-Cookie") if value.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


@pytest.mark.parametrize("value, secure", [("1", True), ("0", False), ("", False)])
def test_the_session_cookie_is_secure_when_configured(value, secure):
    env = {**os.environ, "SESSION_COOKIE_SECURE": value}
    code = "import config; print(config.SESSION_COOKIE_SECURE, config.REMEMBER_COOKIE_SECURE)"
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=TESTS_DIR.parent, check=True,
                         capture_output=True, text=True).stdout.split()
    assert out == [str(secure)] * 2
