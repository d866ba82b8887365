"""The console's additions to the OpenAPI spec FAB serves at /api/v1/_openapi:

- the public endpoints (plain blueprints under /api/v1/public, kept lean: no FAB
  view), so integrators see them and the API fuzzing (bench/fuzz_api.py) covers them;
- the error bodies every API answers (views.core.errors, shared/API.md): ``{"message",
  "errors"}``, where FAB's own refusals put marshmallow's field messages (an object)
  in ``message``; FAB declares a string only.

Each view function documents itself as FAB's do: YAML after ``---`` in its docstring.
Path parameters are added from the route; an undocumented public route still appears,
with a bare 200, so none is left out of the spec by accident.
"""
import re

from apispec import yaml_utils
from flask import current_app
from flask_appbuilder.api import BaseApi, expose, protect, safe
from flask_appbuilder.api.manager import OpenApi, SwaggerView
from sqlalchemy import inspect

from app.core import roles


PUBLIC_PREFIX = "/api/v1/public"
PATH_PARAMETER = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")
FIELD_ERRORS = {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}}
# 我的报备 and 我的健康码 over the API: ask for an SMS code with the ID number and phone,
# then give it back with them.
SMS_CODE_REQUEST = {"type": "object", "required": ["id_number", "phone"], "properties": {
    "id_number": {"type": "string", "maxLength": 32}, "phone": {"type": "string", "maxLength": 20}}}
SMS_CODE_ANSWER = {"type": "object", "required": ["id_number", "phone", "otp"], "properties": {
    **SMS_CODE_REQUEST["properties"], "otp": {"type": "string"}}}
ERROR_SCHEMA = {"type": "object", "required": ["message", "errors"],
                "properties": {"message": {"type": "string"}, "errors": FIELD_ERRORS}}
# Any API error: the console's shape, or FAB's (``message`` alone, maybe field messages;
# flask-jwt-extended's 401 says ``msg``).
ANY_ERROR_SCHEMA = {"type": "object", "properties": {
    "message": {"anyOf": [{"type": "string"}, {"type": "object"}]}, "errors": FIELD_ERRORS}}
PUBLIC_ERRORS = {"400": "invalid input, nothing stored or changed", "404": "unknown receipt or wrong token",
                 "409": "a duplicate, or no longer changeable"}
ERROR_STATUSES = {"400": "Bad request", "401": "Unauthorized", "403": "Forbidden", "404": "Not found",
                  "422": "Could not process entity", "500": "Fatal error"}

# shared/API.md: what a filing's creation answers.
RECEIPT_SCHEMA = {"type": "object", "required": ["receipt", "token", "status", "edits_left", "late_notice",
                                                 "community_code"],
                  "properties": {"receipt": {"type": "string"}, "token": {"type": "string"},
                                 "status": {"type": "string"}, "edits_left": {"type": "integer"},
                                 "late_notice": {"type": "boolean"}, "community_code": {"type": "string"}}}
# What a filing import answers per row (views.filings.staff.FilingImportApi).
IMPORTED_SCHEMA = {"type": "object", "required": ["index", "external_id", "id", "receipt"],
                   "properties": {"index": {"type": "integer"}, "external_id": {"type": "string"},
                                  "id": {"type": "integer"}, "receipt": {"type": "string"}}}


