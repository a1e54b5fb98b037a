#!/usr/bin/env bash
# Fuzz ingestion for a bounded time: fuzz/run.sh SECONDS [TARGET ...]
# Targets: bytes docx-xml pdf-content text (default: all, sharing the time). Needs atheris
# (`pip install -e '.[fuzz]'`; a prebuilt wheel, no compiler needed on x86-64 Linux).
# Corpus, logs and crash artifacts go to fuzz/.corpus, fuzz/.logs and fuzz/artifacts (ignored by
# git). libFuzzer stops at the first finding; this script records it and goes on until the
# target's time is used up, then prints executions and findings per target.
set -uo pipefail
cd "$(dirname "$0")/.."

total="${1:-60}"
shift || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(bytes docx-xml pdf-content text)
python -c "import atheris" 2>/dev/null || { echo "atheris missing: pip install -e '.[fuzz]'" >&2; exit 2; }

declare -A max_len=([bytes]=65536 [docx-xml]=65536 [pdf-content]=16384 [text]=16384)
per_target=$(( total / ${#targets[@]} ))
python fuzz/seeds.py fuzz/.corpus
mkdir -p fuzz/.logs

summary=()
for target in "${targets[@]}"; do
    mkdir -p "fuzz/.corpus/$target" "fuzz/artifacts/$target"
    log="fuzz/.logs/$target.log"
    : > "$log"
    deadline=$(( $(date +%s) + per_target ))
    runs=0; findings=0; execs=0
    while [ "$(date +%s)" -lt "$deadline" ]; do
        left=$(( deadline - $(date +%s) ))
        [ "$left" -lt 2 ] && break
        python fuzz/harness.py --target "$target" "fuzz/.corpus/$target" \
            -max_total_time="$left" -max_len="${max_len[$target]}" -timeout=20 \
            -rss_limit_mb=2048 -print_final_stats=1 \
            -artifact_prefix="fuzz/artifacts/$target/" >> "$log" 2>&1
        status=$?
        runs=$(( runs + 1 ))
        done_execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | tail -1 | grep -o '[0-9]*$')
        execs=$(( execs + ${done_execs:-0} ))
        # Count each run's stats once: mark the line as consumed.
        sed -i 's/stat::number_of_executed_units:/stat::counted_units:/' "$log"
        [ "$status" -ne 0 ] && findings=$(( findings + 1 ))
    done
    summary+=("$target: ${execs} executions in ${per_target} s, ${runs} run(s), ${findings} finding(s)")
done

printf '%s\n' "${summary[@]}"
ls fuzz/artifacts/*/ 2>/dev/null | grep -v '^$' | grep -v ':$' | sed 's/^/artifact: /' || true
