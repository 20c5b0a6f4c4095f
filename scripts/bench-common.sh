# Shared by the benchmark scripts (sourced, not run): ports, readiness, PgBouncer in session mode,
# and the TPS / latency summary of pgbench runs. Expects $run (the run's folder) and $db.

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_port() { # port pid name
    for _ in $(seq 1 150); do
        if pg_isready -q -h 127.0.0.1 -p "$1" -d "$db" -U postgres; then return 0; fi
        if [ -n "$2" ] && ! kill -0 "$2" 2>/dev/null; then
            echo "bench: $3 exited; its log:" >&2; tail -20 "$run/$3.log" >&2; exit 1
        fi
        sleep 0.2
    done
    echo "bench: $3 not ready on port $1" >&2; exit 1
}

start_pgbouncer() { # listen-port server-port pool-size: session mode, trust, TLS off on both sides
    cat >"$run/pgbouncer.ini" <<INI
[databases]
$db = host=127.0.0.1 port=$2 dbname=$db

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $1
unix_socket_dir =
auth_type = trust
auth_file = $run/userlist.txt
pool_mode = session
max_client_conn = 200
default_pool_size = $3
server_tls_sslmode = disable
logfile = $run/pgbouncer.log
pidfile = $run/pgbouncer.pid
INI
    echo '"postgres" ""' >"$run/userlist.txt"
    if [ "$(id -u)" = 0 ]; then
        # PgBouncer refuses to run as root.
        chown -R postgres: "$run"
        runuser -u postgres -- pgbouncer -d "$run/pgbouncer.ini"
    else
        pgbouncer -d "$run/pgbouncer.ini"
    fi
    wait_port "$1" "" pgbouncer
}

# TPS over the measured time summed over rounds, and p50/p99 of every transaction's own duration
# (third field of pgbench's -l log, microseconds). Prints "TPS P50 P99".
pgbench_summary() { # name: reads $run/NAME-ROUND.out for rounds 1..$rounds and $run/logs/NAME-*
    local name=$1 tx=0 secs=0 n tps r count
    for r in $(seq 1 "$rounds"); do
        n=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$run/$name-$r.out")
        tps=$(sed -n 's/^tps = \([0-9.]*\) (without initial connection time)/\1/p' "$run/$name-$r.out")
        tx=$((tx + n))
        secs=$(awk -v s="$secs" -v n="$n" -v t="$tps" 'BEGIN { printf "%.6f", s + n / t }')
    done
    cat "$run"/logs/"$name"-*.* | awk '{ print $3 }' | sort -n >"$run/latency-$name.txt"
    printf '%s %s %s\n' \
        "$(awk -v n="$tx" -v s="$secs" 'BEGIN { printf "%.0f", n / s }')" \
        "$(quantile_ms 0.50 "$run/latency-$name.txt")" "$(quantile_ms 0.99 "$run/latency-$name.txt")"
}

# The P quantile (0.50, 0.99) of FILE's sorted latencies (microseconds, one a line), in ms: the
# smallest value with at least that share of them at or below it.
quantile_ms() { # P FILE
    awk -v p="$1" -v c="$(wc -l <"$2")" 'NR == int(c * p + 0.999999) { printf "%.3f", $1 / 1000; exit }' "$2"
}

# The p99 of one round's transactions of NAME, in ms.
round_p99() { # name round
    cat "$run"/logs/"$1-$2".* | awk '{ print $3 }' | sort -n >"$run/latency-$1-$2.txt"
    quantile_ms 0.99 "$run/latency-$1-$2.txt"
}

