#!/usr/bin/env bash
# Proxy throughput benchmark: pgbench -S (read-only point selects) with the simple and the prepared
# protocol, against PostgreSQL directly, through PgBouncer (session mode) and through pgcutover,
# interleaved in one run on the same server. Prints a Markdown table (TPS, p50/p99 latency per target
# and mode, and each proxy's CPU time per transaction) and appends it, with the command and date, to
# docs/benchmarks.md.
#   scripts/bench-proxy.sh
# Environment (defaults in brackets):
#   PGCUTOVER_BIN       proxy binary [.build/release/pgcutover]
#   BENCH_PG_PORT       port of the PostgreSQL this script starts and stops [55450]
#   BENCH_DURATION      seconds per pgbench run [10]      BENCH_CLIENTS   clients (-c) [8]
#   BENCH_THREADS       pgbench threads (-j) [2]          BENCH_SCALE     pgbench -i scale [10]
#   BENCH_TARGETS       which targets ["direct pgbouncer pgcutover"]; pgcutover-threads-N runs a second
#                       pgcutover with --threads N beside the default one; relay-floor runs a plain
#                       SwiftNIO byte relay (Sources/RelayFloor, as many threads as cores): the part
#                       of pgcutover's cost that is SwiftNIO's own; relay-floor-threads-N the same
#                       with N threads
#   RELAY_FLOOR_BIN     its binary [.build/release/relay-floor]
#   BENCH_MODES         pgbench -M modes ["simple prepared"]
#   BENCH_ROUNDS        how many times each target/mode pair runs, interleaved [1]
#   BENCH_DOCS          1 to append to docs/benchmarks.md, 0 for a quick trial [1]
#   BENCH_PGCUTOVER_ARGS extra flags for pgcutover serve, e.g. "--threads 2" [none]
#   BENCH_RATE          transactions per second in all for pgbench --rate, so that every target gets
#                       the same offered load and latencies compare at equal throughput (they then
#                       count from each transaction's scheduled start) [none: as fast as it goes]
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bin=${PGCUTOVER_BIN:-.build/release/pgcutover}
floor_bin=${RELAY_FLOOR_BIN:-.build/release/relay-floor}
pg_port=${BENCH_PG_PORT:-55450}
duration=${BENCH_DURATION:-10}
clients=${BENCH_CLIENTS:-8}
threads=${BENCH_THREADS:-2}
scale=${BENCH_SCALE:-10}
targets=${BENCH_TARGETS:-direct pgbouncer pgcutover}
modes=${BENCH_MODES:-simple prepared}
rounds=${BENCH_ROUNDS:-1}
write_docs=${BENCH_DOCS:-1}
read -r -a pgcutover_args <<<"${BENCH_PGCUTOVER_ARGS:-}"
rate=${BENCH_RATE:-}
rate_args=()
[ -z "$rate" ] || rate_args=(--rate "$rate")
run="$root/.run/bench"
db=bench

. "$root/scripts/bench-common.sh"

for t in $targets; do
    case $t in
    direct) ;;
    pgbouncer) command -v pgbouncer >/dev/null || { echo "bench: pgbouncer missing (scripts/install-deps.sh)" >&2; exit 1; } ;;
    pgcutover|pgcutover-threads-[0-9]*) [ -x "$bin" ] || { echo "bench: $bin missing: swift build -c release, or set PGCUTOVER_BIN, or leave pgcutover out of BENCH_TARGETS" >&2; exit 1; } ;;
    relay-floor|relay-floor-threads-[0-9]*) [ -x "$floor_bin" ] || { echo "bench: $floor_bin missing: swift build -c release, or set RELAY_FLOOR_BIN" >&2; exit 1; } ;;
    *) echo "bench: unknown target $t" >&2; exit 2 ;;
    esac
done

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
PGOPTIONS="-c client_min_messages=warning" psql -X -q -p "$pg_port" -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
echo "bench: pgbench -i -s $scale" >&2
pgbench -i -q -s "$scale" -p "$pg_port" "$db" 2>"$run/init.log"

