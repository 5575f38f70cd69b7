#!/bin/sh
# dom0.sh: bench/xen-boot's half inside the testbed's dom0 (run.sh of its
# payload, which holds hello.elf, nettest.elf, linux.cpio.gz, runs).
# For run 1..RUNS, one line each, times in microseconds:
#   bench: kiln-main RUN US        hello's own first instruction -> main
#   bench: kiln-main-vs RUN US     the same for hello-vs.elf (--vs), if any
#   bench: kiln-console RUN US     xl create -> "Hello from Kiln!" logged
#                                  (hello; the pings go to nettest)
#   bench: linux-console RUN US    xl create -> /init's first line logged
#   bench: kiln-ping RUN US        xl create -> first ping reply (nettest)
#   bench: linux-ping RUN US       xl create -> first ping reply (busybox)
#   bench: fail WHAT               something did not run; the host fails
#   # domU N boot: ...             hello's boot=timeline, 3 boots at the end
# Then $(cat liferuns) rounds of lifecycle.sh (xl save, xl restore, xl
# migrate and the downtime seen across it), httpd and the Linux domU
# alternating. A file kiln-only in the payload: Kiln's rounds alone; a
# file no-boot: the lifecycle rounds alone.
# Waits poll every 50 ms and pings go out every 200 ms, each with a
# 180 s bound, so a reply is timed within ~0.2 s.
P=${P:-/payload} # another directory for a run by hand
LOGS=/var/log/xen/console
RUNS=$(cat $P/runs)
LIFERUNS=$(cat $P/liferuns 2>/dev/null || echo 0)
[ -f $P/no-boot ] && RUNS=0
. $P/lifecycle.sh
KILN_IP=10.99.0.2
LINUX_IP=10.99.0.3

# dom0 has busybox's ping only (no iputils)
ping() { busybox ping "$@"; }
now_us() { echo $(($(date +%s%N) / 1000)); }

# config NAME KERNEL MEM CMDLINE [EXTRA]: an xl config on stdout (a vif
# on br0 unless EXTRA is "novif": hello must not wait for DHCP)
config() {
    printf 'name = "%s"\ntype = "pvh"\nkernel = "%s"\nmemory = %s\n' "$1" "$2" "$3"
    printf 'maxmem = %s\ncmdline = "%s"\non_poweroff = "destroy"\n' "$3" "$4"
    printf 'on_crash = "destroy"\n'
    if [ "${5:-}" = novif ]; then return; fi
    printf 'vif = ["bridge=br0"]\n%s\n' "${5:-}"
}

# wait_log NAME REGEX: until the console log matches (180 s bound, by
# the clock: each grep costs a varying slice of a second here)
wait_log() {
    end=$(($(date +%s) + 180))
    while [ "$(date +%s)" -lt $end ]; do
        grep -q "$2" "$LOGS/guest-$1.log" 2>/dev/null && return 0
        sleep 0.05
    done
    return 1
}

# wait_ping IP: one ping process sending every 0.2 s (180 s bound);
# prints when the first reply came (us). A ping process per try would
# pile up under TCG and slow the guest being timed.
wait_ping() {
    ping -i 0.2 -w 180 "$1" 2>/dev/null | while read -r line; do
        case $line in *"bytes from"*) now_us; break ;; esac
    done | grep .
}

# boot LABEL NAME CFG REGEX IP RUN: time one domain to REGEX (unless
# empty) and to a ping reply from IP
boot() {
    rm -f "$LOGS/guest-$2.log"
    t0=$(now_us)
    if ! xl create "$3" >/tmp/xl.out 2>&1; then
        echo "bench: fail $1 xl create: $(tail -1 /tmp/xl.out)"
        return
    fi
    if [ -z "$4" ]; then
        :
    elif wait_log "$2" "$4"; then
        echo "bench: $1-console $6 $(($(now_us) - t0))"
    else
        echo "bench: fail $1 no /$4/ on its console"
    fi
    if t1=$(wait_ping "$5"); then
        echo "bench: $1-ping $6 $((t1 - t0))"
    else
        echo "bench: fail $1 never answered ping"
    fi
    xl destroy "$2" 2>/dev/null
    sed 's/^/# /' "$LOGS/guest-$2.log" | tail -40
}

config kiln-bench $P/nettest.elf 32 \
    "-- 1000000 $KILN_IP" >/tmp/kiln.cfg
config linux-bench /tmp/vmlinuz 128 \
    "console=hvc0 quiet linux_guest_ip=$LINUX_IP/24" \
    'ramdisk = "/tmp/linux.img"
