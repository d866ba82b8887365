"""The statistics dashboard's time in a real browser (headless Chromium, Playwright).

    python bench/dashboard_load.py                          # SQLite bench/out/dashboard.db, 20,000 filings
    python bench/dashboard_load.py --url postgresql+psycopg://postgres@127.0.0.1:5432/bench_dashboard

Prepares its database (every region of data/, ``--filings`` demo filings, a province
leader), serves the app on a local port (threaded, compression and caching as in
production: app.core.static_files) and opens ``/stats/`` as the leader ``--repeat`` times
in a fresh browser (empty cache) and as many times again with the cache warm. Prints the
median of:
- ``load``: navigation start to the load event;
- ``first chart``: to the first chart drawn (the ``stats-chart-drawn`` mark of static/stats.js);
- ``charts in view``: to the last chart of the first screen drawn.
"""
import argparse
import base64
import os
import statistics
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))
os.environ.setdefault("INSTANCE_DIR", str(OUT / "instance"))

CHROMIUM = "/usr/bin/chromium"
BENCH_KEY = base64.urlsafe_b64encode(b"bench-field-key-0123456789abcdef").decode()
PASSWORD = "Bench@2026"
USERNAME = "bench_dashboard_leader"
TIMINGS = """() => {
  const nav = performance.getEntriesByType("navigation")[0];
  const drawn = performance.getEntriesByName("stats-chart-drawn").map(m => m.startTime);
  const resources = performance.getEntriesByType("resource").filter(
    r => r.name.includes("/stats/")).map(r => [r.name.split("?")[0].split("/stats/")[1], Math.round(r.startTime), Math.round(r.responseEnd)]);
  return {load: nav.loadEventEnd, drawn: drawn, resources: resources};
}"""


def prepare(app, filings: int) -> None:
    from sqlalchemy import func, select

    from app.core.accounts import create_user
    from app.core.cli import Progress
    from app.core.extensions import db
    from app.demo import generate_filings
    from app.regions.service import load_seed_regions
    from models import Region
    from models.filing import Filing

    with app.app_context():
        if db.session.scalar(select(func.count()).select_from(Region).where(Region.level == 5)) < 50_000:
            load_seed_regions(Progress("regions"))
        have = db.session.scalar(select(func.count()).select_from(Filing))
        if have < filings:
            generate_filings(filings - have, Progress("filings"), seed=have, add=True)
        if not app.appbuilder.sm.find_user(username=USERNAME):
            create_user(USERNAME, PASSWORD, "Leader", "41")
        db.session.commit()


def visit(browser, base: str, visits: int) -> list[dict]:
    """``visits`` loads of the dashboard in one browser context: the first with an empty cache."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", USERNAME)
    page.fill("input[name=password]", PASSWORD)
    page.click("input[type=submit], button[type=submit]")
    page.wait_for_load_state()
    results = []
    for _ in range(visits):
        page.goto(f"{base}/stats/", wait_until="load")
        in_view = page.evaluate("""() => Array.from(document.querySelectorAll('.stats-chart')).filter(
            p => p.getBoundingClientRect().top < window.innerHeight).length""")
        page.wait_for_function("n => document.querySelectorAll('.stats-chart.stats-drawn').length >= n",
                               arg=in_view, timeout=60_000)
        timings = page.evaluate(TIMINGS)
        if os.environ.get("BENCH_VERBOSE"):
            print(timings)
        results.append({"load": timings["load"], "first": min(timings["drawn"]),
                        "in_view": sorted(timings["drawn"])[in_view - 1]})
    context.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default=f"sqlite:///{OUT / 'dashboard.db'}")
    parser.add_argument("--filings", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    from app import create_app
    from bench.rollups import ensure_database

    OUT.mkdir(parents=True, exist_ok=True)
    ensure_database(args.url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": args.url, "FIELD_ENCRYPTION_KEY": BENCH_KEY,
                      "SETUP_ON_START": True, "RATELIMIT_ENABLED": False})
    prepare(app, args.filings)
    http = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=http.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{http.server_port}"
    cold, warm = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        visit(browser, base, 1)  # the server's first answers (templates, compressed plotly) are made once
        for _ in range(args.repeat):
            first, *again = visit(browser, base, 2)
            cold.append(first)
            warm.extend(again)
        browser.close()
    http.shutdown()
    print(f"dashboard /stats/ as a province leader, {args.filings} filings, {args.url.split(':')[0]}, "
          f"median of {args.repeat} (ms since navigation start)")
    for label, runs in (("empty cache", cold), ("warm cache", warm)):
        print(f"  {label:12} load {statistics.median(r['load'] for r in runs):7.0f}"
              f"   first chart {statistics.median(r['first'] for r in runs):7.0f}"
              f"   charts in view {statistics.median(r['in_view'] for r in runs):7.0f}")


if __name__ == "__main__":
    main()
