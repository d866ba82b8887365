"""Signed access tokens: what opens one filing without its secret.

A filing's own secret (the token given once at filing) is kept as a hash only, so it
can be neither sent again nor recovered. What the filer gets instead, wherever the
secret is accepted (``X-Filing-Token``, the receipt page's ``#t=``), is a token signed
with SECRET_KEY that names its kind and its end:

- ``l`` a link: in the receipt SMS, valid LINK_DAYS;
- ``s`` a session: given by "my filings" once a one-time SMS code proved the phone
  (app.filings.access), valid SESSION_MINUTES.

Each is bound to one receipt and to the keyed hash of the phone it was sent to: it opens
that filing only while that phone is still the filing's (the person's or the filer's),
and never once the filing was anonymised. No secret travels in a URL's path or query
(links put it in the fragment, which the browser never sends), and the outbox's log
lines star it (app.core.outbox).
"""
import base64
import datetime as dt
import hashlib
import hmac
from typing import Optional

from flask import current_app, has_request_context, request

LINK, SESSION = "l", "s"
LIFETIME = {LINK: dt.timedelta(days=30), SESSION: dt.timedelta(minutes=30)}
EPOCH = dt.datetime(1970, 1, 1)


def _signature(kind: str, receipt: str, phone_hash: str, until: str) -> str:
    key = hmac.new(current_app.config["SECRET_KEY"].encode(), b"filing-access", hashlib.sha256).digest()
    digest = hmac.new(key, f"{kind}:{receipt}:{phone_hash}:{until}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:18]).decode()


def issue(kind: str, receipt: str, phone_hash: Optional[str], now: dt.datetime) -> Optional[str]:
    """A token of ``kind`` opening ``receipt`` through the phone of ``phone_hash``."""
    if not phone_hash:
        return None
    until = format(int((now + LIFETIME[kind] - EPOCH).total_seconds()), "x")
    return f"{kind}.{until}.{_signature(kind, receipt, phone_hash, until)}"


def expires_at(token: str) -> dt.datetime:
    return EPOCH + dt.timedelta(seconds=int(token.split(".")[1], 16))


def opens(row: dict, token: Optional[str], now: dt.datetime) -> bool:
    """Whether ``token`` is a signed token opening the filing ``row`` at ``now``."""
    parts = (token or "").split(".")
    if len(parts) != 3 or parts[0] not in LIFETIME or row.get("anonymised_at") is not None:
        return False
    kind, until, signature = parts
    try:
        if expires_at(token) <= now:
            return False
    except (ValueError, OverflowError):
        return False
    return any(hmac.compare_digest(signature, _signature(kind, row["receipt"], phone_hash, until))
               for phone_hash in (row.get("phone_hash"), row.get("proxy_phone_hash")) if phone_hash)


def public_url(path: str) -> Optional[str]:
    """``path`` on the public site: PUBLIC_BASE_URL, else the host of the current request;
    None when neither is known (a command line import)."""
    base = current_app.config.get("PUBLIC_BASE_URL") or (request.host_url if has_request_context() else None)
    return base.rstrip("/") + path if base else None


def receipt_link(receipt: str, token: Optional[str]) -> Optional[str]:
    """The receipt page opening the filing (the token in the fragment)."""
    url = public_url(f"/report/receipt/{receipt}")
    return f"{url}#t={token}" if url and token else url
