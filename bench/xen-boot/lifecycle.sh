# lifecycle.sh: bench/xen-boot's save, restore and migration rounds,
# sourced by dom0.sh (POSIX sh, in the testbed's dom0). For one running
# domain serving HTTP on port 80 it prints, times in microseconds:
#   bench: KIND-save RUN US         xl save to a file (domain gone)
#   bench: KIND-restore RUN US      xl restore of that file (running)
#   bench: KIND-migrate RUN US      xl migrate to this same dom0
#   bench: KIND-http-gap RUN US     the longest time without an HTTP
#                                   answer seen by gapprobe (a new GET
#                                   every 10 ms) across the migration
#   bench: KIND-ping-gap RUN US     the same for pings every 10 ms
# KIND is kiln or linux. Each step has a bound (300 s), and a failure
# prints "bench: fail ..." and ends the round.

# life_wait_http IP: until GET / answers (300 s bound: Linux boots
# slowly under TCG)
life_wait_http() {
    end=$(($(date +%s) + 300))
    while [ "$(date +%s)" -lt $end ]; do
        curl -s -o /dev/null --max-time 2 "http://$1/" && return 0
        sleep 0.2
    done
    return 1
}

# life_step KIND WHAT RUN CMD...: run CMD (300 s bound), print its time
life_step() {
    k=$1 what=$2 r=$3
    shift 3
    t0=$(now_us)
    if ! timeout 300 "$@" >/tmp/life.out 2>&1; then
        echo "bench: fail $k $what: $(tail -2 /tmp/life.out | tr '\n' ' ')"
        return 1
    fi
    echo "bench: $k-$what $r $(($(now_us) - t0))"
}

# life_migrate KIND NAME IP RUN: xl migrate with gapprobe watching; the
# probe runs from 1 s before to 3 s after, so the guest's first answers
# in the new domain are inside its window.
life_migrate() {
    $P/gapprobe "$3" 80 >/tmp/gap.out 2>&1 &
    probe=$!
    sleep 1
    life_step "$1" migrate "$4" xl migrate -s "" "$2" "xl migrate-receive"
    ok=$?
    sleep 3
    kill -TERM $probe
    wait $probe
    [ $ok = 0 ] || return 1
    set -- "$1" "$4" $(sed -n 's/^gapprobe: //p' /tmp/gap.out)
    # $3.. = http-gap-ms N http-ok N icmp-gap-ms N icmp-ok N
    if [ "$4" -ge 0 ] 2>/dev/null && [ "$8" -ge 0 ] 2>/dev/null; then
        echo "bench: $1-http-gap $2 $(($4 * 1000))"
        echo "bench: $1-ping-gap $2 $(($8 * 1000))"
    else
        echo "bench: fail $1 gapprobe: $(cat /tmp/gap.out)"
    fi
}

# life_round KIND NAME CFG IP RUN
life_round() {
    rm -f "$LOGS/guest-$2"*.log
    if ! xl create "$3" >/tmp/xl.out 2>&1; then
        echo "bench: fail $1 lifecycle xl create: $(tail -1 /tmp/xl.out)"
        return
    fi
    if ! life_wait_http "$4"; then
        echo "bench: fail $1 never answered HTTP"
    elif life_step "$1" save "$5" xl save "$2" /tmp/life.save &&
        life_step "$1" restore "$5" xl restore /tmp/life.save; then
        rm -f /tmp/life.save
        if life_wait_http "$4"; then
            life_migrate "$1" "$2" "$4" "$5"
        else
            echo "bench: fail $1 no HTTP answer after the restore"
        fi
    fi
    rm -f /tmp/life.save
    xl destroy "$2" 2>/dev/null
    cat "$LOGS/guest-$2"*.log 2>/dev/null | grep -i "suspend\|resume" |
        tr -d '\r' | sed "s/^/# $1 /" | tail -6
}
