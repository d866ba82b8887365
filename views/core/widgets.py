"""Form widgets. Pickers search the server (select2 ``ajax``) instead of loading 55,000
regions, or thousands of households, into a dropdown."""
from flask import url_for
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from wtforms import Field, StringField
from wtforms.validators import DataRequired, ValidationError

from app.core.jurisdiction import current_jurisdiction, is_within, row_within
from app.regions.service import get_jurisdiction_unit, get_region, label


def _search_select(field, url, current_value, current_label, level=None) -> Markup:
    """A <select> holding only the current value; the options come from ``url`` as the
    user types (static/console.js wires select2 on ``select.region-search``)."""
    option = (Markup('<option value="{}" selected>{}</option>').format(current_value, current_label)
              if current_value not in (None, "") else Markup(""))
    return Markup(
        '<select class="form-control region-search" id="{id}" name="{name}" '
        'data-url="{url}" data-level="{level}" data-placeholder="{placeholder}">{option}</select>'
    ).format(id=escape(field.id), name=escape(field.name), url=url, level=level or "",
             placeholder=_l("Type a name or a code"), option=option)


class RegionSelectWidget:
    """Searches ``/api/v1/region/search``; with ``units`` the ledger grids, buildings and
    units below the communities too (a jurisdiction may be a grid)."""

    def __init__(self, level=None, search_endpoint="RegionApi.search", units=False, scoped=True):
        # search_endpoint: any endpoint answering ?q=&level= in select2 format (the
        # default searches the user's jurisdiction; a transfer searches the province).
        # scoped: the current value is labelled only within the jurisdiction, as the
        # search offers it: a refused form never names a place of elsewhere.
        self.level, self.search_endpoint, self.units, self.scoped = level, search_endpoint, units, scoped

    def __call__(self, field, **kwargs):
        find = get_jurisdiction_unit if self.units else get_region
        shown = field.data and (not self.scoped or is_within(field.data, current_jurisdiction()))
        current = find(field.data) if shown else None
        url = url_for(self.search_endpoint, **({"units": 1} if self.units else {}))
        return _search_select(field, url, current.code if current else None,
                              label(current) if current else None, self.level)


class RegionSelectField(StringField):
    def __init__(self, label=None, validators=None, level=None, search_endpoint="RegionApi.search",
                 units=False, scoped=True, **kwargs):
        super().__init__(label, validators or [DataRequired()],
                         widget=RegionSelectWidget(level, search_endpoint, units, scoped), **kwargs)


class RelatedSelectWidget:
    def __init__(self, endpoint):
        self.endpoint = endpoint

    def __call__(self, field, **kwargs):
        item = field.data
        return _search_select(field, url_for(self.endpoint), getattr(item, "id", None),
                              field.describe(item) if item is not None else None)


class RelatedSelectField(Field):
    """A many-to-one relation picked by searching ``endpoint`` (an API returning
    select2 ``{"results": [{"id", "text"}]}``). The chosen row is loaded through the
    jurisdiction rule: an id outside it is refused like one that does not exist."""

    def __init__(self, label=None, validators=None, model=None, endpoint=None, describe=str,
                 required=True, load=None, **kwargs):
        validators = validators if validators is not None else ([DataRequired()] if required else [])
        super().__init__(label, validators, widget=RelatedSelectWidget(endpoint), **kwargs)
        self.model, self.describe, self._unknown = model, describe, False
        self.load = load or self._load_scoped

    def _load_scoped(self, pk):
        return row_within(self.model, pk, current_jurisdiction())

    def process_formdata(self, valuelist):
        value = valuelist[0] if valuelist else ""
        self.data = None
        if value:
            self.data = self.load(int(value)) if str(value).isdigit() else None
            self._unknown = self.data is None

    def pre_validate(self, form):
        if self._unknown:
            raise ValidationError(_l("Not found."))
