"""The audit log made tamper-evident: a hash chain, sealed after the fact.

Entries are written as before (the public filing writes its entry inside its one
statement); every few seconds ``seal`` gives the entries not yet in the chain, in id
order, the next places (``chain_seq``), each with ``prev_hash`` (the hash of the entry
before it) and ``entry_hash`` (SHA-256 over its fields and ``prev_hash``), and records
the new head in ``audit_seal``. ``verify`` walks the chain and names the first entry
that was changed, or the place where one was deleted.

Why after the fact: chaining at insert would make every audit write (the public filing
included) wait for the one before it: all writers serialised on one lock. Sealing keeps
the hot path as it was; what it cannot prove is an entry changed in the few seconds
before its seal. An entry whose transaction commits late (its id lower than sealed
ones) simply gets a later place: the chain's order is ``chain_seq``, not ``id``.
"""
import hashlib
import json
from dataclasses import dataclass
from typing import Optional

from flask_babel import gettext as _
from sqlalchemy import bindparam, func, select, update

from app.core import dialects
from models import AuditLog, AuditSeal
from models.base import utcnow

LOG = AuditLog.__table__
SEAL = AuditSeal.__table__
HASHED_FIELDS = ("id", "at", "user_id", "username", "action", "entity", "entity_id",
                 "region_code", "changes")
SEAL_BATCH = 5000
# Sealers take turns on PostgreSQL (the scheduler and a `flask audit seal` by hand).
SEAL_LOCK_KEY = 4_101_202_205


def entry_hash(entry, seq: int, prev_hash: Optional[str]) -> str:
    """SHA-256 of one entry's place, fields and predecessor, in a canonical JSON form."""
    fields = [seq, prev_hash] + [_canonical(entry[name]) for name in HASHED_FIELDS]
    return hashlib.sha256(json.dumps(fields, ensure_ascii=False, separators=(",", ":"))
                          .encode()).hexdigest()


def _canonical(value):
    return value.isoformat(sep=" ") if hasattr(value, "isoformat") else value


def _head(conn) -> tuple[int, Optional[str]]:
    row = conn.execute(select(LOG.c.chain_seq, LOG.c.entry_hash)
                       .where(LOG.c.chain_seq.is_not(None))
                       .order_by(LOG.c.chain_seq.desc()).limit(1)).first()
    return (row[0], row[1]) if row else (0, None)


def seal(engine, batch: int = SEAL_BATCH) -> int:
    """Chain every entry not yet sealed, ``batch`` at a time (each its own transaction);
    returns how many were sealed. Idempotent: nothing to seal, nothing changes."""
    sealed = 0
    while True:
        with engine.begin() as conn:
            dialects.of(conn).advisory_xact_lock(conn, SEAL_LOCK_KEY)
            count = _seal_batch(conn, batch)
        sealed += count
        if count < batch:
            return sealed


def _seal_batch(conn, batch: int) -> int:
    rows = conn.execute(select(*(LOG.c[name] for name in HASHED_FIELDS))
                        .where(LOG.c.chain_seq.is_(None)).order_by(LOG.c.id).limit(batch)).mappings().all()
    if not rows:
        return 0
    seq, prev = _head(conn)
    chained = []
    for row in rows:
        seq += 1
        digest = entry_hash(row, seq, prev)
        chained.append({"entry_id": row["id"], "seq": seq, "prev": prev, "digest": digest})
        prev = digest
    conn.execute(update(LOG).where(LOG.c.id == bindparam("entry_id"))
                 .values(chain_seq=bindparam("seq"), prev_hash=bindparam("prev"),
                         entry_hash=bindparam("digest")), chained)
    conn.execute(SEAL.insert().values(at=utcnow(), last_seq=seq, last_hash=prev))
    return len(rows)


@dataclass
class Verdict:
    ok: bool
    checked: int                 # sealed entries checked
    unsealed: int                # entries not yet in the chain (not checked)
    entry_id: Optional[int] = None   # the first broken entry (or the one after a gap)
    seq: Optional[int] = None        # its place in the chain
    problem: Optional[str] = None    # changed, missing, missing_at_end

    def message(self) -> str:
        if self.problem == "changed":
            return _("Audit chain broken: entry %(id)s (place %(seq)s) was changed after it was sealed.",
                     id=self.entry_id, seq=self.seq)
        if self.problem == "missing":
            return _("Audit chain broken: an entry before entry %(id)s (place %(seq)s) was deleted.",
                     id=self.entry_id, seq=self.seq)
        if self.problem == "missing_at_end":
            return _("Audit chain broken: the entry at place %(seq)s and after it were deleted.",
                     seq=self.seq)
        return _("Audit chain OK: %(checked)s sealed entries verified, %(unsealed)s not yet sealed.",
                 checked=self.checked, unsealed=self.unsealed)


def verify(conn, batch: int = SEAL_BATCH) -> Verdict:
    """Walk the chain in order: each entry must sit at the next place, name the hash of
    the one before it and hash to its ``entry_hash``; the chain must reach the head of
    the last seal."""
    expected_seq, prev, checked, last = 1, None, 0, 0
    columns = [LOG.c[name] for name in HASHED_FIELDS] + [LOG.c.chain_seq, LOG.c.prev_hash, LOG.c.entry_hash]
    unsealed = conn.execute(select(func.count()).where(LOG.c.chain_seq.is_(None))).scalar_one()
    while True:
        rows = conn.execute(select(*columns).where(LOG.c.chain_seq > last)
                            .order_by(LOG.c.chain_seq).limit(batch)).mappings().all()
        for row in rows:
            seq = row["chain_seq"]
            if seq != expected_seq or row["prev_hash"] != prev:
                return Verdict(False, checked, unsealed, row["id"], seq, "missing")
            if entry_hash(row, seq, prev) != row["entry_hash"]:
                return Verdict(False, checked, unsealed, row["id"], seq, "changed")
            prev, expected_seq, checked = row["entry_hash"], seq + 1, checked + 1
        if len(rows) < batch:
            break
        last = rows[-1]["chain_seq"]
    head = conn.execute(select(SEAL.c.last_seq, SEAL.c.last_hash)
                        .order_by(SEAL.c.last_seq.desc()).limit(1)).first()
    if head is not None and (head.last_seq >= expected_seq or (head.last_seq == expected_seq - 1
                                                               and head.last_hash != prev)):
        return Verdict(False, checked, unsealed, None, expected_seq, "missing_at_end")
    return Verdict(True, checked, unsealed)
