"""Accounts (Trust issue 9, 10): sessions and tokens end with logout and account changes,
lockout after failed logins, the password policy, the second factor (TOTP), demo accounts.

Each test works on accounts of its own (clean_slate removes them), so a lock or a
changed password never reaches another test."""
import datetime as dt
import json
import re
import time

import jwt as pyjwt
import pyotp
import pytest
from sqlalchemy import select

from app.core import accounts
from app.core.accounts import create_user
from app.setup_cli import DEMO_PASSWORD, DEMO_USERS
from app.core.extensions import db
from models import AuditLog
from models.base import utcnow
from tests.conftest import PASSWORD, browser, login, post_login

PAGE = "/users/userinfo/"  # any signed-in user may see it; a stranger is sent to the login


def _new_account(app, username="probe", role="Officer", region="410105001003"):
    with app.app_context():
        return create_user(username, PASSWORD, role, region).id


def _user(app, username="probe"):
    return app.appbuilder.sm.find_user(username=username)


def _api_login(client, username="probe", password=PASSWORD, **extra):
    return client.post("/api/v1/security/login", json={
        "username": username, "password": password, "provider": "db", **extra})


def _token(app, username="probe", refresh=False):
    response = _api_login(browser(app), username, refresh=refresh)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json


def _bearer(token):
    return {"Authorization": f"Bearer {token}"}


def _signed_in(client) -> bool:
    return client.get(PAGE).status_code == 200


def _cookie_of(client):
    return client.get_cookie("session").value


def _client_with_cookie(app, cookie):
    client = app.test_client()
    client.set_cookie("session", cookie)
    return client


# ---- issue 9: logout and account changes end every session and token ----------------

def test_a_session_cookie_saved_before_logout_is_refused_after_it(app):
    _new_account(app)
    client = login(browser(app), "probe")
    saved = _cookie_of(client)
    assert _signed_in(_client_with_cookie(app, saved))
    client.post("/logout/")
    assert not _signed_in(_client_with_cookie(app, saved))
    assert _signed_in(login(browser(app), "probe"))  # a new login works


def test_a_get_of_logout_only_asks_and_a_post_without_the_token_ends_nothing(app):
    _new_account(app)
    client = login(browser(app), "probe")
    page = client.get("/logout/")
    assert page.status_code == 200 and 'method="post"' in page.get_data(as_text=True)
    assert _signed_in(client)
    assert login(app.test_client(), "probe").post("/logout/").status_code == 400  # no token
    assert _signed_in(client)
    assert 'class="navbar-logout" method="post"' in client.get(PAGE).get_data(as_text=True)
    client.post("/logout/")
    assert not _signed_in(client)
    assert app.test_client().get("/logout/").status_code == 302  # nobody to sign out


def test_logout_ends_the_tokens_of_the_account_too(app):
    _new_account(app)
    tokens = _token(app, refresh=True)
    client = app.test_client()
    assert client.get("/api/v1/filing/", headers=_bearer(tokens["access_token"])).status_code == 200
    login(browser(app), "probe").post("/logout/")
    refused = client.get("/api/v1/filing/", headers=_bearer(tokens["access_token"]))
    assert refused.status_code == 401 and refused.json["message"]
    assert client.post("/api/v1/security/refresh",
                       headers=_bearer(tokens["refresh_token"])).status_code == 401


def test_the_api_logout_ends_every_session_and_token(app):
    _new_account(app)
    cookie = _cookie_of(login(browser(app), "probe"))
    access = _token(app)["access_token"]
    client = app.test_client()
    assert client.post("/api/v1/security/logout", headers=_bearer(access)).status_code == 200
    assert client.get("/api/v1/filing/", headers=_bearer(access)).status_code == 401
    assert not _signed_in(_client_with_cookie(app, cookie))


def _change_password(app, user):
    app.appbuilder.sm.reset_password(user.id, "Another-Pass-1")


def _change_role(app, user):
    user.roles = [app.appbuilder.sm.find_role("Township")]


