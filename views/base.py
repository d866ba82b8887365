"""Base classes of every scoped screen and API: FAB's generated CRUD plus the
jurisdiction rule (base filters, write check, actions) and the permission matrix.

A subclass declares ``datamodel`` and ``class_permission_name`` (a resource of
app.roles); the jurisdiction filter is derived from the model, so no view can forget it.
"""
from flask_appbuilder import ModelRestApi, ModelView

from app import roles
from app.jurisdiction import base_filters_for
from views.scoped import ScopedApiMixin, ScopedViewMixin


class _JurisdictionFilterMixin:
    method_permission_name = roles.METHOD_PERMISSIONS

    def __init__(self, *args, **kwargs):
        self.base_filters = base_filters_for(self.datamodel.obj) + list(self.base_filters or [])
        super().__init__(*args, **kwargs)


class ScopedModelView(_JurisdictionFilterMixin, ScopedViewMixin, ModelView):
    page_size = 25


class ScopedModelRestApi(_JurisdictionFilterMixin, ScopedApiMixin, ModelRestApi):
    allow_browser_login = True
    page_size = 25
    max_page_size = 100
