"""The extension objects, created once and bound to the app in create_app."""
from flask_appbuilder import AppBuilder
from flask_appbuilder.utils.legacy import get_sqla_class
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

db = get_sqla_class()()
appbuilder = AppBuilder()
# The one rate limiter: FAB's security manager takes this one (app.core.security), so views
# can name their limits where they are defined. Settings: RATELIMIT_* in config.py.
limiter = Limiter(key_func=get_remote_address)
