"""The public side of the venue codes: the page a venue's QR code opens (``/v/<code>``,
phone first, Chinese or English) and the scan it posts
(``POST /api/v1/public/venues/<code>/scan``, no session, no CSRF token: like the
public filing API; the device cookie it reads is SameSite=Lax, so another site cannot
post it).

Who scans: a person of this device (body ``{"person": hash}`` or none: the first), or
for integrators' apps and terminals, as the HTTP contract names it, a health-code QR
(``{"qr": token}``) or the ID number and phone of a declaration or a filing
(``{"id_number", "phone"}``); those two never write the device cookie (no CSRF token here).

The scan is the hottest path of the system. ``ScanFastPath`` answers it in front of
Flask when it succeeds for a person of the device: the device cookie read, the per-person limit counted, one
INSERT (app.venues.scans), a fixed JSON answer; none of the request hooks every other
page needs (session, signed-in user, translations, CSRF, input guard) run for it. Any
other outcome (no person on the device, a limit reached, an unknown venue, a malformed
body, a body naming a QR or an ID number) goes on to the Flask route of the same URL, which does the same and words the
refusal in the caller's language.
"""
import io
import json
import re

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import get_locale, lazy_gettext as _l
from werkzeug.wrappers import Request

from app.core import rate_limits
from app.core.errors import NotFound, ValidationFailed
from app.core.http_headers import FIXED_HEADERS, POLICY_WITHOUT_NONCE
from app.core.rate_limits import TooManyRequests, public_limit
from app.healthcode.codes import person_hash_of
from app.healthcode.devices import (HOLDER_EXPIRED, device_people, device_person, expired_device_person,
                                    remember_device_person)
from app.healthcode.tokens import read_code_token_field
from app.venues import scans, service
from app.venues.service import TYPE_LABELS
from models.base import utcnow
from models.healthcode import COLOUR_LABELS

venue_pages = Blueprint("venue_pages", __name__, url_prefix="/v")
public_venues = Blueprint("public_venues", __name__, url_prefix="/api/v1/public/venues")

NO_PERSON = _l("Show your health code first: enter your ID number and phone, or declare.")
NOT_FOUND = _l("This venue code is not known. Scan the code on the venue's poster again.")
NOT_IDENTIFIED = _l("No declaration or filing gives this ID number with this phone. Declare first.")
MAX_SCAN_BODY = 512
# Body keys that name the person instead of the device's cookie (the Flask route reads them).
PERSON_FIELDS = ("qr", "id_number", "phone")
SCAN_PATH = re.compile(r"^/api/v1/public/venues/([a-z0-9]{1,20})/scan$")
JSON_HEADERS = [("Content-Type", "application/json"), ("Cache-Control", "no-store"),
                ("Content-Security-Policy", POLICY_WITHOUT_NONCE), *FIXED_HEADERS.items()]


def scan_answer(scan: scans.Scan, masked_name: str) -> dict:
    """What the page shows (the fast path and the route answer alike)."""
    return {"colour": scan.colour, "admitted": scan.admitted, "name": masked_name,
            "scanned_at": scan.scanned_at.isoformat(timespec="seconds") + "Z",
            "venue": {"name": scan.venue_name, "medical": scan.venue_medical}}


def _text(body, key) -> str:
    value = body.get(key) if isinstance(body, dict) else None
    return value if isinstance(value, str) else ""


def _chosen_person(body) -> str:
    return _text(body, "person")


def _names_person(body) -> bool:
    return isinstance(body, dict) and any(key in body for key in PERSON_FIELDS)


def _identified(id_number: str, phone: str):
    """``(person hash, masked name)`` of a declaration's or a filing's ID number and
    phone, or None; each try counts against the ID number's limit."""
    person = person_hash_of(id_number) if id_number.strip() else None
    if person:
        rate_limits.hit_all({rate_limits.ID_NUMBER: [person]})
    return scans.identify(id_number, phone)


def _scanning_person(body, now):
    """``(person hash, masked name)`` of who scans: the health-code QR, else the ID
    number and phone, else the device's person; ValidationFailed when none is known."""
    if isinstance(body, dict) and "qr" in body:
        person = read_code_token_field(_text(body, "qr"), now, "qr")
        return person, scans.masked_name_of(person)
    if _names_person(body):
        found = _identified(_text(body, "id_number"), _text(body, "phone"))
        if found is None:
            raise ValidationFailed(NOT_IDENTIFIED, {"id_number": [NOT_IDENTIFIED]})
        return found
    person = device_person(request, _chosen_person(body), now)
    if person is None:
        # A person this device had too long: say so, and how to be found again.
        message = HOLDER_EXPIRED if expired_device_person(request, _chosen_person(body), now) else NO_PERSON
        raise ValidationFailed(message, {"person": [message]})
    return person


