#!/bin/sh
# domu.sh: runs inside the testbed's dom0 (scripts/xen-testbed), from
# /payload. Boots Kiln images as PVH domUs with xl and prints one TAP
# line per check; the host side (run) passes them through.
#
# domu LABEL IMAGE MEM EXPECT [xl config lines...] -- [ARGS]: boot IMAGE
# as domain kiln-IMAGE's-stem, wait until the domain is gone, check its
# console log (xenconsoled's) for EXPECT and "exit=0".
P=/payload
LOGS=/var/log/xen/console
failed=0

domu() {
    label=$1 image=$2 mem=$3 expect=$4
    name=kiln-${image%%-xen.elf}
    shift 4
    cfg=/tmp/$name.cfg
    {
        echo "name = \"$name\""
        echo 'type = "pvh"'
        echo "kernel = \"$P/$image\""
        # memory == maxmem: Kiln does not balloon, so every page in its
        # memory map must be populated (xl refuses PVH domains < 18 MiB)
        echo "memory = $mem"
        echo 'on_poweroff = "destroy"'
        echo 'on_crash = "destroy"'
        while [ $# -gt 0 ] && [ "$1" != -- ]; do echo "$1"; shift; done
        [ "${1:-}" = -- ] && shift
        [ $# -gt 0 ] && echo "cmdline = \"-- $*\""
    } >"$cfg"
    if ! xl create "$cfg" >/tmp/$name.xl 2>&1; then
        sed 's/^/# /' /tmp/$name.xl
        echo "not ok - $label: xl create failed: $(tail -1 /tmp/$name.xl)"
        failed=1
        return
    fi
    i=0
    while xl domid "$name" >/dev/null 2>&1 && [ $i -lt 600 ]; do
        sleep 0.1
        i=$((i + 1))
    done
    if xl domid "$name" >/dev/null 2>&1; then
        xl destroy "$name"
        echo "not ok - $label: still running after 60 s"
        failed=1
        return
    fi
    log=$LOGS/guest-$name.log
    sed 's/^/# /' "$log"
    mv "$log" "$log.$label"
    if grep -q "$expect" "$log.$label" && grep -q "exit=0" "$log.$label"; then
        echo "ok - $label"
    else
        echo "not ok - $label: no /$expect/ or no exit=0 on its console"
        failed=1
    fi
}

domu xen-domu-hello hello-xen.elf 32 "hello: all checks passed" -- a b
domu xen-domu-libc libctest-xen.elf 32 "libctest: all" -- x
# the same domain name again: destroying and re-creating works
domu xen-domu-recreate hello-xen.elf 32 "hello: all checks passed" -- again
exit $failed
