"""The jurisdiction rule for FAB screens and APIs, closing the gaps FAB leaves.

``base_filters`` (app.core.jurisdiction.base_filters_for) scopes list, show, edit and delete.
These mixins add what FAB does not do by itself:
- actions (``action``, ``action_post``) fetch their rows through the same filters, so a
  row of another jurisdiction answers 404;
- writes: the row's own region and every related row it points to must lie within the
  user's jurisdiction (form and API alike), else nothing is written.
"""
import io

from flask import abort, request, send_file
from flask_appbuilder import expose
from flask_appbuilder.actions import action
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import Integer, inspect

from flask_appbuilder.api.convert import Model2SchemaConverter

from app.core.excel import XLSX_MIMETYPE, to_xlsx
from app.core.jurisdiction import current_jurisdiction, ensure_within
from app.regions.service import check_assignable_region
from views.core.api_input import checked_schema, refusing_bad_input, with_time_offsets
from views.core.api_spec import correct_operation, correct_read_schema
from views.core.shown import readable_formatters


def check_write(item, region_fields: dict[str, int | None], jurisdiction) -> None:
    """The write check for an ORM row: region fields name existing regions (of the
    given level, if any) within the writer's jurisdiction; related scoped rows too."""
    for field, level in region_fields.items():
        check_assignable_region(getattr(item, field), field=field, level=level, jurisdiction=jurisdiction)
    mapper = inspect(type(item))
    for relation in mapper.relationships:
        if relation.direction.name != "MANYTOONE" or relation.viewonly:
            continue  # a view-only relation is derived from columns checked above
        related = getattr(item, relation.key, None)
        if related is not None and hasattr(related, "jurisdiction_code"):
            ensure_within(related.jurisdiction_code(), jurisdiction, relation.key)


class ScopedWriteMixin:
    """``region_fields``: ``{column: level or None}`` of the region codes a write sets."""

    region_fields: dict = {}

    def pre_add(self, item):
        check_write(item, self.region_fields, current_jurisdiction())

    def pre_update(self, item):
        check_write(item, self.region_fields, current_jurisdiction())


class ExcelExportMixin:
    """Every list exports its selected rows to Excel, with the columns, labels and values
    shown (formatted: names, not codes; local times; labels of coded values)."""

    @action("export_xlsx", _l("Export to Excel"), icon="fa-file-excel-o", single=False)
    def export_xlsx(self, items):
        if not isinstance(items, list):
            items = [items]
        columns = self.list_columns
        headers = [self.label_columns.get(c, c) for c in columns]
        formatters = self.formatters_columns or {}
        rows = ([_shown(_column_value(item, c, joined=False), formatters.get(c)) for c in columns]
                for item in items)
        data = to_xlsx(headers, rows, title=str(self.list_title or "export"))
        return send_file(io.BytesIO(data), mimetype=XLSX_MIMETYPE, as_attachment=True,
                         download_name=f"{self.class_permission_name}.xlsx")


def _shown(value, formatter):
    """A cell as the list shows it, as text for a sheet (a formatted link loses its tags)."""
    shown = value if formatter is None else formatter(value)
    if isinstance(shown, list):
        return _joined(shown)
    return shown.striptags() if isinstance(shown, Markup) else shown


def _joined(values: list) -> str:
    return ", ".join(str(v) for v in values)


def _column_value(item, column, joined=True):
    """The value of a (dotted) column; a list of related rows joined as text unless
    ``joined`` is False (a formatter then gets the list)."""
    value = item
    for part in column.split("."):
        value = getattr(value, part, None)
        if callable(value):
            value = value()
    return _joined(value) if joined and isinstance(value, list) else value


class ScopedViewMixin(ExcelExportMixin, ScopedWriteMixin):
    """For ModelView subclasses: actions go through the jurisdiction filter too; values
    show as people read them (views.core.shown: names, yes/no, local times)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.formatters_columns = readable_formatters(
            self.datamodel.obj, self.formatters_columns, {*self.list_columns, *self.show_columns})

    def _scoped_item(self, pk):
        item = self.datamodel.get(self._deserialize_pk_if_composite(pk), self._base_filters)
        if item is None:
            abort(404)
        return item

    # FAB's show page sends a single action as a POST with its CSRF token; a GET never acts.
    @expose("/action/<string:name>/<pk>", methods=["POST"])
    def action(self, name, pk):
        return self._run_action(name, [pk], single=True)

    @expose("/action_post", methods=["POST"])
    def action_post(self):
        return self._run_action(request.form.get("action", ""), request.form.getlist("rowid"))

    def _run_action(self, name, pks, single=False):
        action = self.actions.get(name)
        if action is None:
            abort(404)
        if not self.appbuilder.sm.has_access(self.get_action_permission_name(name),
                                             self.class_permission_name):
            abort(403)
        items = [self._scoped_item(pk) for pk in pks]
        return action.func(items[0] if single else items)


class OffsetTimesConverter(Model2SchemaConverter):
    """FAB's schemas, answering the stored (naive UTC) times with their offset."""

    def convert(self, *args, **kwargs):
        return with_time_offsets(super().convert(*args, **kwargs))


class ScopedApiMixin(ScopedWriteMixin):
    """For ModelRestApi subclasses: a refused write answers 400 with the field errors
    (``{"message", "errors"}``) and writes nothing; an impossible id answers 404; the
    write schemas refuse what the columns cannot hold (views.core.api_input); times are
    answered in UTC with their offset (``+00:00``)."""

    model2schemaconverter = OffsetTimesConverter

    def _init_model_schemas(self):
        super()._init_model_schemas()
        self.add_model_schema = checked_schema(self.add_model_schema, self.datamodel.obj)
        self.edit_model_schema = checked_schema(self.edit_model_schema, self.datamodel.obj)

    def operation_helper(self, path=None, operations=None, methods=None, func=None, **kwargs):
        super().operation_helper(path=path, operations=operations, methods=methods, func=func, **kwargs)
        integer_key = isinstance(inspect(self.datamodel.obj).primary_key[0].type, Integer)
        for operation in (operations or {}).values():
            correct_operation(operation, integer_key)

    def add_apispec_components(self, api_spec):
        super().add_apispec_components(api_spec)
        for name in (self.list_model_schema_name, self.show_model_schema_name):
            correct_read_schema(api_spec.components.schemas.get(name), self.datamodel.obj)

    def _get_field_info(self, field, filter_rel_field, page=None, page_size=None):
        # FAB translates a missing label or description as "", i.e. the catalogue's header
        info = super()._get_field_info(field, filter_rel_field, page=page, page_size=page_size)
        info["label"] = str(self.label_columns.get(field.name, ""))
        info["description"] = str(self.description_columns.get(field.name, ""))
        return info

    @refusing_bad_input
    def get_headless(self, pk, **kwargs):
        return super().get_headless(pk, **kwargs)

    @refusing_bad_input
    def post_headless(self):
        return super().post_headless()

    @refusing_bad_input
    def put_headless(self, pk):
        return super().put_headless(pk)

    @refusing_bad_input
    def delete_headless(self, pk):  # a pre_delete rule may refuse (a grid with households)
        return super().delete_headless(pk)
