"""Command-line interface for operators (shared/API.md "Command line")."""
import time

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from app.core import roles
from app.core.errors import DomainError
from app.crossmatch.cli import feeds_cli
from app.ledgers.io import TABLES


users_cli = AppGroup("users", help="Manage accounts.")
regions_cli = AppGroup("regions", help="Division codes.")
demo_cli = AppGroup("demo", help="Demo and benchmark data.")
stats_cli = AppGroup("stats", help="The statistics' summary tables.")
ledgers_cli = AppGroup("ledgers", help="Township ledgers: Excel import and export.")
audit_cli = AppGroup("audit", help="The audit log's hash chain (app.core.audit_chain).")

# One demo account per role, each at a real jurisdiction (README lists them).
DEMO_USERS = [
    ("admin", "Admin", "41", "系统", "管理员"),
    ("province", "Command", "41", "省", "指挥部"),
    ("city", "Command", "4101", "郑州市", "指挥部"),
    ("county", "Command", "410105", "金水区", "指挥部"),
    ("township", "Township", "410105001", "经八路街道", "工作人员"),
    ("officer", "Officer", "410105001003", "体育社区", "专管员"),
    ("officer2", "Officer", "410102001002", "碧沙岗社区", "专管员"),
    ("grid", "GridMember", "41010500100301", "体育社区第一网格", "网格员"),  # a ledger grid
    ("leader", "Leader", "41", "河南省", "领导"),
    ("checkpoint", "Checkpoint", "4101", "郑州东站", "卡口"),
    ("integrator", "Integrator", "4101", "郑州市", "对接平台"),
]
# One public password for every demo account (README prints it): demo only, never in production.
DEMO_PASSWORD = "Henan-Demo-2026"


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


def create_user(username, password, role_name, region_code, first_name=None, last_name=None,
                email=None):
    """Create an account with one role and one jurisdiction; DomainError if not valid."""
    from flask_babel import lazy_gettext as _l

    from app.core.accounts import check_password
    from app.core.errors import ValidationFailed
    from app.regions.service import get_jurisdiction_unit

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
                       email or f"{username}@example.invalid", role, password,
                       region_code=region_code)
    if not user:
        raise ValidationFailed(_l("The account could not be created."))
    return user


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
    db.session.commit()
    click.echo(f"unlocked {username}")


@users_cli.command("reset-second-factor")
@click.argument("username")
def users_reset_second_factor(username):
    """Turn the second factor off (a lost phone); the account sets it up again."""
    from app.core.accounts import disable_second_factor
    from app.core.extensions import db

    disable_second_factor(_account(username))
    db.session.commit()
    click.echo(f"second factor of {username} is off")


def fail_with_problems(problems: list[str], message) -> None:
    """A file that was refused: its first 50 problems, then exit non-zero."""
    for line in problems[:50]:
        click.echo(line, err=True)
    if len(problems) > 50:
        click.echo(f"... {len(problems) - 50} more", err=True)
    raise click.ClickException(str(message))


@regions_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def regions_import(path):
    """Import division codes from a CSV (code,name,level,parent_code). All or nothing."""
    from app.regions.service import RegionFileError, import_regions

    try:
        result = import_regions(path, Progress("regions"))
    except RegionFileError as error:
        fail_with_problems([f"line {line}: {reason}" for line, reason in error.problems], error.message)
    click.echo(f"added {result.added}, updated {result.updated}, unchanged {result.unchanged}")


@ledgers_cli.command("import")
@click.argument("table", type=click.Choice(sorted(TABLES)))
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def ledgers_import(table, path):
    """Import a filled ledger template (.xlsx or .csv), for the whole system (an
    operator's command: no jurisdiction). All rows or none; every bad row listed."""
    from pathlib import Path

    from app.ledgers.io import ImportRejected, import_file

    try:
        result = import_file(TABLES[table], Path(path).read_bytes(), Path(path).name, Progress(table))
    except ImportRejected as error:
        fail_with_problems([f"row {row}: {column}: {message}" for row, column, message in error.problems],
                           error.message)
    click.echo(f"created {result.created}, updated {result.updated}, unchanged {result.unchanged}")