def _change_region(app, user):
    user.region_code = "410105001006"


def _deactivate(app, user):
    user.active = False


@pytest.mark.parametrize("change", [_change_password, _change_role, _change_region, _deactivate])
def test_password_role_jurisdiction_and_deactivation_end_old_tokens_and_cookies(app, change):
    _new_account(app)
    cookie = _cookie_of(login(browser(app), "probe"))
    tokens = _token(app, refresh=True)
    with app.app_context():
        change(app, _user(app))
        db.session.commit()
    client = app.test_client()
    assert client.get("/api/v1/filing/", headers=_bearer(tokens["access_token"])).status_code == 401
    assert client.post("/api/v1/security/refresh",
                       headers=_bearer(tokens["refresh_token"])).status_code == 401
    assert not _signed_in(_client_with_cookie(app, cookie))


def test_a_name_change_keeps_sessions(app):
    _new_account(app)
    access = _token(app)["access_token"]
    with app.app_context():
        _user(app).first_name = "Renamed"
        db.session.commit()
    assert app.test_client().get("/api/v1/filing/", headers=_bearer(access)).status_code == 200


def test_access_tokens_last_15_minutes_and_refresh_tokens_12_hours(app):
    _new_account(app)
    tokens = _token(app, refresh=True)

    def lifetime(token):
        claims = pyjwt.decode(token, options={"verify_signature": False})
        return claims["exp"] - claims["iat"]

    assert lifetime(tokens["access_token"]) == 15 * 60
    assert lifetime(tokens["refresh_token"]) == 12 * 3600


# ---- issue 10: lockout ----------------------------------------------------------------

def _flashes(client):
    with client.session_transaction() as session:
        return [message for _category, message in session.get("_flashes", [])]


def _form_login(app, username, password):
    client = browser(app)
    response = post_login(client, username, password)
    return response.status_code, response.headers.get("Location"), _flashes(client), client


def _audit_actions(app, user_pk):
    with app.app_context():
        rows = db.session.execute(select(AuditLog.action, AuditLog.changes).where(
            AuditLog.entity == "ConsoleUser", AuditLog.entity_id == str(user_pk))
            .order_by(AuditLog.id)).all()
    return [(action, json.loads(changes)) for action, changes in rows]


def test_five_wrong_passwords_lock_the_account_and_the_right_one_then_fails_alike(app):
    pk = _new_account(app)
    client = app.test_client()
    wrong = [_api_login(client, password="Wrong@12345") for _ in range(5)]
    assert {r.status_code for r in wrong} == {401}
    locked = _api_login(client)  # the right password
    assert (locked.status_code, locked.json) == (wrong[0].status_code, wrong[0].json)
    status, location, flashes, form_client = _form_login(app, "probe", PASSWORD)
    assert (status, location, flashes) == _form_login(app, "probe", "Wrong@12345")[:3]
    assert not _signed_in(form_client)

    actions = _audit_actions(app, pk)
    assert [a for a, _c in actions].count("lock") == 1
    assert [a for a, _c in actions].count("login_failed") >= 5
    assert all(PASSWORD not in json.dumps(c) and "Wrong@12345" not in json.dumps(c)
               for _a, c in actions)


def test_the_lock_ends_after_lockout_minutes_and_spread_failures_do_not_lock(app):
    _new_account(app)
    start = utcnow()
    with app.app_context():
        sm = app.appbuilder.sm
        for minute in (0, 4, 8, 12, 16):  # never 5 within 15 minutes
            assert sm.password_login("probe", "Wrong@12345", now=start + dt.timedelta(minutes=minute)) is None
        assert not accounts.is_locked(_user(app), start + dt.timedelta(minutes=16))
        for second in range(5):
            sm.password_login("probe", "Wrong@12345", now=start + dt.timedelta(minutes=20, seconds=second))
        locked_at = start + dt.timedelta(minutes=21)
        assert sm.password_login("probe", PASSWORD, now=locked_at) is None
        assert sm.password_login("probe", PASSWORD, now=locked_at + dt.timedelta(minutes=15)) is not None


