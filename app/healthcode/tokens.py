"""The dynamic QR of a code page: a signed token naming the person and the minute it was
issued. The page fetches a new one every minute; a reader (verify API, venue scan,
checkpoint) refuses one older than HEALTH_CODE_TOKEN_TTL seconds (5 minutes), so a
screenshot cannot be reused. The token carries only the keyed hash, never the ID number."""
import datetime as dt

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer

from app.core.errors import DomainError, ValidationFailed

SALT = "health-code-token"
STEP_SECONDS = 60


class CodeTokenRefused(DomainError):
    status = 400


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def _epoch(now: dt.datetime) -> int:
    return int(now.replace(tzinfo=dt.timezone.utc).timestamp())


def issue_code_token(person_hash: str, now: dt.datetime) -> str:
    """The token for ``now``'s minute (the same all minute long, a new one the next)."""
    minute = _epoch(now) // STEP_SECONDS * STEP_SECONDS
    return _serializer().dumps([person_hash, minute])


def code_token_expires_at(now: dt.datetime) -> dt.datetime:
    """Until when the token issued at ``now`` is taken (HEALTH_CODE_TOKEN_TTL after its minute)."""
    minute = now.replace(second=0, microsecond=0)
    return minute + dt.timedelta(seconds=current_app.config.get("HEALTH_CODE_TOKEN_TTL", 300))


def read_code_token(token: str, now: dt.datetime) -> str:
    """The person a token names, or CodeTokenRefused when it is forged, expired or from
    the future (beyond one step of clock skew)."""
    try:
        person_hash, minute = _serializer().loads(token or "")
        minute = int(minute)
    except (BadSignature, ValueError, TypeError):
        raise CodeTokenRefused(_l("This health code is not valid."))
    age = _epoch(now) - minute
    if age > current_app.config.get("HEALTH_CODE_TOKEN_TTL", 300) or age < -STEP_SECONDS:
        raise CodeTokenRefused(_l("This health code has expired. Ask for the code page to be refreshed."))
    return person_hash


def read_code_token_field(token: str, now: dt.datetime, field: str) -> str:
    """``read_code_token`` for an API body or query: a refusal names ``field`` (400)."""
    try:
        return read_code_token(token, now)
    except CodeTokenRefused as refused:
        raise ValidationFailed(refused.message, {field: [refused.message]})
