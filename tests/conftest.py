"""Fixtures: one app per test session on the database of TEST_DATABASE_URL (SQLite in a
temporary folder by default), a small real region tree, an account per role, and a
clean slate of domain rows after each test."""
import base64
import datetime as dt
import os
import re
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask.testing import FlaskClient
from sqlalchemy import text
from werkzeug.datastructures import Headers

TESTS_DIR = Path(__file__).resolve().parent
REGIONS_CSV = TESTS_DIR / "data" / "regions.csv"
_tmp = tempfile.mkdtemp(prefix="console-tests-")
os.environ.setdefault("INSTANCE_DIR", _tmp)
DATABASE_URL = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{_tmp}/test.db"
IS_POSTGRES = DATABASE_URL.startswith("postgresql")


def _database_of_this_worker(url: str) -> str:
    """Under pytest-xdist every worker has its own PostgreSQL database (``test_gw0``...),
    created when missing; SQLite files are per worker already (one temporary folder each)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker or not IS_POSTGRES:
        return url
    import psycopg

    base, name = url.split("?")[0].rsplit("/", 1)
    own = f"{name}_{worker}"
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (own,)).fetchone():
            conn.execute(f'CREATE DATABASE "{own}"')
    return f"{base}/{own}"


DATABASE_URL = _database_of_this_worker(DATABASE_URL)
TEST_KEY = base64.urlsafe_b64encode(b"k" * 32).decode()
PASSWORD = "Test@12345"

# (username, role, jurisdiction): two of each kind in different places, so every test
# can ask a user about a row of another jurisdiction.
TEST_USERS = [
    ("admin", "Admin", "41"),
    ("province", "Command", "41"),
    ("city", "Command", "4101"),
    ("city2", "Command", "4102"),
    ("county", "Command", "410105"),
    ("township", "Township", "410105001"),
    ("township2", "Township", "410105002"),
    ("officer", "Officer", "410105001003"),
    ("officer_b", "Officer", "410105001006"),
    ("officer2", "Officer", "410102001002"),
    ("grid", "GridMember", "410105001003"),
    ("leader", "Leader", "4101"),
    ("checkpoint", "Checkpoint", "4101"),
    ("integrator", "Integrator", "4101"),
    ("integrator2", "Integrator", "4102"),
]
# Tables whose rows the session fixture creates and every test keeps.
SEED_TABLES = {"region", "ab_permission", "ab_view_menu", "ab_permission_view", "ab_role",
               "ab_permission_view_role", "ab_user", "ab_user_role", "ab_group",
               "ab_group_role", "ab_user_group"}


def _reset_database(url):
    from sqlalchemy import create_engine

    from app.core.extensions import db  # noqa: F401  (models import FAB's Model)
    import models  # noqa: F401
    from models.user import ConsoleUser  # noqa: F401
    from flask_appbuilder import Model

    engine = create_engine(url)
    if IS_POSTGRES:
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    else:
        Model.metadata.drop_all(engine)
        with engine.begin() as conn:  # the schema comes from the migrations (app.core.migrations)
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    engine.dispose()


@pytest.fixture(scope="session")
def app():
    _reset_database(DATABASE_URL)
    from app import create_app

    app = create_app({
        "SQLALCHEMY_DATABASE_URI": DATABASE_URL,
        "TESTING": True,
        "SECRET_KEY": "test-secret-" + "x" * 32,
        "FIELD_ENCRYPTION_KEY": TEST_KEY,
        "SETUP_ON_START": True,
        "RATELIMIT_ENABLED": False,
    })
    with app.app_context():
        from app.core.accounts import create_user
        from app.regions.service import import_regions

        import_regions(REGIONS_CSV)
        for username, role, code in TEST_USERS:
            create_user(username, PASSWORD, role, code)
        seeded = _max_user_id()
    app.config["TEST_SEEDED_MAX_USER_ID"] = seeded
    yield app


def _max_user_id():
    from app.core.extensions import db

    return db.session.execute(text("SELECT MAX(id) FROM ab_user")).scalar()


@pytest.fixture(autouse=True)
def clean_slate(request, app):
    """After each test, delete the rows the test made (all but the seed)."""
    yield
    from flask_appbuilder import Model

    from app.core.extensions import db

    with app.app_context():
        db.session.rollback()
        seeded = app.config["TEST_SEEDED_MAX_USER_ID"]
        for table in reversed(Model.metadata.sorted_tables):
            if table.name not in SEED_TABLES:
                db.session.execute(table.delete())
        db.session.execute(text("DELETE FROM ab_user_role WHERE user_id > :id"), {"id": seeded})
        db.session.execute(text("DELETE FROM ab_user WHERE id > :id"), {"id": seeded})
        # Failed logins of one test must not lock a seed account for the next ones.
        db.session.execute(text("UPDATE ab_user SET fail_login_count = 0, failed_login_since = NULL, "
                                "locked_until = NULL, totp_secret_enc = NULL, totp_last_step = NULL"))
        db.session.commit()
        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield


FORM_TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
PAGE_TOKEN = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class SessionClient(FlaskClient):
    """A signed-in browser: every write carries the CSRF token of the pages it was
    given, as the console's forms and scripts do (``login`` sets it)."""

    csrf_token = None

    def open(self, *args, **kwargs):
        if self.csrf_token and kwargs.get("method", "GET").upper() not in SAFE_METHODS:
            headers = Headers(kwargs.get("headers") or {})
            headers.setdefault("X-CSRFToken", self.csrf_token)
            kwargs["headers"] = headers
        return super().open(*args, **kwargs)


