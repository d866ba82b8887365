#!/usr/bin/env bash
# Runs the whole test suite on SQLite, then again on PostgreSQL when one answers at
# ${TEST_PG_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test} (skipped, and said so,
# when none does). Extra arguments go to pytest.
set -uo pipefail
cd "$(dirname "$0")"
source ./scripts/env.sh
ensure_venv || exit 1

PG_URL="${TEST_PG_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test}"
status=0
# Two workers (pytest-xdist) unless told otherwise: TEST_WORKERS=0 runs in one process.
WORKERS=(-n "${TEST_WORKERS:-2}")

echo "== tests on SQLite"
TEST_DATABASE_URL="" python -m pytest -q -p no:cacheprovider "${WORKERS[@]}" "$@" || status=1

if python - "$PG_URL" <<'PY'
import sys, psycopg
url = sys.argv[1].replace("postgresql+psycopg://", "postgresql://")
try:
    psycopg.connect(url, connect_timeout=3).close()
except Exception as error:
    print(f"PostgreSQL not reachable ({error.__class__.__name__})")
    sys.exit(1)
PY
then
  echo "== tests on PostgreSQL ($PG_URL)"
  TEST_DATABASE_URL="$PG_URL" python -m pytest -q -p no:cacheprovider "${WORKERS[@]}" "$@" || status=1
else
  echo "== SKIPPED the PostgreSQL run: no PostgreSQL at $PG_URL"
fi
exit $status
