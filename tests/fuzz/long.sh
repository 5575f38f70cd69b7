# long.sh: a fuzzer's long campaign, for `tests/fuzz/NAME/run --long` and
# `make fuzz-long`. Source it from a fuzz run script.
#
# fuzz_long NAME FUZZER SEED_DIR [libFuzzer options...]: FUZZ_LONG_SECONDS
# (default 600) of libFuzzer's fork mode, which keeps going after a crash,
# leak or timeout, on a corpus kept in images/host/fuzz-NAME-corpus from
# one campaign to the next (the seeds are read too). Prints one TAP line
# with the executions and the findings; each new finding stays in
# images/host/fuzz-NAME-findings/, replayed for its stack (the first 5).
# KILN_FUZZ_MEM etc. pass through to the fuzzer.
fuzz_long() {
    local name=$1 fuzzer=$2 seeds=$3
    shift 3
    local secs=${FUZZ_LONG_SECONDS:-600}
    local corpus=$IMAGES/host/fuzz-$name-corpus
    local findings=$IMAGES/host/fuzz-$name-findings
    local log stamp
    log=$(mktemp)
    stamp=$(mktemp)
    mkdir -p "$corpus" "$findings"
    "$fuzzer" -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
        -max_total_time="$secs" -artifact_prefix="$findings/" "$@" \
        "$corpus" "$seeds" > "$log" 2>&1
    local status=$?
    # Fork mode's status lines: "#EXECS: cov: ... oom/timeout/crash: O/T/C".
    local last execs bad new
    last=$(grep -E '^#[0-9]+: ' "$log" | tail -1)
    execs=$(echo "$last" | sed -n 's/^#\([0-9]*\):.*/\1/p')
    bad=$(echo "$last" | sed -n 's/.*oom\/timeout\/crash: \([0-9/]*\).*/\1/p')
    new=$(find "$findings" -type f -newer "$stamp" | sort)
    # Fork mode keeps only each crash's first line: count them by kind,
    # then replay the first few findings for their stacks (a net finding
    # may need the inputs before it, so it may not fail alone).
    grep -E "^==[0-9]+==ERROR|^PANIC|panic|deadly signal" "$log" |
        sed 's/^==[0-9]*==//; s/ on address.*//; s/ (pc .*//' |
        sort | uniq -c | sed 's/^ */#   /'
    local shown=0 f out kind kinds=""
    for f in $new; do
        echo "# finding $f"
        [ $shown -lt 5 ] || continue
        shown=$((shown + 1))
        out=$(timeout 120 "$fuzzer" "$f" 2>&1 |
            grep -E "^SUMMARY|PANIC|panic|^ +#[0-5] " | sed 's/ (BuildId.*//')
        kind=$(echo "$out" | grep -m1 -E "^SUMMARY|PANIC|panic")
        case "$kinds" in *"[$kind]"*) continue ;; esac
        kinds="$kinds[$kind]"
        echo "${out:-did not fail alone: it needs the inputs before it}" |
            sed 's/^/#   /'
    done
    if [ "$status" != 0 ] && [ -z "$new" ]; then
        tail -3 "$log" | sed 's/^/# /'
    fi
    local n
    n=$(echo -n "$new" | grep -c .)
    local line="fuzz-$name long${KILN_FUZZ_MEM:+ (arena $KILN_FUZZ_MEM)}: $secs s, ${execs:-?} executions, oom/timeout/crash ${bad:-?}, $n new findings"
    if [ "$status" = 0 ] && [ "$n" = 0 ]; then
        echo "ok - $line"
    else
        echo "not ok - $line (status $status)"
    fi
    rm -f "$log" "$stamp"
}
