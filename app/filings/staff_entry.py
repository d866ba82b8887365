"""Filings entered by staff, the rule written once: paper forms, hotline calls and forms
filled at a checkpoint (channels STAFF_CHANNELS), entered through the staff API
(``POST /api/v1/filing/``, which the paper form screen posts to) and stored by the
filing service (app.filings.service.create_filings), all of a family or none.

Where such a form may send a traveller (``entry_jurisdiction``): within the staff
member's jurisdiction; a form filled at a checkpoint by an account posted at one, to
anywhere in the province (travellers through a station are bound for every city). A
form filled at a checkpoint also becomes the filing of that account's pass that found
none (app.checkpoints.service.link_paper_filings), in the same transaction.
"""
import datetime as dt
from typing import Optional

from flask import current_app
from flask_babel import lazy_gettext as _l

from app.checkpoints.service import is_posted, link_paper_filings
from app.core.errors import ValidationFailed
from app.core.transaction import transaction
from app.filings.service import create_filings

STAFF_CHANNELS = ("paper", "hotline", "checkpoint")


def entry_jurisdiction(jurisdiction: Optional[str], *, channel: str, user_id: Optional[int]) -> Optional[str]:
    """Where a form entered by staff may send a traveller (see the module's docstring)."""
    if channel == "checkpoint" and is_posted(user_id):
        return current_app.config["PROVINCE_CODE"]
    return jurisdiction


@transaction
def enter_staff_filings(conn, people: list, *, now: dt.datetime, channel: str, jurisdiction: Optional[str],
                        user_id: Optional[int], prefix=lambda index: "") -> list:
    """Store the filings of one form (a family: all or none) entered by staff on
    ``channel``; destinations as ``entry_jurisdiction`` allows. An unknown channel is
    refused (ValidationFailed, field ``channel``)."""
    if channel not in STAFF_CHANNELS:
        raise ValidationFailed(_l("Unknown channel."), {"channel": [_l("Choose one of the listed values.")]})
    results = create_filings(conn, people, now=now, channel=channel, user_id=user_id, prefix=prefix,
                             jurisdiction=entry_jurisdiction(jurisdiction, channel=channel, user_id=user_id))
    if channel == "checkpoint":
        link_paper_filings([r.id for r in results], user_id=user_id, now=now)
    return results
