"""The notification outbox: messages (SMS receipts, distribution rounds, escalations)
are written in the same transaction as the change they report, and delivered later by
``deliver_pending`` through a pluggable sender, so a failing gateway never loses or
blocks a filing.

Senders: ``log`` (default: writes the message to the log) and ``http`` (POSTs JSON
``{"to", "body"}`` to SMS_GATEWAY_URL). Add one with ``register_sender``.
"""
import json
import logging
import re
import urllib.request
from typing import Callable, Optional

from flask import current_app
from sqlalchemy import select

from app.core import dialects
from app.core import identity
from app.core.extensions import db
from app.core.transaction import transaction
from models import Notification
from models.base import utcnow

log = logging.getLogger("console.outbox")
MAX_ATTEMPTS = 5
SENDERS: dict[str, Callable[[str, str], None]] = {}


def register_sender(name: str, send: Callable[[Optional[str], str], None]) -> None:
    SENDERS[name] = send


# What a log line never carries: a link's access token (in its fragment, app.filings.links)
# and a one-time code (six digits standing alone).
_SECRETS = ((re.compile(r"#t=\S+"), "#t=***"), (re.compile(r"\b\d{6}\b"), "******"))


def loggable(body: str) -> str:
    """``body`` with its secrets starred."""
    for pattern, replacement in _SECRETS:
        body = pattern.sub(replacement, body)
    return body


def _log_sender(to, body):
    log.info("SMS to %s: %s", identity.mask_phone(to) if to else "-", loggable(body))


def _http_sender(to, body):
    request = urllib.request.Request(
        current_app.config["SMS_GATEWAY_URL"], method="POST",
        data=json.dumps({"to": to, "body": body}).encode(),
        headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        if response.status >= 300:
            raise RuntimeError(f"gateway answered {response.status}")


register_sender("log", _log_sender)
register_sender("http", _http_sender)


def notification_values(kind: str, body: str, region_code: Optional[str] = None,
                        phone: Optional[str] = None, user_id: Optional[int] = None,
                        channel: str = "sms") -> dict:
    """Column values of one outbox row; insert them with the change they report
    (``conn.execute(Notification.__table__.insert(), [values, ...])`` or ``enqueue``)."""
    recipient = identity.encrypt(phone) if phone else (str(user_id) if user_id else None)
    return dict(created_at=utcnow(), kind=kind, channel=channel if phone else "inbox",
                recipient=recipient, recipient_masked=identity.mask_phone(phone) if phone else None,
                region_code=region_code, body=body, status="pending", attempts=0)


def enqueue(kind: str, body: str, **kwargs) -> None:
    """Add a message to the current session's transaction."""
    db.session.add(Notification(**notification_values(kind, body, **kwargs)))


@transaction
def deliver_pending(limit: int = 500, sender: Optional[str] = None) -> int:
    """Send pending SMS messages; failures are retried up to MAX_ATTEMPTS. Returns
    how many were sent. Safe to run from several processes: rows are claimed with
    SKIP LOCKED on PostgreSQL."""
    send = SENDERS[sender or current_app.config.get("SMS_SENDER", "log")]
    query = dialects.of(db.session).locked(
        select(Notification).where(Notification.status == "pending", Notification.channel == "sms")
        .order_by(Notification.id).limit(limit), skip_locked=True)
    sent = 0
    for message in db.session.scalars(query).all():
        try:
            send(identity.decrypt(message.recipient), message.body)
        except Exception as error:  # the gateway's failure is recorded, not raised
            message.attempts += 1
            message.error = str(error)[:255]
            if message.attempts >= MAX_ATTEMPTS:
                message.status = "failed"
        else:
            message.status, message.sent_at, message.attempts = "sent", utcnow(), message.attempts + 1
            sent += 1
    return sent
