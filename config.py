"""Settings, all from the environment, with defaults that run on a laptop.

Every setting can be overridden by an environment variable of the same name; tests
pass overrides to ``create_app(test_config)``.
"""
import base64
import os
import secrets
from pathlib import Path

from flask_appbuilder.const import AUTH_DB

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("INSTANCE_DIR", BASE_DIR / "instance"))


def _instance_secret(filename: str, make) -> str:
    """A secret kept under instance/, generated on first use, so restarts keep sessions
    and encrypted fields readable without anyone having to configure it."""
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    path = INSTANCE_DIR / filename
    if not path.exists():
        path.write_text(make())
        path.chmod(0o600)
    return path.read_text().strip()


def _env(name: str, default=None):
    value = os.environ.get(name)
    return value if value not in (None, "") else default


SQLALCHEMY_DATABASE_URI = _env(
    "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'console.db'}"
)
SQLALCHEMY_TRACK_MODIFICATIONS = False
SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}

SECRET_KEY = _env("SECRET_KEY") or _instance_secret(
    "secret_key", lambda: secrets.token_hex(32)
)
# Field encryption (ID numbers, phones): a 32-byte key, base64. The keyed hash that
# finds a person by ID number uses a key derived from it.
FIELD_ENCRYPTION_KEY = _env("FIELD_ENCRYPTION_KEY") or _instance_secret(
    "field_key", lambda: base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
)

TIMEZONE = _env("TIMEZONE", "Asia/Shanghai")
DAILY_REPORT_TIME = _env("DAILY_REPORT_TIME", "08:00")  # local time, previous day's report
DAILY_REPORT_DEADLINE = _env("DAILY_REPORT_DEADLINE", "10:00")
# Nightly ANALYZE of the big tables (app.sqltools.refresh_planner_statistics), local time.
PLANNER_STATISTICS_TIME = _env("PLANNER_STATISTICS_TIME", "03:30")
# New filings reach the summary tables in batches this often (app.stats_summary.fold_pending);
# the counts are exact before that too.
SUMMARY_FOLD_SECONDS = int(_env("SUMMARY_FOLD_SECONDS", "10"))
DISTRIBUTION_INTERVAL_MINUTES = int(_env("DISTRIBUTION_INTERVAL_MINUTES", "30"))
# Escalations: a missing report goes to the township at the deadline, to the county
# ESCALATION_STEP_HOURS later, then to the city; a filing not checked within
# CHECK_DEADLINE_HOURS of its expected arrival escalates the same way.
ESCALATION_STEP_HOURS = float(_env("ESCALATION_STEP_HOURS", "4"))
CHECK_DEADLINE_HOURS = float(_env("CHECK_DEADLINE_HOURS", "24"))
ESCALATION_INTERVAL_MINUTES = int(_env("ESCALATION_INTERVAL_MINUTES", "15"))
# Penalties are proposed for a community with this many late (or missing) reports
# within the last PENALTY_WINDOW_DAYS days.
PENALTY_WINDOW_DAYS = int(_env("PENALTY_WINDOW_DAYS", "7"))
PENALTY_REPEAT_COUNT = int(_env("PENALTY_REPEAT_COUNT", "3"))
# After downtime the scheduler prepares every missed day, at most this many.
CATCH_UP_MAX_DAYS = int(_env("CATCH_UP_MAX_DAYS", "31"))
# A standby scheduler tries to take the lock over this often.
SCHEDULER_LOCK_RETRY_SECONDS = int(_env("SCHEDULER_LOCK_RETRY_SECONDS", "60"))
PROVINCE_CODE = _env("PROVINCE_CODE", "41")

SMS_SENDER = _env("SMS_SENDER", "log")  # "log" or "http"
SMS_GATEWAY_URL = _env("SMS_GATEWAY_URL")

# Flask-AppBuilder
APP_NAME = "来（返）人员社区（村）报备系统"
AUTH_TYPE = AUTH_DB
AUTH_ROLE_ADMIN = "Admin"
AUTH_ROLE_PUBLIC = "Public"
FAB_API_SWAGGER_UI = True
# FAB's menu API (/api/v1/menu/) serves no screen here; its answers break its own schema.
FAB_ADD_MENU_API = False
FAB_ADD_SECURITY_API = False  # FAB's user/role APIs are not scoped; ours are
# Creating tables, permissions and roles on start is for one process (dev, tests,
# `flask setup`); gunicorn workers start with SETUP_ON_START=0 so they never race.
SETUP_ON_START = _env("SETUP_ON_START", "1") == "1"
FAB_UPDATE_PERMS = False  # app.roles.sync_roles writes every permission instead
FAB_CREATE_DB = SETUP_ON_START
FAB_SECURITY_MANAGER_CLASS = "app.security.ConsoleSecurityManager"
FAB_BASE_TEMPLATE = "console_base.html"
FAB_INDEX_VIEW = "views.home.HomeView"
WTF_CSRF_ENABLED = True
JWT_ACCESS_TOKEN_EXPIRES = 3600 * 8

BABEL_DEFAULT_LOCALE = "zh"
BABEL_DEFAULT_TIMEZONE = TIMEZONE
BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "babel" / "translations")
LANGUAGES = {
    "zh": {"flag": "cn", "name": "中文"},
    "en": {"flag": "gb", "name": "English"},
}
