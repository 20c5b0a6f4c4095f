#!/usr/bin/env bash
# The end-to-end cutover test (Tests/Cutover): legacy clients keep writing and reading through
# pgcutover while its configuration walks every stage of docs/cutover.md by SIGHUP.
#   scripts/test-cutover.sh [pytest args...]
# Environment:
#   PGCUTOVER_BIN                     binary (default .build/debug/pgcutover; build it first)
#   PGCUTOVER_PG_PORT                 port of the project's PostgreSQL (default 55500)
#   PGCUTOVER_E2E_STAGE_SECONDS       how long the workload runs in each stage (default 3)
# Fails, never skips, when Postgres, the binary or psycopg2 is missing. Logs: .run/cutover/.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export PGCUTOVER_PG_PORT=${PGCUTOVER_PG_PORT:-55500}
export PGCUTOVER_BIN=${PGCUTOVER_BIN:-.build/debug/pgcutover}

bash scripts/install-deps.sh
bash scripts/postgres.sh start "$PGCUTOVER_PG_PORT" >/dev/null

if [ ! -x "$PGCUTOVER_BIN" ]; then
    echo "test-cutover: $PGCUTOVER_BIN is missing (swift build --product pgcutover, or set PGCUTOVER_BIN)" >&2
    exit 1
fi
exec python3 -m pytest Tests/Cutover -q -rfEs -p no:cacheprovider "$@"
