"""The database unreachable (down, restarting, a dropped connection): requests answer
503 with Retry-After and the error shape, never 500, and the scheduler, its lock and
the outbox carry on once it is back."""
import pytest
from sqlalchemy import create_engine, select, text

from app.core.extensions import db
from app.core.outbox import deliver_pending, enqueue
from models import Notification
from scheduler.lock import lock_for
from scheduler.runner import Guard
from tests.conftest import DATABASE_URL, IS_POSTGRES
from tests.filing_data import report

PUBLIC_FILINGS = "/api/v1/public/filings"
DEAD_URL = ("postgresql+psycopg://postgres@127.0.0.1:1/gone?connect_timeout=1" if IS_POSTGRES
            else "sqlite:////nonexistent-directory/gone.db")


@pytest.fixture
def database_down(app, monkeypatch):
    """From now on every connection the app opens fails, as while the database restarts."""
    def down():
        dead = create_engine(DEAD_URL)
        monkeypatch.setitem(db._app_engines[app], None, dead)
        monkeypatch.setitem(app.extensions, "single_statement_engine", dead)
    return down


def assert_unavailable_json(response):
    assert response.status_code == 503, response.get_data(as_text=True)
    assert int(response.headers["Retry-After"]) > 0
    assert set(response.json) == {"message", "errors"} and response.json["message"]


def test_a_public_filing_answers_503_with_retry_after_while_the_database_is_down(client, database_down):
    database_down()
    response = client.post(PUBLIC_FILINGS, json=report())
    assert_unavailable_json(response)
    assert "稍后" in response.json["message"]
    english = client.post(PUBLIC_FILINGS, json=report(), headers={"Accept-Language": "en"})
    assert_unavailable_json(english)
    assert "try again" in english.json["message"]


def test_the_staff_api_answers_503_not_fabs_500(api, database_down):
    officer = api("officer")
    database_down()
    assert_unavailable_json(officer.get("/api/v1/filing/"))
    assert_unavailable_json(officer.get("/api/v1/stats/rollup"))


def test_a_screen_answers_a_translated_503_page(web, database_down):
    officer = web("officer")
    database_down()
    response = officer.get("/filingview/list/")
    assert response.status_code == 503 and int(response.headers["Retry-After"]) > 0
    assert "暂时无法使用" in response.get_data(as_text=True)


def test_a_fault_of_a_statement_is_still_a_500(app, client, monkeypatch):
    """Only unavailability is 503: a broken statement is our bug, and stays a 500."""
    from app.filings import service as filings

    def broken(*args, **kwargs):
        with db.engine.connect() as conn:
            conn.execute(text("SELECT no_such_column FROM filing"))
    monkeypatch.setattr(filings, "create_one_filing", broken)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    assert client.post(PUBLIC_FILINGS, json=report()).status_code == 500


# ---- PostgreSQL: the backends killed, as by a restart --------------------------------------

postgres_only = pytest.mark.skipif(not IS_POSTGRES, reason="terminating backends is PostgreSQL's")


def kill_connections():
    """Terminate every other connection to the test database (a restart, for its clients)."""
    import psycopg

    with psycopg.connect(DATABASE_URL.replace("postgresql+psycopg://", "postgresql://"),
                         autocommit=True) as conn:
        return conn.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                            "WHERE datname = current_database() AND pid <> pg_backend_pid()").fetchone()[0]


@postgres_only
def test_filings_go_on_after_the_connections_are_killed(client):
    assert client.post(PUBLIC_FILINGS, json=report()).status_code == 201
    assert kill_connections() >= 1
    assert client.post(PUBLIC_FILINGS, json=report()).status_code == 201


@postgres_only
def test_the_scheduler_retakes_its_lock_and_runs_the_next_job(app):
    guard = Guard(app, lock_for(DATABASE_URL, app.instance_path))
    try:
        assert guard.run("job", lambda now: db.session.execute(text("SELECT 1")).scalar()) == 1
        assert kill_connections() >= 1
        assert guard.run("job", lambda now: db.session.execute(text("SELECT 2")).scalar()) == 2
        assert guard.holding is True
    finally:
        guard.lock.release()


@postgres_only
def test_a_killed_scheduler_whose_lock_was_taken_stands_by(app):
    """The advisory lock dies with its backend: if another scheduler took it meanwhile,
    this one must not run jobs beside it."""
    first = Guard(app, lock_for(DATABASE_URL, app.instance_path))
    second = Guard(app, lock_for(DATABASE_URL, app.instance_path))
    ran = []
    try:
        first.run("job", lambda now: ran.append("first"))
        kill_connections()
        second.run("job", lambda now: ran.append("second"))
        first.run("job", lambda now: ran.append("first again"))
        assert ran == ["first", "second"] and first.holding is False
    finally:
        first.lock.release()
        second.lock.release()


@postgres_only
def test_the_outbox_delivers_after_the_connections_are_killed(app):
    with app.app_context():
        enqueue("receipt", "hello", phone="13812345678")
        db.session.commit()
        kill_connections()
        assert deliver_pending() == 1
        assert db.session.scalar(select(Notification.status)) == "sent"


@postgres_only
def test_after_a_restart_one_retry_renews_every_pooled_connection(app, client):
    """Every connection pooled before the restart is dead: the first request noticing it
    starts a new pool, so neither it nor the next ones fail on another dead one."""
    from app.core.dialects.postgresql import single_statement_engine

    assert client.post(PUBLIC_FILINGS, json=report()).status_code == 201
    with app.app_context():
        engine = single_statement_engine()
        held = [engine.connect() for _ in range(3)]  # the pool now keeps three
        for conn in held:
            conn.close()
    kill_connections()
    for _ in range(3):
        response = client.post(PUBLIC_FILINGS, json=report())
        assert response.status_code == 201, response.get_data(as_text=True)
