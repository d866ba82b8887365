"""A colour changes at once when an event concerns a person: a filing written (created,
edited, checked, cancelled), a feed batch imported or undone (app.crossmatch.feeds), a
declaration, a companion finding. Each calls the rules for the people concerned
(app.healthcode.rules.refresh_people), in the event's transaction.

The public filing path stays one statement on PostgreSQL: there the new filings' share
is data-modifying CTEs of the filing's INSERT (``sql_for_inserted``), applying what a
new filing can change by itself: an arrival from outside the province (or fever or
cough declared in it) turns the person yellow unless their colour is worse, a person
without a code gets one (green when nothing fires), and the code belongs to the
filing's destination. The rest (tests that clear the arrival, risk areas) is the rules'
and follows at the next event or the daily recompute.
"""
import datetime as dt
from typing import Optional

from flask import current_app, has_app_context
from sqlalchemy import func, or_, select, union

import config as settings

from app.filings.events import on_filing_change
from app.healthcode.rules import RED, YELLOW, people_with_phones, refresh_in, refresh_selected
from models import Filing
from models.base import utcnow
from models.crossmatch import FeedContact, RiskArea


def _hashes(changes) -> set[str]:
    return {row["id_number_hash"] for pair in changes for row in pair if row and row.get("id_number_hash")}


def _now_of(changes):
    return max((after.get("updated_at") for _before, after in changes if after and after.get("updated_at")),
               default=None) or utcnow()


@on_filing_change
def filing_written(conn, before: Optional[dict], after: Optional[dict]) -> None:
    refresh_filers(conn, [(before, after)])


def refresh_filers(conn, changes) -> None:
    """The colours of the people of these filing changes (a batch: one refresh), on the
    filing's connection (its transaction)."""
    hashes = _hashes(changes)
    if hashes:
        refresh_in(conn, hashes, _now_of(changes))


def sql_for_inserted(source: str) -> list[str]:
    """PostgreSQL: the new filings' share of their INSERT statement (see the module's
    docstring): the change rows, then the codes. Both read the codes as they were before
    the statement, so they decide alike."""
    # The settings the app runs with; outside one (a caller only asking whether every
    # listener has its SQL) the settings file's.
    config = current_app.config if has_app_context() else vars(settings)
    province = "".join(ch for ch in str(config["PROVINCE_CODE"]) if ch.isdigit())
    arrival_days = int(config["HEALTH_CODE_ARRIVAL_DAYS"])
    outside = (f"(n.origin_country <> 'CN' OR n.origin_region_code IS NULL "
               f"OR n.origin_region_code NOT LIKE '{province}%') AND "
               f"COALESCE(n.arrived_at, n.expected_arrival_at) >= n.filed_at - INTERVAL '{arrival_days} days'")
    decided = (
        f"SELECT DISTINCT ON (n.id_number_hash) n.id_number_hash AS person_hash, "
        f"CASE WHEN {outside} OR n.fever OR n.cough THEN 'yellow' ELSE 'green' END AS colour, "
        f"CASE WHEN {outside} THEN 'arrived_from_outside' WHEN n.fever OR n.cough THEN 'symptoms' "
        f"ELSE 'no_risk' END AS rule, "
        f"'{{\"filing\": \"' || n.id || '\", \"arrival\": \"' || COALESCE(n.arrived_at, n.expected_arrival_at) "
        f"|| '\", \"test_days\": \"0\"}}' AS inputs, n.filed_at AS at, n.destination_region_code AS region_code "
        f"FROM {source} n WHERE n.status <> 'cancelled' "
        f"ORDER BY n.id_number_hash, n.expected_arrival_at DESC")
    rank = f"CASE c.colour WHEN 'red' THEN {RED} WHEN 'yellow' THEN {YELLOW} ELSE 0 END"
    new_rank = f"CASE d.colour WHEN 'yellow' THEN {YELLOW} ELSE 0 END"
    applies = (f"(c.person_hash IS NULL OR c.manual OR c.expires_at <= d.at OR {new_rank} > {rank})")
    return [
        f"INSERT INTO health_code_change (person_hash, colour, previous_colour, rule, inputs, changed_at) "
        f"SELECT d.person_hash, d.colour, c.colour, d.rule, d.inputs, d.at FROM ({decided}) d "
        f"LEFT JOIN health_code c ON c.person_hash = d.person_hash WHERE {applies}",
        f"INSERT INTO health_code (person_hash, colour, rule, changed_at, expires_at, manual, region_code) "
        f"SELECT d.person_hash, d.colour, d.rule, d.at, NULL, false, d.region_code FROM ({decided}) d "
        f"LEFT JOIN health_code c ON c.person_hash = d.person_hash WHERE {applies} "
        f"ON CONFLICT (person_hash) DO UPDATE SET colour = EXCLUDED.colour, rule = EXCLUDED.rule, "
        f"changed_at = EXCLUDED.changed_at, expires_at = NULL, manual = false, region_code = EXCLUDED.region_code",
    ]


filing_written.batch = refresh_filers            # app.filings.events.filings_changed batches
filing_written.sql_for_inserted = sql_for_inserted  # the one-statement filing insert


def refresh_batch(model, batch_id: int, now) -> int:
    """The colours of the people a feed batch names (``people_of_batch``)."""
    if "id_number_hash" not in model.__table__.c:
        return 0
    return refresh_selected(people_of_batch(model, batch_id), now)


def people_of_batch(model, batch_id: int):
    """SELECT of the people a feed batch names: its rows by the ID number's hash, and for
    a contact known by a phone alone, the people whose own phone that is (app.healthcode.rules)."""
    named = select(model.id_number_hash).where(model.batch_id == batch_id, model.id_number_hash.isnot(None))
    if model is not FeedContact:
        return named
    return union(named, *people_with_phones(select(model.phone_hash).where(
        model.batch_id == batch_id, model.id_number_hash.is_(None), model.phone_hash.isnot(None))))


def refresh_phone_contacts(now: dt.datetime) -> int:
    """The colours of the people whose own phone a recent contact names alone. A filing
    written by PostgreSQL's one statement (``sql_for_inserted``) does not look for such
    a contact, so the matching job (every MATCHING_INTERVAL_MINUTES) decides them again:
    few people (a feed's phone-only contacts); nothing written when nothing changed."""
    since = (now - dt.timedelta(days=int(current_app.config["HEALTH_CODE_CONTACT_DAYS"]))).date()
    phones = select(FeedContact.phone_hash).where(
        FeedContact.id_number_hash.is_(None), FeedContact.phone_hash.isnot(None), FeedContact.exposed_on >= since)
    return refresh_selected(union(*people_with_phones(phones)), now)


def risk_area_travellers(batch_id: int):
    """SELECT of the travellers whose origin or transit lies in an area of the batch."""
    county = func.substr(RiskArea.region_code, 1, 6)
    return select(Filing.id_number_hash).join(RiskArea, or_(
        county == Filing.origin_region_code, Filing.transit.contains(county))).where(RiskArea.batch_id == batch_id)


def refresh_risk_area_batch(batch_id: int, now) -> int:
    return refresh_selected(risk_area_travellers(batch_id), now)
