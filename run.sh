#!/usr/bin/env bash
# Runs the console on this machine: installs into .venv, prepares the database (SQLite
# under instance/ unless DATABASE_URL is set) with all Henan regions, demo accounts and
# demo data, then starts the scheduler and gunicorn on 127.0.0.1:${PORT:-8080}.
set -euo pipefail
cd "$(dirname "$0")"
source ./scripts/env.sh
ensure_venv

echo "== preparing the database (regions, demo accounts, demo data)"
flask --app wsgi setup

export SETUP_ON_START=0
PORT="${PORT:-8080}"
WORKERS="${WORKERS:-2}"
# Threads per worker: a long import holds one thread, not a whole worker, so the public
# pages keep answering (bench/import_isolation.py measures it).
THREADS="${THREADS:-4}"
# The scheduler (daily reports, escalations, distribution rounds) beside gunicorn; it
# stops with this script. A second one on the same database only stands by.
echo "== the scheduler (flask scheduler)"
flask --app wsgi scheduler &
SCHEDULER_PID=$!
trap 'kill "$SCHEDULER_PID" 2>/dev/null || true' EXIT
echo "== the console: http://127.0.0.1:${PORT}/  (Ctrl-C stops it)"
gunicorn --bind "127.0.0.1:${PORT}" --workers "$WORKERS" --threads "$THREADS" --access-logfile - wsgi:app
