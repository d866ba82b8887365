"""The people declared from this device (切换申领人): a phone shows the code of any of
them, and a venue's page (app.venues) checks the one the visitor picks, without asking
for the ID number again.

They live on the device only, in a signed cookie (``health_code_people``: HttpOnly,
SameSite=Lax, Secure with the session cookie), holding each person's keyed hash and
masked name, never an ID number or a phone. A forged or damaged cookie counts as none.
The cookie is written only by a POST that carries the CSRF token (a declaration, 我的健康码).
"""
from typing import Optional

from flask import Request, Response, current_app, request
from itsdangerous import BadSignature, URLSafeSerializer

COOKIE = "health_code_people"
SALT = "health-code-people"
MAX_PEOPLE = 10          # a family; the oldest drop off
MAX_AGE_DAYS = 365       # a phone keeps its family for a year of declarations
MAX_NAME_LENGTH = 50
HASH_LENGTH = 64


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def _well_formed(item) -> Optional[tuple[str, str]]:
    if not (isinstance(item, list) and len(item) == 2 and all(isinstance(x, str) for x in item)):
        return None
    person_hash, masked_name = item
    if len(person_hash) != HASH_LENGTH or len(masked_name) > MAX_NAME_LENGTH:
        return None
    return person_hash, masked_name


def device_people(request: Request) -> list[tuple[str, str]]:
    """``[(person_hash, masked_name)]`` declared from this device, the latest first."""
    raw = request.cookies.get(COOKIE)
    if not raw:
        return []
    try:
        items = _serializer().loads(raw)
    except BadSignature:
        return []
    return _unique(_well_formed(item) for item in items) if isinstance(items, list) else []


def _unique(people) -> list[tuple[str, str]]:
    """One entry per person (the first wins), at most MAX_PEOPLE."""
    seen, unique = set(), []
    for person in people:
        if person and person[0] not in seen:
            seen.add(person[0])
            unique.append(person)
    return unique[:MAX_PEOPLE]


def device_person(request: Request, person_hash: Optional[str]) -> Optional[tuple[str, str]]:
    """The device's person of this hash (the first one when ``person_hash`` is empty);
    None when the device has not declared them."""
    people = device_people(request)
    if not person_hash:
        return people[0] if people else None
    return next((p for p in people if p[0] == person_hash), None)


def remember_device_person(response: Response, person_hash: str, masked_name: str) -> None:
    """Put this person first among the device's people (a new declaration), keeping the
    others. Call it while answering the request (it reads the request's cookie)."""
    remember_device_people(response, [(person_hash, masked_name)])


def remember_device_people(response: Response, people: list[tuple[str, str]]) -> None:
    """Put these people first, in this order (我的健康码 found them on a new phone)."""
    kept = _unique([(h, (name or "")[:MAX_NAME_LENGTH]) for h, name in people] + device_people(request))
    response.set_cookie(
        COOKIE, _serializer().dumps([list(p) for p in kept]),
        max_age=MAX_AGE_DAYS * 86400, path="/", httponly=True, samesite="Lax",
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")))