def _lock(app, username="probe"):
    client = app.test_client()
    for _ in range(app.config["LOCKOUT_FAILURES"]):
        _api_login(client, username, "Wrong@12345")
    assert _api_login(client, username).status_code == 401


def test_an_admin_unlocks_an_account_on_the_user_list(app, web):
    pk = _new_account(app)
    _lock(app)
    response = web("admin").post("/users/action_post", data={"action": "unlock", "rowid": [str(pk)]})
    assert response.status_code == 302
    assert _api_login(app.test_client()).status_code == 200
    assert "unlock" in [a for a, _c in _audit_actions(app, pk)]


def test_only_an_admin_may_unlock(app, web):
    pk = _new_account(app)
    _lock(app)
    web("county").post("/users/action_post", data={"action": "unlock", "rowid": [str(pk)]})
    assert _api_login(app.test_client()).status_code == 401


def test_flask_users_unlock(app):
    _new_account(app)
    _lock(app)
    result = app.test_cli_runner().invoke(args=["users", "unlock", "probe"])
    assert result.exit_code == 0, result.output
    assert _api_login(app.test_client()).status_code == 200


# ---- issue 10: password policy --------------------------------------------------------

@pytest.mark.parametrize("password", ["a", "b", "Short@1", "alllowercaseletters",
                                      "lowercase123", "Probe@12345", "xxPROBExx-99"])
def test_weak_passwords_are_refused(password):
    assert accounts.password_problems(password, "probe")


@pytest.mark.parametrize("password", [PASSWORD, DEMO_PASSWORD, "correct horse 7", "ABCdef12345"])
def test_good_passwords_pass(password):
    assert accounts.password_problems(password, "probe") == []


def test_flask_users_create_refuses_a_weak_password(app):
    for password in ("a", "b", "newguy@Demo2026x"):
        result = app.test_cli_runner().invoke(args=[
            "users", "create", "--username", "newguy", "--password", password,
            "--role", "Officer", "--region", "410105001003"])
        assert result.exit_code != 0
    with app.app_context():
        assert _user(app, "newguy") is None


def _add_form(app, password):
    with app.app_context():
        role = str(app.appbuilder.sm.find_role("Officer").id)
    return {"first_name": "N", "last_name": "G", "username": "newguy",
            "email": "newguy@example.invalid", "active": "y", "roles": [role],
            "region_code": "410105001003", "password": password, "conf_password": password}


def test_the_admin_form_refuses_a_weak_password(app, web):
    client = web("admin")
    page = client.post("/users/add", data=_add_form(app, "newguy-2026X"),
                       follow_redirects=True).get_data(as_text=True)
    assert "密码不得包含用户名" in page
    with app.app_context():
        assert _user(app, "newguy") is None
    client.post("/users/add", data=_add_form(app, "Strong-2026x"))
    with app.app_context():
        assert _user(app, "newguy") is not None


def test_the_admin_reset_refuses_a_weak_password(app, web):
    pk = _new_account(app)
    form = {"password": "probe-2026X", "conf_password": "probe-2026X"}
    client = web("admin")
    client.post(f"/resetpassword/form?pk={pk}", data=form)
    assert _api_login(app.test_client()).status_code == 200  # unchanged
    form = {"password": "Fresh-2026-x", "conf_password": "Fresh-2026-x"}
    assert client.post(f"/resetpassword/form?pk={pk}", data=form).status_code == 302
    assert _api_login(browser(app), password="Fresh-2026-x").status_code == 200


def test_self_service_keeps_this_session_ends_the_others_and_checks_the_policy(app):
    _new_account(app)
    other = login(browser(app), "probe")
    client = login(browser(app), "probe")
    weak = {"password": "aaaaaaaaaa", "conf_password": "aaaaaaaaaa"}
    client.post("/resetmypassword/form", data=weak)
    assert _api_login(app.test_client()).status_code == 200  # unchanged
    strong = {"password": "New-Secret-77", "conf_password": "New-Secret-77"}
    assert client.post("/resetmypassword/form", data=strong).status_code == 302
    assert _api_login(browser(app), password="New-Secret-77").status_code == 200
    assert _signed_in(client) and not _signed_in(other)


