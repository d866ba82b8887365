"""The screens and APIs of each part of the domain, added by that part's module.

Each part (filings, daily reports, statistics, ledgers) has a ``register(registry)``
function in its views module; it is listed here once."""
import importlib

DOMAIN_VIEW_MODULES: list[str] = ["views.report", "views.filings", "views.stats", "views.reporting",
                                 "views.ledgers", "views.roster", "views.rewards"]


def register_all(registry):
    for module_name in DOMAIN_VIEW_MODULES:
        importlib.import_module(module_name).register(registry)