def post_login(client, username, password=PASSWORD, **fields):
    """Submit the login form as a browser does, with the token of the form it shows."""
    form = client.get("/login/").get_data(as_text=True)
    token = FORM_TOKEN.search(form).group(1)
    if isinstance(client, SessionClient):  # its next steps (a second factor) post too
        client.csrf_token = token
    return client.post("/login/", data={"username": username, "password": password,
                                        "csrf_token": token, **fields})


def login(client, username, password=PASSWORD):
    """Sign in through the login form (a web session); a wrong password lands back on
    the login page, so only the start page counts."""
    response = post_login(client, username, password)
    assert response.status_code == 302 and urlsplit(response.location).path == "/", \
        f"{username} was not signed in: {response.status_code} {response.location}"
    page = PAGE_TOKEN.search(client.get("/").get_data(as_text=True))
    if page:  # else the start page sent it on (to the second factor's set-up)
        client.csrf_token = page.group(1)
    return client


def browser(app) -> SessionClient:
    """A client that sends the CSRF token of its session with every write."""
    return SessionClient(app, app.response_class, use_cookies=True)


@pytest.fixture
def web(app):
    """``web("officer")`` is a test client signed in as that user, sending the CSRF
    token with its writes (``app.test_client()`` and ``login`` for one that does not)."""
    def _client(username):
        return login(browser(app), username)
    return _client


class ApiClient:
    """A JSON client with a JWT from POST /api/v1/security/login."""

    def __init__(self, client, username, password=PASSWORD, language=None):
        self.client = client
        response = client.post("/api/v1/security/login", json={
            "username": username, "password": password, "provider": "db"})
        assert response.status_code == 200, response.get_data(as_text=True)
        self.headers = {"Authorization": f"Bearer {response.json['access_token']}"}
        if language:
            self.headers["Accept-Language"] = language

    def __getattr__(self, method):
        def call(url, **kwargs):
            headers = {**self.headers, **kwargs.pop("headers", {})}
            return getattr(self.client, method)(url, headers=headers, **kwargs)
        return call


@pytest.fixture
def api(app):
    """``api("officer")`` is a JSON client authenticated with that user's JWT."""
    def _api(username, language=None):
        return ApiClient(app.test_client(), username, language=language)
    return _api


def user_id(app, username):
    with app.app_context():
        return app.appbuilder.sm.find_user(username=username).id


@pytest.fixture
def go_live(app):
    """Every community live since GO_LIVE_DATE (2026-01-01), so each one is expected to
    report every day of a test's dates (without it, from its first report only)."""
    before = app.config.get("GO_LIVE_DATE")
    app.config["GO_LIVE_DATE"] = dt.date(2026, 1, 1)
    yield
    app.config["GO_LIVE_DATE"] = before
