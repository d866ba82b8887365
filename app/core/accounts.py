"""Protecting accounts: the password policy, the lockout after failed logins, the end of
every session and token of an account, and the second factor (TOTP).

Sessions (the cookie) and tokens (JWT) carry the account's ``session_version`` from when
they were issued; app.core.security accepts them only while it is still the account's. Any
change to a password, the roles, the jurisdiction or the active flag, and every logout,
raises the version, so whatever was issued before stops working at once, on every host.
"""
import datetime as dt
from typing import Optional

import pyotp
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from app.core import audit
from app.core import roles
from app.core.errors import ValidationFailed
from app.core.identity import decrypt, encrypt
from app.core.transaction import transaction
from app.regions.service import get_jurisdiction_unit
from models.base import utcnow
from models.user import ConsoleUser

# ---- password policy ----------------------------------------------------------------

MIN_PASSWORD_LENGTH = 10
MIN_CHARACTER_CLASSES = 3
CHARACTER_CLASSES = (str.islower, str.isupper, str.isdigit,
                     lambda c: not c.isalnum())  # other: punctuation, spaces, symbols


def password_problems(password: Optional[str], username: Optional[str]) -> list:
    """What is wrong with this password for this account (empty when it is good)."""
    password = password or ""
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(_l("A password has at least %(count)d characters.", count=MIN_PASSWORD_LENGTH))
    classes = sum(any(is_of_class(c) for c in password) for is_of_class in CHARACTER_CLASSES)
    if classes < MIN_CHARACTER_CLASSES:
        problems.append(_l("A password has three of: lower-case letters, capital letters, "
                           "digits, other characters."))
    if username and username.strip().lower() in password.lower():
        problems.append(_l("A password may not contain the user name."))
    return problems


def check_password(password: Optional[str], username: Optional[str]) -> None:
    """ValidationFailed on the ``password`` field unless the policy is met."""
    problems = password_problems(password, username)
    if problems:
        raise ValidationFailed(_l("The password is too weak."), {"password": problems})


# ---- creating an account ------------------------------------------------------------

def create_user(username, password, role_name, region_code, first_name=None, last_name=None,
                email=None):
    """Create an account with one role and one jurisdiction; DomainError if not valid."""
    sm = current_app.appbuilder.sm
    check_password(password, username)
    if role_name not in roles.ROLES:
        raise ValidationFailed(_l("Unknown role."), {"role": [", ".join(roles.ROLES)]})
    # A region, or a ledger grid, building or unit (a grid member's jurisdiction).
    if get_jurisdiction_unit(region_code) is None:
        raise ValidationFailed(_l("Unknown region."), {"region": [region_code]})
    if sm.find_user(username=username):
        raise ValidationFailed(_l("This user name is taken."), {"username": [username]})
    role = sm.find_role(role_name)
    user = sm.add_user(username, first_name or username, last_name or role_name,
                       email or None, role, password,
                       region_code=region_code)
    if not user:
        raise ValidationFailed(_l("The account could not be created."))
    return user


# ---- lockout ------------------------------------------------------------------------

def _lockout_period() -> dt.timedelta:
    return dt.timedelta(minutes=current_app.config["LOCKOUT_MINUTES"])


def is_locked(user, now: Optional[dt.datetime] = None) -> bool:
    return user.locked_until is not None and user.locked_until > (now or utcnow())


def record_failed_login(session, user, now: Optional[dt.datetime] = None) -> None:
    """One failed login (a wrong password or code, or any attempt while locked), audited;
    the LOCKOUT_FAILURES-th within LOCKOUT_MINUTES locks the account that long."""
    now = now or utcnow()
    locked = is_locked(user, now)
    _audit(session, user, "login_failed", {"locked": locked})
    if locked:
        return  # attempts during a lock do not prolong it
    if user.failed_login_since is None or now - user.failed_login_since >= _lockout_period():
        user.failed_login_since, user.fail_login_count = now, 0
    user.fail_login_count = (user.fail_login_count or 0) + 1
    if user.fail_login_count >= current_app.config["LOCKOUT_FAILURES"]:
        user.locked_until = now + _lockout_period()
        user.failed_login_since, user.fail_login_count = None, 0
        _audit(session, user, "lock", {"locked_until": user.locked_until.isoformat()})


