"""Public filing submissions per second under gunicorn on PostgreSQL, next to a bare
Flask endpoint inserting the same row with SQLAlchemy Core, in the same run.

    python bench/filing_throughput.py [--duration 10] [--connections 16] [--workers 3]

It (re)creates the database ``bench_filings`` on the PostgreSQL of --pg-url, loads the
regions (all of Henan, or the small test tree with --small-regions), then for each side
starts gunicorn on 127.0.0.1 (both sides at once) and runs wrk against them in
alternating rounds, so a busy machine's load falls on both alike (POST bodies with a
different valid resident ID every request). Prints filings/s, p99 latency per round,
errors, rows stored, the time to fold the run's new filings into the summary tables
(the scheduler's job, app.stats.summary.fold_pending), and the ratio real/bare (the issue's targets: >= 500 filings/s and a ratio >= 0.6).
Load generation stays on 127.0.0.1; keep runs short on a shared machine.
"""
import argparse
import base64
import datetime as dt
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LUA = r"""
-- A different valid resident ID (GB 11643) on every request of every thread.
local weights = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
local checks = "10X98765432"
local threads_total = %(threads)d
local offset = %(offset)d
counter, thread_id = 0, 0  -- globals: setup() sets each thread's own thread_id
local base = os.time({year = 1950, month = 1, day = 1, hour = 12})

function setup(thread)
  thread:set("thread_id", thread_id)
  thread_id = thread_id + 1
end

local function resident_id(n)
  local birth = os.date("%%Y%%m%%d", base + math.floor(n / 900) * 86400)
  local first17 = "410105" .. birth .. string.format("%%03d", 100 + n %% 900)
  local sum = 0
  for i = 1, 17 do sum = sum + tonumber(first17:sub(i, i)) * weights[i] end
  local k = sum %% 11 + 1
  return first17 .. checks:sub(k, k)
end

request = function()
  local n = offset + counter * threads_total + thread_id
  counter = counter + 1
  local body = string.format([[{"name": "压测%%d", "id_number": "%%s", "phone": "138%%08d",
    "origin_region_code": "440305", "expected_arrival_at": "%(arrival)s",
    "transport_mode": "train", "transport_no": "G802", "destination_region_code": "410105001003",
    "destination_address": "体育路1号院3号楼2单元401", "commitment": true}]],
    n, resident_id(n), n %% 100000000)
  return wrk.format("POST", "%(path)s", {["Content-Type"] = "application/json"}, body)
end
"""

BARE_CHANNEL = "bare"  # the bare endpoint's rows, which bypass the summaries


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=10, help="seconds per side (split in rounds)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds real/bare")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers")
    parser.add_argument("--worker-class", default="sync")
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default="bench_filings")
    parser.add_argument("--small-regions", action="store_true", help="the test region tree (fast setup)")
    return parser.parse_args()


def prepare_database(args) -> str:
    import psycopg

    with psycopg.connect(f"{args.pg_url}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{args.database}"')
    url = f"{args.pg_url.replace('postgresql://', 'postgresql+psycopg://')}/{args.database}"
    import logging

    from app import create_app
    from app.regions.service import import_regions, load_seed_regions

    logging.getLogger("flask_appbuilder").setLevel(logging.ERROR)

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SETUP_ON_START": True})
    with app.app_context():
        started = time.monotonic()
        if args.small_regions:
            import_regions(ROOT / "tests" / "data" / "regions.csv")
        else:
            load_seed_regions()
        print(f"database {args.database} ready ({time.monotonic() - started:.1f}s for regions)")
    return url


def count_filings(url) -> int:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        count = conn.execute(text("SELECT count(*) FROM filing")).scalar()
    engine.dispose()
    return count


def fold_pending_filings(url) -> None:
    """What the scheduler's fold job does every few seconds, for all the run's filings at
    once: its cost belongs to the public filing's, and the summaries must come out exact."""
    from sqlalchemy import func, select

    from app import create_app
    from app.core.extensions import db
    from app.stats.summary import fold_pending
    from models import Filing, StatsDaily

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SETUP_ON_START": False})
    with app.app_context():
        started = time.monotonic()
        folded = fold_pending(db.session)
        db.session.commit()
        seconds = time.monotonic() - started
        # The bare endpoint's rows bypass the summaries: compare with the real endpoint's.
        counted = db.session.scalar(select(func.count()).where(Filing.channel != BARE_CHANNEL))
        summed = db.session.scalar(select(func.sum(StatsDaily.filings)).where(StatsDaily.level == 3))
    print(f"folded {folded} pending filings into the summaries in {seconds:.2f}s "
          f"({folded / seconds if seconds else 0:.0f}/s); summaries hold {summed} filings, "
          f"the real endpoint stored {counted}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


BENCH_SECRET_KEY = "bench-" + "s" * 32
BENCH_FIELD_KEY = base64.urlsafe_b64encode(b"b" * 32).decode()


def start_gunicorn(module, url, args, instance_dir, port, env_overrides=None, threads=1):
    # RATELIMIT_ENABLED=0: the benchmark is one client measuring throughput, not an attacker.
    env = {**os.environ, "DATABASE_URL": url, "SETUP_ON_START": "0", "INSTANCE_DIR": instance_dir,
           "RATELIMIT_ENABLED": "0", "SECRET_KEY": BENCH_SECRET_KEY, "FIELD_ENCRYPTION_KEY": BENCH_FIELD_KEY,
           **(env_overrides or {})}
    process = subprocess.Popen(
        [shutil.which("gunicorn") or str(Path(sys.executable).parent / "gunicorn"), "--bind", f"127.0.0.1:{port}",
         "--workers", str(args.workers), "--worker-class", args.worker_class, "--threads", str(threads),
         "--log-level", "warning", module],
        cwd=ROOT, env=env, start_new_session=True)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/health-probe", timeout=2)
        except urllib.error.HTTPError:
            return process  # any answer means the workers are up
        except OSError:
            time.sleep(0.5)
            continue
        return process
    stop(process)
    raise RuntimeError(f"gunicorn {module} did not start")


def stop(process):
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(process.pid, signal.SIGKILL)


def write_script(workdir, name, path, offset, threads) -> Path:
    arrival = (dt.datetime.now(ZoneInfo("Asia/Shanghai")) + dt.timedelta(days=5)).replace(
        hour=10, minute=0, second=0, microsecond=0).isoformat()
    script = Path(workdir) / f"{name}.lua"
    script.write_text(LUA % {"threads": threads, "arrival": arrival, "path": path, "offset": offset})
    return script


def run_wrk(port, script, threads, connections, seconds) -> dict:
    output = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script),
         f"http://127.0.0.1:{port}"], capture_output=True, text=True).stdout
    return parse_wrk(output)


