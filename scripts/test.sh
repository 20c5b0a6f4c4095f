#!/usr/bin/env bash
# The whole test suite on a fresh machine: installs what it needs, builds, starts the project's own
# PostgreSQL, runs the Swift tests (unit and integration) and the real-driver suite through the proxy.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

port=${PGCUTOVER_PG_PORT:-55500}
export PGCUTOVER_PG_PORT=$port

bash scripts/install-deps.sh

echo "== build"
swift build --build-tests 2>&1 | grep -Ev '^\[[0-9]+/[0-9]+\] '

echo "== postgres on 127.0.0.1:$port"
trap 'bash scripts/postgres.sh stop "$port"' EXIT
bash scripts/postgres.sh start "$port" >/dev/null
export PGCUTOVER_TEST_DATABASE_URL="postgresql://postgres@127.0.0.1:$port/postgres"
export PGCUTOVER_TEST_UPSTREAM="127.0.0.1:$port"

status=0
echo "== swift test"
# Each case's "started" line is noise in a CI log; results and failures stay.
swift test --skip-build 2>&1 | grep -v "' started at " || status=1

echo "== driver suite (psql, pgbench, psycopg2, asyncpg, pgjdbc, node-pg) through the proxy"
export PGCUTOVER_BIN="$root/.build/debug/pgcutover"
bash scripts/test-drivers.sh || status=1
echo "== rewrite differential suite (legacy statements direct vs through pgcutover --mode rewrite)"
bash scripts/test-rewrite.sh || status=1
echo "== end-to-end cutover (legacy clients through every stage, reloaded by SIGHUP)"
bash scripts/test-cutover.sh || status=1
echo "== fuzzing: every decoder entry point and the rewriter, 20 s each (longer runs: scripts/fuzz.sh SECONDS)"
bash scripts/fuzz.sh 20 || status=1
echo "== short soak (200 connections, 20 s, rewrite mode with reverse dual-write; the long one: scripts/soak.sh)"
PGCUTOVER_BIN="$root/.build/debug/pgcutover" SOAK_SECONDS=20 SOAK_CONNECTIONS=200 SOAK_LEGACY_CLIENTS=8 SOAK_DOCS=0 \
    bash scripts/soak.sh || status=1
exit $status