# ---- issue 10: second factor ----------------------------------------------------------

def _enrol(app, client):
    assert client.get("/second-factor/").status_code == 200
    with client.session_transaction() as session:
        secret = session["second_factor_enrolment"]
    assert client.post("/second-factor/", data={"code": "000000"}).status_code == 200
    with app.app_context():
        assert not accounts.has_second_factor(_user(app))
    response = client.post("/second-factor/", data={"code": _code(secret, -30)})
    assert response.status_code == 302
    return secret


def _code(secret, seconds_from_now=0):
    """The code of the time step that far from now: each login needs a step not used yet,
    and the server accepts the steps next to its own."""
    return pyotp.TOTP(secret).at(time.time() + seconds_from_now)


def test_a_command_account_turns_the_second_factor_on_and_then_needs_the_code(app):
    _new_account(app, role="Command", region="4101")
    client = login(browser(app), "probe")
    assert "/second-factor/" in client.get("/").get_data(as_text=True)  # the home page offers it
    secret = _enrol(app, client)
    with app.app_context():
        stored = _user(app).totp_secret_enc
    assert stored and secret not in stored  # encrypted

    client = browser(app)
    response = post_login(client, "probe")
    assert "/login/code/" in response.headers["Location"]
    assert not _signed_in(client)
    client.post(response.headers["Location"], data={"code": "123456"})
    assert not _signed_in(client)
    code = _code(secret)
    client.post("/login/code/", data={"code": code})
    assert _signed_in(client)

    without = _api_login(app.test_client())
    assert without.status_code == 401 and "totp" in without.json["errors"]
    assert _api_login(browser(app), totp=code).status_code == 401  # used already
    assert _api_login(browser(app), totp=_code(secret, 30)).status_code == 200


def test_wrong_codes_count_towards_the_lockout(app):
    _new_account(app, role="Command", region="4101")
    secret = _enrol(app, login(browser(app), "probe"))
    for _ in range(app.config["LOCKOUT_FAILURES"]):
        _api_login(browser(app), totp="000000")
    assert _api_login(browser(app), totp=_code(secret)).status_code == 401
    with app.app_context():
        assert accounts.is_locked(_user(app))


def test_an_officer_may_not_enrol(app):
    _new_account(app)
    assert login(browser(app), "probe").get("/second-factor/").status_code == 403


def test_codes_are_checked_at_the_given_time():
    secret = pyotp.random_base32()
    moment = dt.datetime(2026, 3, 1, 8, 0, 0)
    code = pyotp.TOTP(secret).at(moment.replace(tzinfo=dt.timezone.utc))
    assert accounts.code_matches(secret, code, now=moment)
    assert accounts.code_matches(secret, code, now=moment + dt.timedelta(seconds=30))
    assert not accounts.code_matches(secret, code, now=moment + dt.timedelta(minutes=5))
    assert not accounts.code_matches(secret, "", now=moment)


def test_a_code_signs_in_once(app):
    _new_account(app, role="Command", region="4101")
    secret = pyotp.random_base32()
    moment = dt.datetime(2026, 3, 1, 8, 0, 0)
    with app.app_context():
        user = _user(app)
        assert accounts.enable_second_factor(user, secret, pyotp.TOTP(secret).at(moment.replace(
            tzinfo=dt.timezone.utc)), now=moment)
        later = moment + dt.timedelta(seconds=30)
        code = pyotp.TOTP(secret).at(later.replace(tzinfo=dt.timezone.utc))
        assert accounts.second_factor_passes(user, code, now=later)
        assert not accounts.second_factor_passes(user, code, now=later)


