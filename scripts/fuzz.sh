#!/usr/bin/env bash
# Coverage-guided fuzzing (libFuzzer) of the wire codec's decoders and the rewriter; see
# docs/fuzzing.md. Builds into .build-fuzz (never touches .build), runs each target for a bounded
# time from its corpus in Tests/Fuzz/corpus/<target>/, prints executions per target, and exits
# non-zero if any target crashed or broke an invariant.
#
#   scripts/fuzz.sh [SECONDS per target, default 60] [TARGET ...]   (targets: startup frontend backend rewriter)
#
# New inputs go to .run/fuzz/<run>/<target>/new/, not to the repository, unless FUZZ_UPDATE_CORPUS=1:
# then the ones that add coverage are merged (libFuzzer -merge=1) into the corpus folder.
set -euo pipefail
# A crash must reach libFuzzer (which saves the input), not Swift's backtracer.
export SWIFT_BACKTRACE=enable=no
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(startup frontend backend rewriter)

echo "== build with -sanitize=fuzzer into .build-fuzz"
build=(swift build -Xswiftc -sanitize=fuzzer -Xswiftc -DFUZZING --scratch-path .build-fuzz --product pgcutover-fuzz)
mkdir -p .run
if ! "${build[@]}" >.run/fuzz-build.log 2>&1; then
    grep -Ev '^\[[0-9]+/[0-9]+\] ' .run/fuzz-build.log >&2
    echo "fuzz build failed" >&2
    exit 1
fi
bin="$(swift build --scratch-path .build-fuzz --show-bin-path)/pgcutover-fuzz"

run=".run/fuzz/$(date -u +%Y%m%dT%H%M%SZ)"
status=0
summary=()
for target in "${targets[@]}"; do
    case "$target" in
        rewriter) max_len=2048; extra=(-dict=Tests/Fuzz/rewriter.dict) ;;
        startup|frontend|backend) max_len=4096; extra=() ;;
        *) echo "unknown target $target" >&2; exit 2 ;;
    esac
    corpus="Tests/Fuzz/corpus/$target"
    out="$run/$target"
    mkdir -p "$out/new" "$corpus"
    echo "== $target: ${seconds}s from $corpus"
    # libFuzzer writes new inputs into the first folder and reads all of them.
    set +e
    started=$SECONDS
    "$bin" "$target" "$out/new" "$corpus" "${extra[@]}" \
        -max_total_time="$seconds" -max_len="$max_len" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$out/" >"$out/log" 2>&1
    rc=$?
    elapsed=$((SECONDS - started))
    set -e
    executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$out/log" | tail -1)
    coverage=$(grep -Eo 'cov: [0-9]+' "$out/log" | tail -1 | cut -d' ' -f2)
    line="$target: ${executions:-?} executions in ${elapsed}s, ${rate:-?} exec/s, coverage ${coverage:-?} edges, $(ls "$out/new" | wc -l) new inputs"
    crashes=$(find "$out" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'timeout-*' -o -name 'oom-*' -o -name 'leak-*' \))
    if [ $rc -ne 0 ] || [ -n "$crashes" ]; then
        status=1
        line="$line: FAILED (exit $rc)"
        echo "$target FAILED; log: $out/log"
        grep -E 'pgcutover-fuzz finding|ERROR: libFuzzer|Fatal error|SUMMARY' "$out/log" | head -5 || true
        for input in $crashes; do
            echo "  input: $input"
            echo "  replay:  swift build --product pgcutover-fuzz && .build/debug/pgcutover-fuzz $target $input"
            echo "  keep it: cp $input Tests/Fuzz/regressions/$target/  (CorpusReplayTests replays it)"
        done
    elif [ "${FUZZ_UPDATE_CORPUS:-0}" = 1 ] && [ -n "$(ls "$out/new")" ]; then
        "$bin" "$target" -merge=1 -max_len="$max_len" "$corpus" "$out/new" >"$out/merge.log" 2>&1
        echo "   merged into $corpus: $(ls "$corpus" | wc -l) inputs"
    fi
    summary+=("$line")
done

echo "== fuzz summary ($(date -u +%Y-%m-%dT%H:%MZ), log in $run)"
printf '%s\n' "${summary[@]}" | tee "$run/summary"
exit $status
