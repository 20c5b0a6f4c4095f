#!/usr/bin/env bash
# Cost of each cutover stage: a legacy workload (pgbench custom scripts of legacy statements on
# god_vocabulary_profiles and basin_relationships, extended protocol) against PostgreSQL directly,
# through PgBouncer (session mode), and through pgcutover in passthrough, dual-write, shadow, rewrite
# and rewrite with reverse dual-write, interleaved in one run on one migrated demo database. Prints a
# Markdown table and appends it, with the command and date, to docs/benchmarks.md.
#   scripts/bench-cutover.sh
# Environment (defaults in brackets):
#   PGCUTOVER_BIN       binary [.build/release/pgcutover]
#   BENCH_PG_PORT       port of the PostgreSQL this script starts and stops [55460]
#   BENCH_SCALE         demo-data scale [0.25]                BENCH_DURATION  seconds per run [10]
#   BENCH_CLIENTS       clients (-c) [4]                      BENCH_THREADS   pgbench threads (-j) [2]
#   BENCH_TARGETS       ["direct pgbouncer passthrough dual-write shadow rewrite rewrite-reverse"]
#   BENCH_WORKLOADS     ["read write"]                        BENCH_ROUNDS    interleaved rounds [1]
#   BENCH_DOCS          1 to append to docs/benchmarks.md, 0 for a quick trial [1]
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bin=${PGCUTOVER_BIN:-.build/release/pgcutover}
pg_port=${BENCH_PG_PORT:-55460}
scale=${BENCH_SCALE:-0.25}
duration=${BENCH_DURATION:-10}
clients=${BENCH_CLIENTS:-4}
threads=${BENCH_THREADS:-2}
targets=${BENCH_TARGETS:-direct pgbouncer passthrough dual-write shadow rewrite rewrite-reverse}
workloads=${BENCH_WORKLOADS:-read write}
rounds=${BENCH_ROUNDS:-1}
write_docs=${BENCH_DOCS:-1}
run="$root/.run/bench-cutover"
db=bench_cutover

[ -x "$bin" ] || { echo "bench: $bin missing: swift build -c release, or set PGCUTOVER_BIN" >&2; exit 1; }
case " $targets " in *" pgbouncer "*)
    command -v pgbouncer >/dev/null || { echo "bench: pgbouncer missing (scripts/install-deps.sh)" >&2; exit 1; } ;;
esac

. "$root/scripts/bench-common.sh"

rm -rf "$run"
mkdir -p "$run/logs"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    if [ -s "$run/pgbouncer.pid" ]; then kill "$(cat "$run/pgbouncer.pid")" 2>/dev/null || true; fi
    scripts/postgres.sh stop "$pg_port"
}
trap cleanup EXIT

scripts/postgres.sh start "$pg_port" >/dev/null
export PGUSER=postgres PGSSLMODE=disable PGHOST=127.0.0.1
url="postgresql://postgres@127.0.0.1:$pg_port/$db"
PGOPTIONS="-c client_min_messages=warning" psql -X -q -p "$pg_port" -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
echo "bench: demo-data --scale $scale, migrate up" >&2
"$bin" demo-data --database-url "$url" --scale "$scale" --seed 1 >"$run/demo-data.log" 2>&1
"$bin" migrate up --database-url "$url" >"$run/migrate.log" 2>&1
# The words and edges the scripts pick from, so every statement names rows that exist.
psql -X -q -p "$pg_port" -d "$db" <<'SQL'
CREATE TABLE bench_words AS SELECT row_number() OVER (ORDER BY word) AS i, word FROM (SELECT DISTINCT word FROM basin_relationships) w;
CREATE TABLE bench_edges AS SELECT row_number() OVER (ORDER BY id) AS i, word, neighbor FROM basin_relationships;
CREATE UNIQUE INDEX ON bench_words (i);
CREATE UNIQUE INDEX ON bench_edges (i);
ANALYZE;
SQL
words=$(psql -X -At -p "$pg_port" -d "$db" -c "SELECT count(*) FROM bench_words")
edges=$(psql -X -At -p "$pg_port" -d "$db" -c "SELECT count(*) FROM bench_edges")

# read: one word's neighbours (the seed's relationships lookup) and its god profiles.
cat >"$run/read.sql" <<SQL
\set i random(1, $words)
SELECT word AS w FROM bench_words WHERE i = :i \gset
SELECT neighbor, cooccurrence_count, strength FROM basin_relationships WHERE word = :w ORDER BY cooccurrence_count DESC, neighbor LIMIT 10;
SELECT god_name, relevance_score FROM god_vocabulary_profiles WHERE word = :w;
SQL
# write: bump one edge's count in a transaction, as the legacy learner does.
cat >"$run/write.sql" <<SQL
\set i random(1, $edges)
SELECT word AS w, neighbor AS n FROM bench_edges WHERE i = :i \gset
BEGIN;
UPDATE basin_relationships SET cooccurrence_count = cooccurrence_count + 1, updated_at = now() WHERE word = :w AND neighbor = :n;
END;
SQL

