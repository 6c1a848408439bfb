#!/bin/bash
# Run the whole suite on SQLite, then on a throwaway PostgreSQL cluster that
# this script starts on a loopback port and always stops.
#   scripts/test.sh            both databases
#   scripts/test.sh sqlite     SQLite only
#   scripts/test.sh postgres   PostgreSQL only
# Extra arguments after the first go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
which=${1:-both}
shift || true
start=$(date +%s)

if [ "$which" = both ] || [ "$which" = sqlite ]; then
  echo "== test suite on SQLite =="
  env -u DATABASE_URL "$PY" -m pytest "$@"
fi

if [ "$which" = both ] || [ "$which" = postgres ]; then
  echo "== test suite on PostgreSQL =="
  trap 'scripts/pg-stop.sh' EXIT
  DATABASE_URL=$(scripts/pg-start.sh)
  DATABASE_URL=$DATABASE_URL "$PY" -m pytest "$@"
fi
echo "suite time: $(( $(date +%s) - start )) s"
