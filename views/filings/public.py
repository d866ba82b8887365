"""The traveller's side (no account): the report form, the receipt page, and the public
filing API they call (shared/API.md "Public").

The filing path is kept lean on purpose (50,000 filings in a peak hour): a plain
blueprint, marshmallow validation and Core writes in one transaction through
app.filings.service; no FAB view, no permission lookup, no ORM session.
"""
import datetime as dt
import io

import qrcode
import qrcode.image.svg
from flask import Blueprint, abort, current_app, jsonify, render_template, request, url_for
from flask_babel import get_locale, lazy_gettext as _l
from markupsafe import Markup

from app.filings import access, guide, labels
from app.filings import service as filings
from app.core.errors import ValidationFailed
from app.core.extensions import db
from app.filings.rules import NOT_COUNTRIES, PROXY_RELATIONS
from app.core.rate_limits import public_limit
from app.core.clock import format_local
from app.regions.service import region_path
from models.base import utcnow

public_filings = Blueprint("public_filings", __name__, url_prefix="/api/v1/public/filings")
public_limit()(public_filings)  # PUBLIC_RATE_LIMIT per client IP, every method
report_pages = Blueprint("report", __name__, url_prefix="/report")
TOKEN_HEADER = "X-Filing-Token"
CHANNEL_HEADER = "X-Filing-Channel"  # the report page says "web"; anything else is "api"
MAX_BATCH = 10


def _channel() -> str:
    return "web" if request.headers.get(CHANNEL_HEADER) == "web" else "api"


@public_filings.post("", strict_slashes=False)
def create_filing():
    """One person's report: 201 with the receipt and the token.
        ---
        post:
          summary: File one person's report (shared/API.md "Public")
          requestBody:
            required: true
            content:
              application/json:
                schema: {$ref: '#/components/schemas/FilingInput'}
          responses:
            201:
              description: filed
              content:
                application/json:
                  schema: {$ref: '#/components/schemas/FilingReceipt'}
            400: {description: invalid input, nothing stored, content: {application/json: {schema: {$ref: '#/components/schemas/PublicError'}}}}
            409: {$ref: '#/components/responses/Public409'}
    """
    created = filings.create_one_filing(request.get_json(silent=True), now=utcnow(), channel=_channel())
    return jsonify(created.as_dict()), 201


@public_filings.post("/batch")
def create_family():
    """Several people (a family) in one transaction: all are stored or none.
        ---
        post:
          summary: File a family's reports, all or none
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  type: object
                  required: [filings]
                  properties:
                    filings:
                      type: array
                      minItems: 1
                      maxItems: 10
                      items: {$ref: '#/components/schemas/FilingInput'}
          responses:
            201:
              description: filed
              content:
                application/json:
                  schema: {type: object, required: [filings],
                           properties: {filings: {type: array, items: {$ref: '#/components/schemas/FilingReceipt'}}}}
            400: {description: invalid input, nothing stored, content: {application/json: {schema: {$ref: '#/components/schemas/PublicError'}}}}
            409: {$ref: '#/components/responses/Public409'}
    """
    body = request.get_json(silent=True)
    people = body.get("filings") if isinstance(body, dict) else None
    if not isinstance(people, list) or not 1 <= len(people) <= MAX_BATCH:
        raise ValidationFailed(_l("Send 1 to %(n)s people in \"filings\".", n=MAX_BATCH),
                               {"filings": [_l("Send 1 to %(n)s people.", n=MAX_BATCH)]})
    results = filings.create_family(people, now=utcnow(), channel=_channel())
    return jsonify({"filings": [result.as_dict() for result in results]}), 201


@public_filings.get("/<receipt>")
def show_filing(receipt):
    """The filing as its filer sees it (ID number and phones masked).
        ---
        get:
          parameters:
          - {in: header, name: X-Filing-Token, required: true, schema: {type: string}}
          responses:
            200: {description: the filing, content: {application/json: {schema: {type: object}}}}
            404: {$ref: '#/components/responses/Public404'}
    """
    now = utcnow()
    with db.engine.connect() as conn:
        row = filings.row_by_token(conn, receipt, request.headers.get(TOKEN_HEADER), now=now)
        return jsonify(filings.filer_view(conn, row, now))


