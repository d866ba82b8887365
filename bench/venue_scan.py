"""Venue scans per second under gunicorn on PostgreSQL (``POST
/api/v1/public/venues/<code>/scan``, each request a different person's signed device
cookie), next to a bare Flask route inserting the same row (bench/bare_venue_app.py),
in the same run, in alternating rounds so a busy machine's load falls on both alike.

    python bench/venue_scan.py [--duration 15] [--connections 16] [--workers 2] [--worker-threads 4]

It (re)creates the database ``bench_venues`` (the test region tree), adds --venues
venues and --people people with a health code each (80 % green, 15 % yellow, 5 % red),
signs a device cookie per person, and runs wrk (a Lua script cycling through the people
and venues) against both sides on 127.0.0.1. The per-person limit stays on (each person
scans a few times at most in a run), counted in Redis when one answers on 127.0.0.1:6379. Prints scans/s, p50 and p99 per round, errors,
rows stored, the server CPU per scan of each side (gunicorn and PostgreSQL, read from
/proc: what an idle machine's CPUs could serve), and the ratio real/bare (the issue's targets: >= 1,000 scans/s, ratio >= 0.6).
"""
import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.filing_cpu import cpu_seconds  # noqa: E402
from tests.live_gunicorn import redis_answers  # noqa: E402
from bench.filing_throughput import (BENCH_FIELD_KEY, BENCH_SECRET_KEY, free_port, prepare_database,  # noqa: E402
                                     run_wrk, start_gunicorn, stop, summarise)

LUA = r"""
local cookies = dofile("%(people)s")
local venues = {%(venues)s}
local threads_total = %(threads)d
local offset = %(offset)d
counter, thread_id = 0, 0  -- globals: setup() sets each thread's own thread_id

function setup(thread)
  thread:set("thread_id", thread_id)
  thread_id = thread_id + 1
end

request = function()
  local n = offset + counter * threads_total + thread_id
  counter = counter + 1
  local path = string.format("%(path)s", venues[n %% #venues + 1])
  return wrk.format("POST", path, {["Content-Type"] = "application/json",
                                   ["Cookie"] = "health_code_people=" .. cookies[n %% #cookies + 1]}, "{}")
end
"""
REDIS_STORAGE = "redis://127.0.0.1:6379/12"  # the benchmarks' database on the machine's Redis
SIDES = (("real", "wsgi:app", "/api/v1/public/venues/%s/scan"),
         ("bare", "bench.bare_venue_app:app", "/bare/venues/%s/scan"))


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=15, help="seconds per side (split in rounds)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    # Threaded workers, as in production (README: -w 4 --threads 4): they keep the
    # connection alive between requests; sync workers close it after each one.
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--worker-threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--worker-class", default="gthread")
    parser.add_argument("--venues", type=int, default=500)
    parser.add_argument("--people", type=int, default=50_000)
    parser.add_argument("--synchronous-commit", action="store_true",
                        help="both sides wait for the WAL on disk (default: asynchronous commit, as configured)")
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default="bench_venues")
    args = parser.parse_args()
    args.small_regions = True
    return args


def seed(url, args, workdir) -> list[str]:
    """The venues and people; the people's signed cookies written as a Lua table file.
    Returns the venue codes."""
    import logging

    from sqlalchemy import insert

    from app import create_app
    from app.core.extensions import db
    from app.healthcode import devices
    from app.venues.service import new_code
    from models.base import utcnow
    from models.healthcode import HealthCode
    from models.venue import Venue

    logging.getLogger("flask_appbuilder").setLevel(logging.ERROR)  # a second app in this process
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SETUP_ON_START": False, "SECRET_KEY": BENCH_SECRET_KEY,
                      "FIELD_ENCRYPTION_KEY": BENCH_FIELD_KEY})
    rng = random.Random(14)
    with app.app_context():
        codes = [new_code() for _ in range(args.venues)]
        db.session.execute(insert(Venue), [
            {"code": code, "name": f"压测场所{n}", "type": "hospital" if n % 20 == 0 else "shop",
             "medical": n % 20 == 0, "community_code": "410105001003"} for n, code in enumerate(codes)])
        people = [f"{rng.getrandbits(256):064x}" for _ in range(args.people)]
        colours = rng.choices(("green", "yellow", "red"), weights=(80, 15, 5), k=len(people))
        db.session.execute(insert(HealthCode), [
            {"person_hash": person, "colour": colour, "rule": "no_risk", "manual": False}
            for person, colour in zip(people, colours)])
        db.session.commit()
        given_at = utcnow()
        cookies = [devices.cookie_of([(person, "压*")], given_at) for person in people]
    table = Path(workdir) / "people.lua"
    table.write_text("return {\n" + ",\n".join(f'"{c}"' for c in cookies) + "\n}\n")
    return codes