def clear_failures(user) -> None:
    """A complete login forgets the failures before it."""
    user.failed_login_since, user.fail_login_count = None, 0


@transaction
def unlock(session, user) -> None:
    """An administrator lifts the lock (audited)."""
    user.locked_until = None
    clear_failures(user)
    _audit(session, user, "unlock", {})


def _audit(session, user, action, changes) -> None:
    audit.record(session, action, type(user).__name__, user.id, user.region_code,
                 {"username": user.username, **changes})


# ---- sessions and tokens ------------------------------------------------------------

# Changes that end every session and token of the account.
REVOKING_ATTRIBUTES = ("password", "active", "region_code", "roles", "groups")


def revoke_sessions(user) -> None:
    user.session_version = (user.session_version or 0) + 1


def is_current(user, issued_version) -> bool:
    """Whether a session or token issued at ``issued_version`` still stands."""
    return issued_version is not None and issued_version == (user.session_version or 0)


@event.listens_for(Session, "before_flush")
def _revoke_on_access_change(session, flush_context, instances):
    # Every writer (screens, API, CLI, services) goes through a flush, so none forgets it.
    for obj in session.dirty:
        if isinstance(obj, ConsoleUser) and _access_changed(obj):
            revoke_sessions(obj)


def _access_changed(user) -> bool:
    state = inspect(user)
    return any(state.attrs[name].history.has_changes() for name in REVOKING_ATTRIBUTES)


# ---- second factor (TOTP) -----------------------------------------------------------

SECOND_FACTOR_ROLES = ("Admin", "Command")  # the accounts that may turn it on
TOTP_WINDOW = 1  # a code of the step before or after is accepted (clock drift)


def _role_names(user) -> set:
    return {role.name for role in user.roles}


def may_enrol(user) -> bool:
    return bool(_role_names(user) & set(SECOND_FACTOR_ROLES))


def has_second_factor(user) -> bool:
    return bool(user.totp_secret_enc)


def must_enrol(user) -> bool:
    """REQUIRE_TOTP_FOR names roles that may do nothing before turning it on."""
    required = current_app.config.get("REQUIRE_TOTP_FOR") or ()
    return bool(required) and not has_second_factor(user) and bool(_role_names(user) & set(required))


def new_totp_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(user, secret: str) -> str:
    """What the authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=user.username,
                                                issuer_name=current_app.config["TOTP_ISSUER"])


def matching_step(secret: str, code: Optional[str], now: Optional[dt.datetime] = None) -> Optional[int]:
    """The time step whose code this is (within TOTP_WINDOW of ``now``), or None."""
    code = (code or "").strip()
    if not code.isdigit():
        return None
    moment = now or utcnow()
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)  # stored and passed times are UTC
    totp = pyotp.TOTP(secret)
    current = totp.timecode(moment)
    for step in range(current - TOTP_WINDOW, current + TOTP_WINDOW + 1):
        if pyotp.utils.strings_equal(code, totp.generate_otp(step)):
            return step
    return None


def code_matches(secret: str, code: Optional[str], now: Optional[dt.datetime] = None) -> bool:
    return matching_step(secret, code, now) is not None


def second_factor_passes(user, code: Optional[str], now: Optional[dt.datetime] = None) -> bool:
    """A code of the account's secret not used before: a code seen over a shoulder or
    replayed from a request cannot sign in a second time."""
    if not has_second_factor(user):
        return False
    return _use_step(user, matching_step(decrypt(user.totp_secret_enc), code, now))


def _use_step(user, step: Optional[int]) -> bool:
    if step is None or (user.totp_last_step is not None and step <= user.totp_last_step):
        return False
    user.totp_last_step = step
    return True


@transaction
def enable_second_factor(user, secret: str, code: Optional[str],
                         now: Optional[dt.datetime] = None) -> bool:
    """Turn the second factor on once a code of the new secret proves the app has it."""
    step = matching_step(secret, code, now)
    if not may_enrol(user) or step is None:
        return False
    user.totp_secret_enc, user.totp_last_step = encrypt(secret), step
    return True


@transaction
def disable_second_factor(user) -> None:
    """An operator's remedy for a lost phone (`flask users reset-second-factor`)."""
    user.totp_secret_enc = user.totp_last_step = None
