"""The audit log's hash chain: sealed entries that are changed or deleted are found by
``flask audit verify``."""
import threading

import pytest
from sqlalchemy import func, select, text

from app.core import audit
from app.core.audit_chain import seal, verify
from app.core.extensions import db
from models import AuditLog
from tests.conftest import IS_POSTGRES
from tests.filing_data import report


def write_entries(app, client, count=3):
    """Entries from the public filing (its one statement on PostgreSQL) and from Core."""
    for _ in range(count):
        assert client.post("/api/v1/public/filings", json=report()).status_code == 201
    with app.test_request_context():
        with db.engine.begin() as conn:
            audit.record(conn, "update", "Region", "410105001003", "410105001003", {"name": ["a", "b"]})


def run(app, *args):
    return app.test_cli_runner().invoke(args=["audit", *args])


def sealed_ids(app):
    with app.app_context():
        return db.session.scalars(select(AuditLog.id).order_by(AuditLog.chain_seq)).all()


def test_sealed_entries_verify_and_every_entry_is_in_the_chain(app, client):
    with app.app_context():
        seal(db.engine)  # whatever the test session's setup wrote
    write_entries(app, client)
    assert "4 audit entries sealed" in run(app, "seal").output
    write_entries(app, client, 1)  # the chain goes on from its head
    with app.app_context():
        assert seal(db.engine) == 2 and seal(db.engine) == 0
        assert db.session.scalar(select(func.count()).where(AuditLog.chain_seq.is_(None))) == 0
        seqs = db.session.scalars(select(AuditLog.chain_seq).order_by(AuditLog.chain_seq)).all()
    assert seqs == list(range(1, len(seqs) + 1))
    result = run(app, "verify")
    assert result.exit_code == 0, result.output
    assert f"{len(seqs)} " in result.output and "OK" in result.output


def test_a_changed_entry_is_named(app, client):
    write_entries(app, client)
    run(app, "seal")
    changed = sealed_ids(app)[1]
    with app.app_context():
        db.session.execute(text("UPDATE audit_log SET username = 'someone else' WHERE id = :id"),
                           {"id": changed})
        db.session.commit()
    result = run(app, "verify")
    assert result.exit_code != 0
    assert f" {changed} " in result.output and "更改" in result.output


def test_a_deleted_entry_is_found(app, client):
    write_entries(app, client)
    run(app, "seal")
    ids = sealed_ids(app)
    with app.app_context():
        db.session.execute(text("DELETE FROM audit_log WHERE id = :id"), {"id": ids[1]})
        db.session.commit()
    result = run(app, "verify")
    assert result.exit_code != 0 and f" {ids[2]} " in result.output and "删除" in result.output


def test_the_last_entry_deleted_is_found(app, client):
    write_entries(app, client)
    run(app, "seal")
    with app.app_context():
        db.session.execute(text("DELETE FROM audit_log WHERE id = :id"), {"id": sealed_ids(app)[-1]})
        db.session.commit()
    assert run(app, "verify").exit_code != 0


def test_an_entry_changed_by_its_hashes_being_recomputed_is_found(app, client):
    """Rewriting an entry's own hash does not help: the next entry names the old one."""
    write_entries(app, client)
    run(app, "seal")
    with app.app_context():
        db.session.execute(text("UPDATE audit_log SET entry_hash = :h WHERE id = :id"),
                           {"h": "0" * 64, "id": sealed_ids(app)[0]})
        db.session.commit()
        assert not verify(db.session.connection()).ok


@pytest.mark.skipif(not IS_POSTGRES, reason="concurrent sealers need a server")
def test_concurrent_sealers_do_not_fork_the_chain(app, client):
    write_entries(app, client, 6)
    with app.app_context():
        engine = db.engine

    def sealer():
        with app.app_context():
            seal(engine, batch=2)
    threads = [threading.Thread(target=sealer) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with app.app_context():
        seqs = db.session.scalars(select(AuditLog.chain_seq).order_by(AuditLog.chain_seq)).all()
        assert seqs == list(range(1, len(seqs) + 1)) and len(seqs) >= 7
        assert verify(db.session.connection()).ok
