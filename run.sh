#!/usr/bin/env bash
# Runs the console on this machine: installs into .venv, prepares the database (SQLite
# under instance/ unless DATABASE_URL is set) with all Henan regions, demo accounts and
# demo data, then starts gunicorn on 127.0.0.1:${PORT:-8080}.
set -euo pipefail
cd "$(dirname "$0")"
source ./scripts/env.sh
ensure_venv

echo "== preparing the database (regions, demo accounts, demo data)"
flask --app wsgi setup

export SETUP_ON_START=0
PORT="${PORT:-8080}"
WORKERS="${WORKERS:-2}"
echo "== the console: http://127.0.0.1:${PORT}/  (Ctrl-C stops it)"
gunicorn --bind "127.0.0.1:${PORT}" --workers "$WORKERS" --access-logfile - wsgi:app
