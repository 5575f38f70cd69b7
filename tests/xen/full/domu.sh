#!/bin/sh
# domu.sh: runs inside the testbed's dom0 (scripts/xen-testbed), from
# /payload. Boots Kiln images as PVH domUs with xl and prints one TAP
# line per check; the host side (run) passes them through.
#
# domu LABEL IMAGE MEM EXPECT [xl config lines...] -- [ARGS]: boot IMAGE
# as domain kiln-IMAGE's-stem, wait until the domain is gone, check its
# console log (xenconsoled's) for EXPECT and "exit=$want_exit" (0 unless
# the caller sets want_exit).
P=/payload
LOGS=/var/log/xen/console
failed=0
want_exit=0

# xl_create CFG NAME: xl create, output in /tmp/NAME.xl (shown on failure).
# Once in a while xl itself dies of a heap corruption in this nested
# dom0 (glibc aborts it, status 134) before or after building the domain;
# that is the toolstack's crash, not the guest's, so it gets one retry.
xl_create() {
    xl create "$1" >/tmp/$2.xl 2>&1
    rc=$?
    if [ $rc = 134 ]; then
        sed 's/^/# xl aborted, retrying: /' /tmp/$2.xl
        xl destroy "$2" >/dev/null 2>&1
        xl create "$1" >/tmp/$2.xl 2>&1
        rc=$?
    fi
    [ $rc = 0 ] && return 0
    sed 's/^/# /' /tmp/$2.xl
    return 1
}

# domain_exists NAME: the domain is listed. One failed lookup is not
# proof it is gone (xl can fail transiently), so it must fail twice.
domain_exists() {
    xl domid "$1" >/dev/null 2>&1 || xl domid "$1" >/dev/null 2>&1
}

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
    if ! xl_create "$cfg" "$name"; then
        echo "not ok - $label: xl create failed: $(tail -1 /tmp/$name.xl)"
        failed=1
        return
    fi
    # Done when the guest has printed its exit status and the toolstack
    # has destroyed it, or after 120 s by the clock (a loop count would
    # not do: each xl call takes a varying fraction of a second here).
    log=$LOGS/guest-$name.log
    end=$(($(date +%s) + 120))
    while [ "$(date +%s)" -lt $end ]; do
        if grep -q "exit=" "$log" 2>/dev/null && ! domain_exists "$name"; then
            break
        fi
        sleep 0.2
    done
    if domain_exists "$name"; then
        xl destroy "$name"
        sed 's/^/# /' "$LOGS/guest-$name.log"
        mv "$LOGS/guest-$name.log" "$LOGS/guest-$name.log.$label"
        echo "not ok - $label: still running after 120 s"
        failed=1
        return
    fi
    sed 's/^/# /' "$log"
    mv "$log" "$log.$label"
    if grep -q "$expect" "$log.$label" &&
        grep -Eq "^exit=0*$want_exit([^0-9]|\$)" "$log.$label"; then
        echo "ok - $label"
    else
        echo "not ok - $label: no /$expect/ or no exit=$want_exit on its console"
        failed=1
    fi
}

domu xen-domu-hello hello-xen.elf 32 "hello: all checks passed" -- a b
domu xen-domu-libc libctest-xen.elf 32 "libctest: all" -- x
# the same domain name again: destroying and re-creating works
domu xen-domu-recreate hello-xen.elf 32 "hello: all checks passed" -- again
# A domain without vifs or disks learns so from at most one xenstore
# request (each is a round trip through dom0: hello's 17 took ~200 ms),
# none if its program never asks for a NIC or disk.
domu xen-domu-find-devices hello-xen.elf 32 "hello: all checks passed" \
    'cmdline = "boot=timeline"'
if grep -q 'devices found with \([2-9]\|[1-9][0-9]\)' \
    $LOGS/guest-kiln-hello.log.xen-domu-find-devices; then
    echo "not ok - xen-domu-find-devices-one-request: $(grep 'devices found' \
        $LOGS/guest-kiln-hello.log.xen-domu-find-devices)"
    failed=1
else
    echo "ok - xen-domu-find-devices-one-request"