# One p99 per round for every target and mode: a run's pooled p99 hides how much one round's p99
# moves on a shared 2-core machine, and the rounds pair the targets (they run back to back).
# Per mode: each target's median, lowest and highest round p99, and for each proxy but PgBouncer
# the rounds in which its p99 was at most PgBouncer's in the same round.
per_round_table() { # kinds
    local kinds=$1 kind t r values sorted wins line
    local -A p99=()
    printf '| target | mode | p99 per round (ms) | median | lowest - highest | rounds with p99 <= PgBouncer'"'"'s |\n'
    printf '|---|---|---|---:|---:|---:|\n'
    for kind in $kinds; do
        for t in $targets; do
            for r in $(seq 1 "$rounds"); do p99[$t,$r]=$(round_p99 "$t-$kind" "$r"); done
        done
        for t in $targets; do
            values=() wins=0
            for r in $(seq 1 "$rounds"); do
                values+=("${p99[$t,$r]}")
                awk -v a="${p99[$t,$r]}" -v b="${p99[pgbouncer,$r]:-}" 'BEGIN { exit !(b != "" && a <= b) }' && wins=$((wins + 1))
            done
            case $t in
            direct|pgbouncer) line="n/a" ;;
            *) [ -n "${p99[pgbouncer,1]:-}" ] && line="$wins of $rounds" || line="n/a" ;;
            esac
            sorted=$(printf '%s\n' "${values[@]}" | sort -n)
            printf '| %s | %s | %s | %s | %s | %s |\n' "$t" "$kind" "$(IFS=/; echo "${values[*]}")" \
                "$(awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : sprintf("%.3f", (v[NR / 2] + v[NR / 2 + 1]) / 2) }' <<<"$sorted")" \
                "$(head -1 <<<"$sorted") - $(tail -1 <<<"$sorted")" "$line"
        done
    done
}

# CPU time (user and system clock ticks, all threads) a process has used so far: "USER SYS".
cpu_ticks() { # pid
    local u=0 s=0 f task
    for task in /proc/"$1"/task/*; do
        read -r -a f <"$task/stat" 2>/dev/null || continue
        # Fields 14 and 15 (utime, stime); the command name (field 2) holds no space for these
        # processes, so the array indexes match the field numbers minus one.
        u=$((u + f[13])) s=$((s + f[14]))
    done
    echo "$u $s"
}

# Per-transaction CPU of the proxy over every round of NAME: "USER SYS" in microseconds, from the
# $run/cpu-NAME-ROUND files ("USER_TICKS SYS_TICKS TRANSACTIONS") the run wrote; "n/a n/a" without.
cpu_per_transaction() { # name
    local files=("$run"/cpu-"$1"-*)
    [ -e "${files[0]}" ] || { echo "n/a n/a"; return; }
    cat "${files[@]}" | awk -v hz="$(getconf CLK_TCK)" '{ u += $1; s += $2; n += $3 }
        END { printf "%.1f %.1f\n", u / hz * 1e6 / n, s / hz * 1e6 / n }'
}

# The Markdown table of a run: one row per (kind, target), TPS relative to `direct` when it ran,
# and, when the run measured it, the proxy process's CPU time per transaction.
summary_table() { # column-name kinds: the second column's heading and its values ($modes, $workloads)
    local column=$1 kinds=$2 kind t tps p50 p99 direct_tps rel user sys
    if [ "${measure_cpu:-0}" = 1 ]; then
        printf '| target | %s | TPS | p50 latency (ms) | p99 latency (ms) | TPS vs direct | proxy CPU per transaction, user + system (µs) |\n' "$column"
        printf '|---|---|---:|---:|---:|---:|---:|\n'
    else
        printf '| target | %s | TPS | p50 latency (ms) | p99 latency (ms) | TPS vs direct |\n' "$column"
        printf '|---|---|---:|---:|---:|---:|\n'
    fi
    for kind in $kinds; do
        direct_tps=""
        for t in $targets; do
            read -r tps p50 p99 < <(pgbench_summary "$t-$kind")
            [ "$t" = direct ] && direct_tps=$tps
            rel=$([ -n "$direct_tps" ] && awk -v a="$tps" -v b="$direct_tps" 'BEGIN { printf "%.0f%%", 100 * a / b }' || echo "n/a")
            if [ "${measure_cpu:-0}" = 1 ]; then
                read -r user sys < <(cpu_per_transaction "$t-$kind")
                printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$t" "$kind" "$tps" "$p50" "$p99" "$rel" \
                    "$([ "$user" = n/a ] && echo n/a || echo "$user + $sys")"
            else
                printf '| %s | %s | %s | %s | %s | %s |\n' "$t" "$kind" "$tps" "$p50" "$p99" "$rel"
            fi
        done
    done
}
