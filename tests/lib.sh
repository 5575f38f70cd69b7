# lib.sh: shared by the boot tests. Source it from a test's run script.
KILN_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KILN="$KILN_ROOT/scripts/kiln"
IMAGES="$KILN_ROOT/images"

# kiln_test NAME IMAGE [kiln test options...]: one TAP line.
kiln_test() {
    local name=$1 image=$2
    shift 2
    "$KILN" test --name "$name" "$IMAGES/$image" "$@"
}

# qemu_raw OUT IMAGE CMDLINE [qemu options...]: boot an image with a raw
# command line (for what kiln would quote away), console into file OUT;
# sets QEMU_STATUS to the exit= status the guest reported, or "none".
qemu_raw() {
    local out=$1 image=$2 cmdline=$3 dbg
    shift 3
    dbg=$(mktemp)
    timeout 60 qemu-system-x86_64 -machine microvm -accel tcg -m 16 \
        -nodefaults -no-user-config -display none -no-reboot \
        -serial stdio -debugcon "file:$dbg" \
        -device isa-debug-exit,iobase=0xf4,iosize=4 \
        -kernel "$IMAGES/$image" -append "$cmdline" "$@" < /dev/null |
        tr -d '\r' > "$out"
    QEMU_STATUS=$(sed -n 's/^exit=0*\([0-9]\)/\1/p' "$dbg")
    QEMU_STATUS=${QEMU_STATUS:-none}
    rm -f "$dbg"
}

# check NAME CONDITION-STATUS DETAIL: print ok/not ok.
check() {
    if [ "$2" = 0 ]; then echo "ok - $1"; else echo "not ok - $1: $3"; fi
}
