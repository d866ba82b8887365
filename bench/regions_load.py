"""Time to load all of Henan's divisions (and China's counties) into an empty database.

    python bench/regions_load.py                       # SQLite in a temporary folder
    python bench/regions_load.py postgresql+psycopg://postgres@127.0.0.1:5432/bench_regions
The PostgreSQL database is created if missing and emptied first."""
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def prepare(url):
    if url.startswith("postgresql"):
        import psycopg

        name = url.rsplit("/", 1)[1]
        admin = url.rsplit("/", 1)[0].replace("postgresql+psycopg://", "postgresql://") + "/postgres"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
    return url


def main():
    tmp = tempfile.mkdtemp(prefix="bench-regions-")
    os.environ.setdefault("INSTANCE_DIR", tmp)
    url = prepare(sys.argv[1] if len(sys.argv) > 1 else f"sqlite:///{tmp}/bench.db")
    from app import create_app
    from app.regions.service import load_seed_regions

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        started = time.perf_counter()
        result = load_seed_regions()
        first = time.perf_counter() - started
        started = time.perf_counter()
        again = load_seed_regions()
        second = time.perf_counter() - started
    print(f"database: {url.split('://')[0]}")
    print(f"load all regions: {result.added} rows in {first:.2f} s")
    print(f"re-import (idempotent, {again.added} added, {again.updated} updated): {second:.2f} s")


if __name__ == "__main__":
    main()
