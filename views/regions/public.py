"""Public endpoints (no account): the region cascade used by the report form."""
from flask import Blueprint, jsonify, request

from app.regions.service import children

public_api = Blueprint("public_api", __name__, url_prefix="/api/v1/public")


@public_api.get("/regions")
def region_children():
    """Children of ``parent`` (provinces when empty): ``[{"code", "name", "level"}]``.
        ---
        get:
          parameters:
          - {in: query, name: parent, schema: {type: string}}
          responses:
            200:
              description: the child regions
              content:
                application/json:
                  schema:
                    type: array
                    items:
                      type: object
                      required: [code, name, level]
                      properties: {code: {type: string}, name: {type: string}, level: {type: integer}}
    """
    regions = children(request.args.get("parent") or None)
    return jsonify([{"code": r.code, "name": r.name, "level": r.level} for r in regions])


def register(app):
    from views.core.csrf import exempt_public

    app.register_blueprint(public_api)
    exempt_public(app, public_api)  # GET only today; no session, like the public filings
