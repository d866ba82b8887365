"""The demo data of `flask setup`: filings everywhere, more in the demo township, once."""
from sqlalchemy import func, select

from app import demo
from app.core.extensions import db
from app.core.jurisdiction import code_within
from models import Filing


def test_demo_filings_concentrate_in_the_demo_township_and_load_once(app, monkeypatch):
    monkeypatch.setattr(demo, "DEMO_SPREAD", 40)
    monkeypatch.setattr(demo, "DEMO_FOCUS", 30)
    with app.app_context():
        assert demo.load_demo_filings() == 70
        in_township = db.session.scalar(select(func.count()).select_from(Filing).where(
            code_within(Filing.destination_region_code, demo.DEMO_TOWNSHIP)))
        assert in_township >= 30
        assert demo.load_demo_filings() == 0
        assert db.session.scalar(select(func.count()).select_from(Filing)) == 70


def test_demo_filings_know_their_arrival_day(app, monkeypatch):
    """The repeated-filing rule (one live filing per person and arrival day) needs it."""
    from app.core.clock import local_date

    with app.app_context():
        demo.generate_filings(20)
        rows = db.session.execute(select(Filing.expected_arrival_at, Filing.arrival_day)).all()
        assert rows and all(day == local_date(at) for at, day in rows)
