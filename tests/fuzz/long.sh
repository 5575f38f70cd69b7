# long.sh: a fuzzer's long campaign, for `tests/fuzz/NAME/run --long` and
# `make fuzz-long`. Source it from a fuzz run script.
#
# fuzz_long NAME FUZZER SEED_DIR [libFuzzer options...]: FUZZ_LONG_SECONDS
# (default 600) of libFuzzer's fork mode, which keeps going after a crash,
# leak or timeout, on a corpus kept in images/host/fuzz-NAME-corpus from
# one campaign to the next (the seeds are read too). Prints one TAP line
# with the executions and the findings; each new finding stays in
# images/host/fuzz-NAME-findings/ and its first stack lines are printed.
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
    for f in $new; do
        echo "# finding $f (replay: $fuzzer $f)"
    done
    # What went wrong, once per kind, with the first frames of its stack.
    grep -A14 -E "^==[0-9]+==ERROR|^PANIC|^host: panic" "$log" |
        grep -E "ERROR|PANIC|panic|^ +#[0-9]+ " | awk '!seen[$0]++' |
        head -40 | sed 's/^/#   /'
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
