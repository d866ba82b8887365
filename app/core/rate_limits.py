"""Rate limits, all through the one Flask-Limiter (app.core.extensions.limiter) and its storage.

- per client IP: the public filing endpoints (``public_limit``, PUBLIC_RATE_LIMIT) and
  every login endpoint (``limit_logins``, LOGIN_RATE_LIMIT), declared on the routes;
- per phone (SMS_RATE_LIMIT) and per ID number (ID_NUMBER_RATE_LIMIT): counted by the
  filing service once it knows the values (``hit_all``, ``try_hit``), keyed by their keyed
  hashes (app.core.identity.lookup_hash), so no raw number is ever a storage key or logged;
- per person on the hottest path, the venue scan (``hit_shared``: one round trip).

Every limit is a setting in Flask-Limiter's notation; RATELIMIT_ENABLED=0 turns them off.
"""
import functools
import logging
import time
from typing import Iterable

from flask import current_app, request
from flask_babel import lazy_gettext as _l
from limits import RateLimitItemPerMinute, parse_many
from limits.storage import MemoryStorage
from limits.strategies import FixedWindowRateLimiter

from app.core.errors import DomainError
from app.core.extensions import limiter

log = logging.getLogger("console.rate_limits")
TOO_MANY = _l("Too many requests; try again later.")
PHONE, ID_NUMBER = "phone", "id_number"  # the scopes of the per-value counts
SETTING_OF_SCOPE = {PHONE: "SMS_RATE_LIMIT", ID_NUMBER: "ID_NUMBER_RATE_LIMIT"}
# Codes sent to a person's phone on file for a declaration someone else makes (app.healthcode.declarations).
HELD_DECLARATION = "held_declaration"
SETTING_OF_SCOPE[HELD_DECLARATION] = "HEALTH_CODE_HOLD_SMS_RATE_LIMIT"


class TooManyRequests(DomainError):
    """429; ``retry_after`` seconds go out as the Retry-After header."""

    status = 429

    def __init__(self, retry_after: float, message=None):
        super().__init__(message or TOO_MANY)
        self.retry_after = max(1, int(retry_after + 0.999))


def _setting(name: str):
    """The limit read per request, so tests and operators change it without a restart."""
    return lambda: current_app.config[name]


def _public_bucket(_endpoint: str) -> str:
    """Reading a receipt and filing count apart: a family reads several receipts after
    filing once."""
    return "public-read" if request.method in ("GET", "HEAD") else "public-write"


def public_limit():
    """The per-client-IP limit of the public filing endpoints (a blueprint or a view)."""
    return limiter.shared_limit(_setting("PUBLIC_RATE_LIMIT"), scope=_public_bucket)


def own_limit(setting: str, scope: str):
    """A per-client-IP limit of its own (read from ``setting``), counted apart from the
    others: a page that polls (the health code's QR) must not use up the forms' counts."""
    return limiter.shared_limit(_setting(setting), scope=scope)


# One object: applied again (a second app in the same process) it is not counted twice.
LOGIN_LIMIT = limiter.shared_limit(_setting("LOGIN_RATE_LIMIT"), scope="login", methods=["POST"])


def limit_logins(appbuilder) -> None:
    """LOGIN_RATE_LIMIT per client IP on every POST of the login screens' blueprint
    (password, and any step a login view adds) and of the security API (its login),
    counted together."""
    security = appbuilder.sm
    for view in [security.auth_view] + [v for v in appbuilder.baseviews if isinstance(v, security.security_api)]:
        if view.blueprint is not None:  # None in a second app of one process: limited by name already
            LOGIN_LIMIT(view.blueprint)


def enabled() -> bool:
    return bool(limiter.enabled and limiter.initialized)


def _key(scope: str, value_hash: str) -> tuple:
    """The storage key of one value's count in ``scope`` (no raw number: its keyed hash)."""
    return current_app.config.get("RATELIMIT_KEY_PREFIX") or "console", scope, value_hash


def _counters(scope: str, hashes: Iterable[str]) -> list[tuple]:
    items = parse_many(current_app.config[SETTING_OF_SCOPE[scope]])
    return [(item, _key(scope, value)) for value in dict.fromkeys(h for h in hashes if h)
            for item in items]


def hit_all(counts: dict[str, Iterable[str]]) -> None:
    """Count one attempt for every keyed hash of ``{scope: hashes}``; when one of them
    has used up its limit, TooManyRequests and nothing is counted. A storage that does
    not answer lets the request through (logged): limits protect, they never stop service."""
    if not enabled():
        return
    counters = [c for scope, hashes in counts.items() for c in _counters(scope, hashes)]
    strategy = limiter.limiter
    try:
        for item, key in counters:
            if not strategy.test(item, *key):
                raise TooManyRequests(strategy.get_window_stats(item, *key).reset_time - time.time())
        for item, key in counters:
            strategy.hit(item, *key)
    except TooManyRequests:
        raise
    except Exception as error:  # the storage's failure, e.g. Redis restarting
        log.warning("rate limit storage failed, not counted: %s", type(error).__name__)


# While the shared storage does not answer, counts live in this process's memory (as
# Flask-Limiter's own fallback, RATELIMIT_IN_MEMORY_FALLBACK_ENABLED) and the storage is
# tried again after this many seconds, so a Redis restart costs no failed round trip per request.
STORAGE_RETRY_SECONDS = 5
_fallback = FixedWindowRateLimiter(MemoryStorage())
_storage_down_until = 0.0


@functools.lru_cache(maxsize=64)
def per_minute(amount: int) -> RateLimitItemPerMinute:
    return RateLimitItemPerMinute(amount)


def hit_shared(item, scope: str, value_hash: str, clock=time.monotonic) -> bool:
    """Count one use of ``value_hash`` against ``item`` in the limiter's storage (Redis:
    shared by every gunicorn worker) with one round trip, the hot path's way (no test
    first: over the limit it is counted and refused); False when the limit is used up. A
    storage that fails leaves the counting to memory for STORAGE_RETRY_SECONDS (logged)."""
    global _storage_down_until
    key = _key(scope, value_hash)
    if clock() >= _storage_down_until:
        try:
            return limiter.limiter.hit(item, *key)
        except Exception as error:  # the storage's failure, e.g. Redis restarting
            log.warning("rate limit storage failed, counting in memory for %ss: %s", STORAGE_RETRY_SECONDS,
                        type(error).__name__)
            _storage_down_until = clock() + STORAGE_RETRY_SECONDS
    return _fallback.hit(item, *key)


def try_hit(scope: str, value_hash: str) -> bool:
    """Count one use of ``value_hash``; False (nothing counted) when its limit is used up."""
    try:
        hit_all({scope: [value_hash]})
    except TooManyRequests:
        return False
    return True
