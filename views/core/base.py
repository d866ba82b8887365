"""Base classes of every scoped screen and API: FAB's generated CRUD plus the
jurisdiction rule (base filters, write check, actions) and the permission matrix.

A subclass declares ``datamodel`` and ``class_permission_name`` (a resource of
app.core.roles); the jurisdiction filter is derived from the model, so no view can forget it.
"""
from flask_appbuilder import ModelRestApi, ModelView
from sqlalchemy import inspect

from app.core import roles
from app.core.jurisdiction import base_filters_for
from views.core.scoped import ScopedApiMixin, ScopedViewMixin

# FAB lists the rows a relation may point to in form dropdowns, the API's ``_info``
# and ``/related/<column>``, and checks API writes against the same filters: each
# gets the jurisdiction filter of the related model, so none offers a foreign row.
RELATION_FILTER_ATTRS = ("add_form_query_rel_fields", "edit_form_query_rel_fields",
                         "search_form_query_rel_fields", "add_query_rel_fields",
                         "edit_query_rel_fields")


def scoped_relation_filters(model) -> dict:
    """``{relation: base filters}`` for the many-to-one relations to scoped models."""
    return {relation.key: base_filters_for(relation.mapper.class_)
            for relation in inspect(model).relationships
            if relation.direction.name == "MANYTOONE"
            and hasattr(relation.mapper.class_, "jurisdiction_attr")}


class _JurisdictionFilterMixin:
    method_permission_name = roles.METHOD_PERMISSIONS

    def __init__(self, *args, **kwargs):
        self.base_filters = base_filters_for(self.datamodel.obj) + list(self.base_filters or [])
        relation_filters = scoped_relation_filters(self.datamodel.obj)
        for attr in RELATION_FILTER_ATTRS:
            if hasattr(self, attr):
                declared = dict(getattr(self, attr) or {})
                setattr(self, attr, {key: relation_filters.get(key, []) + declared.get(key, [])
                                     for key in relation_filters.keys() | declared.keys()})
        super().__init__(*args, **kwargs)


class ScopedModelView(_JurisdictionFilterMixin, ScopedViewMixin, ModelView):
    page_size = 25


class ScopedModelRestApi(_JurisdictionFilterMixin, ScopedApiMixin, ModelRestApi):
    allow_browser_login = True
    page_size = 25
    max_page_size = 100
