#!/usr/bin/env bash
# Load and soak: many concurrent client connections through one pgcutover in rewrite mode (with
# reverse dual-write), for a while: pgbench's point selects on most connections, a legacy read/write
# workload on the legacy tables on the rest. Fails on any client error (the server sends none to an
# honest workload), reports p99 latency per workload and the proxy's RSS over time (growth after
# warm-up), checks `migrate verify` at the end, and appends the result to docs/reliability.md.
#   scripts/soak.sh
# Environment (defaults in brackets; CI runs a short version):
#   PGCUTOVER_BIN        binary [.build/release/pgcutover]
#   SOAK_PG_PORT         port of the PostgreSQL this script starts and stops [55470]
#   SOAK_SECONDS         duration [600]                     SOAK_CONNECTIONS  total client connections [1000]
#   SOAK_LEGACY_CLIENTS  connections running the legacy workload [16]
#   SOAK_DOCS            1 to append to docs/reliability.md [1]
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bin=${PGCUTOVER_BIN:-.build/release/pgcutover}
pg_port=${SOAK_PG_PORT:-55470}
seconds=${SOAK_SECONDS:-600}
connections=${SOAK_CONNECTIONS:-1000}
legacy_clients=${SOAK_LEGACY_CLIENTS:-16}
write_docs=${SOAK_DOCS:-1}
run="$root/.run/soak"
db=soak
select_clients=$((connections - legacy_clients))

[ -x "$bin" ] || { echo "soak: $bin missing: swift build -c release, or set PGCUTOVER_BIN" >&2; exit 1; }
# Every client connection costs the proxy two descriptors (client and server side), pgbench one.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
[ "$(ulimit -n)" -ge $((connections * 2 + 100)) ] || { echo "soak: open-file limit $(ulimit -n) too low for $connections connections" >&2; exit 1; }

rm -rf "$run"
mkdir -p "$run/logs"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    scripts/postgres.sh stop "$pg_port"
}
trap cleanup EXIT

scripts/postgres.sh start "$pg_port" >/dev/null
export PGUSER=postgres PGSSLMODE=disable PGHOST=127.0.0.1
url="postgresql://postgres@127.0.0.1:$pg_port/$db"
PGOPTIONS="-c client_min_messages=warning" psql -X -q -p "$pg_port" -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
pgbench -i -q -s 10 -p "$pg_port" "$db" 2>"$run/init.log"
"$bin" demo-data --database-url "$url" --scale 0.1 --seed 3 >"$run/demo-data.log" 2>&1
"$bin" migrate up --database-url "$url" >"$run/migrate.log" 2>&1
psql -X -q -p "$pg_port" -d "$db" <<'SQL'
CREATE TABLE soak_edges AS SELECT row_number() OVER (ORDER BY id) AS i, word, neighbor FROM basin_relationships;
CREATE UNIQUE INDEX ON soak_edges (i);
ANALYZE;
SQL
edges=$(psql -X -At -p "$pg_port" -d "$db" -c "SELECT count(*) FROM soak_edges")
cat >"$run/legacy.sql" <<SQL
\set i random(1, $edges)
SELECT word AS w, neighbor AS n FROM soak_edges WHERE i = :i \gset
SELECT neighbor, cooccurrence_count FROM basin_relationships WHERE word = :w ORDER BY cooccurrence_count DESC, neighbor LIMIT 10;
SELECT god_name, relevance_score FROM god_vocabulary_profiles WHERE word = :w;
BEGIN;
UPDATE basin_relationships SET cooccurrence_count = cooccurrence_count + 1 WHERE word = :w AND neighbor = :n;
END;
SQL

proxy_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$run/pgcutover.toml" <<TOML
[server]
listen = "127.0.0.1:$proxy_port"
[upstream]
address = "127.0.0.1:$pg_port"
[cutover]
mode = "rewrite"
reverse_dual_write = true
mapping = "$root/config/mapping.toml"
TOML
"$bin" serve --config "$run/pgcutover.toml" 2>"$run/pgcutover.log" &
proxy_pid=$!
pids+=("$proxy_pid")
for _ in $(seq 1 150); do
    pg_isready -q -p "$proxy_port" -d "$db" && break
    kill -0 "$proxy_pid" 2>/dev/null || { tail -20 "$run/pgcutover.log" >&2; exit 1; }
    sleep 0.2
done

