#!/bin/bash
# Start a throwaway PostgreSQL cluster on 127.0.0.1 for the test suite.
# Installs Debian's postgresql when missing. Root cannot run the server, so it
# runs as the `postgres` user. Prints the DATABASE_URL to use on stdout.
set -euo pipefail
PGDIR=${PGDIR:-/tmp/ketacare-pg}
PGPORT=${PGPORT:-54329}
PGPASSWORD=${PGPASSWORD:-ketacare-test}
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  echo "installing postgresql (apt)..." >&2
  apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
fi
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
RUN=()
if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --home-dir "$PGDIR" --shell /bin/bash postgres
  RUN=(runuser -u postgres --)
fi
# A cluster left over from an interrupted run is stopped and thrown away.
if [ -f "$PGDIR/data/postmaster.pid" ]; then
  "${RUN[@]}" "$PGBIN/pg_ctl" -D "$PGDIR/data" -m immediate -w stop >/dev/null 2>&1 || true
fi
rm -rf "$PGDIR"
mkdir -p "$PGDIR"; chmod 700 "$PGDIR"
[ "$(id -u)" = 0 ] && chown postgres:postgres "$PGDIR"
printf '%s\n' "$PGPASSWORD" > "$PGDIR/pwfile"; chmod 600 "$PGDIR/pwfile"
[ "$(id -u)" = 0 ] && chown postgres "$PGDIR/pwfile"
"${RUN[@]}" "$PGBIN/initdb" -D "$PGDIR/data" -U postgres --pwfile="$PGDIR/pwfile" \
  --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >/dev/null
# fsync off: a throwaway test cluster, never for real data.
"${RUN[@]}" "$PGBIN/pg_ctl" -D "$PGDIR/data" -l "$PGDIR/server.log" -w start \
  -o "-p $PGPORT -k $PGDIR -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" >/dev/null
PGPASSWORD=$PGPASSWORD psql -q -h 127.0.0.1 -p "$PGPORT" -U postgres -d postgres -Atc "create database ketacare" >/dev/null
echo "postgresql://postgres:${PGPASSWORD}@127.0.0.1:${PGPORT}/ketacare"
