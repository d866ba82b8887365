"""Topping demo data up (flask demo generate --add, bench/rollups.py): new people never
collide with those of earlier runs, and a failure says so in one line without row values."""
import sqlalchemy
from sqlalchemy import func, select

from app import demo
from app.core.extensions import db
from models import Filing


def test_adding_again_with_the_same_seed_adds_new_people(app):
    with app.app_context():
        assert demo.generate_filings(300, seed=1) == 300
        runs = [set(db.session.scalars(select(Filing.id_number_hash)))]
        for _ in range(2):
            last = db.session.scalar(select(func.max(Filing.id)))
            assert demo.generate_filings(300, seed=1, add=True) == 300
            runs.append(set(db.session.scalars(select(Filing.id_number_hash).where(Filing.id > last))))
        assert db.session.scalar(select(func.count()).select_from(Filing)) == 900
        assert not (runs[0] & runs[1]) and not (runs[0] & runs[2]) and not (runs[1] & runs[2])


def test_identities_are_distinct_per_number():
    home, others = ["410105", "410102"], ["110101", "310101", "440103"]
    seen = {demo.identity_of(n, home, others) for n in range(200_000)}
    assert len(seen) == 200_000
    born_home = sum(demo.identity_of(n, home, others)[0].startswith("41") for n in range(1000))
    assert born_home == 700


def test_a_database_failure_prints_one_line_without_row_values(app, monkeypatch):
    error = sqlalchemy.exc.IntegrityError(
        "INSERT INTO filing (name, id_number_hash) VALUES (?, ?)", [("张伟", "secret-hash")] * 3000,
        Exception("UNIQUE constraint failed: filing.id_number_hash, filing.arrival_day"))

    def fail(*args, **kwargs):
        raise error

    monkeypatch.setattr(demo, "generate_filings", fail)
    result = app.test_cli_runner().invoke(args=["demo", "generate", "--filings", "10", "--add"])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "UNIQUE constraint failed: filing.id_number_hash" in lines[0]
    assert "张伟" not in result.output and "INSERT" not in result.output


def test_the_engine_hides_row_values_in_errors(app):
    with app.app_context():
        assert db.engine.hide_parameters