# RSS of the proxy every 5 s, from the kernel's own accounting.
(
    start=$(date +%s)
    while kill -0 "$proxy_pid" 2>/dev/null; do
        rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$proxy_pid/status" 2>/dev/null || true)
        [ -n "$rss" ] && echo "$(($(date +%s) - start)) $rss" >>"$run/rss.txt"
        sleep 5
    done
) &
pids+=($!)

echo "soak: $connections connections ($select_clients pgbench -S, $legacy_clients legacy) for ${seconds}s" >&2
pgbench -n -S -M prepared -c "$select_clients" -j 2 -T "$seconds" -p "$proxy_port" \
    -l --log-prefix="$run/logs/select" "$db" >"$run/select.out" 2>&1 &
select_pid=$!
pgbench -n -M prepared -f "$run/legacy.sql" -c "$legacy_clients" -j 1 -T "$seconds" -p "$proxy_port" \
    -l --log-prefix="$run/logs/legacy" "$db" >"$run/legacy.out" 2>&1 &
legacy_pid=$!
status=0
wait "$select_pid" || status=1
wait "$legacy_pid" || status=1
sessions_at_end=$(ls "/proc/$proxy_pid/fd" | wc -l)

for w in select legacy; do
    if [ "$status" != 0 ] || grep -Eq 'aborted|error' "$run/$w.out"; then
        echo "soak: client errors in the $w workload:" >&2; grep -E 'aborted|error' "$run/$w.out" | head -5 >&2
        status=1
    fi
done
kill -0 "$proxy_pid" 2>/dev/null || { echo "soak: the proxy died" >&2; status=1; }
"$bin" migrate verify --database-url "$url" >"$run/verify.log" 2>&1 \
    || { echo "soak: migrate verify found differences:" >&2; tail -20 "$run/verify.log" >&2; status=1; }

summary() { # workload
    local out="$run/$1.out"
    tps=$(sed -n 's/^tps = \([0-9.]*\) (without initial connection time)/\1/p' "$out" | cut -d. -f1)
    cat "$run"/logs/"$1".* | awk '{ print $3 }' | sort -n >"$run/latency-$1.txt"
    count=$(wc -l <"$run/latency-$1.txt")
    p50=$(awk -v c="$count" 'NR == int(c * 0.50 + 0.999999) { printf "%.3f", $1 / 1000; exit }' "$run/latency-$1.txt")
    p99=$(awk -v c="$count" 'NR == int(c * 0.99 + 0.999999) { printf "%.3f", $1 / 1000; exit }' "$run/latency-$1.txt")
    failed=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$out")
    printf '| %s | %s | %s | %s | %s | %s |\n' "$1" "$count" "$tps" "$p50" "$p99" "${failed:-?}"
}
warm=$((seconds / 5))
rss_warm=$(awk -v w="$warm" '$1 >= w { print $2; exit }' "$run/rss.txt")
rss_end=$(tail -1 "$run/rss.txt" | awk '{ print $2 }')
rss_max=$(awk 'BEGIN { m = 0 } $2 > m { m = $2 } END { print m }' "$run/rss.txt")
table=$(
    printf '| workload | transactions | TPS | p50 latency (ms) | p99 latency (ms) | failed |\n|---|---:|---:|---:|---:|---:|\n'
    summary select
    summary legacy
)
rss_line="Proxy RSS: $((rss_warm / 1024)) MiB after warm-up (${warm} s), $((rss_end / 1024)) MiB at the end, $((rss_max / 1024)) MiB at most; growth after warm-up $(((rss_end - rss_warm) / 1024)) MiB. Descriptors open at the end of the load: $sessions_at_end."
echo "$table"
echo "$rss_line"

if [ "$write_docs" = 1 ]; then
    {
        printf '### %s\n\n' "$(date -u '+%Y-%m-%d %H:%M UTC')"
        printf 'Command: `SOAK_SECONDS=%s SOAK_CONNECTIONS=%s SOAK_LEGACY_CLIENTS=%s scripts/soak.sh` (%s cores, load average %s at the end, %s; pgcutover built from %s). %s `migrate verify` after the run: %s.\n\n' \
            "$seconds" "$connections" "$legacy_clients" "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)" "$(pgbench --version)" \
            "$(git rev-parse --short HEAD)" "$rss_line" "$([ "$status" = 0 ] && echo clean || echo 'see the run')"
        echo "$table"
    } | python3 scripts/docs-section.py docs/reliability.md '## Load and soak' \
        'One proxy in rewrite mode (with reverse dual-write) under `SOAK_CONNECTIONS` concurrent connections: pgbench point selects on most, the legacy read/write script on the rest. Each run is appended by `scripts/soak.sh`.'
fi
exit $status