class ConsoleApiSpec(BaseApi):
    """Adds the public routes and the error shape to the v1 spec; serves no route."""

    route_base = "/api/v1/_console_spec"
    openapi_spec_tag = "Public"

    def add_apispec_components(self, api_spec) -> None:
        from app.filings.rules import FilingInput  # its fields need Babel set up
        from app.healthcode.declarations import DeclarationInput

        super().add_apispec_components(api_spec)
        api_spec.components.schema("PublicError", ERROR_SCHEMA)
        api_spec.components.schema("FilingReceipt", RECEIPT_SCHEMA)
        api_spec.components.schema("SmsCodeRequest", SMS_CODE_REQUEST)
        api_spec.components.schema("SmsCodeAnswer", SMS_CODE_ANSWER)
        api_spec.components.schema("ImportedFiling", IMPORTED_SCHEMA)
        for status, description in PUBLIC_ERRORS.items():
            api_spec.components.response(f"Public{status}", {
                "description": description,
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PublicError"}}}})
        api_spec.components.schema("FilingInput", schema=FilingInput)
        api_spec.components.schema("HealthDeclarationInput", schema=DeclarationInput)
        for status, description in ERROR_STATUSES.items():
            api_spec.components.responses[status] = {
                "description": description, "content": {"application/json": {"schema": ANY_ERROR_SCHEMA}}}

    def add_api_spec(self, api_spec) -> None:
        self.add_apispec_components(api_spec)
        paths: dict[str, dict] = {}
        for rule in current_app.url_map.iter_rules():
            if not rule.rule.startswith(PUBLIC_PREFIX + "/") and rule.rule != PUBLIC_PREFIX:
                continue
            path = PATH_PARAMETER.sub(r"{\1}", rule.rule.rstrip("/") or "/")
            view = current_app.view_functions[rule.endpoint]
            documented = yaml_utils.load_operations_from_docstring(view.__doc__ or "")
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                operation = documented.get(method.lower()) or {"responses": {"200": {"description": "OK"}}}
                operation = {"tags": [self.openapi_spec_tag], **operation}
                operation.setdefault("parameters", [])
                declared = {p.get("name") for p in operation["parameters"]}
                operation["parameters"] += [
                    {"in": "path", "name": name, "required": True, "schema": {"type": "string"}}
                    for name in rule.arguments if name not in declared]
                paths.setdefault(path, {})[method.lower()] = operation
        for path, operations in paths.items():
            api_spec.path(path=path, operations=operations)


class ConsoleOpenApi(OpenApi):
    """FAB's ``/api/<version>/_openapi`` under the resource ``ApiDocs`` of the permission
    matrix (FAB's own is granted to the Admin alone). The spec lists only the operations
    the caller's role may use: none that would always answer 403 to them."""

    class_permission_name = roles.API_DOCS
    method_permission_name = roles.METHOD_PERMISSIONS

    @expose("/<version>/_openapi")
    @protect()
    @safe
    def get(self, version):
        """The OpenAPI spec of an API version, as far as your role may use it
        ---
        get:
          parameters:
          - {in: path, name: version, schema: {type: string}, required: true}
          responses:
            200:
              description: The OpenAPI spec
              content:
                application/json:
                  schema:
                    type: object
            404:
              $ref: '#/components/responses/404'
        """
        apis = [view for view in current_app.appbuilder.baseviews
                if isinstance(view, BaseApi) and view.version == version]
        if not apis:
            return self.response_404()
        api_spec = self._create_api_spec(version)
        for api in apis:
            api.add_api_spec(api_spec)
            for path, method in refused_operations(api):
                api_spec._paths.get(path, {}).pop(method, None)
        for path in [path for path, operations in api_spec._paths.items() if not operations]:
            del api_spec._paths[path]
        return self.response(200, **api_spec.to_dict())


def refused_operations(api: BaseApi):
    """(path, method) of ``api``'s protected operations the caller's role may not use:
    FAB's own check (``protect``), made before the call."""
    sm = current_app.appbuilder.sm
    for name in dir(api):
        function = getattr(api, name)
        if not hasattr(function, "_urls") or not hasattr(function, "_permission_name"):
            continue
        permission = (api.method_permission_name or {}).get(name) or function._permission_name
        if sm.has_access(f"can_{permission}", api.class_permission_name):
            continue
        for url, methods in function._urls:
            for method in methods:
                yield api.path_helper(path=url, operations={}), method.lower()


class ConsoleSwaggerView(SwaggerView):
    """FAB's Swagger UI (``/swagger/<version>``), under ``ApiDocs`` too."""

    class_permission_name = roles.API_DOCS
    method_permission_name = roles.METHOD_PERMISSIONS


def register_api_docs(appbuilder) -> None:
    appbuilder.add_api(ConsoleApiSpec)
    appbuilder.add_api(ConsoleOpenApi)
    appbuilder.add_view_no_menu(ConsoleSwaggerView)


def correct_operation(operation: dict, integer_key: bool) -> None:
    """FAB's declarations of its generated operations that its answers contradict:
    the ``id`` and ``ids`` it answers are the key's type (FAB says string), and
    ``_info`` lists the add and edit columns (FAB says an object)."""
    for response in (operation.get("responses") or {}).values():
        schema = ((response.get("content") or {}).get("application/json") or {}).get("schema") or {}
        properties = schema.get("properties") or {}
        key_type = "integer" if integer_key else "string"
        if "id" in properties:
            properties["id"]["type"] = key_type
        if "ids" in properties:
            properties["ids"]["items"] = {"type": key_type}
        for name in ("add_columns", "edit_columns"):
            if name in properties:
                properties[name] = {"type": "array", "items": {"type": "object"}}


def correct_read_schema(schema: dict | None, model) -> None:
    """What a model API's answers hold that FAB's declaration of them misses: times are
    UTC with their offset (``+00:00``, views.core.scoped.OffsetTimesConverter); a related
    row that may be absent (null)."""
    optional = {relation.key for relation in inspect(model).relationships
                if relation.direction.name == "MANYTOONE" and any(c.nullable for c in relation.local_columns)}
    properties = (schema or {}).get("properties") or {}
    for name, prop in properties.items():
        if prop.get("format") == "date-time":
            prop["description"] = "UTC, ISO 8601 with its offset (+00:00)"
        elif "$ref" in prop and name in optional:
            properties[name] = {"allOf": [prop], "nullable": True}