@public_venues.post("/<code>/scan")
@public_limit()  # what reaches the route was refused by the fast path: counted per address
def scan(code):
    """Log a visit and answer the visitor's colour, whether they may enter, and the venue.
    The visitor: a health-code QR, or the ID number and phone of a declaration or a
    filing, or else a person of this device (``person``: their hash; none: the first).
    ---
    post:
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties:
                qr: {type: string, description: "a health-code QR token (expires after 5 minutes)"}
                id_number: {type: string}
                phone: {type: string, description: "with id_number: the phone of a declaration or a filing"}
                person: {type: string, description: "the hash of a person of this device (device cookie)"}
      responses:
        200:
          description: the visit is logged
          content:
            application/json:
              schema:
                type: object
                properties:
                  colour: {type: string, enum: [green, yellow, red, none]}
                  admitted: {type: boolean}
                  venue:
                    type: object
                    properties:
                      name: {type: string}
                      medical: {type: boolean}
                  name: {type: string, description: the masked name}
                  scanned_at: {type: string, format: date-time}
        400: {description: "an expired or forged QR, an unknown ID number and phone, or no person on this device"}
        404: {description: no such venue}
        429: {description: too many scans of this person}
    """
    now = utcnow()
    person = _scanning_person(request.get_json(silent=True), now)
    if not scans.scan_allowed(person[0]):
        raise TooManyRequests(60)
    found = scans.record_scan(code, person[0], now)
    if found is None:
        raise NotFound(NOT_FOUND)
    return scan_answer(found, person[1])


class ScanFastPath:
    """WSGI middleware: the successful scan answered before Flask (see the module)."""

    def __init__(self, app, wsgi_app):
        self.app, self.wsgi_app = app, wsgi_app

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") == "POST":
            match = SCAN_PATH.match(environ.get("PATH_INFO", ""))
            if match:
                body = self._answer(environ, match.group(1))
                if body is not None:
                    start_response("200 OK", JSON_HEADERS + [("Content-Length", str(len(body)))])
                    return [body]
        return self.wsgi_app(environ, start_response)

    def _answer(self, environ, code):
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return None
        if length > MAX_SCAN_BODY or not scans.is_venue_code(code):
            return None
        raw = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(raw)  # the route reads it again if it answers
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            return None
        if _names_person(body):
            return None
        with self.app.app_context():
            now = utcnow()
            person = device_person(Request(environ), _chosen_person(body), now)
            if person is None or not scans.scan_allowed(person[0]):
                return None
            found = scans.record_scan(code, person[0], now)
        if found is None:
            return None
        return json.dumps(scan_answer(found, person[1]), ensure_ascii=False).encode()


@public_venues.record_once
def _install_fast_path(state):
    state.app.wsgi_app = ScanFastPath(state.app, state.app.wsgi_app)


# ---- the page ------------------------------------------------------------------------

def _venue_or_404(code):
    venue = service.venue_by_code(code) if scans.is_venue_code(code) else None
    if venue is None:
        abort(404)
    return venue


def _page(venue, error=None, status=200):
    texts = {
        "colours": {**{key: str(label) for key, label in COLOUR_LABELS.items()}, "none": str(_l("No health code"))},
        "admitted": str(_l("Enter")),
        "refused": str(_l("No entry")),
        "medical": str(_l("Admitted for medical care: follow the staff to the fever clinic")),
        "no_code": str(_l("No health code yet: declare first")),
        "failed": str(_l("The scan failed; try again.")),
    }
    return render_template("venues/scan.html", venue=venue, type_label=TYPE_LABELS.get(venue.type, venue.type),
                           people=device_people(request, utcnow()), texts=texts, error=error,
                           scan_url=url_for("public_venues.scan", code=venue.code),
                           identify_url=url_for("venue_pages.identify", code=venue.code),
                           lang=str(get_locale())), status


@venue_pages.get("/<code>")
def venue_page(code):
    """The venue's page: the people of this device to scan as, or the first-time form."""
    return _page(_venue_or_404(code))


@venue_pages.post("/<code>/identify")
@public_limit()
def identify(code):
    """The first scan on a phone: the ID number and phone of a declaration or a filing;
    the device remembers the person (a form with the CSRF token, as every cookie write)."""
    venue = _venue_or_404(code)
    found = _identified(request.form.get("id_number", ""), request.form.get("phone", ""))
    if found is None:
        return _page(venue, NOT_IDENTIFIED, 400)
    response = redirect(url_for("venue_pages.venue_page", code=code, scan=1))  # the page scans them at once
    remember_device_person(response, *found, utcnow())
    return response


def register(registry):
    registry.add_blueprint(venue_pages)
    registry.add_blueprint(public_venues, csrf_exempt=True)