declare -A port=([direct]=$pg_port)
start_pgcutover() { # target, cutover config body
    port[$1]=$(free_port)
    cat >"$run/$1.toml" <<TOML
[server]
listen = "127.0.0.1:${port[$1]}"
[upstream]
address = "127.0.0.1:$pg_port"
[cutover]
mapping = "$root/config/mapping.toml"
$2
[cutover.shadow]
user = "postgres"
TOML
    # Its own session, like PgBouncer's -d (see bench-proxy.sh: autogroup scheduling).
    setsid "$bin" serve --config "$run/$1.toml" 2>"$run/$1.log" &
    pids+=($!)
    wait_port "${port[$1]}" "$!" "$1"
}
for t in $targets; do
    case $t in
    direct) ;;
    pgbouncer)
        port[pgbouncer]=$(free_port)
        start_pgbouncer "${port[pgbouncer]}" "$pg_port" $((clients + 4))
        ;;
    passthrough | dual-write | shadow | rewrite) start_pgcutover "$t" "mode = \"$t\"" ;;
    rewrite-reverse) start_pgcutover "$t" "mode = \"rewrite\"
reverse_dual_write = true" ;;
    *) echo "bench: unknown target $t" >&2; exit 2 ;;
    esac
done

# Writes direct, through PgBouncer, in passthrough (legacy only) and in rewrite without reverse
# dual-write (JSON only) leave the two sides apart; the synchronised stages must keep them together.
# So before each of those write runs both sides are made equal (`up --repair`, untimed), and after it
# `migrate verify` must be clean.
synchronised() { case $1 in dual-write | shadow | rewrite-reverse) return 0 ;; *) return 1 ;; esac; }
for r in $(seq 1 "$rounds"); do
    for w in $workloads; do
        for t in $targets; do
            if [ "$w" = write ] && synchronised "$t"; then
                "$bin" migrate up --repair --database-url "$url" >"$run/repair-$t-$r.log" 2>&1 \
                    || { tail -20 "$run/repair-$t-$r.log" >&2; exit 1; }
            fi
            echo "bench: round $r, $w, $t" >&2
            out="$run/$t-$w-$r.out"
            pgbench -n -M prepared -f "$run/$w.sql" -c "$clients" -j "$threads" -T "$duration" -p "${port[$t]}" \
                -l --log-prefix="$run/logs/$t-$w-$r" "$db" >"$out" 2>&1 || { cat "$out" >&2; exit 1; }
            failed=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$out")
            [ "${failed:-0}" = 0 ] || { echo "bench: $failed failed transactions in $t $w" >&2; exit 1; }
            if [ "$w" = write ] && synchronised "$t"; then
                "$bin" migrate verify --database-url "$url" >"$run/verify-$t-$r.log" 2>&1 \
                    || { echo "bench: migrate verify found differences after $t:" >&2; tail -30 "$run/verify-$t-$r.log" >&2; exit 1; }
            fi
        done
    done
done

table=$(summary_table workload "$workloads")
echo "$table"

if [ "$write_docs" = 1 ]; then
    {
        printf '### %s\n\n' "$(date -u '+%Y-%m-%d %H:%M UTC')"
        printf 'Command: `%s`, i.e. `pgbench -n -M prepared -f WORKLOAD.sql -c %s -j %s -T %s -l` per target, demo-data scale %s (migrated), %s round(s), ' \
            "BENCH_SCALE=$scale BENCH_DURATION=$duration BENCH_CLIENTS=$clients BENCH_THREADS=$threads BENCH_ROUNDS=$rounds scripts/bench-cutover.sh" \
            "$clients" "$threads" "$duration" "$scale" "$rounds"
        printf 'all on one machine (%s cores, load average %s at the end, loopback, TLS off). %s; %s; %s. `migrate verify` was clean after each synchronised stage'"'"'s write run.\n\n' \
            "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)" \
            "$(pgbench --version)" "$(pgbouncer --version 2>/dev/null | head -1 || echo 'PgBouncer not used')" \
            "$(git -C "$root" rev-parse --short HEAD 2>/dev/null | sed 's/^/pgcutover built from /' || echo 'pgcutover')"
        echo "$table"
    } | python3 scripts/docs-section.py docs/benchmarks.md '## Cutover stages (legacy workload)' \
        'What each stage costs a legacy client: the same legacy statements direct (on the legacy tables), through PgBouncer, and through pgcutover in each mode. `read` is one word'"'"'s neighbours and god profiles; `write` bumps one edge in a transaction. Each transaction also runs one lookup on a helper table to pick its word, equal for every target. Each run is appended by `scripts/bench-cutover.sh`.'
    echo "bench: added to docs/benchmarks.md" >&2
fi
