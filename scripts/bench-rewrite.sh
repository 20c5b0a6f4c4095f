#!/usr/bin/env bash
# Legacy statements at scale 1.0: each statement shape on the legacy tables (direct to PostgreSQL)
# against the same statement through `pgcutover serve --mode rewrite` on the migrated table, in one
# run, with pgbench custom scripts (-M prepared where parameterized, -c 1 and -c 4). A fourth
# column runs the rewritten SQL itself directly on the migrated database (no proxy), which
# separates what the rewritten statement costs the server from what the proxy hop costs; for the
# seed's two statements another runs the seed document's own hand-written single-table statement
# (its "After" queries), the form the issue asks the rewrite to take. Prints a
# Markdown table and appends it, with the command and date, to docs/benchmarks.md under
# "Rewrite: legacy statements direct vs rewritten through pgcutover".
#   scripts/bench-rewrite.sh
# Environment:
#   PGCUTOVER_BIN             proxy binary (default .build/release/pgcutover, built if missing)
#   PGCUTOVER_REWRITER_BENCHMARK_BIN  prints the rewritten SQL (default
#                             .build/release/rewriter-benchmark, built if missing)
#   PGCUTOVER_PG_PORT         the project's PostgreSQL (default 55438)
#   PGCUTOVER_BENCH_SECONDS   pgbench -T per measurement (default 5)
#   PGCUTOVER_BENCH_SHAPES    only these shapes, by script name (e.g. full_load.sql,seed_god.sql)
#   PGCUTOVER_BENCH_KEEP=1    reuse the benchmark databases if they exist: only after a run that
#                             stopped before its timed writes, which leave the two databases with
#                             different rows (each side's upsert runs as often as its TPS allows), so
#                             the answer check below then refuses them
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
. "$root/scripts/bench-common.sh"
port=${PGCUTOVER_PG_PORT:-55438}
bin=${PGCUTOVER_BIN:-.build/release/pgcutover}
rewriter_bin=${PGCUTOVER_REWRITER_BENCHMARK_BIN:-.build/release/rewriter-benchmark}
seconds=${PGCUTOVER_BENCH_SECONDS:-5}
legacy_db=pgcutover_bench_legacy
migrated_db=pgcutover_bench_migrated
work="$root/.run/bench-rewrite"
mkdir -p "$work"

bash scripts/install-deps.sh
bash scripts/postgres.sh start "$port" >/dev/null
if [ ! -x "$bin" ]; then
    echo "== building pgcutover (release)"
    swift build -c release --product pgcutover 2>&1 | grep -Ev '^\[[0-9]+/[0-9]+\] '
fi
if [ ! -x "$rewriter_bin" ]; then
    echo "== building rewriter-benchmark (release)"
    swift build -c release --product rewriter-benchmark 2>&1 | grep -Ev '^\[[0-9]+/[0-9]+\] '
fi

psql_db() { local db=$1; shift; psql -h 127.0.0.1 -p "$port" -U postgres -d "$db" -qAtX -v ON_ERROR_STOP=1 "$@"; }
exists() { [ "$(psql_db postgres -c "SELECT count(*) FROM pg_database WHERE datname = '$1'")" = 1 ]; }

# ---------------------------------------------------------------------------------------------
# Data: production-shaped data made with SQL (16,031 tokens; 109 god profiles over 12 gods and 97
# words; ~362k relationship rows over 8,513 words), folded with the rewriter's test fold. The
# statements below name its words (tok1 …), so the demo data, whose words differ, does not fit them.
# ---------------------------------------------------------------------------------------------
if [ "${PGCUTOVER_BENCH_KEEP:-0}" = 1 ] && exists "$legacy_db" && exists "$migrated_db"; then
    echo "== reusing $legacy_db and $migrated_db"
    data_source="kept from an earlier run"
else
    psql_db postgres -c "DROP DATABASE IF EXISTS $migrated_db WITH (FORCE)" -c "DROP DATABASE IF EXISTS $legacy_db WITH (FORCE)"
    psql_db postgres -c "CREATE DATABASE $legacy_db"
    echo "== scale 1.0 data (SQL)"
    psql_db "$legacy_db" <<'SQL'
