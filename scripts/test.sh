#!/bin/bash
# Run the whole suite on SQLite, then again every test that uses the database on a throwaway
# PostgreSQL cluster that this script starts on a loopback port and always stops (the tests that
# touch no database cannot behave differently there: ARCHITECTURE.md, "Tests"). Each pass spreads
# its tests over the machine's cores (pytest-xdist; KETACARE_TEST_WORKERS=0 runs them in one process),
# the tests of one `xdist_group` on one worker (--dist loadgroup: the demo clinic is seeded once a pass).
#   scripts/test.sh            both databases
#   scripts/test.sh sqlite     SQLite only
#   scripts/test.sh postgres   PostgreSQL only
# Extra arguments after the first go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
WORKERS=${KETACARE_TEST_WORKERS:-auto}
SPREAD=(-n "$WORKERS" --dist loadgroup)
which=${1:-both}
shift || true
start=$(date +%s)
passes=""
postgres_started=no

finish() {
  [ "$postgres_started" = yes ] && scripts/pg-stop.sh
  echo "suite time: $(( $(date +%s) - start )) s${passes:+ ($passes)}"
}
trap finish EXIT

# run_pass NAME ARGS...: one pytest run, its time added to the summary.
run_pass() {
  local name=$1 began
  shift
  began=$(date +%s)
  echo "== test suite on $name =="
  local outcome=0
  "$@" || outcome=$?
  passes="${passes:+$passes, }$name $(( $(date +%s) - began )) s"
  [ "$outcome" = 0 ] || passes="$passes (failed)"
  return "$outcome"
}

if [ "$which" = both ] || [ "$which" = sqlite ]; then
  run_pass SQLite env -u DATABASE_URL "$PY" -m pytest "${SPREAD[@]}" "$@"
fi

if [ "$which" = both ] || [ "$which" = postgres ]; then
  postgres_started=yes
  DATABASE_URL=$(scripts/pg-start.sh)
  run_pass PostgreSQL env DATABASE_URL="$DATABASE_URL" "$PY" -m pytest "${SPREAD[@]}" --database-tests-only "$@"
fi