def parse_wrk(output: str) -> dict:
    def number(pattern, default=0.0):
        match = re.search(pattern, output)
        return float(match.group(1)) if match else default

    def millis(pattern):
        match = re.search(pattern, output)
        if not match:
            return float("nan")
        value, unit = float(match.group(1)), match.group(2)
        return value * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]

    requests = number(r"(\d+) requests in")
    errors = number(r"Non-2xx or 3xx responses: (\d+)") + number(r"Socket errors:.*?timeout (\d+)")
    return {"rps": number(r"Requests/sec:\s+([\d.]+)"), "p99": millis(r"99%\s+([\d.]+)(us|ms|s|m)\b"),
            "p50": millis(r"50%\s+([\d.]+)(us|ms|s|m)\b"), "requests": int(requests),
            "errors": int(errors), "raw": output}


SIDES = (("real", "wsgi:app", "/api/v1/public/filings"),
         ("bare", "bench.bare_filing_app:app", "/bare/filings"))


def main():
    args = parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed (apt-get install wrk)")
    url = prepare_database(args)
    slice_seconds = max(2, args.duration // args.rounds)
    print(f"{args.workers} {args.worker_class} gunicorn workers per side, wrk {args.threads} threads x "
          f"{args.connections} connections, {args.rounds} alternating rounds of {slice_seconds}s per side, "
          f"{os.cpu_count()} CPUs")
    results = {label: [] for label, _m, _p in SIDES}
    with tempfile.TemporaryDirectory(prefix="bench-filings-") as workdir:
        servers = {}
        try:
            for number, (label, module, path) in enumerate(SIDES):
                port = free_port()
                servers[label] = (start_gunicorn(module, url, args, workdir, port), port, path)
                # Warm-up (workers import lazily, pools fill) with people of their own.
                warm = write_script(workdir, f"warm-{label}", path, 9_000_000 + number * 100_000, 1)
                run_wrk(port, warm, 1, 2, 2)
            # Alternate the sides so that the load of a shared machine hits both alike.
            for round_ in range(args.rounds):
                for number, (label, _module, path) in enumerate(SIDES):
                    offset = (round_ * len(SIDES) + number) * 1_000_000
                    script = write_script(workdir, f"{label}-{round_}", path, offset, args.threads)
                    results[label].append(run_wrk(servers[label][1], script, args.threads,
                                                  args.connections, slice_seconds))
        finally:
            for process, _port, _path in servers.values():
                stop(process)
    summary = {label: summarise(label, slices) for label, slices in results.items()}
    print(f"rows stored: {count_filings(url)}")
    fold_pending_filings(url)
    ratio = summary["real"] / summary["bare"] if summary["bare"] else 0.0
    print(f"ratio real/bare: {ratio:.2f}   (targets: >= 500 filings/s, ratio >= 0.6)")


def summarise(label, slices, unit="filings/s") -> float:
    seconds = sum(s["requests"] / s["rps"] for s in slices if s["rps"])
    good = sum(s["requests"] - s["errors"] for s in slices)
    errors = sum(s["errors"] for s in slices)
    rate = good / seconds if seconds else 0.0
    p99s = " ".join(f"{s['p99']:.0f}" for s in slices)
    p50s = " ".join(f"{s['p50']:.0f}" for s in slices)
    print(f"{label:<5} {rate:8.1f} {unit}   p99 per round (ms): {p99s}   p50: {p50s}   errors {errors}")
    for s in slices:
        if s["errors"]:
            print(s["raw"])
            break
    return rate


if __name__ == "__main__":
    main()