CREATE TABLE coordizer_vocabulary (
    id SERIAL PRIMARY KEY,
    token TEXT NOT NULL CONSTRAINT tokenizer_vocabulary_token_unique UNIQUE,
    token_id INTEGER, frequency INTEGER DEFAULT 1, token_role TEXT DEFAULT 'encoding',
    qfi_score DOUBLE PRECISION, basin_embedding REAL[], source_type TEXT,
    created_at TIMESTAMP DEFAULT NOW(), updated_at TIMESTAMP DEFAULT NOW());
CREATE TABLE god_vocabulary_profiles (
    id SERIAL PRIMARY KEY, god_name TEXT NOT NULL, word TEXT NOT NULL,
    relevance_score REAL NOT NULL, usage_count INTEGER DEFAULT 0, last_used TIMESTAMP DEFAULT NOW(),
    learned_from_phi REAL, basin_distance REAL, UNIQUE (god_name, word));
CREATE TABLE basin_relationships (
    id SERIAL PRIMARY KEY, word TEXT NOT NULL, neighbor TEXT NOT NULL,
    cooccurrence_count REAL DEFAULT 1, strength REAL, avg_phi REAL, max_phi REAL,
    fisher_distance REAL, contexts TEXT[], updated_at TIMESTAMP DEFAULT NOW(),
    UNIQUE (word, neighbor));
CREATE TABLE vocabulary_learning (id SERIAL PRIMARY KEY, word TEXT NOT NULL, learned_from TEXT);

INSERT INTO coordizer_vocabulary (token, token_id, frequency, token_role, qfi_score, basin_embedding, source_type,
                                  created_at, updated_at)
SELECT 'tok' || i, i, 1 + i % 50, CASE WHEN i % 9 = 0 THEN 'merge' ELSE 'encoding' END, (i % 1000) / 1000.0,
       array_fill((i % 97) / 97.0::real, ARRAY[64]), 'bench', timestamp '2026-01-01' + i * interval '1 minute',
       timestamp '2026-01-02' + i * interval '1 minute'
FROM generate_series(1, 16031) AS i;

INSERT INTO god_vocabulary_profiles (god_name, word, relevance_score, usage_count, last_used, learned_from_phi, basin_distance)
SELECT (ARRAY['zeus', 'athena', 'apollo', 'ares', 'hermes', 'hera', 'poseidon', 'demeter', 'artemis',
              'hephaestus', 'aphrodite', 'dionysus'])[1 + (i - 1) % 12],
       'tok' || (1 + ((i - 1) % 97) * 13), ((i * 37) % 100) / 100.0, i % 9,
       timestamp '2026-01-11 08:07:09.123456' + i * interval '13 minutes',
       CASE WHEN i % 3 = 0 THEN NULL ELSE (i % 10) / 10.0 END, CASE WHEN i % 4 = 0 THEN NULL ELSE 1.0 / i END
FROM generate_series(1, 109) AS i;

-- 30..55 neighbours per word (mean ~42.5): ~362k rows over 8,513 words.
INSERT INTO basin_relationships (word, neighbor, cooccurrence_count, strength, avg_phi, max_phi, fisher_distance,
                                 contexts, updated_at)
SELECT 'tok' || w, 'tok' || (1 + (w * 17 + k * 379) % 16031), 1 + (w * k) % 40, ((w + k) % 100) / 100.0 + 0.001,
       0.3 + (k % 7) / 10.0, 0.9, ((w * k) % 1000) / 100.0,
       CASE WHEN k % 3 = 0 THEN ARRAY['ctx ' || k, 'seen'] END, timestamp '2026-01-20' + (w + k) * interval '1 second'
FROM generate_series(1, 8513) AS w, generate_series(1, 55) AS k
WHERE k <= 30 + (w * 7) % 26
ORDER BY w, k;

INSERT INTO vocabulary_learning (word, learned_from)
SELECT 'tok' || i, CASE WHEN i % 2 = 0 THEN 'zeus' ELSE 'athena' END FROM generate_series(1, 16031, 5) AS i;
VACUUM ANALYZE;
SQL
    psql_db postgres -c "CREATE DATABASE $migrated_db TEMPLATE $legacy_db"
    # The migrations' schema and functions around the fixture's fold, in the order migrated.txt lists.
    grep -v -e '^#' -e '^[[:space:]]*$' Tests/RewriterTests/Fixtures/migrated.txt | while read -r file; do
        psql_db "$migrated_db" -f "$file" >/dev/null
    done
    psql_db "$migrated_db" -c "VACUUM ANALYZE"
    data_source="SQL-generated scale 1.0 data folded with Tests/RewriterTests/Fixtures/migrate.sql"
