#!/usr/bin/env bash
# The rewrite differential suite (Tests/Rewrite): every legacy statement of the corpus, and seeded
# random ones, run directly on a legacy database and through `pgcutover serve --mode rewrite` on
# its migrated copy, with psycopg2 and asyncpg; answers, tables and JSON folds must be the same.
#   scripts/test-rewrite.sh [pytest args...]
# Environment:
#   PGCUTOVER_BIN                proxy binary (default .build/debug/pgcutover; build it first)
#   PGCUTOVER_PG_PORT            port of the project's PostgreSQL (default 55438)
#   PGCUTOVER_PROPERTY_EXAMPLES  scale of the random example counts (default 1)
# Fails, never skips, when Postgres, the binary or a driver is missing. Proxy log and the list of
# differences found: .run/rewrite/.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export PGCUTOVER_PG_PORT=${PGCUTOVER_PG_PORT:-55438}
export PGCUTOVER_BIN=${PGCUTOVER_BIN:-.build/debug/pgcutover}

bash scripts/install-deps.sh
bash scripts/postgres.sh start "$PGCUTOVER_PG_PORT" >/dev/null

if [ ! -x "$PGCUTOVER_BIN" ]; then
    echo "test-rewrite: $PGCUTOVER_BIN is missing (swift build --product pgcutover, or set PGCUTOVER_BIN)" >&2
    exit 1
fi
python3 - <<'PY' || { echo "test-rewrite: a Python driver or test library is missing" >&2; exit 1; }
import psycopg2, asyncpg, pytest, hypothesis, yaml
PY

rm -f .run/rewrite/diffs.txt
exec python3 -m pytest Tests/Rewrite -q -rfEsx -p no:cacheprovider "$@"
