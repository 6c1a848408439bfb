#!/bin/bash
# Stop the throwaway PostgreSQL cluster started by pg-start.sh and remove it.
set -uo pipefail
PGDIR=${PGDIR:-/tmp/ketacare-pg}
[ -d "$PGDIR/data" ] || exit 0
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
RUN=()
[ "$(id -u)" = 0 ] && RUN=(runuser -u postgres --)
"${RUN[@]}" "$PGBIN/pg_ctl" -D "$PGDIR/data" -m fast -w stop >/dev/null 2>&1
rm -rf "$PGDIR"
