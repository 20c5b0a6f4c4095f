#!/usr/bin/env bash
# Benchmark: the migrator's online backfill against the seed document's single-transaction SQL, on the
# same demo data, each while pgbench runs a legacy writer against the legacy tables. A third run,
# Benchmarks/lossless-single-transaction.sql, is the seed's single transaction writing pgcutover's
# lossless content: what the content costs, apart from doing it online.
#   scripts/bench-migrate.sh [SERVER_URL]
# SERVER_URL (default postgresql://postgres@127.0.0.1:${PGPORT:-5432}/postgres) must allow CREATE
# DATABASE; three databases, pgcutover_bench_seed, pgcutover_bench_lossless and pgcutover_bench_online,
# are (re)created.
# Environment: SCALE (1.0), SEED (1), WRITERS (4 pgbench clients), WRITER_RATE (200 transactions/s in
# all, pgbench --rate, so latencies include any time a writer was held up; 0 = as fast as possible,
# which on a small machine mostly measures CPU contention), WRITER_SECONDS (writer run
# length; must outlast each migration), PGCUTOVER_BIN (.build/debug/pgcutover), LOCK_TIMEOUT (2000 ms),
# CATCH_UP_PASSES (1: the writers never pause and bypass dual-write, so further passes only chase them;
# the run after the writers stop does the final catch-up, then verify checks everything), ORDER
# (seed-first: seed SQL, lossless single transaction, online; online-first: the reverse).
# Tools: psql, pgbench, and the pgcutover binary (swift build).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
server=${1:-postgresql://postgres@127.0.0.1:${PGPORT:-5432}/postgres}
scale=${SCALE:-1.0}
seed=${SEED:-1}
writers=${WRITERS:-4}
rate=${WRITER_RATE:-200}
writer_seconds=${WRITER_SECONDS:-90}
lock_timeout=${LOCK_TIMEOUT:-2000}
catch_up=${CATCH_UP_PASSES:-1}
order=${ORDER:-seed-first}
bin=${PGCUTOVER_BIN:-$root/.build/debug/pgcutover}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

[ -x "$bin" ] || { echo "pgcutover binary not found at $bin (run swift build)" >&2; exit 1; }
base=${server%/*}
query=""
case "$server" in *\?*) query="?${server#*\?}"; base=${server%%\?*}; base=${base%/*} ;; esac
db_url() { echo "$base/$1$query"; }

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

# Longest writer transaction in milliseconds, from pgbench's per-transaction log (3rd field: latency in us).
max_wait() { cat "$@" | awk 'BEGIN { m = 0 } $3 > m { m = $3 } END { printf "%.1f", m / 1000 }'; }
tx_count() { cat "$@" | wc -l | tr -d ' '; }

prepare() {
    psql "$server" -qAt -v ON_ERROR_STOP=1 -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)" -c "CREATE DATABASE $1"
    "$bin" demo-data --database-url "$(db_url "$1")" --scale "$scale" --seed "$seed" >/dev/null
    psql "$(db_url "$1")" -qAt -c "VACUUM ANALYZE"
}

# run_with_writers NAME DB COMMAND...: starts the writers, runs COMMAND after 2 s, reports its time.
run_with_writers() {
    local name=$1 db=$2; shift 2
    mkdir -p "$work/$name"
    local throttle=()
    [ "$rate" != 0 ] && throttle=(--rate "$rate")
    (cd "$work/$name" && pgbench -n -f "$root/Benchmarks/legacy-writer.pgbench" -c "$writers" -j "$writers" "${throttle[@]}" \
        -T "$writer_seconds" -l --log-prefix=tx "$(db_url "$db")" >"$work/$name/pgbench.out" 2>&1) &
    local pgbench=$!
    sleep 2
    local start end status=0 load
    load=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)
    start=$(now)
    "$@" >"$work/$name/migration.out" 2>&1 || status=$?
    end=$(now)
    wait "$pgbench"
    echo "$name: migration $(elapsed "$start" "$end") s (exit $status, load average before: $load); writer transactions $(tx_count "$work/$name"/tx.*), longest $(max_wait "$work/$name"/tx.*) ms"
    tail -n 3 "$work/$name/migration.out" | sed 's/^/    /'
}

echo "scale $scale, seed $seed, $writers pgbench writers at ${rate} tx/s (0 = unthrottled) for ${writer_seconds}s, lock_timeout ${lock_timeout} ms, $(psql "$server" -qAt -c 'SHOW server_version')"
prepare pgcutover_bench_seed
prepare pgcutover_bench_lossless
prepare pgcutover_bench_online

seed_run() {
    run_with_writers seed-single-transaction pgcutover_bench_seed \
        psql "$(db_url pgcutover_bench_seed)" -qAt -v ON_ERROR_STOP=1 -f "$root/Benchmarks/seed-migration.sql"
}
lossless_run() {
    run_with_writers lossless-single-transaction pgcutover_bench_lossless \
        psql "$(db_url pgcutover_bench_lossless)" -qAt -v ON_ERROR_STOP=1 -f "$root/Benchmarks/lossless-single-transaction.sql"
}
online_run() {
    run_with_writers pgcutover-online pgcutover_bench_online \
        "$bin" migrate up --database-url "$(db_url pgcutover_bench_online)" --migrations-dir "$root/migrations" \
        --lock-timeout "$lock_timeout" --catch-up-passes "$catch_up"
}
if [ "$order" = online-first ]; then online_run; lossless_run; seed_run; else seed_run; lossless_run; online_run; fi

echo "after the writers stopped:"
start=$(now)
"$bin" migrate up --repair --database-url "$(db_url pgcutover_bench_online)" --migrations-dir "$root/migrations" | tail -n 1 | sed 's/^/    /'
echo "    catch-up run $(elapsed "$start" "$(now)") s"
start=$(now)
"$bin" migrate verify --database-url "$(db_url pgcutover_bench_online)" | sed 's/^/    /'
echo "    verify $(elapsed "$start" "$(now)") s"
psql "$(db_url pgcutover_bench_seed)" -qAt -F ' ' <<'SQL' | sed 's/^/    seed SQL: /'
SELECT 'kept ' || (SELECT coalesce(sum(jsonb_array_length(relationships)), 0) FROM coordizer_vocabulary)
    || ' of ' || (SELECT count(*) FROM basin_relationships) || ' relationship rows, '
    || (SELECT count(*) FROM god_vocabulary_profiles g WHERE NOT EXISTS (SELECT 1 FROM coordizer_vocabulary WHERE token = g.word))
    || ' profile rows dropped (no token row), '
    || (SELECT count(*) FROM coordizer_vocabulary cv, jsonb_array_elements(cv.relationships) e,
               basin_relationships r WHERE r.word = cv.token AND r.neighbor = e->>'neighbor' AND r.avg_phi IS NULL)
    || ' NULL avg_phi turned into 0.5';
SQL
