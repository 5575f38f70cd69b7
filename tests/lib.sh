# lib.sh: shared by the boot tests. Source it from a test's run script.
KILN_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KILN="$KILN_ROOT/scripts/kiln"
IMAGES="$KILN_ROOT/images"

# kiln_test NAME IMAGE [kiln test options...]: one TAP line (not ok
# when IMAGE was not built).
kiln_test() {
    local name=$1 image=$2
    shift 2
    need_image "$name" "$image" || return 1
    "$KILN" test --name "$name" "$IMAGES/$image" "$@"
}

# need_image NAME IMAGE: true if images/IMAGE exists, else a not-ok line
# for NAME: a test without its image fails, it does not skip.
need_image() {
    [ -f "$IMAGES/$2" ] && return 0
    echo "not ok - $1: no images/$2; run make first"
    return 1
}

# qemu_raw OUT IMAGE CMDLINE [qemu options...]: boot an image with a raw
# command line (for what kiln would quote away), console into file OUT;
# sets QEMU_STATUS to the exit= status the guest reported, or "none",
# and QEMU_RC to QEMU's own exit code (124: killed at the time limit).
# QEMU_MACHINE picks the machine (microvm); QEMU_NO_DEBUG_EXIT=1 leaves
# out the isa-debug-exit device.
qemu_raw() {
    local out=$1 image=$2 cmdline=$3 dbg exitdev=()
    shift 3
    dbg=$(mktemp)
    [ "${QEMU_NO_DEBUG_EXIT:-0}" = 1 ] ||
        exitdev=(-device isa-debug-exit,iobase=0xf4,iosize=4)
    timeout 60 qemu-system-x86_64 -machine "${QEMU_MACHINE:-microvm}" \
        -accel tcg -m 16 -nodefaults -no-user-config -display none \
        -no-reboot -serial stdio -debugcon "file:$dbg" "${exitdev[@]}" \
        -kernel "$IMAGES/$image" -append "$cmdline" "$@" < /dev/null > "$out.raw"
    QEMU_RC=$?
    tr -d '\r' < "$out.raw" > "$out"
    rm -f "$out.raw"
    QEMU_STATUS=$(sed -n 's/^exit=0*\([0-9]\)/\1/p' "$dbg")
    QEMU_STATUS=${QEMU_STATUS:-none}
    rm -f "$dbg"
}

# wait_line_of FILE REGEX PID: until the line shows, PID dies, or 60 s
# (tests/net/netlib.sh has wait_line FILE REGEX SECONDS for its guest).
wait_line_of() {
    for _ in $(seq 600); do
        grep -qE "$2" "$1" 2>/dev/null && return 0
        kill -0 "$3" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}

# check NAME CONDITION-STATUS DETAIL: print ok/not ok.
check() {
    if [ "$2" = 0 ]; then echo "ok - $1"; else echo "not ok - $1: $3"; fi
}
