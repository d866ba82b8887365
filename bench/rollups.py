"""Rollups at scale: the rollup service next to a live GROUP BY over the filings.

    python bench/rollups.py --filings 200000                     # PostgreSQL, database bench_stats
    python bench/rollups.py --filings 5000000 --repeat 9
    python bench/rollups.py --url sqlite:///bench/out/bench.db --filings 200000

Prepares its own database (created if missing): every region of data/ (52,378
communities), then generated filings up to ``--filings`` (app.demo; an existing database
is topped up, never emptied). Then, for the province, the busiest city, county and
township (and community), the median time of:
- the rollup through the service (app.stats.rollups.rollup, summary tables),
- the same numbers by a live GROUP BY over the filings (app.stats.rollups.live_counts), checked
  equal to the rollup,
- ``GET /api/v1/stats/rollup`` through the whole stack with a leader's JWT;
and for one community: the filings API list for an officer's JWT when this branch has it
(``GET /api/v1/filing/``), else the jurisdiction-scoped SELECT of that community's
filings ordered by expected arrival, LIMIT 25, that such a list runs.
Results are printed and written to bench/out/rollups-<filings>.json.
"""
import argparse
import base64
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))
os.environ.setdefault("INSTANCE_DIR", str(OUT / "instance"))

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_stats"
BENCH_KEY = base64.urlsafe_b64encode(b"bench-field-key-0123456789abcdef").decode()
PASSWORD = "Bench@2026"


def ensure_database(url: str) -> None:
    if not url.startswith("postgresql"):
        return
    import psycopg

    base, name = url.replace("postgresql+psycopg://", "postgresql://").rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def median_ms(function, repeat: int, before=None) -> float:
    times = []
    for _ in range(repeat):
        if before:
            before()
        started = time.perf_counter()
        function()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default=DEFAULT_URL)
    parser.add_argument("--filings", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=7, help="runs per median (live: fewer)")
    parser.add_argument("--live-repeat", type=int, default=3)
    args = parser.parse_args()

    ensure_database(args.url)
    from app import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": args.url, "FIELD_ENCRYPTION_KEY": BENCH_KEY,
                      "SETUP_ON_START": True, "WTF_CSRF_ENABLED": False})
    with app.app_context():
        results = run(app, args)
    # Through HTTP outside any app context: every request has its own, like in production.
    add_api_timings(app, results, args.repeat)
    print_results(results)
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"rollups-{results['database']}-{args.filings}.json"
    path.write_text(json.dumps(results, ensure_ascii=False, indent=2, default=str))
    print(f"\nwritten to {path}")


