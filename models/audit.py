from sqlalchemy import BigInteger, Column, DateTime, Index, Integer, String, Text, text

from models.base import MAX_CODE_LENGTH, BigId, Model, ScopedMixin, utcnow


class AuditLog(ScopedMixin, Model):
    """Who did what to which row, when. ``region_code`` is the region of the row it
    concerns, so an audit entry is scoped exactly like that row.

    Entries are sealed into a hash chain shortly after they are written (app.core.audit_chain):
    ``chain_seq`` is the entry's place in the chain, ``entry_hash`` covers its fields and
    ``prev_hash``, the hash of the entry before it."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_region_at", "region_code", "at"),
        Index("ix_audit_log_entity", "entity", "entity_id"),
        # Sealed entries only: a new (unsealed) entry costs the public filing no insert here.
        Index("uq_audit_log_chain_seq", "chain_seq", unique=True, postgresql_where=text("chain_seq IS NOT NULL"),
              sqlite_where=text("chain_seq IS NOT NULL")),
        # The entries waiting for the seal: a small index, emptied every few seconds.
        Index("ix_audit_log_unsealed", "id", postgresql_where=text("chain_seq IS NULL"),
              sqlite_where=text("chain_seq IS NULL")),
    )

    id = Column(BigId, primary_key=True, autoincrement=True)
    at = Column(DateTime, nullable=False, default=utcnow)
    user_id = Column(Integer)
    username = Column(String(128))
    action = Column(String(16), nullable=False)  # create update delete unmask
    entity = Column(String(64), nullable=False)
    entity_id = Column(String(64))
    region_code = Column(String(MAX_CODE_LENGTH))  # a ledger row's code is up to 19 digits
    changes = Column(Text)  # JSON: {"field": [old, new]}; sensitive values masked
    chain_seq = Column(BigInteger)
    prev_hash = Column(String(64))
    entry_hash = Column(String(64))


class AuditSeal(Model):
    """The chain's head after each seal: an entry deleted from the end of the chain
    is found missing against it."""

    __tablename__ = "audit_seal"

    id = Column(BigId, primary_key=True, autoincrement=True)
    at = Column(DateTime, nullable=False, default=utcnow)
    last_seq = Column(BigInteger, nullable=False)
    last_hash = Column(String(64), nullable=False)