def server_cpu(port, database) -> tuple[float, float]:
    """CPU seconds so far of the gunicorn on ``port``, and of the database's backends."""
    return cpu_seconds(f"127.0.0.1:{port}"), cpu_seconds(f": postgres {database} ")


def count_scans(url) -> int:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        count = conn.execute(text("SELECT count(*) FROM venue_scan")).scalar()
    engine.dispose()
    return count


def main():
    args = parse_args()
    url = prepare_database(args)
    slice_seconds = max(2, args.duration // args.rounds)
    print(f"{'synchronous' if args.synchronous_commit else 'asynchronous'} commit, "
          f"{args.workers} {args.worker_class} gunicorn workers x {args.worker_threads} threads per side, "
          f"wrk {args.threads} threads x {args.connections} connections, {args.rounds} alternating rounds of "
          f"{slice_seconds}s per side, {args.venues} venues, {args.people} people, {os.cpu_count()} CPUs")
    storage = REDIS_STORAGE if redis_answers() else "memory://"
    print(f"per-person scan limit counted in {storage}")
    results = {label: [] for label, _m, _p in SIDES}
    with tempfile.TemporaryDirectory(prefix="bench-venues-") as workdir:
        codes = seed(url, args, workdir)
        venues = ", ".join(f'"{code}"' for code in codes)
        people = Path(workdir) / "people.lua"

        def script(label, path, offset, threads):
            lua = Path(workdir) / f"{label}.lua"
            lua.write_text(LUA % {"people": people, "venues": venues, "threads": threads, "offset": offset,
                                  "path": path})
            return lua

        servers = {}
        try:
            for number, (label, module, path) in enumerate(SIDES):
                port = free_port()
                # The limit stays on: the real path counts every scan as in production,
                # in Redis when one answers (as run.sh sets it up), shared by the workers.
                settings = {"RATELIMIT_ENABLED": "1", "VENUE_SCAN_SYNCHRONOUS_COMMIT": "1" if args.synchronous_commit else "0",
                            "RATELIMIT_STORAGE_URI": storage, "RATELIMIT_KEY_PREFIX": f"bench-{os.getpid()}-{time.time():.0f}"}
                servers[label] = (start_gunicorn(module, url, args, workdir, port, settings,
                                                 threads=args.worker_threads), port)
                run_wrk(port, script(f"warm-{label}", path, 7_000 + number * 1_000, 1), 1, 2, 2)
            for round_ in range(args.rounds):
                for number, (label, _module, path) in enumerate(SIDES):
                    offset = (round_ * len(SIDES) + number) * 100_000
                    port = servers[label][1]
                    lua = script(f"{label}-{round_}", path, offset, args.threads)
                    # The other side idles meanwhile: the CPU of its gunicorn and of the
                    # database's backends in this round is this side's.
                    busy = server_cpu(port, args.database)
                    result = run_wrk(port, lua, args.threads, args.connections, slice_seconds)
                    result["cpu"] = [after - before for after, before in zip(server_cpu(port, args.database), busy)]
                    results[label].append(result)
        finally:
            for process, _port in servers.values():
                stop(process)
    summary = {label: summarise(label, slices, "scans/s") for label, slices in results.items()}
    for label, slices in results.items():
        requests = max(1, sum(s["requests"] for s in slices))
        web, database = (sum(s["cpu"][part] for s in slices) / requests for part in (0, 1))
        cpu = web + database
        print(f"{label:<5} server CPU per scan: {cpu * 1000:.2f} ms (gunicorn {web * 1000:.2f}, PostgreSQL "
              f"{database * 1000:.2f}): {os.cpu_count()} idle CPUs would serve at most "
              f"~{os.cpu_count() / cpu if cpu else 0:.0f} scans/s (less wrk's own share)")
    print(f"rows stored: {count_scans(url)}")
    ratio = summary["real"] / summary["bare"] if summary["bare"] else 0.0
    print(f"scans/s real {summary['real']:.0f}, bare insert {summary['bare']:.0f}, ratio real/bare: {ratio:.2f}"
          f"   (targets: >= 1,000 scans/s, ratio >= 0.6)")


if __name__ == "__main__":
    started = time.monotonic()
    main()
    print(f"({time.monotonic() - started:.0f}s in all)")
