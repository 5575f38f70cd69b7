#!/bin/bash
# dom0.sh: runs inside the testbed's dom0 (scripts/xen-testbed) from
# /payload and prints one TAP line per check. tests/apps/lifetest runs
# as a PVH domU with a vif on br0 (10.99.0.2) and a disk it writes a
# sector to every 50 ms. First xl shutdown and xl reboot end a fresh
# domain each, acknowledged through control/shutdown. Then one domain
# lives through xl save + xl restore, xl save -c (a checkpoint) and
# xl migrate to this same dom0, while a keep-alive connection opened
# before the save asks again after each step; last, GET /stop makes it
# check its disk and exit, and dom0 compares the disk with ticks.img.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@" # /dev/tcp, read -t
P=${P:-/payload} # another directory for a run by hand
LOGS=/var/log/xen/console
name=kiln-life
ip=10.99.0.2
failed=0

check() {
    if [ "$2" = 0 ]; then echo "ok - $1"; else echo "not ok - $1: $3"; failed=1; fi
}
# the console log; a migrated domain's may be under its temporary
# names (NAME--incoming) too
log_says() { cat "$LOGS/guest-$name"*.log 2>/dev/null | grep -q "$1"; }
# until_ok SECONDS CMD...: run CMD until it succeeds or SECONDS pass.
until_ok() {
    local end=$(($(date +%s) + $1))
    shift
    while [ "$(date +%s)" -lt $end ]; do
        "$@" && return 0
        sleep 0.2
    done
    return 1
}
gone() { ! xl domid $name >/dev/null 2>&1 && ! xl domid $name >/dev/null 2>&1; }
ms() { echo $(($(date +%s%N) / 1000000)); }
show_log() { cat "$LOGS/guest-$name"*.log 2>/dev/null | sed 's/^/# /'; }
# keep the console of a domain that ended, under LABEL
log_keep() {
    show_log
    cat "$LOGS/guest-$name"*.log >"$LOGS/kept-$name.$1" 2>/dev/null
    rm -f "$LOGS/guest-$name"*.log
}

truncate -s 8M /tmp/life.img
# The config is kiln xl-config's (run wrote it on the host, memory =
# maxmem = 32), with this dom0's paths for the kernel and the disk, and
# one MAC for every domain: with xl's random one, dom0's ARP entry for
# 10.99.0.2 still named the last domain's MAC when the next one booted.
sed -e "s|^kernel = .*|kernel = \"$P/lifetest-xen.elf\"|" \
    -e "s|target=[^\"]*|target=/tmp/life.img|" \
    -e "s|\"bridge=br0\"|\"bridge=br0,mac=00:16:3e:00:00:22\"|" \
    $P/life.cfg >/tmp/$name.cfg

# start: xl create, then wait (bounded) for the guest to listen
start() {
    xl create /tmp/$name.cfg >/tmp/$name.xl 2>&1 || { sed 's/^/# /' /tmp/$name.xl; return 1; }
    until_ok 300 log_says "lifetest: listening"
}

# ---- xl shutdown, xl reboot: the guest acknowledges and ends itself ----
# TOOL LABEL WORD: the domain is gone within the bound, its console says
# it was asked and shows exit=0.
ends_on() {
    local tool=$1 label=$2 word=$3
    if ! start; then
        check $label 1 "the domain did not start"
        xl destroy $name 2>/dev/null
        return
    fi
    # xl waits for the guest's acknowledgement (it fails after 60 s
    # without one), then -w for the domain to be gone
    timeout 120 xl $tool -w $name >/tmp/$name.$tool 2>&1
    local rc=$?
    until_ok 120 gone # xl create's monitor destroys it (on_poweroff)
    local g=$?
    xl destroy $name 2>/dev/null
    log_keep $label
    grep -q "asked for $word" "$LOGS/kept-$name.$label" &&
        grep -q "^exit=000" "$LOGS/kept-$name.$label"
    check $label $((rc + g + $?)) "xl $tool: $rc, gone: $g: $(tr '\n' ' ' </tmp/$name.$tool)"
}
ends_on shutdown xen-life-xl-shutdown poweroff
ends_on reboot xen-life-xl-reboot reboot

# ---- one domain through save, restore, checkpoint and migrate ---------
# ka_get: one request on the keep-alive connection (fd 3), its body in
# $body; fails if no whole answer comes within 30 s.
ka_get() {
    printf 'GET %s HTTP/1.1\r\nHost: %s\r\n\r\n' "$1" $ip >&3 || return 1
    local line len=
    while IFS= read -r -t 30 line <&3; do
        line=${line%$'\r'}
        [ -z "$line" ] && break
        case $line in Content-Length:*) len=${line#*: } ;; esac
    done
    [ -n "$len" ] || return 1
    IFS= read -r -t 30 -N "$len" body <&3
}
field() { echo "$body" | tr ' ' '\n' | sed -n "s/^$1=//p"; }

