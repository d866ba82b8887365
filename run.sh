#!/usr/bin/env bash
# Runs the console on this machine: installs into .venv, prepares the database (SQLite
# under instance/ unless DATABASE_URL is set) with all Henan regions, demo accounts and
# demo data, then starts the scheduler and gunicorn on 127.0.0.1:${PORT:-8080}.
set -euo pipefail
cd "$(dirname "$0")"
source ./scripts/env.sh
ensure_venv

echo "== preparing the database (schema migrations, regions, demo accounts, demo data)"
echo "   The demo accounts have a PUBLIC password: never use them in production"
echo "   (production: flask --app wsgi setup --no-demo, then flask users create)."
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
# Rate-limit counts shared by the workers: the local Redis when one answers (else each
# worker counts alone).
if [ -z "${RATELIMIT_STORAGE_URI:-}" ] && (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null; then
  export RATELIMIT_STORAGE_URI=redis://127.0.0.1:6379/0
fi
echo "== the console: http://127.0.0.1:${PORT}/  (Ctrl-C stops it)"
gunicorn -c gunicorn.conf.py --bind "127.0.0.1:${PORT}" --workers "$WORKERS" --threads "$THREADS" --access-logfile - wsgi:app