@public_filings.put("/<receipt>")
def edit_filing(receipt):
    """Change the given fields: at most twice, only before the expected arrival.
        ---
        put:
          parameters:
          - {in: header, name: X-Filing-Token, required: true, schema: {type: string}}
          requestBody:
            content:
              application/json:
                schema: {type: object}
          responses:
            200: {description: the filing after the change, content: {application/json: {schema: {type: object}}}}
            400: {description: invalid input, nothing changed, content: {application/json: {schema: {$ref: '#/components/schemas/PublicError'}}}}
            404: {$ref: '#/components/responses/Public404'}
            409: {$ref: '#/components/responses/Public409'}
    """
    now = utcnow()
    with db.engine.begin() as conn:
        row = filings.edit_filing(conn, receipt, request.headers.get(TOKEN_HEADER),
                                  request.get_json(silent=True), now=now)
        return jsonify(filings.filer_view(conn, row, now))


@public_filings.delete("/<receipt>")
def cancel_filing(receipt):
    """Cancel before the arrival.
        ---
        delete:
          parameters:
          - {in: header, name: X-Filing-Token, required: true, schema: {type: string}}
          responses:
            200: {description: the cancelled filing, content: {application/json: {schema: {type: object}}}}
            404: {$ref: '#/components/responses/Public404'}
            409: {$ref: '#/components/responses/Public409'}
    """
    now = utcnow()
    with db.engine.begin() as conn:
        row = filings.cancel_filing(conn, receipt, request.headers.get(TOKEN_HEADER), now=now)
        return jsonify(filings.filer_view(conn, row, now))


# ---- my filings: back to one's filings from any phone ------------------------------------

public_access = Blueprint("public_access", __name__, url_prefix="/api/v1/public")
public_limit()(public_access)  # PUBLIC_RATE_LIMIT per client IP, every method


@public_access.post("/otp")
def send_code():
    """A one-time code by SMS for "my filings": 202 always.
        ---
        post:
          summary: Ask for a one-time code (sent only when the ID number and phone match a filing)
          requestBody:
            required: true
            content: {application/json: {schema: {$ref: '#/components/schemas/SmsCodeRequest'}}}
          responses:
            202:
              description: accepted; a code went by SMS if the ID number and phone match a filing
              content: {application/json: {schema: {type: object, properties: {message: {type: string}}}}}
            400: {description: invalid input, content: {application/json: {schema: {$ref: '#/components/schemas/PublicError'}}}}
            429: {description: too many codes for this phone or ID number, or from this address, content: {application/json: {schema: {$ref: '#/components/schemas/PublicError'}}}}
    """
    access.send_code(request.get_json(silent=True), now=utcnow())
    return jsonify({"message": str(CODE_SENT)}), 202


CODE_SENT = _l("If this ID number and phone belong to a filing, a code is on its way by SMS.")


@public_access.post("/my-filings")
def my_filings():
    """The filings made with a phone, once its one-time code is given.
        ---
        post:
          summary: List one's filings (the person's and the family members filed from the phone)
          requestBody:
            required: true
            content: {application/json: {schema: {$ref: '#/components/schemas/SmsCodeAnswer'}}}
          responses:
            200:
              description: the filings; each token opens its filing (X-Filing-Token) for 30 minutes
              content:
                application/json:
                  schema:
                    type: object
                    required: [filings]
                    properties:
                      filings:
                        type: array
                        items:
                          type: object
                          required: [receipt, token, status, name, expected_arrival_at, edits_left]
                          properties:
                            receipt: {type: string}
                            token: {type: string}
                            status: {type: string}
                            name: {type: string}
                            expected_arrival_at: {type: string, description: "ISO 8601 with the offset"}
                            edits_left: {type: integer}
                            can_edit: {type: boolean}
                            can_cancel: {type: boolean}
                            destination_name: {type: string, nullable: true}
                            proxy_relation: {type: string, nullable: true}
                            self: {type: boolean, description: "the person of the ID number given"}
                            token_expires_at: {type: string}
            400: {description: invalid input, or the code is wrong or expired (errors.otp), content: {application/json: {schema: {$ref: '#/components/schemas/PublicError'}}}}
    """
    found = access.open_filings(request.get_json(silent=True), now=utcnow())
    if found is None:
        raise ValidationFailed(access.WRONG_CODE, {"otp": [access.WRONG_CODE]})
    return jsonify({"filings": found})


# ---- pages --------------------------------------------------------------------------

def form_choices() -> dict:
    """The coded values of the form with their labels in the page's language."""
    def pairs(mapping):
        return [(value, str(label)) for value, label in mapping.items()]

    return {"id_type": pairs(labels.ID_TYPE_LABELS), "transport_mode": pairs(labels.TRANSPORT_LABELS),
            "gender": pairs(labels.GENDER_LABELS),
            "proxy_relation": [(r, str(labels.RELATION_LABELS[r])) for r in PROXY_RELATIONS],
            "country": countries()}


