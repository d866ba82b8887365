"""Public endpoints (no account): the region cascade used by the report form."""
from flask import Blueprint, jsonify, request

from app.regions import children

public_api = Blueprint("public_api", __name__, url_prefix="/api/v1/public")


@public_api.get("/regions")
def region_children():
    """Children of ``parent`` (provinces when empty): ``[{"code", "name", "level"}]``."""
    regions = children(request.args.get("parent") or None)
    return jsonify([{"code": r.code, "name": r.name, "level": r.level} for r in regions])


def register(app):
    from views.csrf import exempt_public

    app.register_blueprint(public_api)
    exempt_public(app, public_api)  # GET only today; no session, like the public filings
