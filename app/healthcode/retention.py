"""Privacy by retention for the health codes, venue codes and checkpoints, as the filings'
(app.filings.retention): personal data is kept only as long as it serves.

- A self-declaration (health_declaration), HEALTH_DECLARATION_RETENTION_DAYS after it
  was made: the name, the encrypted ID number and phone and their masked copies, the
  phone hashes (so 我的健康码 no longer finds it, and no phone on file is left), the
  address and the proxy are overwritten. What the rules read stays (the person's keyed
  hash, the time, fever and cough, the community): the latest declaration still decides
  a self-declared green's end, so an old one never turns into a lasting green.
- A venue scan (venue_scan), VENUE_SCAN_RETENTION_DAYS after it, is deleted: who was
  where and when is all it holds. Never before VENUE_COMPANION_DAYS: the space-time
  companion search (app.venues.companions) reads that far back.
- A checkpoint pass (checkpoint_pass), CHECKPOINT_PASS_RETENTION_DAYS after it, forgets
  who passed (the keyed hash, the masked name, the filing); what the rollups count (the
  checkpoint, the day, the direction, transit, without a filing, the destination) stays.
- A public API holder (health_code_holder), once expired (HEALTH_CODE_HOLDER_DAYS after
  it was issued: app.healthcode.holders refuses it), is deleted.

Set-based and idempotent: one statement per table, and an anonymised row
(``anonymised_at`` set) is never selected again. The clock is a parameter.
"""
import datetime as dt
from typing import NamedTuple

from flask import current_app
from sqlalchemy import String, cast, delete, literal, update

from models.checkpoint import CheckpointPass
from models.healthcode import HealthCodeHolder, HealthDeclaration
from models.venue import VenueScan

HIDDEN = "***"
ANONYMISED = "anonymised:"  # + the row's id: no one's keyed hash, and unique per row


class Forgotten(NamedTuple):
    declarations: int
    scans: int
    passes: int
    holders: int


def forget_old_visits(conn, now: dt.datetime) -> Forgotten:
    """The retentions above as of ``now``, in the caller's transaction on ``conn``."""
    config = current_app.config
    scan_days = max(int(config["VENUE_SCAN_RETENTION_DAYS"]), int(config["VENUE_COMPANION_DAYS"]))
    return Forgotten(
        anonymise_declarations(conn, now - dt.timedelta(days=int(config["HEALTH_DECLARATION_RETENTION_DAYS"])), now),
        delete_scans(conn, now - dt.timedelta(days=scan_days)),
        anonymise_passes(conn, now - dt.timedelta(days=int(config["CHECKPOINT_PASS_RETENTION_DAYS"])), now),
        delete_holders(conn, now - dt.timedelta(days=int(config["HEALTH_CODE_HOLDER_DAYS"]))))


def _unique_placeholder(table):
    return literal(ANONYMISED) + cast(table.c.id, String)


def anonymise_declarations(conn, cutoff: dt.datetime, now: dt.datetime) -> int:
    d = HealthDeclaration.__table__
    return conn.execute(update(d).where(d.c.declared_at < cutoff, d.c.anonymised_at.is_(None)).values(
        name=HIDDEN, id_number_enc="", id_number_masked=HIDDEN, phone_enc="", phone_masked=HIDDEN,
        phone_hash=_unique_placeholder(d), declarant_phone_hash=_unique_placeholder(d),
        residence_address=None, proxy_name=None, proxy_relation=None, anonymised_at=now)).rowcount


def delete_scans(conn, cutoff: dt.datetime) -> int:
    s = VenueScan.__table__
    return conn.execute(delete(s).where(s.c.scanned_at < cutoff)).rowcount


def anonymise_passes(conn, cutoff: dt.datetime, now: dt.datetime) -> int:
    p = CheckpointPass.__table__
    return conn.execute(update(p).where(p.c.passed_at < cutoff, p.c.anonymised_at.is_(None)).values(
        person_hash=_unique_placeholder(p), name_masked=HIDDEN, filing_id=None, anonymised_at=now)).rowcount


def delete_holders(conn, cutoff: dt.datetime) -> int:
    h = HealthCodeHolder.__table__
    return conn.execute(delete(h).where(h.c.created_at <= cutoff)).rowcount
