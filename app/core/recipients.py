"""Who hears of what: the staff accounts of a region, in-app messages to them through
the notification outbox (app.core.outbox), written in the caller's transaction, and each
account's inbox where it reads them."""
from collections import defaultdict
from typing import Iterable, Optional

from flask_appbuilder.security.sqla.models import Role, assoc_user_role
from sqlalchemy import select, update

from app.core import roles
from app.core.extensions import db
from app.core.transaction import transaction
from app.core.jurisdiction import scope_query
from app.core.outbox import notification_values
from models.user import ConsoleUser
from models import Notification

OFFICER_ROLES = ("Officer",)
MAX_ITEMS_IN_MESSAGE = 10
MAX_CODES_IN_QUERY = 500


def escalation_handler_roles() -> tuple[str, ...]:
    """Roles that may act on escalations (the matrix decides), Admin aside."""
    return tuple(r for r in roles.ROLES if r != "Admin" and roles.can(r, roles.WRITE, roles.ESCALATION))


def accounts_at(conn, codes: Iterable[str], role_names: Iterable[str]) -> dict[str, list[int]]:
    """``region code -> [user id]`` of the active accounts with one of ``role_names``
    whose jurisdiction is exactly one of ``codes``."""
    codes = set(codes)
    query = (select(ConsoleUser.region_code, ConsoleUser.id).distinct()
             .join(assoc_user_role, assoc_user_role.c.user_id == ConsoleUser.id)
             .join(Role, Role.id == assoc_user_role.c.role_id)
             .where(Role.name.in_(list(role_names)), ConsoleUser.active.is_(True))
             .order_by(ConsoleUser.region_code, ConsoleUser.id))
    if len(codes) <= MAX_CODES_IN_QUERY:
        query = query.where(ConsoleUser.region_code.in_(sorted(codes)))
    # else: every such account (one per community at most, a few ten thousand) is
    # cheaper to read than a giant IN list.
    found: dict[str, list[int]] = defaultdict(list)
    for code, user_id in conn.execute(query):
        if code in codes:
            found[code].append(user_id)
    return found


def summarize(items: list[str], separator: str = "; ") -> str:
    """The first items of a list for a message, and how many more there are."""
    from flask_babel import gettext as _

    shown = separator.join(items[:MAX_ITEMS_IN_MESSAGE])
    if len(items) > MAX_ITEMS_IN_MESSAGE:
        shown += separator + _("and %(count)s more", count=len(items) - MAX_ITEMS_IN_MESSAGE)
    return shown


def send_to_accounts(conn, kind: str, messages: dict[tuple[str, int], str]) -> int:
    """Queue in-app messages: ``{(region code, user id): body}``. Returns how many."""
    rows = [notification_values(kind, body, region_code=code, user_id=user_id)
            for (code, user_id), body in messages.items()]
    if rows:
        conn.execute(Notification.__table__.insert(), rows)
    return len(rows)


def inbox(user_id: int, limit: int = 100, *, jurisdiction: Optional[str]) -> list[dict]:
    """The newest in-app messages of one account (within ``jurisdiction``, its own, as
    every row): ``{"id", "at", "body", "new"}``. Reading changes nothing (``mark_read`` does)."""
    query = scope_query(db.session.query(Notification), Notification, jurisdiction).filter(
        Notification.channel == "inbox", Notification.recipient == str(user_id))
    return [{"id": m.id, "at": m.created_at, "body": m.body, "new": m.status == "pending"}
            for m in query.order_by(Notification.id.desc()).limit(limit)]


@transaction
def mark_read(user_id: int, ids: Iterable[int], now) -> int:
    """Mark read those of the given messages that were sent to this account (the new
    ones its inbox showed: a message arriving since stays new). Returns how many."""
    result = db.session.execute(
        update(Notification).where(Notification.id.in_(list(ids)), Notification.channel == "inbox",
                                   Notification.recipient == str(user_id), Notification.status == "pending")
        .values(status="read", sent_at=now), execution_options={"synchronize_session": False})
    return result.rowcount
