"""The public health-code pages 健康码 (no account, phones first, Chinese and English):
the declaration (for oneself or a family member), the code page (colour, masked name,
time, the dynamic QR), 切换申领人 between the people declared from this device, and
我的健康码 (one's codes found again on another phone by ID number, phone and SMS code).

Plain forms rendered on the server (they work without JavaScript); every write is a
POST carrying the CSRF token, since it writes the device's cookie. The rules are
app.healthcode's; these views only read the form and render.
"""
import base64
import datetime as dt
import io

import qrcode
from flask import Blueprint, abort, current_app, jsonify, redirect, render_template, request, url_for
from flask_babel import get_locale, lazy_gettext as _l

from app.core import rate_limits
from app.core.clock import format_local, iso_local
from app.core.errors import ValidationFailed
from app.core.rate_limits import TooManyRequests, public_limit
from app.core.sms_codes import WRONG_CODE
from app.filings import labels
from app.filings.rules import PROXY_RELATIONS
from app.healthcode import declarations
from app.healthcode.codes import current_code
from app.healthcode.devices import (HOLDER_EXPIRED, device_people, device_person, expired_device_person,
                                    remember_device_people)
from app.healthcode.tokens import STEP_SECONDS, code_token_expires_at, issue_code_token
from models.base import utcnow
from models.healthcode import COLOUR_LABELS

pages = Blueprint("healthcode", __name__, url_prefix="/healthcode")
FIELD_LABELS = {
    **{key: labels.FIELD_LABELS[key] for key in (
        "name", "id_type", "id_number", "phone", "fever", "cough", "abroad_14d", "close_contact_14d",
        "risk_area_14d", "commitment")},
    "residence_region_code": _l("Community (village) where you live"),
    "residence_address": _l("Current address"),
    "proxy_name": _l("Your name"), "proxy_phone": _l("Your mobile phone"),
    "proxy_relation": _l("They are your"),
}
COLOUR_ADVICE = {
    "green": _l("Show this code at doors and checkpoints; pass after a normal temperature check."),
    "yellow": _l("Stay at home and follow the community's instructions."),
    "red": _l("Stay where you are and follow the instructions of the health authorities."),
}
CODE_SENT = _l("If this ID number and phone belong to a declaration, a code is on its way by SMS. "
               "It is valid for 10 minutes.")


def _form_data() -> dict:
    """The posted fields, without the CSRF token and the region picker's own selects
    (``_level<n>``: the chosen code is in its hidden field); the schema refuses other
    unknown fields."""
    return {key: value for key, value in request.form.items() if key != "csrf_token" and not key.startswith("_")}


# ---- the declaration ------------------------------------------------------------------

@pages.get("/")
def declare_form():
    """健康申报: ``?for=family`` opens it for a family member (代他人填报)."""
    return _declaration_page({"for_whom": "family" if request.args.get("for") == "family" else "self"})


@pages.post("/")
@public_limit()
def declare():
    data = _form_data()
    try:
        declared = declarations.declare(data, now=utcnow())
    except ValidationFailed as error:
        return _declaration_page(data, error.errors, error.message), 400
    except TooManyRequests as error:
        return _declaration_page(data, {}, error.message), 429
    if isinstance(declared, declarations.Held):  # the person's phone on file must confirm it
        if declared.wrong_code:
            return _declaration_page(data, {"otp": [WRONG_CODE]}, held=declared), 400
        return _declaration_page({**data, "otp": ""}, held=declared)
    response = redirect(url_for("healthcode.code_page", person=declared.person_hash), 303)
    remember_device_people(response, [declared], utcnow())
    return response


def _declaration_page(values: dict, errors=None, message=None, held=None):
    return render_template(
        "healthcode/declare.html", values=values, errors=errors or {}, message=message,
        held_message=declarations.held_message(held) if held else None,
        labels=FIELD_LABELS, people=device_people(request, utcnow()),
        id_types=[(value, str(label)) for value, label in labels.ID_TYPE_LABELS.items()],
        relations=[(r, str(labels.RELATION_LABELS[r])) for r in PROXY_RELATIONS],
        province=current_app.config["PROVINCE_CODE"])


# ---- the code page and its QR --------------------------------------------------------------

@pages.get("/code")
def code_page():
    """The code of ``?person=`` (the device's latest when absent): only a person declared
    from this device (or found again on it) is shown; none yet: the declaration. A person
    the device has had too long (HEALTH_CODE_HOLDER_DAYS): 410, the way back to them."""
    now = utcnow()
    people = device_people(request, now)
    chosen = request.args.get("person")
    if chosen or not people:
        expired = expired_device_person(request, chosen, now)
        if expired is not None and device_person(request, chosen, now) is None:
            return _expired_page(expired), 410
    if not people:
        return redirect(url_for("healthcode.declare_form"))
    person = device_person(request, chosen, now)
    if person is None:
        abort(404)
    state = current_code(person[0], now)
    return render_template(
        "healthcode/code.html", person=person, people=people, state=state, now=now,
        colour_label=COLOUR_LABELS.get(state.colour), advice=COLOUR_ADVICE.get(state.colour),
        qr=_qr(person[0], now) if state.colour else None,
        token_url=url_for("healthcode.fresh_token", person=person[0]), step_seconds=STEP_SECONDS)