fi
# xenstore's ring is set up by its first request (control.c's watch, at
# the first idle), not in the boot: hello reaches main (its first line)
# before it.
if awk '/^Hello from Kiln!/ { main = 1 }
    /^boot: xenstore ring set up at its first use/ { exit !main }
    END { if (!main) exit 1 }' \
    $LOGS/guest-kiln-hello.log.xen-domu-find-devices &&
    grep -q '^boot: xenstore ring set up' \
        $LOGS/guest-kiln-hello.log.xen-domu-find-devices; then
    echo "ok - xen-domu-xenstore-after-main"
else
    echo "not ok - xen-domu-xenstore-after-main: $(grep -E \
        '^(boot: xenstore|Hello from)' \
        $LOGS/guest-kiln-hello.log.xen-domu-find-devices | tr '\n' ' ')"
    failed=1
fi

# Disks (blkfront): tests/apps/blktest on a read-write and a read-only disk, both
# copies of pristine.img (sector i holds "kiln sector i", made on the host
# as tests/boot/blk/run does). After the domain is gone, dom0 checks the
# files: the guest's writes are in a.img exactly as expected.img has them,
# and b.img is unchanged.
blk_check() { # NAME: TAP line from the status of the command before it
    if [ $? = 0 ]; then echo "ok - $1"; else echo "not ok - $1"; failed=1; fi
}
cp $P/pristine.img /tmp/a.img && cp $P/pristine.img /tmp/b.img
domu xen-domu-blk blktest-xen.elf 32 "blktest: all checks passed" \
    "disk = ['format=raw,vdev=xvda,access=rw,backendtype=phy,target=/tmp/a.img', 'format=raw,vdev=xvdb,access=ro,backendtype=phy,target=/tmp/b.img']" \
    -- 2048
cmp /tmp/a.img $P/expected.img
blk_check xen-domu-blk-dom0-sees-writes
cmp /tmp/b.img $P/pristine.img
blk_check xen-domu-blk-ro-untouched

# Unmodified Debian executables (busybox-static's /bin/busybox) under the
# loader image, app/exec: the host packed busybox.cpio (bin/busybox and
# www/index.html), which xl hands the domain as its boot archive
# (ramdisk, a PVH module); exec= names the program in it. 64 MiB: the
# loader keeps the program's own 4 MiB..32 MiB addresses for it.
EXEC_ARCHIVE=$P/busybox.cpio
# have_busybox LABEL: the host could pack the archive (else not ok).
have_busybox() {
    [ -f $EXEC_ARCHIVE ] && return 0
    echo "not ok - $1: $(cat $P/no-busybox 2>/dev/null)"
    failed=1
    return 1
}
have_busybox xen-domu-exec-busybox-echo &&
    domu xen-domu-exec-busybox-echo exec-xen.elf 64 \
        "^busybox-on-xen: echo from a Debian binary" \
        "ramdisk = \"$EXEC_ARCHIVE\"" \
        'cmdline = "exec=/bin/busybox -- echo busybox-on-xen: echo from a Debian binary"'
# the program's own exit status is the domain's exit= line
want_exit=7
have_busybox xen-domu-exec-busybox-status &&
    domu xen-domu-exec-busybox-status exec-xen.elf 64 "^busybox-sh: 6" \
        "ramdisk = \"$EXEC_ARCHIVE\"" \
        "cmdline = 'exec=/bin/busybox -- sh -c \"echo busybox-sh: \$((2 * 3)); exit 7\"'"
want_exit=0

# ---- network (netfront): domUs with vifs on br0, checked from dom0 ----

# net_cfg NAME IMAGE CMDLINE VIF...: an xl config for a domU that stays
# up (the checks destroy it), with one vif per VIF (its xl spec).
net_cfg() {
    name=$1 image=$2 cmdline=$3
    shift 3
    vifs=
    for v in "$@"; do vifs="$vifs${vifs:+, }'$v'"; done
    cat >/tmp/$name.cfg <<CFG
name = "$name"
type = "pvh"
kernel = "$P/$image"
memory = 32
on_poweroff = "destroy"
on_crash = "destroy"
vif = [ $vifs ]
cmdline = "$cmdline"
CFG
}

# net_start NAME: xl create; says why and fails if it refuses.
net_start() {
    xl_create /tmp/$1.cfg "$1"
}

# net_stop NAME LABEL: destroy the domain, show and keep its console.
net_stop() {
    xl destroy "$1" 2>/dev/null
    sed 's/^/# /' "$LOGS/guest-$1.log"
    mv "$LOGS/guest-$1.log" "$LOGS/guest-$1.log.$2"
}

