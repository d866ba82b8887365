"""A colour set by hand by staff (健康码 screen): the rules' ``set_by_hand`` (the reason,
the audit, until when) and, when it is red, the person's space-time companions searched
at once as for a positive test (app.venues.companions), in one unit of work. The staff
screens call this, never ``set_by_hand`` alone."""
import datetime as dt
from typing import Optional

from app.core.transaction import transaction
from app.healthcode.rules import set_by_hand
from app.venues.companions import after_set_red_by_hand
from models.healthcode import HealthCode


@transaction
def set_colour_by_hand(person_hash: str, colour: str, reason: str, now: dt.datetime, *, by_id: Optional[int],
                       jurisdiction: Optional[str], until: Optional[dt.datetime] = None) -> HealthCode:
    code = set_by_hand(person_hash, colour, reason, now, by_id=by_id, jurisdiction=jurisdiction, until=until)
    if code.colour == "red":
        after_set_red_by_hand(person_hash, now)
    return code