@ledgers_cli.command("export")
@click.argument("table", type=click.Choice(sorted(TABLES)))
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
def ledgers_export(table, path):
    """Export a whole ledger to .xlsx (in the columns of its import template)."""
    from pathlib import Path

    from app.ledgers.io import export_all

    Path(path).write_bytes(export_all(TABLES[table]))
    click.echo(f"wrote {path}")


@click.command("setup")
@click.option("--demo/--no-demo", default=True, help="Create demo accounts and data.")
@with_appcontext
def setup(demo):
    """Prepare a database: the schema's migrations, roles, all regions, and (by default) the demo."""
    from app.core.migrations import upgrade_database
    from app.regions.service import load_seed_regions

    upgrade_database()  # a no-op when create_app did it already (SETUP_ON_START=1)
    started = time.monotonic()
    result = load_seed_regions(Progress("regions"))
    click.echo(f"regions: added {result.added}, updated {result.updated} "
               f"in {time.monotonic() - started:.1f}s")
    from app.core.extensions import db
    from app.core.remask import remask_stored

    with db.engine.begin() as conn:
        rewritten = remask_stored(conn)
    click.echo("stored masks brought to the mask rule: "
               + ", ".join(f"{what} {count}" for what, count in rewritten.items()))
    if demo:
        # Places some demo accounts have as jurisdiction (ledger grids) come first.
        for hook in current_app.extensions.get("demo_place_hooks", []):
            hook()
        from app.demo import load_demo_filings

        create_demo_users()
        added = load_demo_filings(Progress("demo filings"))
        click.echo(f"demo filings: added {added}" if added else "demo filings: present")
        for hook in current_app.extensions.get("demo_hooks", []):
            hook()


def create_demo_users():
    sm = current_app.appbuilder.sm
    click.echo(f"Demo accounts with a public password ({DEMO_PASSWORD}), never use them in "
               "production (flask setup --no-demo creates none). User / role / jurisdiction:")
    for username, role_name, code, first, last in DEMO_USERS:
        if not sm.find_user(username=username):
            create_user(username, DEMO_PASSWORD, role_name, code, first, last)
        click.echo(f"  {username:<11} {role_name:<11} {code}")


@demo_cli.command("generate")
@click.option("--filings", "count", type=int, required=True, help="How many filings to add.")
@click.option("--seed", type=int, default=None, help="Random seed (same seed, same data).")
@click.option("--add", is_flag=True, help="Add even when demo filings exist already.")
def demo_generate(count, seed, add):
    """Realistic filings across every community of the province, in every status."""
    from app.demo import DEFAULT_SEED, generate_filings

    try:
        added = generate_filings(count, Progress("filings"), seed=DEFAULT_SEED if seed is None else seed, add=add)
    except DomainError as error:
        raise click.ClickException(str(error.message))
    click.echo(f"added {added} filings" if added or not count else
               "demo filings exist already: nothing added (--add adds more)")


@stats_cli.command("rebuild")
def stats_rebuild():
    """Recount the summary tables from the filings."""
    from app.core.extensions import db
    from app.stats.summary import rebuild_summaries

    rebuild_summaries(db.session, Progress("summaries"))
    db.session.commit()


@stats_cli.command("fold")
def stats_fold():
    """Add the pending new filings to the summary tables now (the scheduler does it
    every SUMMARY_FOLD_SECONDS)."""
    from app.core.extensions import db
    from app.stats.summary import fold_pending

    folded = fold_pending(db.session)
    db.session.commit()
    click.echo(f"{folded} pending filings folded into the summaries")


@stats_cli.command("verify")
@click.option("--region", default=None, help="Only within this region code.")
def stats_verify(region):
    """Compare the summary tables with a direct count of the filings."""
    from app.core.extensions import db
    from app.stats.summary import verify_summaries

    problems = verify_summaries(db.session, region)
    for problem in problems[:50]:
        click.echo(problem, err=True)
    if problems:
        raise click.ClickException(f"{len(problems)} differences")
    click.echo("the summaries equal a direct count of the filings")


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


def register_commands(app):
    app.cli.add_command(users_cli)
    app.cli.add_command(audit_cli)
    app.cli.add_command(regions_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(stats_cli)
    app.cli.add_command(ledgers_cli)
    app.cli.add_command(feeds_cli)
    app.cli.add_command(setup)
    app.extensions.setdefault("demo_hooks", [])
    app.extensions.setdefault("demo_place_hooks", [])

