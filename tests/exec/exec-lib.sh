# exec-lib.sh: shared by tests/exec/*/run: Debian's busybox-static, and a
# check that a file is the static executable the tests mean to load.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
BUSYBOX=/bin/busybox

BUSYBOX_MISSING="$BUSYBOX is not busybox-static's static executable (make deps)"

# is_static_busybox: /bin/busybox is busybox-static's (make deps installs
# it; Debian's busybox is dynamic).
is_static_busybox() {
    [ -f "$BUSYBOX" ] && ! readelf -lW "$BUSYBOX" 2>/dev/null | grep -q INTERP &&
        readelf -hW "$BUSYBOX" 2>/dev/null | grep -q 'EXEC (Executable'
}

# need_static_busybox TEST-NAMES...: fail them all unless is_static_busybox.
need_static_busybox() {
    local name
    is_static_busybox && return 0
    for name in "$@"; do
        echo "not ok - $name: $BUSYBOX_MISSING"
    done
    exit 1
}