# until_ok TRIES CMD...: run CMD until it succeeds, at most TRIES times.
until_ok() {
    n=$1
    shift
    while [ "$n" -gt 0 ]; do
        "$@" && return 0
        n=$((n - 1))
    done
    return 1
}

# log_says NAME TEXT: the domain's console has TEXT (else a short pause).
log_says() {
    grep -q "$2" "$LOGS/guest-$1.log" 2>/dev/null && return 0
    sleep 0.1
    return 1
}

ping1() { busybox ping -c 1 -W 1 "$1" >/dev/null 2>&1; }
# ping6_br0 ADDR: one echo to a link-local ADDR on br0 (busybox takes the
# interface as -I or as the address's %scope, depending on its build).
ping6_br0() {
    busybox ping -6 -c 1 -W 1 -I br0 "$1" >/dev/null 2>&1 ||
        busybox ping -6 -c 1 -W 1 "$1%br0" >/dev/null 2>&1
}

# httpd behind one vif: curl from dom0 gets the page; reports the time
# from xl create to the first HTTP response.
net_httpd() {
    label=xen-domu-net-httpd name=kiln-net-httpd
    net_cfg $name httpd-xen.elf \
        "ip=10.99.0.2::10.99.0.1:255.255.255.0 -- -p 80" \
        'bridge=br0,mac=00:16:3e:00:00:02'
    t0=$(date +%s%N)
    if ! net_start $name; then
        echo "not ok - $label: xl create failed"
        failed=1
        return
    fi
    tc=$(date +%s%N)
    # curl at once would lose whole seconds to ARP retries while the guest
    # boots: first wait (bounded) for httpd to say it listens
    until_ok 600 log_says $name "httpd: listening"
    until_ok 20 curl -s --max-time 1 -o /dev/null http://10.99.0.2/
    t1=$(date +%s%N)
    page=$(curl -s --max-time 20 http://10.99.0.2/)
    # the same domU on IPv6: its EUI-64 link-local address (from the MAC)
    sysctl -qw net.ipv6.conf.br0.disable_ipv6=0 2>/dev/null
    if until_ok 30 ping6_br0 fe80::216:3eff:fe00:2; then
        echo "ok - xen-domu-net-ping6"
    else
        echo "not ok - xen-domu-net-ping6: no answer from fe80::216:3eff:fe00:2 on br0"
        failed=1
    fi
    net_stop $name $label
    if echo "$page" | grep -q "Hello from Kiln"; then
        echo "# xl create to first HTTP response: $(((t1 - t0) / 1000000)) ms" \
            "(xl create itself: $(((tc - t0) / 1000000)) ms)"
        echo "ok - $label"
    else
        echo "not ok - $label: no page from http://10.99.0.2/"
        failed=1
    fi
}

# Debian's busybox httpd under the loader image, files from the boot
# archive: it forks a child per connection (components/posix's vfork),
# so the page is fetched twice and a missing one is a 404.
net_exec_httpd() {
    label=xen-domu-exec-busybox-httpd name=kiln-exec-httpd
    have_busybox $label || return
    net_cfg $name exec-xen.elf \
        "ip=10.99.0.5::10.99.0.1:255.255.255.0 exec=/bin/busybox -- httpd -f -vv -p 80 -h /www" \
        'bridge=br0,mac=00:16:3e:00:00:05'
    # the loader needs 64 MiB (see the exec domUs above) and the archive
    sed -i 's/^memory = 32$/memory = 64/' /tmp/$name.cfg
    echo "ramdisk = \"$EXEC_ARCHIVE\"" >>/tmp/$name.cfg
    if ! net_start $name; then
        echo "not ok - $label: xl create failed"
        failed=1
        return
    fi
    # the address is set when httpd opens its socket; then retry curl
    until_ok 600 log_says $name "(static)"
    until_ok 20 curl -s --max-time 1 -o /dev/null http://10.99.0.5/
    page=$(curl -s --max-time 20 http://10.99.0.5/)
    again=$(curl -s --max-time 20 http://10.99.0.5/index.html)
    missing=$(curl -s --max-time 20 -o /dev/null -w '%{http_code}' \
        http://10.99.0.5/no/such/page)
    net_stop $name $label
    if echo "$page" | grep -q "served by busybox on xen" &&
        echo "$again" | grep -q "served by busybox on xen" &&
        [ "$missing" = 404 ]; then
        echo "ok - $label"
    else
        echo "not ok - $label: page: $(echo "$page" | head -c 80);" \
            "again: $(echo "$again" | head -c 80); missing: $missing"
        failed=1
    fi
}

# nettest with two vifs: each answers ping for its own address.
net_two_vifs() {
    label=xen-domu-net-two-vifs name=kiln-net-two
    net_cfg $name nettest-xen.elf "-- 1000 10.99.0.3 10.99.0.4" \
        'bridge=br0,mac=00:16:3e:00:00:03' 'bridge=br0,mac=00:16:3e:00:00:04'
    if ! net_start $name; then
        echo "not ok - $label: xl create failed"
        failed=1
        return
    fi
    until_ok 60 ping1 10.99.0.3
    a=$?
    until_ok 10 ping1 10.99.0.4
    b=$?
    net_stop $name $label
    log=$LOGS/guest-$name.log.$label
    if [ $a = 0 ] && [ $b = 0 ] && grep -q "nic0: answered ping" "$log" &&
        grep -q "nic1: answered ping" "$log"; then
        echo "ok - $label"
    else
        echo "not ok - $label: ping 10.99.0.3: $a, 10.99.0.4: $b"
        failed=1
    fi
}

# ---- netfront offloads: bulk TCP both ways, 64 KiB segments on the vif ----

BULK_MIB=8
BULK_BYTES=$((BULK_MIB * 1048576))

# vif_stat NAME FIELD: the domain's first vif's counter, as dom0 sees it
# (its rx is what the guest sent).
vif_stat() {
    cat "/sys/class/net/vif$(xl domid "$1").0/statistics/$2" 2>/dev/null || echo 0
}

# csum_errors: dom0's count of TCP segments with a bad checksum.
csum_errors() {
    awk '/^Tcp:/ { if (n++) print $NF }' /proc/net/snmp
}

# bulk_run LABEL DIR CMDLINE: a tcpbulk domU, then dom0's side of the
# transfer; prints the TAP line and "# ..." figures. DIR h2g: dom0 sends
# to the guest's `tcpbulk recv`; g2h: the guest sends to dom0's.
bulk_run() {
    label=$1 dir=$2 name=kiln-bulk-$2
    net_cfg $name tcpbulk-xen.elf "$3" 'bridge=br0,mac=00:16:3e:00:00:06'
    # tcpbulk exits when done: keep the domain, and its vif's counters
    sed -i 's/^on_poweroff = "destroy"/on_poweroff = "preserve"/' /tmp/$name.cfg
    errs0=$(csum_errors)
    [ $dir = g2h ] && { timeout 300 $P/tcpbulk recv 5001 >/tmp/bulk.out 2>&1 & }
    if ! net_start $name; then
        echo "not ok - $label: xl create failed"
        failed=1
        return
    fi
    if [ $dir = h2g ]; then
        until_ok 600 log_says $name "tcpbulk: listening"
        timeout 300 $P/tcpbulk send 10.99.0.6 5001 $BULK_MIB >/tmp/bulk.out 2>&1
        rc=$?
        until_ok 100 log_says $name "tcpbulk: received"
        frames=$(vif_stat $name tx_packets) bytes=$(vif_stat $name tx_bytes)
    else
        wait $!
        rc=$?
        frames=$(vif_stat $name rx_packets) bytes=$(vif_stat $name rx_bytes)
    fi
    errs1=$(csum_errors)
    net_stop $name $label
    log=$LOGS/guest-$name.log.$label
    sed 's/^/# dom0: /' /tmp/bulk.out
    avg=$((bytes / (frames + 1)))
    echo "# $dir: $frames frames, $bytes B on the vif (average $avg B)"
    if [ $rc = 0 ] && grep -q "tcpbulk: .* $BULK_BYTES B in" /tmp/bulk.out &&
        grep -q "tcpbulk: .* $BULK_BYTES B in" "$log" &&
        [ "$errs1" = "$errs0" ] && [ $avg -gt 1514 ]; then
        echo "ok - $label"
    else
        echo "not ok - $label: status $rc, checksum errors $errs0 -> $errs1," \
            "average frame $avg B (64 KiB segments should pass 1514)"
        failed=1
    fi
}

# tcpbulk checks every byte on the receiving side, so matching data and a
# whole count mean each segment's checksum was accepted (and dom0's
# InCsumErrors must not move); segments past 1514 bytes on the vif mean
# segmentation went through netfront, not around it.
net_bulk() {
    bulk_run xen-domu-net-bulk-h2g h2g \
        "ip=10.99.0.6::10.99.0.1:255.255.255.0 -- recv 5001"
    bulk_run xen-domu-net-bulk-g2h g2h \
        "ip=10.99.0.6::10.99.0.1:255.255.255.0 -- send 10.99.0.1 5001 $BULK_MIB"
}

# Console input (tests/apps/readline): dom0 types into the pty that
# xenconsoled gives the domain (`xl console` opens the same one), as a
# terminal in raw mode does: Enter is CR; a script's CR LF and LF too.
# readline answers each line and exits with the count before "quit".
console_input() {
    label=xen-domu-console-input name=kiln-readline
    printf 'name = "%s"\ntype = "pvh"\nkernel = "%s"\nmemory = 32\non_poweroff = "preserve"\n' \
        $name $P/readline-xen.elf >/tmp/$name.cfg
    if ! xl_create /tmp/$name.cfg $name; then
        echo "not ok - $label: xl create failed"
        failed=1
        return
    fi
    until_ok 600 log_says $name "readline: ready"
    tty=$(xenstore-read "/local/domain/$(xl domid $name)/console/tty")
    long=$(printf 'x%.0s' $(seq 200))
    printf 'first line\r%s\r\nthird\nquit\r' "$long" >"$tty"
    until_ok 600 log_says $name "exit="
    net_stop $name $label
    log=$LOGS/guest-$name.log.$label
    if grep -q "^got 1: first line.\?\$" "$log" &&
        grep -q "^got 2: $long.\?\$" "$log" &&
        grep -q "^got 3: third.\?\$" "$log" && grep -Eq "^exit=0*3([^0-9]|\$)" "$log"; then
        echo "ok - $label"
    else
        echo "not ok - $label: tty ${tty:-none}; console: $(tail -3 "$log" | tr '\n' ' ')"
        failed=1
    fi
}

# gdb (tests/apps/gdbtest, boot option gdb=on): the image's stub talks
# on the channel org.kiln.gdb, which dom0's QEMU serves on a Unix socket;
# socat relays dom0's port 1234, which the host forwards in, to it. The
# host's gdb then walks through the program (run, with the walk of
# tests/boot/gdbstub) and continues it to its exit, which the console
# must show. The first channel is a placeholder: xl 4.17 gives a
# config's first channel the primary console's number and skips it
# (kiln xl-config --gdb writes the same two).
listening() { # PORT: a TCP listener is up (else a short pause)
    ss -ltn | grep -q ":$1 " && return 0
    sleep 0.1
    return 1
}
gdb_domu() {
    label=xen-domu-gdb-runs-to-exit name=kiln-gdbtest sock=/run/kiln-gdb.sock
    {
        printf 'name = "%s"\ntype = "pvh"\nkernel = "%s"\n' $name $P/gdbtest-xen.elf
        printf 'memory = 32\non_poweroff = "preserve"\ncmdline = "gdb=on"\n'
        echo "channel = [ \"connection=pty,name=org.kiln.unused\"," \
            "\"connection=socket,path=$sock,name=org.kiln.gdb\" ]"
    } >/tmp/$name.cfg
    if ! xl_create /tmp/$name.cfg $name; then
        echo "kiln-gdb: none" # the host's gdb stops waiting
        echo "not ok - $label: xl create failed"
        failed=1
        return
    fi
    socat TCP-LISTEN:1234,reuseaddr,fork UNIX-CONNECT:$sock &
    relay=$!
    until_ok 300 listening 1234
    echo "kiln-gdb: ready"
    until_ok 6000 log_says $name "exit="
    kill $relay
    net_stop $name $label
    log=$LOGS/guest-$name.log.$label
    if grep -q "^gdb: waiting for gdb" "$log" &&
        grep -q "^gdbtest: count 52" "$log" &&
        grep -Eq "^exit=0*52([^0-9]|\$)" "$log"; then
        echo "ok - $label"
    else
        echo "not ok - $label: console: $(tail -3 "$log" | tr '\n' ' ')"
        failed=1
    fi
}

gdb_domu
console_input
net_httpd
net_exec_httpd
net_two_vifs
net_bulk
exit $failed
