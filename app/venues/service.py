"""Venues 场所: the one check every writer (screen, API, Excel import) saves through, the
venue's random code (what its QR link carries), and the look-ups of the public page."""
import secrets
from typing import Optional

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.core.errors import DomainError, FieldErrors
from app.core.extensions import db
from app.ledgers.units import merge_errors, not_self, set_phone
from app.regions.service import check_assignable_region
from models.region import LEVEL_COMMUNITY
from models.venue import MEDICAL_TYPES, VENUE_CODE_LENGTH, VENUE_TYPES, Venue

TYPE_LABELS = {
    "shop": _l("Shop"), "supermarket": _l("Supermarket"), "market": _l("Market"),
    "restaurant": _l("Restaurant"), "hotel": _l("Hotel"), "hospital": _l("Hospital"),
    "clinic": _l("Clinic"), "pharmacy": _l("Pharmacy"), "school": _l("School"),
    "office": _l("Office building"), "transport": _l("Station or transport"),
    "entertainment": _l("Entertainment venue"), "other": _l("Other venue"),
}
assert tuple(TYPE_LABELS) == VENUE_TYPES
NAME_MAX, ADDRESS_MAX, CONTACT_MAX = 100, 200, 50
# Letters and digits people do not confuse when they read a code off a poster.
CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(VENUE_CODE_LENGTH))


def prepare(venue: Venue, jurisdiction: Optional[str]) -> None:
    """Check and complete a venue written within ``jurisdiction``: its community lies
    there, its name is unique in it, its type is known; a medical type is a medical
    institution unless said otherwise; the phone is stored protected."""
    with db.session.no_autoflush:
        errors = FieldErrors()
        try:
            check_assignable_region(venue.community_code, "community_code", LEVEL_COMMUNITY,
                                    jurisdiction=jurisdiction)
        except DomainError as error:
            merge_errors(errors, error, "community_code")
        venue.name = (venue.name or "").strip()
        if not venue.name or len(venue.name) > NAME_MAX:
            errors.add("name", _l("Enter a name of at most %(n)s characters.", n=NAME_MAX))
        venue.type = venue.type or "shop"
        if venue.type not in VENUE_TYPES:
            errors.add("type", _l("Choose one of the listed values."))
        if venue.medical is None:
            venue.medical = venue.type in MEDICAL_TYPES
        venue.address = (venue.address or "").strip() or None
        if venue.address and len(venue.address) > ADDRESS_MAX:
            errors.add("address", _l("At most %(n)s characters.", n=ADDRESS_MAX))
        venue.contact_name = (venue.contact_name or "").strip() or None
        if venue.contact_name and len(venue.contact_name) > CONTACT_MAX:
            errors.add("contact_name", _l("At most %(n)s characters.", n=CONTACT_MAX))
        set_phone(venue, errors)
        if not errors and db.session.scalar(select(Venue.id).where(
                Venue.community_code == venue.community_code, Venue.name == venue.name, not_self(Venue, venue))):
            errors.add("name", _l("A venue of this name is already recorded in this community."))
        errors.raise_if_any()
        venue.code = venue.code or new_code()


def venue_by_code(code: str) -> Optional[Venue]:
    """The venue a QR link names (anyone may scan it: no jurisdiction)."""
    if not code or len(code) > VENUE_CODE_LENGTH:
        return None
    return db.session.scalar(select(Venue).where(Venue.code == code))
