"""The public health-code API (shared/API.md "Public, next"; no session, no CSRF token,
like the public filing API): declare, then read the code with the holder and its token.
The rules are app.healthcode's (app.healthcode.holders over the declaration service the
page uses); this module only reads the request and answers."""
from flask import Blueprint, abort, jsonify, request

from app.core import rate_limits
from app.core.errors import ValidationFailed
from app.core.rate_limits import public_limit
from app.core.sms_codes import WRONG_CODE
from app.healthcode import declarations, holders
from views.healthcode.public import CODE_SENT
from models.base import utcnow

public_healthcode = Blueprint("public_healthcode", __name__, url_prefix="/api/v1/public/healthcode")
TOKEN_HEADER = "X-Code-Token"


@public_healthcode.post("/declare")
@public_limit()
def declare():
    """Declare one's health (or a family member's) and get the holder and token of the code.
        ---
        post:
          summary: Health declaration 健康申报 (shared/API.md "Public, next")
          description: >
            The person's fields as a filing's, plus residence_region_code and residence_address
            (for_whom "family" with proxy_name, proxy_phone, proxy_relation when declaring for
            someone). A person already known with another phone is held (202): an SMS code goes
            to the phone on file; send the same declaration again with "otp" to take effect.
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  allOf:
                  - {$ref: '#/components/schemas/HealthDeclarationInput'}
                  - {type: object, properties: {otp: {type: string, description: "the SMS code of a held declaration"}}}
          responses:
            201:
              description: declared; the token reads the code (X-Code-Token), keep it secret
              content:
                application/json:
                  schema:
                    type: object
                    required: [holder, token, colour, valid_until]
                    properties:
                      holder: {type: string}
                      token: {type: string}
                      colour: {type: string, enum: [green, yellow, red], nullable: true}
                      valid_until: {type: string, nullable: true, description: "ISO 8601 with the offset; null: until the rules change it"}
                      token_expires_at: {type: string, description: "until when the token reads the code (then /otp and /mine give a new one)"}
            202:
              description: held; nothing stored, an SMS code went to the person's phone on file
              content:
                application/json:
                  schema:
                    type: object
                    required: [held, phone, message]
                    properties: {held: {type: boolean}, phone: {type: string, description: masked}, message: {type: string}}
            400: {description: "invalid input, or a wrong or expired code (errors.otp); nothing stored", content: {application/json: {schema: {$ref: '#/components/schemas/PublicError'}}}}
            429: {description: "too many declarations from this address or for this ID number, or codes for this person (Retry-After)", content: {application/json: {schema: {$ref: '#/components/schemas/PublicError'}}}}
    """
    now = utcnow()
    result = holders.declare(request.get_json(silent=True), now=now)
    if isinstance(result, declarations.Held):
        if result.wrong_code:  # the wrong try is counted (committed); nothing else changed
            raise ValidationFailed(WRONG_CODE, {"otp": [WRONG_CODE]})
        return jsonify({"held": True, "phone": result.phone_masked,
                        "message": declarations.held_message(result)}), 202
    return jsonify(holders.declared_answer(result, now)), 201


@public_healthcode.get("/<holder>")
@rate_limits.own_limit("HEALTH_CODE_TOKEN_RATE_LIMIT", "health-code-token")
def show_code(holder):
    """The holder's code now, with a fresh QR token (ask again every minute). Reads only.
        ---
        get:
          parameters:
          - {in: header, name: X-Code-Token, required: true, schema: {type: string}}
          responses:
            200:
              description: the code; all null and reasons empty when there is none (declare again)
              content:
                application/json:
                  schema:
                    type: object
                    required: [colour, since, reasons, qr, qr_expires_at]
                    properties:
                      colour: {type: string, enum: [green, yellow, red], nullable: true}
                      since: {type: string, nullable: true}
                      reasons: {type: array, items: {type: string}, description: "the rule behind the colour, translated"}
                      qr: {type: string, nullable: true, description: "short-lived signed token for the QR"}
                      qr_expires_at: {type: string, nullable: true}
            404: {description: unknown holder or wrong token, content: {application/json: {schema: {$ref: '#/components/schemas/PublicError'}}}}
            410: {description: "the token expired (HEALTH_CODE_HOLDER_DAYS after it was issued): get new holders from /otp and /mine", content: {application/json: {schema: {$ref: '#/components/schemas/PublicError'}}}}
            429: {description: too many requests from this address (Retry-After), content: {application/json: {schema: {$ref: '#/components/schemas/PublicError'}}}}
    """
    answer = holders.code_answer(holder, request.headers.get(TOKEN_HEADER), utcnow())
    if answer is None:
        abort(404)
    return jsonify(answer)


@public_healthcode.post("/otp")
@public_limit()
def send_code():
    """我的健康码: an SMS code to the phone of a declaration of this ID number; 202 always.
        ---
        post:
          summary: Ask for the SMS code that gives new holders (sent only when the ID number and phone belong to a declaration)
          requestBody:
            required: true
            content: {application/json: {schema: {$ref: '#/components/schemas/SmsCodeRequest'}}}
          responses:
            202:
              description: accepted; a code went by SMS if the ID number and phone belong to a declaration
              content: {application/json: {schema: {type: object, properties: {message: {type: string}}}}}
            400: {description: invalid input, content: {application/json: {schema: {$ref: '#/components/schemas/PublicError'}}}}
            429: {description: too many codes for this phone or ID number, or requests from this address, content: {application/json: {schema: {$ref: '#/components/schemas/PublicError'}}}}
    """
    declarations.send_code(request.get_json(silent=True), now=utcnow())
    return jsonify({"message": str(CODE_SENT)}), 202


@public_healthcode.post("/mine")
@public_limit()
def mine():
    """我的健康码: new holders (and tokens) for the people declared with this phone.
        ---
        post:
          summary: New holders for the people declared with a phone, once its SMS code is given
          requestBody:
            required: true
            content: {application/json: {schema: {$ref: '#/components/schemas/SmsCodeAnswer'}}}
          responses:
            200:
              description: a new holder and token per person (the person of the ID number first)
              content:
                application/json:
                  schema:
                    type: object
                    required: [holders]
                    properties:
                      holders:
                        type: array
                        items:
                          type: object
                          required: [holder, token, name, self, token_expires_at]
                          properties:
                            holder: {type: string}
                            token: {type: string}
                            name: {type: string, description: masked}
                            self: {type: boolean}
                            token_expires_at: {type: string}
            400: {description: "invalid input, or the code is wrong or expired (errors.otp)", content: {application/json: {schema: {$ref: '#/components/schemas/PublicError'}}}}
            429: {description: too many requests from this address (Retry-After), content: {application/json: {schema: {$ref: '#/components/schemas/PublicError'}}}}
    """
    found = holders.reissue(request.get_json(silent=True), now=utcnow())
    if found is None:
        raise ValidationFailed(WRONG_CODE, {"otp": [WRONG_CODE]})
    return jsonify({"holders": found})


def register(registry):
    registry.add_blueprint(public_healthcode, csrf_exempt=True)