@pages.get("/token")
@rate_limits.own_limit("HEALTH_CODE_TOKEN_RATE_LIMIT", "health-code-token")
def fresh_token():
    """The QR of the code page, new every minute (the page asks every minute): the token,
    its QR as an image, the colour and until when the token is taken. Reads only. A
    person expired on this device: 410 (the page shows itself again, saying so)."""
    now = utcnow()
    person = device_person(request, request.args.get("person"), now)
    if person is None:
        if expired_device_person(request, request.args.get("person"), now) is not None:
            return jsonify({"message": str(HOLDER_EXPIRED), "errors": {}}), 410
        abort(404)
    state = current_code(person[0], now)
    if state.colour is None:
        return jsonify({"colour": None, "token": None, "qr": None})
    qr = _qr(person[0], now)
    return jsonify({"colour": state.colour, "as_of": iso_local(state.as_of), **qr})


def _qr(person_hash: str, now: dt.datetime) -> dict:
    token = issue_code_token(person_hash, now)
    return {"token": token, "qr": qr_data_uri(token), "expires_at": iso_local(code_token_expires_at(now))}


def qr_data_uri(data: str) -> str:
    """An SVG QR code as a ``data:`` URI (an <img> under the Content-Security-Policy)."""
    svg = qr_svg_text(qr_modules(data))
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def qr_modules(data: str) -> list[list[bool]]:
    """The QR's modules (quiet zone included). One fixed mask pattern: any of the eight
    reads the same, and choosing the "best" costs seven codes more (70 ms instead of 8,
    on every phone's every minute); the SVG is written here, not by qrcode's slow one."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2, mask_pattern=0)
    code.add_data(data)
    code.make(fit=True)
    return code.get_matrix()


def qr_svg_text(modules: list[list[bool]]) -> str:
    """One path of a rectangle per run of dark modules in a row."""
    size, runs = len(modules), []
    for y, row in enumerate(modules):
        x = 0
        while x < size:
            if not row[x]:
                x += 1
                continue
            start = x
            while x < size and row[x]:
                x += 1
            runs.append(f"M{start} {y}h{x - start}v1h-{x - start}z")
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" shape-rendering="crispEdges">'
            f'<rect width="{size}" height="{size}" fill="#fff"/><path d="{"".join(runs)}" fill="#000"/></svg>')


# ---- 我的健康码 -------------------------------------------------------------------------------

@pages.get("/mine")
def mine_form():
    return _mine_page({})


@pages.post("/mine/code")
@public_limit()
def mine_send_code():
    data = {key: request.form.get(key, "") for key in ("id_number", "phone")}
    try:
        declarations.send_code(data, now=utcnow())
    except ValidationFailed as error:
        return _mine_page(data, error.errors, error.message), 400
    except TooManyRequests as error:
        return _mine_page(data, {}, error.message), 429
    return _mine_page(data, sent=True)


@pages.post("/mine")
@public_limit()
def mine_open():
    data = {key: request.form.get(key, "") for key in ("id_number", "phone", "otp")}
    try:
        people = declarations.open_codes(data, now=utcnow())
    except ValidationFailed as error:
        return _mine_page(data, error.errors, error.message, sent=True), 400
    if not people:  # wrong or expired (a right code exists only for a declared phone)
        return _mine_page(data, {"otp": [WRONG_CODE]}, None, sent=True), 400
    response = redirect(url_for("healthcode.code_page", person=people[0].person_hash), 303)
    remember_device_people(response, people, utcnow())
    return response


def _expired_page(person):
    return render_template("healthcode/expired.html", person=person, message=HOLDER_EXPIRED,
                           people=device_people(request, utcnow()))


def _mine_page(values, errors=None, message=None, sent=False):
    return render_template("healthcode/mine.html", values=values, errors=errors or {}, message=message,
                           sent=sent, sent_message=CODE_SENT if sent and not errors else None,
                           labels=FIELD_LABELS)


@pages.context_processor
def _page_context():
    return {"lang": str(get_locale()), "localtime": format_local, "lang_url": _lang_url}


def _lang_url(language: str) -> str:
    """This page in ``language``, the person shown kept (a form's answer: the form)."""
    if request.method != "GET":
        page = "healthcode.mine_form" if request.endpoint.startswith("healthcode.mine") else "healthcode.declare_form"
        return url_for(page, lang=language)
    return url_for(request.endpoint, **{**request.args.to_dict(), "lang": language})


def register(registry):
    registry.add_blueprint(pages)
