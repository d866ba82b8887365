"""Settings, all from the environment, with defaults that run on a laptop.

Every setting can be overridden by an environment variable of the same name; tests
pass overrides to ``create_app(test_config)``.
"""
import base64
import datetime as dt
import logging
import os
import secrets
import tempfile
from pathlib import Path

from flask_appbuilder.const import AUTH_DB

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("INSTANCE_DIR", BASE_DIR / "instance"))


def _instance_secret(directory: Path, filename: str, make) -> str:
    """A secret kept in ``directory`` (instance/), generated on first use, so restarts keep
    sessions and encrypted fields readable without anyone having to configure it.

    The file is readable by its owner only from the moment it exists: written to a
    private temporary file (mkstemp: 0600 whatever the umask) and linked into place,
    which also fails if another process made it first, whose complete file is then read.
    A file found readable by others is tightened, with a warning."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = directory / filename
    if not path.exists():
        handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{filename}.")
        try:
            os.fchmod(handle, 0o600)  # mkstemp's 0600 less an odd umask's bits: owner rw, exactly
            with os.fdopen(handle, "w") as file:
                file.write(make())
            try:
                os.link(temporary, path)
            except FileExistsError:
                pass
        finally:
            os.unlink(temporary)
    if path.stat().st_mode & 0o077:
        logging.getLogger(__name__).warning("%s was readable by other users; now 0600", path)
        path.chmod(0o600)
    return path.read_text().strip()


def _env(name: str, default=None):
    value = os.environ.get(name)
    return value if value not in (None, "") else default


SQLALCHEMY_DATABASE_URI = _env(
    "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'console.db'}"
)
SQLALCHEMY_TRACK_MODIFICATIONS = False
# hide_parameters: a database error never carries row values (personal data) into a log
# or a terminal, only the statement.
SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True, "hide_parameters": True}

SECRET_KEY = _env("SECRET_KEY") or _instance_secret(
    INSTANCE_DIR, "secret_key", lambda: secrets.token_hex(32)
)
# Field encryption (ID numbers, phones): a 32-byte key, base64. The keyed hash that
# finds a person by ID number uses a key derived from it.
FIELD_ENCRYPTION_KEY = _env("FIELD_ENCRYPTION_KEY") or _instance_secret(
    INSTANCE_DIR, "field_key", lambda: base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
)

TIMEZONE = _env("TIMEZONE", "Asia/Shanghai")
DAILY_REPORT_TIME = _env("DAILY_REPORT_TIME", "08:00")  # local time, previous day's report
DAILY_REPORT_DEADLINE = _env("DAILY_REPORT_DEADLINE", "10:00")
# The first report day of every community (YYYY-MM-DD); unset: each community's own first
# report. Days before it are not expected (app.reporting.compliance).
GO_LIVE_DATE = dt.date.fromisoformat(_env("GO_LIVE_DATE")) if _env("GO_LIVE_DATE") else None
# Nightly ANALYZE of the big tables (app.core.sqltools.refresh_planner_statistics), local time.
PLANNER_STATISTICS_TIME = _env("PLANNER_STATISTICS_TIME", "03:30")
# New filings reach the summary tables in batches this often (app.stats.summary.fold_pending);
# the counts are exact before that too.
SUMMARY_FOLD_SECONDS = int(_env("SUMMARY_FOLD_SECONDS", "10"))
# Privacy: a filing's personal data is overwritten RETENTION_DAYS after it was cancelled,
# closed or its control ended (app.filings.retention), nightly at RETENTION_TIME (local).
RETENTION_DAYS = int(_env("RETENTION_DAYS", "28"))
RETENTION_TIME = _env("RETENTION_TIME", "02:30")
# The same nightly job for the health codes, venue codes and checkpoints
# (app.healthcode.retention): a self-declaration's personal values are overwritten this
# many days after it was made (what the rules read is kept), a venue scan is deleted
# (never before VENUE_COMPANION_DAYS: the companion search reads them), and a checkpoint
# pass forgets who passed (the counts per checkpoint and day are kept).
HEALTH_DECLARATION_RETENTION_DAYS = int(_env("HEALTH_DECLARATION_RETENTION_DAYS", "28"))
VENUE_SCAN_RETENTION_DAYS = int(_env("VENUE_SCAN_RETENTION_DAYS", "28"))
CHECKPOINT_PASS_RETENTION_DAYS = int(_env("CHECKPOINT_PASS_RETENTION_DAYS", "28"))
# The change feed (GET /api/v1/changes, app.filings.changes) lists changes older than this,
# so a write transaction still running cannot be passed over: keep it above the longest.
CHANGES_LAG_SECONDS = int(_env("CHANGES_LAG_SECONDS", "60"))
# New audit entries join the audit log's hash chain this often (app.core.audit_chain.seal).
AUDIT_SEAL_SECONDS = int(_env("AUDIT_SEAL_SECONDS", "10"))
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
# The cross-matching rules (app.crossmatch.matching) run after every feed import and this often.
MATCHING_INTERVAL_MINUTES = int(_env("MATCHING_INTERVAL_MINUTES", "60"))
# Follow-ups during control (app.followups): each day's is due by this local time; the
# scheduler adds the day's follow-ups this often (one statement for all communities).
FOLLOW_UP_DUE_TIME = _env("FOLLOW_UP_DUE_TIME", "20:00")
FOLLOW_UP_INTERVAL_MINUTES = int(_env("FOLLOW_UP_INTERVAL_MINUTES", "60"))
# After downtime the scheduler prepares every missed day, at most this many.
CATCH_UP_MAX_DAYS = int(_env("CATCH_UP_MAX_DAYS", "31"))
# A standby scheduler tries to take the lock over this often.
SCHEDULER_LOCK_RETRY_SECONDS = int(_env("SCHEDULER_LOCK_RETRY_SECONDS", "60"))
PROVINCE_CODE = _env("PROVINCE_CODE", "41")
# While the database is unreachable requests answer 503 with this Retry-After.
DATABASE_RETRY_AFTER_SECONDS = int(_env("DATABASE_RETRY_AFTER_SECONDS", "5"))

# Request bodies: anyone may call the public endpoints (/api/v1/public/, /report/), so
# theirs are small; staff uploads (imports) may be larger. Past the limit: 413.
PUBLIC_MAX_CONTENT_LENGTH = int(_env("PUBLIC_MAX_CONTENT_LENGTH", str(1024 * 1024)))
IMPORT_MAX_CONTENT_LENGTH = int(_env("IMPORT_MAX_CONTENT_LENGTH", str(10 * 1024 * 1024)))
MAX_CONTENT_LENGTH = max(PUBLIC_MAX_CONTENT_LENGTH, IMPORT_MAX_CONTENT_LENGTH)  # Flask's, the outer bound
# An .xlsx is a zip: one whose members unpack to more than this is refused unread.
IMPORT_MAX_UNCOMPRESSED_MB = int(_env("IMPORT_MAX_UNCOMPRESSED_MB", "100"))
# A ledger file uploaded on a web page larger than this is imported as a job off the
# request, with a progress bar (app.ledgers.jobs); a smaller one answers at once.
LEDGER_IMPORT_INLINE_BYTES = int(_env("LEDGER_IMPORT_INLINE_BYTES", str(100 * 1024)))
# Feed files larger than this are imported as a job with a progress bar (app.crossmatch.feed_jobs).
FEED_IMPORT_INLINE_BYTES = int(_env("FEED_IMPORT_INLINE_BYTES", str(1024 * 1024)))

SMS_SENDER = _env("SMS_SENDER", "log")  # "log" or "http"
SMS_GATEWAY_URL = _env("SMS_GATEWAY_URL")
# The public site as travellers reach it (links in SMS, the posters' QR codes), e.g.
# https://baobei.example.gov.cn; empty: the address of the request that sends them.
PUBLIC_BASE_URL = _env("PUBLIC_BASE_URL", "")
# The number printed on posters and the help page for people who cannot file online.
REPORT_HOTLINE = _env("REPORT_HOTLINE", "12345")

# Rate limits (Flask-Limiter's notation, "10/minute;200/day"); RATELIMIT_ENABLED=0 turns
# them all off (the benchmarks do). Counts live in RATELIMIT_STORAGE_URI (a redis:// URI
# shares them between gunicorn workers and hosts), in each process's memory without one.
RATELIMIT_ENABLED = _env("RATELIMIT_ENABLED", "1").lower() not in ("0", "false", "no", "off")
RATELIMIT_STORAGE_URI = _env("RATELIMIT_STORAGE_URI", "memory://")
RATELIMIT_KEY_PREFIX = _env("RATELIMIT_KEY_PREFIX", "console")
RATELIMIT_HEADERS_ENABLED = True  # Retry-After on every 429
# A storage that stops answering leaves each process counting in memory, not failing.
RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
# Reverse proxies in front of gunicorn that set X-Forwarded-For/-Proto/-Host (0: gunicorn
# faces the clients). Trust only proxies you run: a client can write these headers too.
PROXY_HOPS = int(_env("PROXY_HOPS", "0"))
PUBLIC_RATE_LIMIT = _env("PUBLIC_RATE_LIMIT", "10/minute;200/day")  # per client IP
SMS_RATE_LIMIT = _env("SMS_RATE_LIMIT", "5/day")  # filings (and resent receipts) per phone
ID_NUMBER_RATE_LIMIT = _env("ID_NUMBER_RATE_LIMIT", "10/day")  # filing attempts per ID number
LOGIN_RATE_LIMIT = _env("LOGIN_RATE_LIMIT", "30/minute")  # per client IP, every login endpoint

# Flask-AppBuilder
APP_NAME = "来（返）人员社区（村）报备系统"
AUTH_TYPE = AUTH_DB
AUTH_ROLE_ADMIN = "Admin"
AUTH_ROLE_PUBLIC = "Public"
FAB_API_SWAGGER_UI = True
# The spec and Swagger UI are registered by views.core.api_spec under the resource ApiDocs
# of the permission matrix (FAB's own would answer 403 to every role but the Admin).
FAB_ADD_OPENAPI_VIEWS = False
# FAB's menu API (/api/v1/menu/) serves no screen here; its answers break its own schema.
FAB_ADD_MENU_API = False
FAB_ADD_SECURITY_API = False  # FAB's user/role APIs are not scoped; ours are
# Upgrading the schema (the migrations, app.core.migrations), permissions and roles on start
# is for one process (dev, tests, `flask setup`); gunicorn workers start with
# SETUP_ON_START=0 so they never race.
SETUP_ON_START = _env("SETUP_ON_START", "1") == "1"
FAB_UPDATE_PERMS = False  # app.core.roles.sync_roles writes every permission instead
# FAB's own roles; its create_all finds the migrated tables there already and does nothing.
FAB_CREATE_DB = SETUP_ON_START
FAB_SECURITY_MANAGER_CLASS = "app.core.security.ConsoleSecurityManager"
FAB_BASE_TEMPLATE = "console_base.html"
FAB_INDEX_VIEW = "views.core.home.HomeView"
FAB_MENU = "app.core.roles.RoleMenu"  # categories in the order of what the role does
# Every write by a session needs the CSRF token (views/core/csrf.py decides which request
# does); the token lives as long as the session, so a page left open still submits.
WTF_CSRF_ENABLED = True
WTF_CSRF_TIME_LIMIT = None
# FAB's delete and action routes answer GET too; never let a GET change anything.
FAB_ALLOW_GET_UNSAFE_MUTATIONS = False
# The session cookie: never read by scripts, not sent with cross-site posts, and only
# over HTTPS when SESSION_COOKIE_SECURE=1 (behind TLS in production).
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = _env("SESSION_COOKIE_SECURE", "0") == "1"
REMEMBER_COOKIE_HTTPONLY = True
REMEMBER_COOKIE_SAMESITE = "Lax"
REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE

# Accounts (app.core.accounts). LOCKOUT_FAILURES wrong passwords within LOCKOUT_MINUTES lock
# the account for LOCKOUT_MINUTES; an administrator can unlock it sooner.
LOCKOUT_FAILURES = int(_env("LOCKOUT_FAILURES", "5"))
LOCKOUT_MINUTES = int(_env("LOCKOUT_MINUTES", "15"))
# API tokens: a short access token, a refresh token for a working day.
JWT_ACCESS_TOKEN_EXPIRES = dt.timedelta(minutes=float(_env("JWT_ACCESS_MINUTES", "15")))
JWT_REFRESH_TOKEN_EXPIRES = dt.timedelta(hours=float(_env("JWT_REFRESH_HOURS", "12")))
# Roles that must turn the second factor (TOTP) on before doing anything, e.g. "Admin,Command".
REQUIRE_TOTP_FOR = tuple(role.strip() for role in _env("REQUIRE_TOTP_FOR", "").split(",")
                         if role.strip())
TOTP_ISSUER = _env("TOTP_ISSUER", "Henan arrivals console")

BABEL_DEFAULT_LOCALE = "zh"
BABEL_DEFAULT_TIMEZONE = TIMEZONE
BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "babel" / "translations")
LANGUAGES = {
    "zh": {"flag": "cn", "name": "中文"},
    "en": {"flag": "gb", "name": "English"},
}

# Health codes (app.healthcode): a code page's QR token is refused after this many
# seconds (it changes every minute, so a screenshot cannot be reused).
HEALTH_CODE_TOKEN_TTL = int(_env("HEALTH_CODE_TOKEN_TTL", "300"))
# A phone shows a person's code (the device's people, 切换申领人) and a public API holder's
# token reads it this many days after they were given; then 我的健康码 (ID number, phone
# and an SMS code) gives them again (app.healthcode.devices, app.healthcode.holders).
# Fewer than HEALTH_DECLARATION_RETENTION_DAYS, so the declaration that finds them is there.
HEALTH_CODE_HOLDER_DAYS = int(_env("HEALTH_CODE_HOLDER_DAYS", "14"))
# Per client IP on the code page's QR refresh (GET /healthcode/token, once a minute per
# open code page; a family behind one address shows several).
HEALTH_CODE_TOKEN_RATE_LIMIT = _env("HEALTH_CODE_TOKEN_RATE_LIMIT", "30/minute;5000/day")
# SMS codes sent per person to their phone on file when someone declares for them from
# another phone (app.healthcode.declarations: the declaration waits for the code).
HEALTH_CODE_HOLD_SMS_RATE_LIMIT = _env("HEALTH_CODE_HOLD_SMS_RATE_LIMIT", "3/hour;5/day")
# A green from a self-declaration lasts this many days; then it must be declared again.
HEALTH_CODE_DECLARED_GREEN_DAYS = int(_env("HEALTH_CODE_DECLARED_GREEN_DAYS", "14"))
# The rules (app.healthcode.rules): a close contact is red, a secondary one yellow, for
# this many days after the exposure.
HEALTH_CODE_CONTACT_DAYS = int(_env("HEALTH_CODE_CONTACT_DAYS", "14"))
# Arrived from outside the province: yellow until negative tests on this many different
# days within HEALTH_CODE_ARRIVAL_TEST_DAYS of the arrival (then green at once); the
# arrival counts for HEALTH_CODE_ARRIVAL_DAYS days.
HEALTH_CODE_ARRIVAL_TESTS = int(_env("HEALTH_CODE_ARRIVAL_TESTS", "2"))
HEALTH_CODE_ARRIVAL_TEST_DAYS = int(_env("HEALTH_CODE_ARRIVAL_TEST_DAYS", "3"))
HEALTH_CODE_ARRIVAL_DAYS = int(_env("HEALTH_CODE_ARRIVAL_DAYS", "14"))
# Origin or transit in a medium or high risk area in force: yellow for a trip arriving
# within this many days; declared fever or cough: yellow while the declaration is this recent.
HEALTH_CODE_RISK_AREA_DAYS = int(_env("HEALTH_CODE_RISK_AREA_DAYS", "14"))
HEALTH_CODE_SYMPTOM_DAYS = int(_env("HEALTH_CODE_SYMPTOM_DAYS", "14"))
# Another province's red or yellow (feed code_state) counts while this recent.
HEALTH_CODE_OTHER_PROVINCE_DAYS = int(_env("HEALTH_CODE_OTHER_PROVINCE_DAYS", "7"))
# Every night at this local time the province's colours are decided again (windows end
# with the day: a contact's 14 days, a declared green's).
HEALTH_CODE_RECOMPUTE_TIME = _env("HEALTH_CODE_RECOMPUTE_TIME", "00:10")
# The nightly run decides again only the people due (their windows, rows added since);
# every this many days it decides everyone, for what changed without an event (a ledger
# row edited in place).
HEALTH_CODE_FULL_EVERY_DAYS = int(_env("HEALTH_CODE_FULL_EVERY_DAYS", "7"))
# A run deciding everyone splits the people into this many ranges of their hash, each
# decided on a connection of its own at the same time (PostgreSQL: one statement uses
# one core; SQLite: one pass).
HEALTH_CODE_PARTS = int(_env("HEALTH_CODE_PARTS", "2"))


# Venue codes (app.venues): scans one person may make per minute, counted in
# RATELIMIT_STORAGE_URI (Redis: once for all gunicorn workers); RATELIMIT_ENABLED=0 turns it off too.
VENUE_SCANS_PER_PERSON_MINUTE = int(_env("VENUE_SCANS_PER_PERSON_MINUTE", "12"))
# Space-time companions 时空伴随: whoever scanned the venue of a confirmed case within
# this many minutes of the case's scan, in the case's last VENUE_COMPANION_DAYS days.
VENUE_COMPANION_WINDOW_MINUTES = int(_env("VENUE_COMPANION_WINDOW_MINUTES", "120"))
VENUE_COMPANION_DAYS = int(_env("VENUE_COMPANION_DAYS", "14"))
# PostgreSQL: a scan's commit waits for the WAL on disk (1), or not (0: a crash of the
# database may lose its last fraction of a second of scans; the hottest path's speed).
VENUE_SCAN_SYNCHRONOUS_COMMIT = _env("VENUE_SCAN_SYNCHRONOUS_COMMIT", "0").lower() in ("1", "true", "yes", "on")
