"""The people declared from this device (切换申领人): a phone shows the code of any of
them, and a venue's page (app.venues) checks the one the visitor picks, without asking
for the ID number again.

They live on the device only, in a signed cookie (``health_code_people``: HttpOnly,
SameSite=Lax, Secure with the session cookie), holding each person's keyed hash, masked
name and when the device was given them, never an ID number or a phone. A forged or
damaged cookie counts as none. The cookie is written only by a POST that carries the
CSRF token (a declaration, 我的健康码).

A person stays on a device HEALTH_CODE_HOLDER_DAYS after it was given them (a lost or
lent phone does not show a family's codes for ever): then ``expired_device_people``
lists them, the pages say so and send the visitor to 我的健康码 (ID number, phone and an
SMS code give them again, for as long again), or to declare again. An entry without
its time (the cookie as first written) counts as expired.
"""
import datetime as dt
from typing import Optional

from flask import Request, Response, current_app, request
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer

COOKIE = "health_code_people"
SALT = "health-code-people"
MAX_PEOPLE = 10          # a family; the oldest drop off
MAX_AGE_DAYS = 365       # a phone keeps its family for a year of declarations
MAX_NAME_LENGTH = 50
HASH_LENGTH = 64
HOLDER_EXPIRED = _l("This health code has been on this phone too long and is no longer shown. Find it again "
                    "with the ID number, the phone and an SMS code (\"Find my code\"), or declare again.")


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def _epoch(moment: dt.datetime) -> int:
    return int(moment.replace(tzinfo=dt.timezone.utc).timestamp())


def _well_formed(item) -> Optional[tuple[str, str, int]]:
    """``(person_hash, masked_name, given_at epoch)``; an entry without its time: 0."""
    if not (isinstance(item, list) and len(item) in (2, 3) and all(isinstance(x, str) for x in item[:2])):
        return None
    person_hash, masked_name = item[:2]
    given_at = item[2] if len(item) == 3 else 0
    if len(person_hash) != HASH_LENGTH or len(masked_name) > MAX_NAME_LENGTH or type(given_at) is not int:
        return None
    return person_hash, masked_name, given_at


def _entries(request: Request) -> list[tuple[str, str, int]]:
    """Every well-formed entry of the device's cookie, the latest first."""
    raw = request.cookies.get(COOKIE)
    if not raw:
        return []
    try:
        items = _serializer().loads(raw)
    except BadSignature:
        return []
    return _unique(_well_formed(item) for item in items) if isinstance(items, list) else []


def _oldest_alive(now: dt.datetime) -> int:
    return _epoch(now) - int(current_app.config["HEALTH_CODE_HOLDER_DAYS"]) * 86400


def device_people(request: Request, now: dt.datetime) -> list[tuple[str, str]]:
    """``[(person_hash, masked_name)]`` this device may show at ``now``, the latest first."""
    oldest = _oldest_alive(now)
    return [(h, name) for h, name, given_at in _entries(request) if given_at > oldest]


def expired_device_people(request: Request, now: dt.datetime) -> list[tuple[str, str]]:
    """``[(person_hash, masked_name)]`` this device had for longer than HEALTH_CODE_HOLDER_DAYS."""
    oldest = _oldest_alive(now)
    return [(h, name) for h, name, given_at in _entries(request) if given_at <= oldest]


def _unique(people) -> list:
    """One entry per person (the first wins), at most MAX_PEOPLE."""
    seen, unique = set(), []
    for person in people:
        if person and person[0] not in seen:
            seen.add(person[0])
            unique.append(person)
    return unique[:MAX_PEOPLE]


def device_person(request: Request, person_hash: Optional[str], now: dt.datetime) -> Optional[tuple[str, str]]:
    """The device's person of this hash (the first one when ``person_hash`` is empty);
    None when the device has not declared them, or no longer shows them (expired)."""
    return _chosen(device_people(request, now), person_hash)


def expired_device_person(request: Request, person_hash: Optional[str],
                          now: dt.datetime) -> Optional[tuple[str, str]]:
    """As ``device_person``, among the people expired on this device."""
    return _chosen(expired_device_people(request, now), person_hash)


def _chosen(people, person_hash):
    if not person_hash:
        return people[0] if people else None
    return next((p for p in people if p[0] == person_hash), None)


def remember_device_person(response: Response, person_hash: str, masked_name: str, now: dt.datetime) -> None:
    """Put this person first among the device's people (a new declaration), keeping the
    others. Call it while answering the request (it reads the request's cookie)."""
    remember_device_people(response, [(person_hash, masked_name)], now)


def remember_device_people(response: Response, people: list[tuple[str, str]], now: dt.datetime) -> None:
    """Put these people first, in this order, given at ``now`` (我的健康码 found them on a
    new phone); the others keep the time they were given."""
    given = [(h, (name or "")[:MAX_NAME_LENGTH], _epoch(now)) for h, name in people]
    response.set_cookie(
        COOKIE, signed_people(_unique(given + _entries(request))),
        max_age=MAX_AGE_DAYS * 86400, path="/", httponly=True, samesite="Lax",
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")))


def signed_people(entries: list[tuple[str, str, int]]) -> str:
    """The cookie's value for ``[(person_hash, masked_name, given_at epoch)]``."""
    return _serializer().dumps([list(entry) for entry in entries])


def cookie_of(people: list[tuple[str, str]], given_at: dt.datetime) -> str:
    """The cookie's value for these people given at ``given_at`` (tests, benchmarks)."""
    return signed_people([(h, name, _epoch(given_at)) for h, name in people])