cpuid = "host,rdtscp=0"' >/tmp/linux.cfg
config kiln-hello $P/hello.elf 32 "" novif >/tmp/hello.cfg
# cpuid: Xen-in-TCG cannot emulate the RDTSCP Linux runs early in boot
# ("SVM Insn len emulation failed", forever), so that guest does not see
# it; Kiln does not use it.
# the Linux guest's NIC driver comes from dom0 (same kernel), appended
# to the initramfs as a second cpio archive
mkdir -p /tmp/mods/lib/modules &&
    cp /lib/modules/$(uname -r)/kernel/drivers/net/xen-netfront.ko \
        /tmp/mods/lib/modules/ &&
    (cd /tmp/mods && find . | cpio -o -H newc 2>/dev/null | gzip) >/tmp/mods.gz &&
    cat $P/linux.cpio.gz /tmp/mods.gz >/tmp/linux.img ||
    echo "bench: fail linux initramfs"
cp "$(ls /boot/vmlinuz-* | head -1)" /tmp/vmlinuz 2>/dev/null

# The lifecycle rounds' guests: httpd, and the same Linux domU (its init
# starts busybox httpd); shadow_memory as kiln xl-config writes it,
# which xl restore needs for a guest this small (scripts/kiln_xen.py).
config kiln-life $P/httpd.elf 32 \
    "ip=$KILN_IP::10.99.0.1:255.255.255.0" 'shadow_memory = 1' \
    >/tmp/kiln-life.cfg
{ cat /tmp/linux.cfg; echo 'shadow_memory = 1'; } |
    sed 's/^name = .*/name = "linux-life"/' >/tmp/linux-life.cfg

# hello_boot CFG METRIC RUN: one hello domain; its own first
# instruction -> main as METRIC, and xl create -> its hello line as
# kiln-console for the built image
hello_boot() {
    rm -f "$LOGS/guest-kiln-hello.log"
    t0=$(now_us)
    xl create "$1" >/dev/null 2>&1
    if wait_log kiln-hello "Hello from Kiln"; then
        [ "$2" = kiln-main ] &&
            echo "bench: kiln-console $3 $(($(now_us) - t0))"
    else
        echo "bench: fail $2: no hello line"
    fi
    if wait_log kiln-hello "exit=" &&
        us=$(sed -n 's/^boot: \([0-9]*\) us from first.*/\1/p' \
            "$LOGS/guest-kiln-hello.log" | head -1) && [ -n "$us" ]; then
        echo "bench: $2 $3 $us"
    else
        echo "bench: fail $2: no boot line from hello"
    fi
    xl destroy kiln-hello 2>/dev/null
}
# --vs: the other build of hello, first in every other round, so that
# neither always follows the other's destroy
[ -f $P/hello-vs.elf ] &&
    config kiln-hello $P/hello-vs.elf 32 "" novif >/tmp/hello-vs.cfg
run=1
while [ $run -le "$RUNS" ]; do
    if [ -f /tmp/hello-vs.cfg ] && [ $((run % 2)) = 0 ]; then
        hello_boot /tmp/hello-vs.cfg kiln-main-vs $run
        hello_boot /tmp/hello.cfg kiln-main $run
    else
        hello_boot /tmp/hello.cfg kiln-main $run
        [ -f /tmp/hello-vs.cfg ] &&
            hello_boot /tmp/hello-vs.cfg kiln-main-vs $run
    fi
    if [ ! -f $P/kiln-only ]; then
        boot kiln kiln-bench /tmp/kiln.cfg "" $KILN_IP $run
        boot linux linux-bench /tmp/linux.cfg "linux-domu: init" $LINUX_IP $run
    fi
    run=$((run + 1))
done
# Three more hellos with boot=timeline: where its boot went, step by
# step (printing the steps costs a few ms, so kiln-main is timed
# without it; one CPU shared with dom0 moves single steps a lot)
config kiln-hello $P/hello.elf 32 "boot=timeline" novif >/tmp/timeline.cfg
[ "$RUNS" -gt 0 ] && for t in 1 2 3; do
    rm -f "$LOGS/guest-kiln-hello.log"
    xl create /tmp/timeline.cfg >/dev/null 2>&1
    wait_log kiln-hello "exit=" || echo "bench: fail timeline: hello did not exit"
    xl destroy kiln-hello 2>/dev/null
    grep '^boot:' "$LOGS/guest-kiln-hello.log" | tr -d '\r' | sed "s/^/# domU $t /"
done
run=1
while [ $run -le "$LIFERUNS" ]; do
    life_round kiln kiln-life /tmp/kiln-life.cfg $KILN_IP $run
    [ -f $P/kiln-only ] ||
        life_round linux linux-life /tmp/linux-life.cfg $LINUX_IP $run
    run=$((run + 1))
done
echo "bench: done"
