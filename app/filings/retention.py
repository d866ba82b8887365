"""Privacy by retention: a filing's personal data is kept only as long as it serves.

RETENTION_DAYS after a filing was cancelled, closed or its control ended, its personal
data is overwritten (``anonymise_finished_filings``, the nightly job and ``flask jobs
purge``): the name, the encrypted ID number and phones and their keyed hashes (so the
person can no longer be found by ID number or phone, nor linked to a ledger resident),
the masked copies, the birth date, the addresses, the proxy and every free text, in the
filing, its revisions, checks and transfers, and the SMS sent about it. What the counts
and statistics read (status, dates, regions, transport mode, health flags, control) is
kept, so the summary tables stay exact; the audit log never holds these values (app.core.audit
hides them), so its chain stays intact.

Set-based and idempotent: one UPDATE per table, and an anonymised filing
(``anonymised_at`` set) is never selected again.
"""
import datetime as dt

from sqlalchemy import String, and_, case, cast, func, literal, or_, select, update

from app.core import dialects, sms_codes
from models import Notification
from models.filing import (
    PERSONAL_COLUMNS,
    PERSONAL_NOTES,
    Filing,
    FilingCheck,
    FilingRevision,
    FilingTransfer,
)

FILING = Filing.__table__
HIDDEN = "***"
# What the personal columns become: null, or a placeholder where a value is required.
PLACEHOLDERS = {"name": HIDDEN, "id_number_enc": "", "id_number_masked": HIDDEN,
                "destination_address": HIDDEN}
# Keys of a revision's changes that carry personal values (masked copies included: a
# masked ID number with a birth date narrows a person down).
REVISION_PERSONAL_KEYS = tuple(key for key in PERSONAL_COLUMNS if not key.endswith(("_enc", "_hash"))
                               ) + PERSONAL_NOTES


def finished_before(cutoff: dt.datetime):
    """Filings not yet anonymised that were cancelled, closed or whose control ended
    before ``cutoff``. A cancelled filing's ``updated_at`` is when it was cancelled; a
    closed one's control end (or, without one, its last change) is when it closed."""
    c = FILING.c
    return and_(c.anonymised_at.is_(None), or_(
        and_(c.status == "cancelled", c.updated_at < cutoff),
        and_(c.status == "closed", func.coalesce(c.control_end, c.updated_at) < cutoff),
        c.control_end < cutoff))


def anonymise_finished_filings(conn, now: dt.datetime, retention_days: int) -> int:
    """Anonymise every filing finished more than ``retention_days`` before ``now``, with
    its revisions, checks, transfers and SMS, in the caller's transaction; returns how
    many filings. ``now`` also marks them (``anonymised_at``)."""
    cutoff = now - dt.timedelta(days=retention_days)
    values = {column: PLACEHOLDERS.get(column) for column in PERSONAL_COLUMNS}
    values.update(anonymised_at=now, token_hash=HIDDEN,  # the filer's link shows nothing more
                  # Unique per filing (the person-per-day index covers it), and no one's hash.
                  id_number_hash=literal("anonymised:") + cast(FILING.c.id, String))
    count = conn.execute(update(FILING).where(finished_before(cutoff)).values(**values)).rowcount
    sms_codes.forget_old_codes(conn, now)
    if not count:
        return 0
    marked = select(FILING.c.id).where(FILING.c.anonymised_at == now).scalar_subquery()
    revisions = FilingRevision.__table__
    conn.execute(update(revisions).where(revisions.c.filing_id.in_(marked))
                 .values(changes=_without_personal_keys(conn)))
    checks = FilingCheck.__table__
    conn.execute(update(checks).where(checks.c.filing_id.in_(marked)).values(note=None))
    transfers = FilingTransfer.__table__
    conn.execute(update(transfers).where(transfers.c.filing_id.in_(marked)).values(reason=HIDDEN))
    messages = Notification.__table__
    conn.execute(update(messages).where(messages.c.filing_id.in_(marked)).values(
        body=HIDDEN, recipient=None, recipient_masked=None,
        # One never sent is not sent any more: its text is gone.
        status=case((messages.c.status == "pending", "failed"), else_=messages.c.status)))
    return count


def _without_personal_keys(conn):
    """The JSON text ``changes`` without the personal keys, in SQL."""
    return dialects.of(conn).json_without_keys("changes", REVISION_PERSONAL_KEYS)