truncate -s 0 /tmp/life.img && truncate -s 8M /tmp/life.img
start
check xen-life-boots $? "$(show_log | tail -3 | tr '\n' '|')"
until_ok 30 curl -s --max-time 2 -o /dev/null http://$ip/
exec 3<>/dev/tcp/$ip/80 && ka_get /
echo "# before the save: $body"
mono1=$(field mono) conn1=$(field conn)
sleep 2 # some ticks on the disk

t0=$(ms)
timeout 300 xl save $name /tmp/life.save >/tmp/$name.save 2>&1
rc=$?
t1=$(ms)
[ $rc = 0 ] || sed 's/^/# save: /' /tmp/$name.save
gone
check xen-life-save $((rc + $?)) "xl save: $rc: $(tail -3 /tmp/$name.save | tr '\n' ' ')"
echo "# xl save took $((t1 - t0)) ms ($(du -k /tmp/life.save | cut -f1) KiB)"
t0=$(ms)
# with the config the save file carries (kiln xl-config's): xl restore
# rebuilds the p2m page by page, which needs xl-config's shadow_memory
timeout 300 xl -v restore /tmp/life.save >/tmp/$name.restore 2>&1
rc=$?
t1=$(ms)
[ $rc = 0 ] || { sed 's/^/# restore: /' /tmp/$name.restore; show_log; }
check xen-life-restore $rc "xl restore: $(tail -3 /tmp/$name.restore | tr '\n' ' ')"
echo "# xl restore took $((t1 - t0)) ms"
body=
ka_get / && [ "$(field conn)" = "$conn1" ] && [ "$(field req)" = 2 ]
ka=$?
check xen-life-keepalive-across-restore $ka "after the restore: '$body'"
mono2=$(field mono)
[ $ka = 0 ] && [ -n "$mono1" ] && [ -n "$mono2" ] && [ "$mono2" -ge "$mono1" ] &&
    [ "$(field backwards)" = 0 ]
check xen-life-clock-across-restore $? "monotonic $mono1 then $mono2: '$body'"

timeout 300 xl save -c $name /tmp/life.ckpt >/tmp/$name.ckpt 2>&1
rc=$?
[ $rc = 0 ] || sed 's/^/# save -c: /' /tmp/$name.ckpt
body=
ka_get / && [ "$(field req)" = 3 ] && log_says "suspend cancelled"
check xen-life-checkpoint-in-place $((rc + $?)) "xl save -c: $rc: '$body': $(tail -2 /tmp/$name.ckpt | tr '\n' ' ')"

# xl migrate's transport: with -s "" the host argument is the whole
# command xl runs (sh -c) at the other end of a pipe, here xl
# migrate-receive on this same dom0 (no ssh needed).
t0=$(ms)
timeout 300 xl migrate -s "" $name "xl migrate-receive" >/tmp/$name.migrate 2>&1
rc=$?
t1=$(ms)
[ $rc = 0 ] || sed 's/^/# migrate: /' /tmp/$name.migrate
check xen-life-migrate $rc "xl migrate: $(tail -3 /tmp/$name.migrate | tr '\n' ' ')"
echo "# xl migrate took $((t1 - t0)) ms"
body=
ka_get / && [ "$(field req)" = 4 ] && [ "$(field backwards)" = 0 ]
check xen-life-keepalive-across-migrate $? "after the migration: '$body'"

body=
ka_get /stop
exec 3>&- # lifetest exits once we close
echo "# stop: $body"
until_ok 60 gone
g=$?
xl destroy $name 2>/dev/null
log_keep life
echo "$body" | grep -q "disk=ok" && grep -q "^exit=000" "$LOGS/kept-$name.life"
check xen-life-stop $((g + $?)) "gone: $g, '$body'"
ticks=$(echo "$body" | sed -n 's/.*ticks=\([0-9]*\).*/\1/p')
[ -n "$ticks" ] && [ "$ticks" -gt 0 ] &&
    cmp -n $((ticks * 512)) /tmp/life.img $P/ticks.img
check xen-life-disk-intact $? "$ticks ticks: $(cmp -n $((${ticks:-0} * 512)) /tmp/life.img $P/ticks.img 2>&1)"
exit $failed
