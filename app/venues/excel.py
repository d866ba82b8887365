"""The venues' Excel format, for the ledgers' engine (app.ledgers.engine): the same
template with its sheet of instructions and dropdowns, the same all-or-nothing import
listing every bad row, the same export (which imports again)."""
from flask_babel import lazy_gettext as _l

from app.ledgers import choices
from app.ledgers.cells import masked_or, text
from app.ledgers.tables import COMMUNITY_NOTE, NOTE_COLUMN, PHONE_NOTE, Column, Table, keep_or_set, \
    place_columns
from app.venues import service
from app.core.extensions import db
from models.region import LEVEL_COMMUNITY
from models.venue import Venue


class VenueTable(Table):
    name, title, model = "venue", _l("Venues"), Venue
    prepare = staticmethod(service.prepare)
    columns = [
        *place_columns(_l("Community"), COMMUNITY_NOTE, "community_code", parts=1),
        Column("name", _l("Venue name"), text(service.NAME_MAX), True, _l("Unique within the community.")),
        Column("type", _l("Venue type"), options=service.TYPE_LABELS, note=_l("Empty: shop.")),
        Column("medical", _l("Medical institution"), options=choices.YES_NO,
               note=_l("Yes: red and yellow codes are admitted. Empty: yes for hospitals and clinics.")),
        Column("address", _l("Address"), text(service.ADDRESS_MAX)),
        Column("contact_name", _l("Responsible person"), text(service.CONTACT_MAX)),
        Column("phone", _l("Phone of the responsible person"), masked_or(text(20)), note=PHONE_NOTE,
               export=lambda item, ex: item.phone_masked),
        NOTE_COLUMN,
        Column("code", _l("Venue code"), importable=False, export=lambda item, ex: item.code),
    ]

    def key(self, values, ctx):
        return ctx.region(values["region"], {LEVEL_COMMUNITY}).code, values["name"]

    def find(self, values, ctx):
        community = ctx.region(values["region"], {LEVEL_COMMUNITY}).code
        return db.session.scalar(ctx.scoped(Venue, Venue.community_code == community, Venue.name == values["name"]))

    def apply(self, item, values, ctx):
        item.community_code = ctx.region(values["region"], {LEVEL_COMMUNITY}).code
        item.type = values.get("type") or item.type or "shop"
        item.medical = values.get("medical")  # None: decided by the type (service.prepare)
        for key in ("name", "address", "contact_name", "note"):
            if key in values:
                setattr(item, key, values[key])
        keep_or_set(item, values, "phone", "phone_masked")


VENUES = VenueTable()
