"""Form widgets. The region picker searches the server (select2 ``ajax``) instead of
loading 55,000 regions into a dropdown."""
from flask import url_for
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from wtforms import StringField
from wtforms.validators import DataRequired

from app.regions import get_region, label


class RegionSelectWidget:
    """A <select> holding only the current value; the options come from
    ``/api/v1/region/search`` as the user types (static/console.js wires select2)."""

    def __init__(self, level=None, search_endpoint="RegionApi.search"):
        # search_endpoint: any endpoint answering ?q=&level= in select2 format (the
        # default searches the user's jurisdiction; a transfer searches the province).
        self.level, self.search_endpoint = level, search_endpoint

    def __call__(self, field, **kwargs):
        current = get_region(field.data) if field.data else None
        option = (Markup('<option value="{}" selected>{}</option>').format(current.code, label(current))
                  if current else Markup(""))
        url = url_for(self.search_endpoint)
        return Markup(
            '<select class="form-control region-search" id="{id}" name="{name}" '
            'data-url="{url}" data-level="{level}" data-placeholder="{placeholder}">{option}</select>'
        ).format(id=escape(field.id), name=escape(field.name), url=url, level=self.level or "",
                 placeholder=_l("Type a name or a code"), option=option)


class RegionSelectField(StringField):
    def __init__(self, label=None, validators=None, level=None, search_endpoint="RegionApi.search", **kwargs):
        super().__init__(label, validators or [DataRequired()],
                         widget=RegionSelectWidget(level, search_endpoint), **kwargs)
