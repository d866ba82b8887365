"""Helpers of every domain's commands, and the core's own: ``flask users`` and
``flask audit`` (shared/API.md "Command line"; app.cli registers them)."""
import datetime as dt
import time

import click
from flask import current_app
from flask.cli import AppGroup

from app.core import clock, roles
from app.core.accounts import create_user
from app.core.errors import DomainError
from models.base import utcnow

users_cli = AppGroup("users", help="Manage accounts.")
audit_cli = AppGroup("audit", help="The audit log's hash chain (app.core.audit_chain).")


def parse_now(value: str | None) -> dt.datetime:
    """A ``--now`` option: local (TIMEZONE) unless it carries an offset; now when empty."""
    if not value:
        return utcnow()
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise click.BadParameter(f"not an ISO date-time: {value}")
    return clock.to_utc(moment)


class Progress:
    """A progress line on the console for long work: ``done/total (percent)``."""

    def __init__(self, label: str):
        self.label, self.started, self.last = label, time.monotonic(), 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if done < total and now - self.last < 0.2:
            return
        self.last = now
        percent = 100 * done // total if total else 100
        click.echo(f"\r{self.label}: {done}/{total} ({percent}%) {now - self.started:.1f}s",
                   nl=done >= total, err=True)


@users_cli.command("create")
@click.option("--username", required=True)
@click.option("--password", required=True)
@click.option("--role", "role_name", required=True, type=click.Choice(roles.ROLES))
@click.option("--region", "region_code", required=True,
              help="Jurisdiction code, e.g. 4101, or a ledger grid's, e.g. 41010500100301.")
@click.option("--first-name")
@click.option("--last-name")
@click.option("--email")
def users_create(username, password, role_name, region_code, first_name, last_name, email):
    """Create an account: flask users create --username U --password P --role R --region C"""
    try:
        create_user(username, password, role_name, region_code, first_name, last_name, email)
    except DomainError as error:
        raise click.ClickException(f"{error.message} {error.errors}")
    click.echo(f"created {username} ({role_name}, {region_code})")


def _account(username):
    user = current_app.appbuilder.sm.find_user(username=username)
    if user is None:
        raise click.ClickException(f"no account {username}")
    return user


@users_cli.command("unlock")
@click.argument("username")
def users_unlock(username):
    """Lift the lock after too many failed logins (audited)."""
    from app.core.accounts import unlock
    from app.core.extensions import db

    unlock(db.session, _account(username))
    click.echo(f"unlocked {username}")


@users_cli.command("reset-second-factor")
@click.argument("username")
def users_reset_second_factor(username):
    """Turn the second factor off (a lost phone); the account sets it up again."""
    from app.core.accounts import disable_second_factor

    disable_second_factor(_account(username))
    click.echo(f"second factor of {username} is off")


def fail_with_problems(problems: list[str], message) -> None:
    """A file that was refused: its first 50 problems, then exit non-zero."""
    for line in problems[:50]:
        click.echo(line, err=True)
    if len(problems) > 50:
        click.echo(f"... {len(problems) - 50} more", err=True)
    raise click.ClickException(str(message))


@audit_cli.command("seal")
def audit_seal():
    """Chain the entries not yet sealed now (the scheduler does it every AUDIT_SEAL_SECONDS)."""
    from app.core.audit_chain import seal
    from app.core.extensions import db

    click.echo(f"{seal(db.engine)} audit entries sealed")


@audit_cli.command("verify")
def audit_verify():
    """Walk the audit chain: OK, or the first changed or deleted entry (exit status 1)."""
    from app.core.audit_chain import verify
    from app.core.extensions import db

    with db.engine.connect() as conn:
        verdict = verify(conn)
    if not verdict.ok:
        raise click.ClickException(verdict.message())
    click.echo(verdict.message())
