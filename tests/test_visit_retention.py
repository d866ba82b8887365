"""Privacy by retention for the health codes, venue codes and checkpoints
(app.healthcode.retention, the nightly job and ``flask jobs purge``), with a clock: a
self-declaration's personal values are overwritten after HEALTH_DECLARATION_RETENTION_DAYS
(what the rules read stays: an old declared green does not become a lasting green), a
venue scan is deleted after VENUE_SCAN_RETENTION_DAYS (never before the companion
search's days), a checkpoint pass forgets who passed (the rollup counts stay)."""
import datetime as dt

from sqlalchemy import select

from app.core.extensions import db
from app.healthcode import declarations
from app.healthcode.codes import current_code
from app.healthcode.retention import Forgotten
from app.healthcode.rules import recompute_all
from app.stats import rollups
from app.venues import scans
from models.checkpoint import CheckpointPass
from models.healthcode import HealthDeclaration
from models.venue import VenueScan
from scheduler import jobs
from tests.filing_data import resident_id
from tests.test_checkpoints import checkpoint, log
from tests.test_healthcode_public import PHONE, declaration
from tests.test_venues import make_venue

T0 = dt.datetime(2026, 3, 1, 2, 0)  # 10:00 local
DAY = dt.timedelta(days=1)
OLD, RECENT = resident_id(sequence=71), resident_id(sequence=72)


def the_visits(app):
    """OLD declared, scanned and passed a checkpoint at T0; RECENT all of it at T0 + 20 days."""
    shop = make_venue(app)["code"]
    with app.test_request_context():
        site = checkpoint()
        people = {}
        for id_number, at in ((OLD, T0), (RECENT, T0 + 20 * DAY)):
            declared = declarations.declare(declaration(id_number=id_number, name="李四光"), now=at)
            people[id_number] = declared.person_hash
            assert scans.record_scan(shop, declared.person_hash, at) is not None
            log(site, id_number, now=at)
    return people


def forget(app, at) -> Forgotten:
    with app.app_context():
        return jobs.visit_retention_job(at)


def passes_counted(app) -> int:
    with app.app_context():
        span = rollups.DateRange(dt.date(2026, 2, 1), dt.date(2026, 4, 30))
        return rollups.rollup("41", span, T0, jurisdiction="41")["checkpoints"]["passes"]


def test_old_declarations_scans_and_passes_are_forgotten_and_the_rest_kept(app):
    people = the_visits(app)
    assert forget(app, T0 + 27 * DAY) == (0, 0, 0, 0)
    assert forget(app, T0 + 29 * DAY) == (1, 1, 1, 0)       # OLD's, 29 days after
    assert forget(app, T0 + 29 * DAY) == (0, 0, 0, 0)       # idempotent
    with app.app_context():
        old, recent = (db.session.scalar(select(HealthDeclaration).where(HealthDeclaration.person_hash == people[n]))
                       for n in (OLD, RECENT))
        assert (old.name, old.id_number_enc, old.id_number_masked, old.phone_enc, old.phone_masked) == (
            "***", "", "***", "", "***")
        assert old.residence_address is old.proxy_name is None and old.anonymised_at == T0 + 29 * DAY
        assert old.phone_hash.startswith("anonymised:") and old.declarant_phone_hash == old.phone_hash
        assert recent.name == "李四光" and recent.anonymised_at is None
        assert [s.person_hash for s in db.session.scalars(select(VenueScan))] == [people[RECENT]]
        logged = {p.passed_at: p for p in db.session.scalars(select(CheckpointPass))}
        gone, kept = logged[T0], logged[T0 + 20 * DAY]
        assert gone.person_hash.startswith("anonymised:") and gone.name_masked == "***" and gone.filing_id is None
        assert (gone.day, gone.without_filing, gone.direction) == (T0.date(), True, "in")
        assert kept.person_hash == people[RECENT] and kept.anonymised_at is None
        # 我的健康码 no longer finds the old declaration by its ID number and phone.
        with app.test_request_context():
            assert not declarations.send_code({"id_number": OLD, "phone": PHONE}, now=T0 + 29 * DAY)
            assert declarations.send_code({"id_number": RECENT, "phone": PHONE}, now=T0 + 29 * DAY)
        # The rules read what stays: OLD's self-declared green ended and does not come back
        # as a lasting green from the nightly recompute.
        recompute_all(T0 + 29 * DAY)
        assert current_code(people[OLD], T0 + 29 * DAY).colour is None
    assert passes_counted(app) == 2                       # the counts stay


def test_scans_stay_while_the_companion_search_reads_them_and_the_command_says_so(app, monkeypatch):
    people = the_visits(app)
    for name, days in (("VENUE_SCAN_RETENTION_DAYS", 3), ("HEALTH_DECLARATION_RETENTION_DAYS", 60),
                       ("CHECKPOINT_PASS_RETENTION_DAYS", 60)):
        monkeypatch.setitem(app.config, name, days)
    assert forget(app, T0 + 10 * DAY) == (0, 0, 0, 0)       # 10 days < VENUE_COMPANION_DAYS (14)
    result = app.test_cli_runner().invoke(args=["jobs", "purge", "--now", (T0 + 15 * DAY).isoformat() + "Z"])
    assert result.exit_code == 0, result.output
    assert "0 health declarations anonymised, 1 venue scans deleted, 0 checkpoint passes anonymised" in result.output
    with app.app_context():
        assert [s.person_hash for s in db.session.scalars(select(VenueScan))] == [people[RECENT]]