def test_require_totp_for_forces_enrolment_first(app, monkeypatch):
    monkeypatch.setitem(app.config, "REQUIRE_TOTP_FOR", ("Command",))
    _new_account(app, role="Command", region="4101")
    client = login(browser(app), "probe")
    assert "/second-factor/" in client.get("/").headers["Location"]
    assert client.get("/api/v1/filing/").status_code == 403
    refused = _api_login(app.test_client())
    assert refused.status_code == 403 and refused.json["message"]
    _enrol(app, client)
    assert client.get("/").status_code == 200
    assert _signed_in(login(browser(app), "officer"))  # other roles are not concerned


# ---- demo accounts --------------------------------------------------------------------

def test_demo_accounts_have_a_password_that_passes_the_policy():
    assert all(accounts.password_problems(DEMO_PASSWORD, username) == []
               for username, *_rest in DEMO_USERS)


def test_setup_without_demo_creates_no_account(app, monkeypatch):
    from app.regions import service as regions

    class Loaded:
        added = updated = 0

    monkeypatch.setattr(regions, "load_seed_regions", lambda progress=None: Loaded())
    with app.app_context():
        before = {u.username for u in app.appbuilder.sm.get_all_users()}
    result = app.test_cli_runner().invoke(args=["setup", "--no-demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert {u.username for u in app.appbuilder.sm.get_all_users()} == before


def test_the_admin_user_screens_speak_chinese_and_warn_of_a_misplaced_role(app, web):
    client = web("admin")
    form = client.get("/users/add").get_data(as_text=True)
    assert "姓名" in form and 'name="last_name"' not in form          # the name is one field
    assert "专管员" in form and ">Officer<" not in form                # roles by their Chinese names
    assert "Write the user" not in form and "登录时使用的用户名" in form   # help texts in Chinese
    data = {**_add_form(app, "Strong-2026x"), "first_name": "王小明", "region_code": "410105001"}
    del data["last_name"]
    page = client.post("/users/add", data=data, follow_redirects=True).get_data(as_text=True)
    assert "专管员的管辖区域不应是 410105001 这一级" in page   # saved, with a warning
    with app.app_context():
        user = _user(app, "newguy")
        assert (user.first_name, user.last_name) == ("王小明", "")
    listed = client.get("/users/list/").get_data(as_text=True)
    assert "社区（村）专管员" in listed and ">Officer<" not in listed and "[Officer]" not in listed


def test_the_email_is_optional_on_the_form_the_command_and_create_user(app, web):
    client = web("admin")
    form_page = client.get("/users/add").get_data(as_text=True)
    assert not re.search(r'<input[^>]*name="email"[^>]*required', form_page)
    for name in ("no_mail_a", "no_mail_b"):  # two accounts without e-mail: UNIQUE does not trip on NULL
        form = {**_add_form(app, "Strong-2026x"), "username": name, "email": ""}
        assert client.post("/users/add", data=form).status_code == 302, name
    result = app.test_cli_runner().invoke(args=[
        "users", "create", "--username", "no_mail_c", "--password", "Strong-2026x",
        "--role", "Officer", "--region", "410105001003"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        create_user("no_mail_d", "Strong-2026x", "Officer", "410105001003")
        db.session.commit()
        users = [_user(app, name) for name in ("no_mail_a", "no_mail_b", "no_mail_c", "no_mail_d")]
        assert [user.email for user in users] == [None] * 4
        pk = users[0].id
    # An e-mail given, then emptied again on the edit form.
    edit = {"first_name": "N", "username": "no_mail_a", "active": "y", "roles": _add_form(app, "x")["roles"],
            "region_code": "410105001003", "email": "a@example.org"}
    assert client.post(f"/users/edit/{pk}", data=edit).status_code == 302
    with app.app_context():
        assert _user(app, "no_mail_a").email == "a@example.org"
    assert client.post(f"/users/edit/{pk}", data={**edit, "email": " "}).status_code == 302
    with app.app_context():
        assert _user(app, "no_mail_a").email is None
