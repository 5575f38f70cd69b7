# exec-lib.sh: shared by tests/exec/*/run: Debian's busybox-static, and a
# check that a file is the static executable the tests mean to load.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
BUSYBOX=/bin/busybox

# need_static_busybox TEST-NAMES...: fail them all unless /bin/busybox is
# busybox-static's (make deps installs it; Debian's busybox is dynamic).
need_static_busybox() {
    local name
    if [ -f "$BUSYBOX" ] && ! readelf -lW "$BUSYBOX" 2>/dev/null | grep -q INTERP &&
        readelf -hW "$BUSYBOX" 2>/dev/null | grep -q 'EXEC (Executable'; then
        return 0
    fi
    for name in "$@"; do
        echo "not ok - $name: $BUSYBOX is not busybox-static's static executable (make deps)"
    done
    exit 1
}
