#!/usr/bin/env bash
# The embedded default: a local PostgreSQL 15 that pgcutover owns (data in .pgdata/, ignored by git),
# seeded with the legacy schema and production-shaped demo data, and the proxy in front of it.
# Stops both on Ctrl-C.
#   PGCUTOVER_DEMO_SCALE   demo data scale (default 0.1; 1.0 is production size)
#   PGCUTOVER_PG_PORT      the server's port (default 55432)
#   PGCUTOVER_LISTEN       the proxy's address (default 127.0.0.1:6432)
#   PGCUTOVER_DEMO_MODE    rewrite (default) or passthrough
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
port=${PGCUTOVER_PG_PORT:-55432}
listen=${PGCUTOVER_LISTEN:-127.0.0.1:6432}
scale=${PGCUTOVER_DEMO_SCALE:-0.1}
mode=${PGCUTOVER_DEMO_MODE:-rewrite}

bash scripts/install-deps.sh
echo "== building pgcutover (release)"
swift build -c release --product pgcutover 2>&1 | grep -Ev '^\[[0-9]+/[0-9]+\] '
bin="$root/.build/release/pgcutover"

echo "== PostgreSQL on 127.0.0.1:$port"
bash scripts/postgres.sh start "$port" >/dev/null
trap 'bash scripts/postgres.sh stop "$port"' EXIT
psql_admin() { psql -h 127.0.0.1 -p "$port" -U postgres -qAt "$@"; }
url="postgresql://postgres@127.0.0.1:$port/pgcutover_demo"
# The demo database is the demo's own: one built by other migration files (an older checkout) is
# rebuilt, where `migrate up` would rightly refuse a migration edited since it was applied.
stamp="pgcutover demo, migrations $(cat migrations/*.sql | sha256sum | cut -c1-16)"
# Empty when there is no demo database, "built:" and its comment when there is.
built=$(psql_admin -d postgres -c "SELECT 'built:' || coalesce(shobj_description(oid, 'pg_database'), '') FROM pg_database WHERE datname = 'pgcutover_demo'")
if [ -n "$built" ] && [ "$built" != "built:$stamp" ]; then
    echo "== the demo database was built from other migration files: rebuilding it"
    psql_admin -d postgres -c "DROP DATABASE pgcutover_demo WITH (FORCE)"
fi
if [ "$(psql_admin -d postgres -c "SELECT count(*) FROM pg_database WHERE datname = 'pgcutover_demo'")" = 0 ]; then
    psql_admin -d postgres -c "CREATE DATABASE pgcutover_demo"
    echo "== seeding the legacy schema with demo data (scale $scale)"
    "$bin" demo-data --database-url "$url" --scale "$scale" --seed 1
fi
echo "== migrations 0020 (with the backfill), 0030 (dual-write triggers), 0040 (full constraint errors), 0050 (assignment tables), 0060 (insert check views); idempotent: a second run changes nothing"
"$bin" migrate up --database-url "$url"
"$bin" migrate verify --database-url "$url"
psql_admin -d postgres -c "COMMENT ON DATABASE pgcutover_demo IS '$stamp'"

cat <<MSG

pgcutover ($mode mode) is in front of PostgreSQL. Connect exactly as to the server:
    psql "postgresql://postgres@${listen%:*}:${listen##*:}/pgcutover_demo"
    (also md5user / scramuser, password 'secret')
Legacy statements are served from coordizer_vocabulary's JSONB columns in rewrite mode, e.g.
    SELECT word, relevance_score FROM god_vocabulary_profiles WHERE god_name = 'zeus';
    SELECT word, count(*) FROM basin_relationships GROUP BY word ORDER BY 2 DESC LIMIT 5;
    EXPLAIN SELECT word FROM god_vocabulary_profiles WHERE god_name = 'zeus';   -- the GIN index
Every statement on a legacy table is audited to .run/demo-audit.jsonl; who still uses them:
    $bin audit report --log .run/demo-audit.jsonl
Stages per table and per client, reloaded without dropping connections: docs/cutover.md.
Ctrl-C stops the proxy and the server.

MSG
mkdir -p .run
"$bin" serve --listen "$listen" --upstream "127.0.0.1:$port" --mode "$mode" --audit-log .run/demo-audit.jsonl