declare -A port=([direct]=$pg_port)
declare -A proxy_pid=()
measure_cpu=1
for t in $targets; do
    case $t in
    pgbouncer)
        port[pgbouncer]=$(free_port)
        start_pgbouncer "${port[pgbouncer]}" "$pg_port" $((clients + 4))
        proxy_pid[pgbouncer]=$(cat "$run/pgbouncer.pid")
        ;;
    pgcutover|pgcutover-threads-[0-9]*|relay-floor|relay-floor-threads-[0-9]*)
        port[$t]=$(free_port)
        case $t in
        pgcutover*)
            command=("$bin" serve --listen "127.0.0.1:${port[$t]}" --upstream "127.0.0.1:$pg_port"
                --upstream-sslmode disable "${pgcutover_args[@]}")
            [ "$t" = pgcutover ] || command+=(--threads "${t##*-}")
            ;;
        relay-floor*)
            floor_threads=$(nproc)
            [ "$t" = relay-floor ] || floor_threads=${t##*-}
            command=("$floor_bin" "${port[$t]}" "$pg_port" "$floor_threads")
            ;;
        esac
        # Its own session, as a service manager starts a server and as `pgbouncer -d` does for
        # itself: with the kernel's autogroup scheduling, a proxy left in this script's session
        # shares one CPU group with pgbench and loses the cores to it under load.
        setsid "${command[@]}" 2>"$run/$t.log" &
        pids+=($!)
        proxy_pid[$t]=$!
        wait_port "${port[$t]}" "$!" "$t"
        ;;
    esac
done

# One pgbench run per (round, mode, target); targets alternate within each mode so that drift in the
# machine's load hits all of them alike.
for r in $(seq 1 "$rounds"); do
    for m in $modes; do
        for t in $targets; do
            echo "bench: round $r, -M $m, $t" >&2
            out="$run/$t-$m-$r.out"
            [ -z "${proxy_pid[$t]:-}" ] || read -r user0 sys0 < <(cpu_ticks "${proxy_pid[$t]}")
            pgbench -n -S -M "$m" -c "$clients" -j "$threads" -T "$duration" "${rate_args[@]}" -p "${port[$t]}" \
                -l --log-prefix="$run/logs/$t-$m-$r" "$db" >"$out" 2>&1 || { cat "$out" >&2; exit 1; }
            failed=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$out")
            [ "${failed:-0}" = 0 ] || { echo "bench: $failed failed transactions in $t -M $m" >&2; exit 1; }
            if [ -n "${proxy_pid[$t]:-}" ]; then
                read -r user1 sys1 < <(cpu_ticks "${proxy_pid[$t]}")
                echo "$((user1 - user0)) $((sys1 - sys0)) $(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$out")" \
                    >"$run/cpu-$t-$m-$r"
            fi
        done
    done
done

# TPS: transactions over the measured time, summed over rounds. Latency: every transaction's own
# duration (third field of pgbench's -l log, microseconds).
table=$(summary_table mode "$modes")
if [ "$rounds" -gt 1 ]; then
    table="$table

$(per_round_table "$modes")"
fi
echo "$table"

if [ "$write_docs" = 1 ]; then
    mkdir -p docs
    {
        printf '### %s\n\n' "$(date -u '+%Y-%m-%d %H:%M UTC')"
        printf 'Command: `%s`, i.e. `pgbench -n -S -M MODE -c %s -j %s -T %s%s -l` per target, scale %s, %s round(s), ' \
            "BENCH_DURATION=$duration BENCH_CLIENTS=$clients BENCH_THREADS=$threads BENCH_SCALE=$scale BENCH_TARGETS=\"$targets\" BENCH_ROUNDS=$rounds${rate:+ BENCH_RATE=$rate}${BENCH_PGCUTOVER_ARGS:+ BENCH_PGCUTOVER_ARGS=\"$BENCH_PGCUTOVER_ARGS\"} scripts/bench-proxy.sh" \
            "$clients" "$threads" "$duration" "${rate:+ --rate $rate}" "$scale" "$rounds"
        printf 'all on one machine (%s cores, load average %s at the end, loopback, TLS off). %s; %s; %s.\n\n' \
            "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)" \
            "$(pgbench --version)" "$(pgbouncer --version 2>/dev/null | head -1 || echo 'PgBouncer not used')" \
            "$(git -C "$(dirname "$bin")/../.." rev-parse --short HEAD 2>/dev/null | sed 's/^/pgcutover built from /' || echo 'pgcutover')"
        echo "$table"
    } | python3 scripts/docs-section.py docs/benchmarks.md '## Proxy throughput (pgbench -S)' \
        'Each run is appended by `scripts/bench-proxy.sh`.'
    echo "bench: added to docs/benchmarks.md" >&2
fi