def prepare(app, args):
    from sqlalchemy import func, select
    from sqlalchemy.exc import SQLAlchemyError

    from app.core.accounts import create_user
    from app.core.cli import Progress
    from app.core.sqltools import database_error_line
    from app.demo import generate_filings
    from app.core.extensions import db
    from app.regions.service import load_seed_regions
    from models import Region
    from models.filing import Filing

    if db.session.scalar(select(func.count()).select_from(Region).where(Region.level == 5)) < 50_000:
        load_seed_regions(Progress("regions"))
    have = db.session.scalar(select(func.count()).select_from(Filing))
    if have < args.filings:
        started = time.monotonic()
        # A mostly new table loads faster with its search indexes built once at the end.
        try:
            generate_filings(args.filings - have, Progress("filings"), seed=have, add=True,
                             defer_indexes=have < args.filings // 2)
        except SQLAlchemyError as error:
            raise SystemExit(f"topping up to {args.filings} filings failed: {database_error_line(error)}")
        print(f"generated {args.filings - have} filings in {time.monotonic() - started:.0f}s")
        vacuum(db.engine)
    sm = app.appbuilder.sm
    for username, role, code in (("bench_leader", "Leader", "41"),):
        if not sm.find_user(username=username):
            create_user(username, PASSWORD, role, code)
    return db.session.scalar(select(func.count()).select_from(Filing))


def vacuum(engine) -> None:
    """Fresh statistics and no dead rows (the summaries' rebuild leaves some), as a
    database that has run a while has them."""
    if engine.dialect.name != "postgresql":
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE filing, filing_check, stats_daily, stats_breakdown")


def busiest_path(date_range):
    """The province and, level by level, its child with the most filings."""
    from app.stats import rollups

    path = ["41"]
    while True:
        children = rollups.rollup(path[-1], date_range, jurisdiction=None)["children"]
        if not children:
            return path
        path.append(max(children, key=lambda c: c["filings"])["code"])


def jwt_client(app, username):
    client = app.test_client()
    token = client.post("/api/v1/security/login", json={
        "username": username, "password": PASSWORD, "provider": "db"}).json["access_token"]
    return client, {"Authorization": f"Bearer {token}"}


def run(app, args) -> dict:
    import datetime as dt

    from app.stats import rollups
    from app.demo import DAYS_AHEAD, DAYS_BACK
    from app.core.extensions import db

    total = prepare(app, args)
    dialect = db.engine.dialect.name
    today = rollups.local_today()
    date_range = rollups.DateRange(today - dt.timedelta(days=DAYS_BACK), today + dt.timedelta(days=DAYS_AHEAD))
    path = busiest_path(date_range)
    fresh = db.session.remove  # every run starts like a request: no cached rows
    rows = []
    for level_name, code in zip(("province", "city", "county", "township", "community"), path):
        summary = rollups.rollup(code, date_range, jurisdiction=None)
        live = rollups.live_counts(code, date_range, jurisdiction=None)
        same = ({k: summary["total"][k] for k in rollups.COUNT_FIELDS} == live["total"]
                and all({k: c[k] for k in rollups.COUNT_FIELDS} == live["children"].get(c["code"], rollups.public_counts(None))
                        for c in summary["children"]))
        service = median_ms(lambda: rollups.rollup(code, date_range, jurisdiction=None), args.repeat, fresh)
        live_ms = median_ms(lambda: rollups.live_counts(code, date_range, jurisdiction=None), args.live_repeat, fresh)
        rows.append({"level": level_name, "region": code, "filings": summary["total"]["filings"],
                     "children": len(summary["children"]), "service_ms": round(service, 1),
                     "live_group_by_ms": round(live_ms, 1),
                     "speedup": round(live_ms / service, 1) if service else None, "equal": same})
    return {"filings": total, "database": dialect, "from": date_range.start, "to": date_range.end,
            "rollups": rows, "community": path[-1]}


def add_api_timings(app, results, repeat) -> None:
    client, headers = jwt_client(app, "bench_leader")
    query = {"from": results["from"].isoformat(), "to": results["to"].isoformat()}
    for row in results["rollups"]:
        def call(code=row["region"]):
            response = client.get("/api/v1/stats/rollup", headers=headers, query_string={**query, "region": code})
            assert response.status_code == 200, response.get_data(as_text=True)[:300]
        row["api_ms"] = round(median_ms(call, repeat), 1)
    results["community_list"] = community_list(app, results["community"], repeat)
    results["officer_queue"] = officer_queue(app, results["community"], repeat)


def print_results(results) -> None:
    print(f"\n{results['filings']} filings on {results['database']}; "
          f"expected arrivals {results['from']} .. {results['to']}")
    print(f"\n{'level':<10} {'region':<13} {'filings':>9} {'service ms':>11} {'API ms':>8} "
          f"{'live GROUP BY ms':>17} {'x faster':>9} equal")
    for r in results["rollups"]:
        print(f"{r['level']:<10} {r['region']:<13} {r['filings']:>9} {r['service_ms']:>11} {r['api_ms']:>8} "
              f"{r['live_group_by_ms']:>17} {r['speedup']:>9} {r['equal']}")
    for key in ("community_list", "officer_queue"):
        found = results[key]
        print(f"\n{key} of community {results['community']} ({found['what']}): {found['ms']} ms median")


def bench_officer(app, community: str) -> str:
    from app.core.accounts import create_user

    with app.app_context():
        if not app.appbuilder.sm.find_user(username="bench_officer"):
            create_user("bench_officer", PASSWORD, "Officer", community)
    return "bench_officer"


def officer_queue(app, community: str, repeat: int) -> dict:
    """The officer's queue page, signed in through the login form, when this branch has
    one (a page whose path names a queue)."""
    pages = sorted(rule.rule for rule in app.url_map.iter_rules()
                   if "queue" in rule.rule and not rule.arguments and "GET" in rule.methods)
    if not pages:
        return {"what": "no officer's queue page on this branch", "ms": None}
    client = app.test_client()
    client.post("/login/", data={"username": bench_officer(app, community), "password": PASSWORD})

    def page():
        response = client.get(pages[0])
        assert response.status_code == 200, response.status_code

    return {"what": f"GET {pages[0]} signed in as the community's officer", "ms": round(median_ms(page, repeat), 1)}


def community_list(app, community: str, repeat: int) -> dict:
    """The filings list of one community as its officer sees it."""
    from sqlalchemy import select

    from app.core.extensions import db
    from app.core.jurisdiction import scope_query
    from models.filing import Filing

    if any(rule.rule == "/api/v1/filing/" for rule in app.url_map.iter_rules()):
        client, headers = jwt_client(app, bench_officer(app, community))
        url = "/api/v1/filing/?q=(order_column:expected_arrival_at,order_direction:asc,page_size:25)"

        def api_page():
            response = client.get(url, headers=headers)
            assert response.status_code == 200, response.get_data(as_text=True)[:300]

        return {"what": "GET /api/v1/filing/ with the officer's JWT, 25 by expected arrival",
                "ms": round(median_ms(api_page, repeat), 1)}

    def scoped_page():
        with app.app_context():
            query = scope_query(select(Filing), Filing, community).order_by(Filing.expected_arrival_at).limit(25)
            return db.session.scalars(query).all()

    return {"what": "no filings API on this branch: the jurisdiction-scoped SELECT, 25 by expected arrival",
            "ms": round(median_ms(scoped_page, repeat), 1)}


if __name__ == "__main__":
    main()
