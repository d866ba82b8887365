"""Accounts: the user model with its jurisdiction, and the security manager.

A user has exactly one jurisdiction code (``region_code``) and the roles of
app.roles. The user screens (views.users) are scoped by the jurisdiction rule like
every other resource.
"""
from flask_appbuilder.security.sqla.manager import SecurityManager
from flask_appbuilder.security.sqla.models import User
from sqlalchemy import Column, String

from models.base import MAX_CODE_LENGTH


class ConsoleUser(User):
    """FAB's user plus one jurisdiction code (same table, ab_user)."""

    __tablename__ = "ab_user"
    # No foreign key: codes are checked by app.regions on every write, and FAB's
    # schemas leave foreign-key columns out of the API. A region code, or below a
    # community a ledger grid, building or unit code (a grid member's jurisdiction).
    region_code = Column(String(MAX_CODE_LENGTH), index=True)

    jurisdiction_column = "region_code"

    @classmethod
    def jurisdiction_attr(cls):
        return cls.region_code

    def jurisdiction_code(self):
        return self.region_code


class ConsoleSecurityManager(SecurityManager):
    user_model = ConsoleUser

    def __init__(self, appbuilder):
        # The user screens are views, so they live in views/ (views -> app -> models).
        from views.users import ConsoleUserView

        self.userdbmodelview = ConsoleUserView
        super().__init__(appbuilder)

    def add_user(self, *args, region_code=None, **kwargs):
        user = super().add_user(*args, **kwargs)
        if user and region_code is not None:
            user.region_code = region_code
            self.session.commit()
        return user


def _login_needs_a_provider() -> None:
    """FAB's login API reads ``provider`` unconditionally but its schema lets it be
    left out (a KeyError, a 500); shared/API.md requires it, so the schema does (400)."""
    from flask_appbuilder.security.schemas import login_post

    login_post.fields["provider"].required = True


_login_needs_a_provider()
