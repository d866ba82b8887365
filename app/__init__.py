"""The console's application factory: one ``init_*`` per concern, in order."""
import logging
import os

from flask import Flask

from app.core.extensions import appbuilder, db


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_path=os.environ.get("INSTANCE_DIR") or None,
                template_folder="../views/templates", static_folder="../views/static")
    app.config.from_object("config")
    if test_config:
        app.config.update(test_config)
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("flask_appbuilder").setLevel(logging.WARNING)
    # "No user yet created" is expected before `flask setup` creates the accounts.
    logging.getLogger("flask_appbuilder.security.manager").setLevel(logging.ERROR)

    init_proxy(app)
    with app.app_context():
        init_database(app)
        init_migrations(app)
        init_input_guard(app)
        init_appbuilder(app)
        init_request_limits(app)  # before anything reads a body (the CSRF check reads forms)
        init_csrf(app)  # after FAB's own before_request, so error pages know the user
        init_i18n(app)
        registry = init_views(app)
        init_rate_limits(app)
        init_roles(app, registry)
        init_input_checks(app)
        init_errors(app)
        init_security_headers(app)
        init_static_files(app)
        init_cli(app)
    return app


def init_proxy(app: Flask) -> None:
    """Behind PROXY_HOPS reverse proxies, the client is the address they forwarded
    (rate limits count per client IP), and the scheme the one they were asked in."""
    hops = app.config["PROXY_HOPS"]
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)


def init_database(app: Flask) -> None:
    import models  # noqa: F401  (registers every table)
    from app.core import audit  # noqa: F401  (the audit hook on every session)
    from app.core import accounts  # noqa: F401  (account changes end their sessions)
    from app.core import dialects
    from app.reporting import escalations  # noqa: F401  (they follow every filing change)
    from app.stats import summary as stats_summary
    from app.healthcode import events as healthcode_events  # noqa: F401  (colours follow every filing change)

    db.init_app(app)
    dialects.of(db.engine).configure_engine(db.engine)


def init_migrations(app: Flask) -> None:
    """The schema comes from the migrations (models/migrations): a process that sets up
    (SETUP_ON_START) brings it to the newest revision before FAB looks for its tables."""
    from app.core.migrations import init_migrations as _init, upgrade_database

    _init(app)
    if app.config["SETUP_ON_START"]:
        upgrade_database()


def init_csrf(app: Flask) -> None:
    from views.core.csrf import init_csrf as _init

    _init(app)


def init_input_guard(app: Flask) -> None:
    """Before any route exists: the ``<int:...>`` converter applies to routes as they are added."""
    from views.core.input_guard import init_input_guard as _init

    _init(app)


def init_appbuilder(app: Flask) -> None:
    """FAB with the console's security manager, which shows the account screens of views/."""
    from app.core.security import ConsoleSecurityManager
    from views import security_views

    ConsoleSecurityManager.use_views(**security_views())
    appbuilder.init_app(app, db.session)


def init_i18n(app: Flask) -> None:
    from app.core.i18n import init_i18n as _init

    _init(app)


def init_views(app: Flask):
    from views import init_views as _init

    return _init(app, appbuilder)


def init_rate_limits(app: Flask) -> None:
    """The login endpoints' limit (the public ones are declared on their routes)."""
    from app.core.rate_limits import limit_logins

    limit_logins(appbuilder)


def init_roles(app: Flask, registry) -> None:
    from app.core.roles import sync_roles

    app.extensions["menu_registry"] = registry
    if app.config["SETUP_ON_START"]:
        sync_roles(appbuilder, registry.menu_entries())


def init_request_limits(app: Flask) -> None:
    from views.core import request_limits

    request_limits.register(app)


def init_input_checks(app: Flask) -> None:
    from views.core.input_guard import register_check

    register_check(app)


def init_errors(app: Flask) -> None:
    from views.core.errors import register_error_handlers

    register_error_handlers(app)


def init_security_headers(app: Flask) -> None:
    from app.core.http_headers import init_security_headers as _init

    _init(app)


def init_static_files(app: Flask) -> None:
    from app.core.static_files import init_static_files as _init

    _init(app)


def init_cli(app: Flask) -> None:
    from app.cli import register_commands

    register_commands(app)
