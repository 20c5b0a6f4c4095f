#!/usr/bin/env bash
# Runs the real-client suite (psql, pgbench, psycopg2, asyncpg, pgjdbc, node-pg) against pgcutover.
#   scripts/test-drivers.sh [pytest args...]
# Environment:
#   PGCUTOVER_BIN      proxy binary (default .build/release/pgcutover; build it first)
#   PGCUTOVER_PG_PORT  port of the project's PostgreSQL (default 55434)
#   PGCUTOVER_DIRECT=1 run the same tests straight against PostgreSQL, to check the tests themselves
#   PGCUTOVER_PROXY_ARGS extra arguments for every proxy the suite starts (e.g. "--threads 2")
# Proxy logs go to .run/drivers/proxy-*.log.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export PGCUTOVER_PG_PORT=${PGCUTOVER_PG_PORT:-55434}
export PGCUTOVER_BIN=${PGCUTOVER_BIN:-.build/release/pgcutover}

scripts/install-deps.sh
scripts/install-node-pg.sh >/dev/null
scripts/postgres.sh start "$PGCUTOVER_PG_PORT" >/dev/null

if [ -z "${PGCUTOVER_DIRECT:-}" ] && [ ! -x "$PGCUTOVER_BIN" ]; then
    echo "test-drivers: $PGCUTOVER_BIN is missing (swift build -c release, or set PGCUTOVER_BIN)" >&2
    exit 1
fi

exec python3 -m pytest Tests/Drivers -q -rs "$@"