fi
counts=$(psql_db "$legacy_db" -c "SELECT (SELECT count(*) FROM coordizer_vocabulary) || ' tokens, ' ||
    (SELECT count(*) FROM god_vocabulary_profiles) || ' god profiles, ' ||
    (SELECT count(*) FROM basin_relationships) || ' relationships over ' ||
    (SELECT count(DISTINCT word) FROM basin_relationships) || ' words'")
echo "   $counts"

# ---------------------------------------------------------------------------------------------
# The proxy, in rewrite mode, in front of the same server.
# ---------------------------------------------------------------------------------------------
proxy_port=$(free_port)
"$bin" serve --listen "127.0.0.1:$proxy_port" --upstream "127.0.0.1:$port" --mode rewrite \
    --mapping config/mapping.toml >"$work/proxy.log" 2>&1 &
proxy_pid=$!
# The same binary in its default passthrough mode in front of the legacy database: separates the
# cost of the extra hop from the cost of the rewrite.
pass_port=$(free_port)
"$bin" serve --listen "127.0.0.1:$pass_port" --upstream "127.0.0.1:$port" >"$work/proxy-passthrough.log" 2>&1 &
pass_pid=$!
trap 'kill "$proxy_pid" "$pass_pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
    psql -h 127.0.0.1 -p "$proxy_port" -U postgres -d "$migrated_db" -qAtXc "SELECT 1" >/dev/null 2>&1 &&
        psql -h 127.0.0.1 -p "$pass_port" -U postgres -d "$legacy_db" -qAtXc "SELECT 1" >/dev/null 2>&1 && break
    sleep 0.1
done

# ---------------------------------------------------------------------------------------------
# Statement shapes: pgbench scripts. :god and :words are -D variables (parameters under -M
# prepared); the upsert batch is literal, as psycopg2's execute_values sends it.
# ---------------------------------------------------------------------------------------------
cat >"$work/seed_god.sql" <<'SQL'
SELECT word, relevance_score FROM god_vocabulary_profiles WHERE god_name = :god;
SQL
cat >"$work/seed_words.sql" <<'SQL'
SELECT neighbor, cooccurrence_count FROM basin_relationships WHERE word = ANY(:words);
SQL
cat >"$work/full_load.sql" <<'SQL'
SELECT word, neighbor, cooccurrence_count FROM basin_relationships ORDER BY word, cooccurrence_count DESC;
SQL
cat >"$work/join.sql" <<'SQL'
SELECT g.word, g.relevance_score, b.neighbor, b.cooccurrence_count FROM god_vocabulary_profiles g JOIN basin_relationships b ON b.word = g.word WHERE g.god_name = :god ORDER BY b.cooccurrence_count DESC, b.neighbor LIMIT 50;
SQL
{
    # Row i's word is drawn from its own 85 words, so no batch proposes one (word, neighbor) twice
    # (which ON CONFLICT DO UPDATE refuses, and pgbench would abort on).
    for i in $(seq 1 100); do
        echo "\\set w$i random($(((i - 1) * 85 + 1)), $((i * 85)))"
        echo "\\set n$i random(1, 16031)"
    done
    printf 'INSERT INTO basin_relationships (word, neighbor, cooccurrence_count, fisher_distance, avg_phi, max_phi, contexts, updated_at) VALUES '
    for i in $(seq 1 100); do
        [ "$i" = 1 ] || printf ', '
        printf "('tok' || :w$i, 'tok' || :n$i, 2.0, 0.4, 0.6, 0.7, ARRAY['bench'], NOW())"
    done
    printf ' ON CONFLICT (word, neighbor) DO UPDATE SET cooccurrence_count = GREATEST(basin_relationships.cooccurrence_count, EXCLUDED.cooccurrence_count), avg_phi = (COALESCE(basin_relationships.avg_phi, 0.5) + EXCLUDED.avg_phi) / 2.0, contexts = CASE WHEN COALESCE(array_length(basin_relationships.contexts, 1), 0) < 10 THEN COALESCE(basin_relationships.contexts, ARRAY[]::text[]) || EXCLUDED.contexts ELSE basin_relationships.contexts END, updated_at = NOW();\n'
} >"$work/upsert_batch.sql"
cat >"$work/update_cte.sql" <<'SQL'
WITH word_totals AS (SELECT word, SUM(cooccurrence_count) as total_cooc FROM basin_relationships GROUP BY word), max_prob AS (SELECT MAX(wr.cooccurrence_count / NULLIF(wt.total_cooc, 0)) as max_p FROM basin_relationships wr JOIN word_totals wt ON wr.word = wt.word) UPDATE basin_relationships wr SET strength = (wr.cooccurrence_count / NULLIF((SELECT total_cooc FROM word_totals WHERE word = wr.word), 0)) / NULLIF((SELECT max_p FROM max_prob), 0) WHERE strength IS NULL OR strength = 0 OR updated_at >= NOW() - INTERVAL '1 minute';
SQL
words='{tok10,tok200,tok3000,tok4500,tok8000}'
# The seed document's own single-table statements for the two seed shapes, as its generation code
# sends them (they return the JSON the way that code wants it, not the legacy columns).
cat >"$work/own_seed_god.sql" <<'SQL'
SELECT token, CAST(god_profile->:god->>'relevance_score' AS FLOAT) FROM coordizer_vocabulary WHERE god_profile ? :god AND active = true;
SQL
cat >"$work/own_seed_words.sql" <<'SQL'
SELECT token, jsonb_array_elements(relationships) FROM coordizer_vocabulary WHERE token = ANY(:words) AND relationships IS NOT NULL AND active = true;
SQL

# The same scripts with each statement replaced by its rewrite, to run on the migrated database
# without the proxy. pgbench variables become parameters for the rewriter ($1 … in order of first
# use, as pgbench -M prepared sends them) and are put back afterwards, so both ways the server
# gets the same text: the proxy rewrites what pgbench sends, here pgbench sends the rewrite.
rewrite_script() { # script -> rw_script
    python3 - "$rewriter_bin" "$work/$1" "$work/rw_$1" <<'PY'
import re, subprocess, sys
rewriter, source, target = sys.argv[1:]
variable = re.compile(r"(?<!:):([A-Za-z_][A-Za-z0-9_]*)")
out = []
for line in open(source).read().splitlines():
    if line.startswith("\\") or not line.strip():
        out.append(line)
        continue
    names = []
    def to_param(match):
        if match.group(1) not in names:
            names.append(match.group(1))
        return "$%d" % (names.index(match.group(1)) + 1)
    sql = variable.sub(to_param, line.rstrip().rstrip(";"))
    rewritten = subprocess.run([rewriter, "--print", "config/mapping.toml"], input=sql, text=True,
                               capture_output=True, check=True).stdout.strip()
    out.append(re.sub(r"\$([0-9]+)(?![0-9])", lambda m: ":" + names[int(m.group(1)) - 1], rewritten) + ";")
open(target, "w").write("\n".join(out) + "\n")
PY
}
for script in seed_god.sql seed_words.sql full_load.sql join.sql upsert_batch.sql update_cte.sql; do
    rewrite_script "$script"
done

# Same answers both ways before timing anything (sorted text of the reads).
answer() { # port db sql
    psql -h 127.0.0.1 -p "$1" -U postgres -d "$2" -qAtX -v ON_ERROR_STOP=1 -c "$3" | sort | md5sum
}
for sql in "SELECT word, relevance_score FROM god_vocabulary_profiles WHERE god_name = 'athena'" \
           "SELECT neighbor, cooccurrence_count FROM basin_relationships WHERE word = ANY('$words')" \
           "$(sed 's/:god/'"'athena'"'/; s/;$//' "$work/join.sql")" \
           "SELECT count(*), sum(cooccurrence_count) FROM basin_relationships"; do
    if [ "$(answer "$port" "$legacy_db" "$sql")" != "$(answer "$proxy_port" "$migrated_db" "$sql")" ]; then
        echo "bench-rewrite: different answers direct and through pgcutover for: $sql" >&2
        exit 1
    fi
done
# And the rewritten scripts on their own: the reads answer as the legacy scripts do.
answer_file() { # db script
    psql -h 127.0.0.1 -p "$port" -U postgres -d "$1" -qAtX -v ON_ERROR_STOP=1 -v "god='athena'" \
        -v "words='$words'" -f "$2" | sort | md5sum
}
for script in seed_god.sql seed_words.sql join.sql; do
    if [ "$(answer_file "$legacy_db" "$work/$script")" != "$(answer_file "$migrated_db" "$work/rw_$script")" ]; then
        echo "bench-rewrite: different answers from $script and its rewrite rw_$script" >&2
        exit 1
    fi
done

# shape | script | pgbench mode
shapes=(
    "seed: god vocabulary by god (\`god_name = \$1\`)|seed_god.sql|prepared"
    "seed: relationships by words (\`word = ANY(\$1)\`, 5 words)|seed_words.sql|prepared"
    "full load (362k rows, ORDER BY word, cooccurrence_count DESC)|full_load.sql|simple"
    "join profiles x relationships for one god, top 50|join.sql|prepared"
    "UPDATE with CTEs (strength recalculation, steady state)|update_cte.sql|simple"
    "execute_values upsert batch, 100 rows, ON CONFLICT DO UPDATE|upsert_batch.sql|simple"
)

# CPU time (ns) of every thread of process $1 so far: exact, unlike utime/stime's ticks.
cpu_ns() { cat /proc/"$1"/task/*/schedstat | awk '{ sum += $1 } END { print sum }'; }

tps_ratio() { # a b -> a / b to two decimals, "-" when b is 0
    python3 -c "print(f'{$1 / $2:.2f}' if $2 else '-')"
}

measure() { # port db script mode clients [proxy_pid] -> "tps latency_ms proxy_cpu_us_per_statement"
    local out before=0
    [ -z "${6:-}" ] || before=$(cpu_ns "$6")
    out=$(pgbench -h 127.0.0.1 -p "$1" -U postgres -n -f "$work/$3" -M "$4" -c "$5" -j "$5" -T "$seconds" \
        -D god=athena -D "words=$words" "$2" 2>&1) || { echo "pgbench failed: $out" >&2; return 1; }
    local tps lat
    tps=$(awk '/^tps = / {print $3}' <<<"$out")
    lat=$(awk '/^latency average = / {print $4}' <<<"$out")
    local cpu=n/a statements
    if [ -n "${6:-}" ]; then
        statements=$(awk '/^number of transactions actually processed: / {split($6, n, "/"); print n[1]}' <<<"$out")
        cpu=$(python3 -c "print(f'{($(cpu_ns "$6") - $before) / 1000 / $statements:.1f}' if $statements else '-')")
    fi
    printf '%.1f %.3f %s' "$tps" "$lat" "$cpu"
}

# The strength UPDATE's work depends on how many rows qualify (NULL/0 strength, or updated in the
# last minute). One run first on each side sets them, so the timed runs measure the steady state
# of the script's loop: every relationship row scanned and tested, none changed (the upsert batch,
# which makes rows qualify again, is timed after it).
psql_db "$legacy_db" -f "$work/update_cte.sql" >/dev/null
psql -h 127.0.0.1 -p "$proxy_port" -U postgres -d "$migrated_db" -qAtX -v ON_ERROR_STOP=1 -f "$work/update_cte.sql" >/dev/null
psql_db "$migrated_db" -f "$work/rw_update_cte.sql" >/dev/null

date_utc=$(date -u '+%Y-%m-%d %H:%M UTC')
table="| statement shape | pgbench | clients | legacy direct TPS | direct latency (ms) | legacy via pgcutover passthrough TPS | passthrough latency (ms) | rewritten SQL direct TPS | rewritten SQL direct latency (ms) | seed's own statement direct TPS | seed's own latency (ms) | rewritten via pgcutover TPS | rewritten latency (ms) | rewritten SQL direct/legacy direct TPS | rewritten SQL direct/seed's own TPS | rewritten via pgcutover/direct TPS | rewritten SQL via passthrough TPS | passthrough proxy CPU (µs/statement) | rewritten SQL via passthrough proxy CPU (µs/statement) | rewrite proxy CPU (µs/statement) |
|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
for entry in "${shapes[@]}"; do
    IFS='|' read -r label script mode <<<"$entry"
    if [ -n "${PGCUTOVER_BENCH_SHAPES:-}" ] && [[ ",$PGCUTOVER_BENCH_SHAPES," != *",$script,"* ]]; then continue; fi
    for clients in 1 4; do
        echo "== $label, -M $mode -c $clients"
        result=$(measure "$port" "$legacy_db" "$script" "$mode" "$clients")
        read -r d_tps d_lat _ <<<"$result"
        result=$(measure "$pass_port" "$legacy_db" "$script" "$mode" "$clients" "$pass_pid")
        read -r t_tps t_lat t_cpu <<<"$result"
        result=$(measure "$port" "$migrated_db" "rw_$script" "$mode" "$clients")
        read -r s_tps s_lat _ <<<"$result"
        # The rewritten SQL through the passthrough proxy: the same result relayed as the rewrite
        # mode relays it, at the pace the server produces it.
        result=$(measure "$pass_port" "$migrated_db" "rw_$script" "$mode" "$clients" "$pass_pid")
        read -r r_tps _ r_cpu <<<"$result"
        o_tps=n/a o_lat=n/a own_ratio=n/a
        if [ -f "$work/own_$script" ]; then
            result=$(measure "$port" "$migrated_db" "own_$script" "$mode" "$clients")
            read -r o_tps o_lat _ <<<"$result"
            own_ratio=$(tps_ratio "$s_tps" "$o_tps")
        fi
        result=$(measure "$proxy_port" "$migrated_db" "$script" "$mode" "$clients" "$proxy_pid")
        read -r p_tps p_lat p_cpu <<<"$result"
        server_ratio=$(tps_ratio "$s_tps" "$d_tps")
        ratio=$(tps_ratio "$p_tps" "$d_tps")
        echo "   direct $d_tps tps $d_lat ms | passthrough $t_tps tps $t_lat ms ($t_cpu µs CPU) | rewritten SQL direct $s_tps tps $s_lat ms | rewritten SQL via passthrough $r_tps tps ($r_cpu µs CPU) | seed's own $o_tps tps $o_lat ms | rewritten $p_tps tps $p_lat ms ($p_cpu µs CPU)"
        table+="
| $label | \`-M $mode\` | $clients | $d_tps | $d_lat | $t_tps | $t_lat | $s_tps | $s_lat | $o_tps | $o_lat | $p_tps | $p_lat | $server_ratio | $own_ratio | $ratio | $r_tps | $t_cpu | $r_cpu | $p_cpu |"
    done
done

section="
### $date_utc

\`scripts/bench-rewrite.sh\` (pgbench \`-n -T $seconds -c N -j N\`, scripts in \`.run/bench-rewrite/\`; proxy:
\`$bin serve --mode rewrite --mapping config/mapping.toml\`). Data: $data_source ($counts).
Direct: the legacy tables on PostgreSQL 15; passthrough: the same, through pgcutover's default
mode (the cost of the hop); rewritten SQL direct: the statement's rewrite (as \`rewriter-benchmark
--print\` makes it, pgbench variables as parameters) run directly on the migrated copy, the
server's share of the rewritten statement; seed's own statement direct (the two seed shapes): the
seed document's hand-written single-table query for the same need, run directly on the migrated
copy; rewritten via pgcutover: the legacy statement sent to
pgcutover in rewrite mode, which rewrites it onto coordizer_vocabulary's JSONB columns of the
migrated copy. Writes change each database as they run (the upsert adds rows; each database gets
it twice), reads run first.
The strength UPDATE runs once on each side before it is timed, so its figures are the script
loop's steady state: every relationship row read and tested, none qualifying. Figures are one
pgbench run each (TPS over the run, mean latency), not medians; the machine is shared.
Proxy CPU: CPU time of the proxy process (all threads, /proc/PID/task/*/schedstat) per statement,
which other load on the machine barely changes; *rewritten SQL via passthrough* sends the rewrite
itself through the passthrough proxy, so the proxy relays the same result, at the same pace of
the server, as in rewrite mode: the difference to the rewrite column is the rewrite mode's own
cost.${PGCUTOVER_BENCH_SHAPES:+ Shapes: $PGCUTOVER_BENCH_SHAPES only.}

$table
"
echo "$section"
heading="## Rewrite: legacy statements direct vs rewritten through pgcutover"
[ -f docs/benchmarks.md ] || printf '# Benchmarks\n' >docs/benchmarks.md
grep -qxF "$heading" docs/benchmarks.md || printf '\n%s\n' "$heading" >>docs/benchmarks.md
python3 - "$heading" "$section" <<'PY'
import sys
heading, section = sys.argv[1], sys.argv[2]
path = "docs/benchmarks.md"
text = open(path).read()
start = text.index(heading + "\n")
# Insert at the end of this heading's section (before the next "## " heading), keeping the others.
next_heading = text.find("\n## ", start + len(heading))
end = len(text) if next_heading < 0 else next_heading + 1
text = text[:end].rstrip("\n") + "\n" + section.rstrip("\n") + "\n" + ("\n" + text[end:] if end < len(text) else "")
open(path, "w").write(text)
PY
echo "appended to docs/benchmarks.md"