def countries() -> list[tuple[str, str]]:
    """ISO 3166 countries named in the page's language, China first."""
    names = labels.country_names()
    found = [(code, name) for code, name in names.items()
             if len(code) == 2 and code.isalpha() and code not in NOT_COUNTRIES]
    return [("CN", names["CN"])] + sorted((c for c in found if c[0] != "CN"), key=lambda c: c[1])


@report_pages.get("/")
def report_form():
    """The form; ``?to=<code>`` (a poster's QR) fills the destination in down to that
    region of the province (an unknown code is ignored)."""
    province = current_app.config["PROVINCE_CODE"]
    path = destination_path(request.args.get("to"))
    return render_template("report/form.html", labels=labels.FIELD_LABELS, choices=form_choices(),
                           submit_url=url_for("public_filings.create_filing"),
                           batch_url=url_for("public_filings.create_family"), staff=False,
                           dest_root=province, dest_root_level=1, dest_root_label="",
                           dest_preset=path[-1].code if path else "",
                           dest_preset_name=" ".join(r.name for r in path[1:]))


def destination_path(code) -> list:
    """The regions from the province down to ``code`` when it is a city, county, township
    or community of the province; [] otherwise."""
    province = current_app.config["PROVINCE_CODE"]
    if not isinstance(code, str) or not code.isdigit() or not code.startswith(province) or len(code) > 12:
        return []
    path = region_path(code)
    return path if path and path[-1].code == code and len(path) > 1 else []


@report_pages.get("/mine")
def my_filings_page():
    """我的报备: ID number, phone and a one-time SMS code list one's filings."""
    return render_template("report/mine.html", labels=labels.FIELD_LABELS,
                           otp_url=url_for("public_access.send_code"),
                           list_url=url_for("public_access.my_filings"),
                           status_labels=_texts(labels.STATUS_LABELS),
                           relation_labels=_texts(labels.RELATION_LABELS))


@report_pages.get("/help")
def help_page():
    """How filing works, for people and for the posters' 明白纸."""
    return render_template("report/help.html", guide=guide, hotline=current_app.config["REPORT_HOTLINE"])


@report_pages.get("/receipt/<receipt>")
@public_limit()
def receipt_page(receipt):
    with db.engine.connect() as conn:
        row = filings.row_by_receipt(conn, receipt)
        if row is None:
            abort(404)
    summary = filings.receipt_summary(row)
    link = url_for("report.receipt_page", receipt=row["receipt"], _external=True)
    return render_template(
        "report/receipt.html", summary=summary, qr_svg=qr_svg(link), labels=labels.FIELD_LABELS,
        status_label=labels.choice_label("status", row["status"]), choices=form_choices(),
        status_labels=_texts(labels.STATUS_LABELS), transport_labels=_texts(labels.TRANSPORT_LABELS),
        api_url=url_for("public_filings.show_filing", receipt=row["receipt"]))


def _texts(mapping: dict) -> dict:
    return {key: str(value) for key, value in mapping.items()}


@report_pages.context_processor
def _language():
    return {"lang": str(get_locale())}


def qr_svg(data: str) -> Markup:
    """An inline SVG QR code (no imaging library needed)."""
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=12, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    svg = buffer.getvalue().decode()
    return Markup(svg[svg.index("<svg"):])


@report_pages.app_template_filter("localtime")
def localtime_filter(value, with_time=True):
    return format_local(value, with_time)


@report_pages.app_template_filter("choice")
def choice_filter(value, field):
    return labels.choice_label(field, value)


@report_pages.app_template_filter("country")
def country_filter(code):
    return labels.country_name(code)


@report_pages.app_template_filter("change_value")
def change_value_filter(value, field):
    """A value of a revision's changes (stored as JSON: times as ISO UTC), for people."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return str(_l("Yes") if value else _l("No"))
    if field.endswith("_at") or field in ("control_start", "control_end"):
        try:
            return format_local(dt.datetime.fromisoformat(value))
        except (TypeError, ValueError):
            return value
    return labels.choice_label(field, value)


def register(registry):
    registry.add_blueprint(public_filings, csrf_exempt=True)
    registry.add_blueprint(public_access, csrf_exempt=True)
    registry.add_blueprint(report_pages)
