"""Demo venues (``flask setup`` with the demo): a few in each demo community, a hospital
among them, so the venue list, the posters and the scan page have something to show.
Running it again changes nothing."""
import click
from sqlalchemy import select

from app.core.extensions import db
from app.core.transaction import transaction
from app.ledgers.demo import COMMUNITIES
from app.venues import service
from models import Region
from models.venue import Venue

DEMO_VENUES = (("惠民超市", "supermarket", "经八路1号"), ("金水区人民医院", "hospital", "经八路12号"),
               ("老街烩面馆", "restaurant", "体育路6号"), ("百姓大药房", "pharmacy", "体育路20号"))


@transaction
def create_demo_venues() -> None:
    if db.session.scalar(select(Venue.id).limit(1)) is not None:
        click.echo("demo venues: already there")
        return
    added = 0
    for number, community in enumerate(c for c in COMMUNITIES if db.session.get(Region, c)):
        for name, type_, address in DEMO_VENUES[:4 - number]:
            venue = Venue(community_code=community, name=name, type=type_, address=address,
                          contact_name="王经理", medical=None)
            venue.phone = f"1390371{added:04d}"
            service.prepare(venue, None)  # the demo is set up from the CLI, for the whole system
            db.session.add(venue)
            added += 1
    click.echo(f"demo venues: added {added}")
