"""The console's account: FAB's user plus one jurisdiction code and what sessions,
lockout and the second factor keep (the security manager, app.core.security, uses it)."""
from flask_appbuilder.security.sqla.models import User
from sqlalchemy import Column, DateTime, Integer, String
from sqlalchemy.orm import validates

from models.base import MAX_CODE_LENGTH


class ConsoleUser(User):
    """FAB's user plus one jurisdiction code (same table, ab_user)."""

    __tablename__ = "ab_user"
    # No foreign key: codes are checked by app.regions.service on every write, and FAB's
    # schemas leave foreign-key columns out of the API. A region code, or below a
    # community a ledger grid, building or unit code (a grid member's jurisdiction).
    region_code = Column(String(MAX_CODE_LENGTH), index=True)
    # Sessions and tokens carry the version they were issued at; raising it (logout,
    # password, roles, jurisdiction, deactivation) ends all of them (app.core.accounts).
    session_version = Column(Integer, nullable=False, default=0, server_default="0")
    # Lockout: failures counted in fail_login_count since failed_login_since.
    failed_login_since = Column(DateTime)
    locked_until = Column(DateTime)
    # Second factor (TOTP) secret, encrypted like every sensitive field.
    totp_secret_enc = Column(String(255))
    totp_last_step = Column(Integer)  # the time step of the last code accepted: no replay

    jurisdiction_column = "region_code"

    @validates("email")
    def _blank_email_is_none(self, _key, value):
        """An empty e-mail (a form left blank) is no e-mail: NULL, which UNIQUE lets repeat."""
        return (value or "").strip() or None

    @classmethod
    def jurisdiction_attr(cls):
        return cls.region_code

    def jurisdiction_code(self):
        return self.region_code


# The e-mail is optional (many staff have none; FAB's column says NOT NULL): the
# migration 0017 made it nullable and FAB's generated forms then accept an empty one.
ConsoleUser.__table__.c.email.nullable = True
