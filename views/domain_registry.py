"""The screens and APIs of each part of the domain, added by that part's module.

Each part (filings, daily reports, statistics, ledgers) has a ``register(registry)``
function in its views module; it is listed here once."""
import importlib

DOMAIN_VIEW_MODULES: list[str] = ["views.filings.public", "views.filings.staff", "views.stats.dashboard", "views.reporting.staff",
                                 "views.ledgers.units", "views.ledgers.roster", "views.ledgers.rewards",
                                 "views.crossmatch.staff", "views.followups.staff",
                                 "views.venues.staff", "views.venues.public",
                                 "views.healthcode.public",
                                 "views.healthcode.public_api",
                                 "views.healthcode.staff",
                                 "views.checkpoints.staff"]


def register_all(registry):
    for module_name in DOMAIN_VIEW_MODULES:
        importlib.import_module(module_name).register(registry)
