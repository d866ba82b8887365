"""Does the public report page keep answering while big uploads run?

    python bench/import_isolation.py [--workers 2] [--threads 1] [--uploads 2] [--valid N]
                                     [--pg-url URL] [--app-dir DIR]

Builds a SQLite database (the tests' small region tree and one township account) in a
temporary folder, starts gunicorn on 127.0.0.1, and sends ``--uploads`` imports at once
of the attack the trust issue describes: an .xlsx of a million rows that zips to a few
dozen KB (or, with ``--valid N``, household files of N good rows: a long import).
Meanwhile it fetches ``/report/`` every 0.2 s and prints how long each upload took and
what it answered, and the slowest and median time of ``/report/``.
``--app-dir`` runs another checkout (e.g. the commit before the fix) for comparison;
``--threads`` > 1 runs gunicorn's threaded workers.
"""
import argparse
import base64
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.filing_throughput import stop  # noqa: E402
from tests.xlsx_files import tall_xlsx  # noqa: E402

USERNAME, PASSWORD = "bench_township", "Bench@12345"
ENV = {"SECRET_KEY": "bench-" + "s" * 32, "FIELD_ENCRYPTION_KEY": base64.urlsafe_b64encode(b"b" * 32).decode()}


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--uploads", type=int, default=2)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--valid", type=int, default=0, help="instead: a valid household file of this many rows")
    parser.add_argument("--app-dir", type=Path, default=ROOT)
    parser.add_argument("--pg-url", default=None, help="e.g. postgresql://postgres@127.0.0.1:5432: use its "
                        "database bench_import_isolation (recreated) instead of SQLite, which has one writer")
    return parser.parse_args()


def valid_households(rows: int, upload: int) -> bytes:
    """A household file that imports: ``rows`` households of one community."""
    from app.core.excel import to_xlsx

    return to_xlsx(["社区（村）", "门牌号", "户主姓名"],
                   [["410105001003", f"{upload}-{n}", f"户主{n}"] for n in range(rows)])


def prepare(folder: str, app_dir: Path, pg_url) -> str:
    url = f"sqlite:///{folder}/bench.db"
    if pg_url:
        import psycopg

        with psycopg.connect(f"{pg_url}/postgres", autocommit=True) as conn:
            conn.execute('DROP DATABASE IF EXISTS "bench_import_isolation" WITH (FORCE)')
            conn.execute('CREATE DATABASE "bench_import_isolation"')
        url = f"{pg_url.replace('postgresql://', 'postgresql+psycopg://')}/bench_import_isolation"
    script = (
        "from app import create_app\n"
        "from app.core.accounts import create_user\n"
        "from app.regions.service import import_regions\n"
        f"app = create_app({{'SQLALCHEMY_DATABASE_URI': {url!r}, 'SETUP_ON_START': True}})\n"
        "with app.app_context():\n"
        f"    import_regions({str(ROOT / 'tests' / 'data' / 'regions.csv')!r})\n"
        f"    create_user({USERNAME!r}, {PASSWORD!r}, 'Township', '410105001')\n")
    subprocess.run([sys.executable, "-c", script], cwd=app_dir, check=True,
                   env={**os.environ, **ENV, "INSTANCE_DIR": folder})
    return url


def start_gunicorn(args, url, folder, port):
    env = {**os.environ, **ENV, "DATABASE_URL": url, "SETUP_ON_START": "0", "INSTANCE_DIR": folder}
    gunicorn = shutil.which("gunicorn") or str(Path(sys.executable).parent / "gunicorn")
    process = subprocess.Popen([gunicorn, "--bind", f"127.0.0.1:{port}", "--workers", str(args.workers),
                                "--threads", str(args.threads), "--timeout", "600", "--log-level", "warning",
                                "wsgi:app"], cwd=args.app_dir, env=env, start_new_session=True)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            requests.get(f"http://127.0.0.1:{port}/report/", timeout=5)
            return process
        except requests.RequestException:
            time.sleep(0.5)
    stop(process)
    raise RuntimeError("gunicorn did not start")


def main():
    args = parse_args()
    files = [valid_households(args.valid, n) if args.valid else tall_xlsx(args.rows) for n in range(args.uploads)]
    print(f"upload: {len(files[0]) / 1024:.0f} KB, {args.valid or args.rows} rows; gunicorn {args.workers} workers x "
          f"{args.threads} threads; {args.uploads} uploads at once; app {args.app_dir}")
    with tempfile.TemporaryDirectory(prefix="bench-isolation-") as folder:
        url = prepare(folder, args.app_dir, args.pg_url)
        port = 18000 + os.getpid() % 1000
        server = start_gunicorn(args, url, folder, port)
        base = f"http://127.0.0.1:{port}"
        try:
            token = requests.post(f"{base}/api/v1/security/login", timeout=30, json={
                "username": USERNAME, "password": PASSWORD, "provider": "db"}).json()["access_token"]
            for _ in range(args.workers * max(args.threads, 1) * 2):  # every worker has loaded the app
                requests.get(f"{base}/report/", timeout=30)
            results, page_times, done = [], [], threading.Event()

            def upload(data):
                started = time.monotonic()
                response = requests.post(f"{base}/api/v1/household/import", timeout=600,
                                         headers={"Authorization": f"Bearer {token}", "Accept-Language": "en"},
                                         files={"file": ("attack.xlsx", data)})
                results.append((time.monotonic() - started, response.status_code, response.text[:120]))

            def poll_report_page():
                while not done.is_set():
                    started = time.monotonic()
                    requests.get(f"{base}/report/", timeout=600)
                    page_times.append(time.monotonic() - started)
                    time.sleep(0.2)

            poller = threading.Thread(target=poll_report_page)
            uploaders = [threading.Thread(target=upload, args=(data,)) for data in files]
            poller.start()
            time.sleep(0.5)
            for thread in uploaders:
                thread.start()
            for thread in uploaders:
                thread.join()
            done.set()
            poller.join()
        finally:
            stop(server)
    for seconds, status, text in results:
        print(f"upload answered {status} in {seconds:.1f}s: {text}")
    print(f"/report/ while they ran: {len(page_times)} fetches, slowest {max(page_times):.2f}s, "
          f"median {statistics.median(page_times):.2f}s")


if __name__ == "__main__":
    main()
