"""The audit log: every write records who, when and what changed.

ORM writes (every FAB screen and API) are captured by one session hook; services that
write through SQLAlchemy Core for speed call ``record`` themselves in the same
transaction. Sensitive values are never written here: only that they changed. That
covers what is read from an ID number (birth date, gender): the log is read by roles that
may not unmask, and with the masked number they would complete it.
"""
import datetime as dt
import decimal
import json
from typing import Optional

from flask import current_app, has_app_context, has_request_context
from sqlalchemy import Column, event, inspect
from sqlalchemy.orm import Session

from app.core.identity import ID_DERIVED_FIELDS
from models import AuditLog, Notification
from models.base import utcnow
from models.filing import PERSONAL_COLUMNS, PERSONAL_NOTES, FilingRevision

NOT_AUDITED = (AuditLog, Notification, FilingRevision)
SENSITIVE_SUFFIXES = ("_enc", "_hash", "password")
HIDDEN = "***"
# Login bookkeeping: app.core.accounts audits logins, failures and locks as entries of their own.
IGNORED_FIELDS = {"changed_on", "updated_at", "last_login", "login_count", "fail_login_count",
                  "failed_login_since", "locked_until", "session_version",
                  "totp_last_step"}
# Personal values are not kept in the audit log either (only that they changed): the
# filings' are anonymised after retention (app.filings.retention) and the log is never changed.
PERSONAL_FIELDS = {"Filing": frozenset(PERSONAL_COLUMNS + PERSONAL_NOTES),
                   "FilingCheck": frozenset(PERSONAL_NOTES), "FilingTransfer": frozenset(PERSONAL_NOTES)}


PUBLIC = (None, "public")  # a traveller, without an account


def actor() -> tuple[Optional[int], str]:
    """(user id, username) of whoever acts: the signed-in user, or the system."""
    if has_request_context():
        try:
            user = current_app.appbuilder.sm.current_user
        except RuntimeError:
            user = None
        if user is not None and getattr(user, "is_authenticated", False):
            return user.id, user.username
        return PUBLIC
    return None, "system"


def _plain(value):
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def is_hidden(key: str) -> bool:
    """A field whose value the log (and a filing's revisions) never keeps."""
    return key.endswith(SENSITIVE_SUFFIXES) or key in ID_DERIVED_FIELDS


def shown(key, value):
    """What the log keeps of a field's value."""
    return HIDDEN if is_hidden(key) else _plain(value)


def _without_personal_values(entity: str, changes: Optional[dict]) -> dict:
    personal = PERSONAL_FIELDS.get(entity, ())
    return {key: [HIDDEN if value is not None else None for value in values]
            if key in personal and isinstance(values, (list, tuple)) else values
            for key, values in (changes or {}).items()}


def _row_region(obj) -> Optional[str]:
    code = obj.jurisdiction_code() if hasattr(obj, "jurisdiction_code") else None
    return code or _province()


def _province() -> Optional[str]:
    return current_app.config.get("PROVINCE_CODE") if has_app_context() else None


def _changes(obj, action) -> dict:
    state = inspect(obj)
    changes = {}
    for attr in state.mapper.column_attrs:
        key = attr.key
        if key in IGNORED_FIELDS or not isinstance(attr.expression, Column):
            continue  # a computed attribute is no stored value (and depends on the reader)
        history = state.attrs[key].history
        if action == "create":
            value = getattr(obj, key)
            if value is not None:
                changes[key] = [None, shown(key, value)]
        elif action == "delete":
            value = getattr(obj, key)
            if value is not None:
                changes[key] = [shown(key, value), None]
        elif history.has_changes():
            old = history.deleted[0] if history.deleted else None
            new = history.added[0] if history.added else None
            if old != new:
                changes[key] = [shown(key, old), shown(key, new)]
    return changes


def _entity_id(obj):
    # The primary key attributes are set by the flush, before the identity key is.
    values = inspect(obj).mapper.primary_key_from_instance(obj)
    if any(v is None for v in values):
        return None
    return ",".join(str(v) for v in values)


def entry_values(action: str, entity: str, entity_id=None, region_code=None,
                 changes: Optional[dict] = None, by: Optional[tuple] = None) -> dict:
    """The column values of one audit entry (for Core writes that batch their rows);
    ``by`` is the actor when the caller knows it (``PUBLIC``), else ``actor()``."""
    user_id, username = by or actor()
    return dict(at=utcnow(), user_id=user_id, username=username, action=action, entity=entity,
                entity_id=None if entity_id is None else str(entity_id),
                region_code=region_code or _province(),
                changes=json.dumps(_without_personal_values(entity, changes), ensure_ascii=False,
                                   default=str))


def record(session_or_conn, action: str, entity: str, entity_id=None, region_code=None,
           changes: Optional[dict] = None) -> None:
    """Write one audit entry in the caller's transaction (Core or ORM)."""
    session_or_conn.execute(AuditLog.__table__.insert().values(
        **entry_values(action, entity, entity_id, region_code, changes)))


@event.listens_for(Session, "before_flush")
def _audit_before_flush(session, flush_context, instances):
    pending = []
    for action, objects in (("update", session.dirty), ("delete", session.deleted)):
        for obj in objects:
            if isinstance(obj, NOT_AUDITED) or not hasattr(obj, "__table__"):
                continue
            changes = _changes(obj, action)
            if action == "update" and not changes:
                continue
            pending.append((action, obj, changes))
    session.info.setdefault("audit_new", []).extend(
        obj for obj in session.new if not isinstance(obj, NOT_AUDITED) and hasattr(obj, "__table__"))
    for action, obj, changes in pending:
        _add_entry(session, action, obj, changes)


@event.listens_for(Session, "after_flush")
def _audit_after_flush(session, flush_context):
    # New rows get their primary key only in the flush, so they are logged after it.
    created = session.info.pop("audit_new", [])
    for obj in created:
        _add_entry(session, "create", obj, _changes(obj, "create"), bind_now=True)


def _add_entry(session, action, obj, changes, bind_now=False):
    values = entry_values(action, type(obj).__name__, _entity_id(obj), _row_region(obj), changes)
    if bind_now:
        session.connection().execute(AuditLog.__table__.insert().values(**values))
    else:
        session.add(AuditLog(**values))
