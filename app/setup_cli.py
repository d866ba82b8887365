"""Preparing a database: ``flask setup`` (the schema's migrations, all regions, the
stored masks and, by default, the demo: an account per role and demo data) and
``flask demo generate`` (app.demo's filings)."""
import time

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy.exc import SQLAlchemyError

from app.core.accounts import create_user
from app.core.cli import Progress
from app.core.errors import DomainError
from app.core.sqltools import database_error_line

demo_cli = AppGroup("demo", help="Demo and benchmark data.")

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
        from app.reporting.demo import load_demo_reports

        reports = load_demo_reports()
        click.echo(f"demo daily reports: added {reports}" if reports else "demo daily reports: present")
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
    except SQLAlchemyError as error:
        raise click.ClickException(f"the filings could not be written, nothing of the failing batch "
                                   f"was kept: {database_error_line(error)}")
    click.echo(f"added {added} filings" if added or not count else
               "demo filings exist already: nothing added (--add adds more)")
