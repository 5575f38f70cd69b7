# netlib.sh: shared by the end-to-end network tests in tests/net/*/run.
# Source it after setting TESTS (the names of the test's TAP lines, so a
# skip can name them all). It gives: a network namespace with TAP
# devices that the test owns and removes, guests booted with kiln in the
# background, and waits for console lines with a bounded timeout (never
# a fixed sleep). Limits: IPv4 only; one namespace per test.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
NET_DIR="$KILN_ROOT/tests/net"
NS=""
GUEST_PIDS=()
CAPTURE_PIDS=()
WORK=$(mktemp -d "${TMPDIR:-/tmp}/kiln-net.XXXXXX")

net_cleanup() {
    local pid
    for pid in "${GUEST_PIDS[@]+"${GUEST_PIDS[@]}"}"; do
        kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    done
    [ -n "${NET_EXTRA_PIDS:-}" ] && kill $NET_EXTRA_PIDS 2>/dev/null
    for pid in "${CAPTURE_PIDS[@]+"${CAPTURE_PIDS[@]}"}"; do
        kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    done
    [ -n "$NS" ] && ip netns del "$NS" 2>/dev/null
    rm -rf "$WORK"
}
trap net_cleanup EXIT

# skip_all REASON: every test of this script is skipped, then exit.
skip_all() {
    local name
    for name in "${TESTS[@]}"; do echo "ok - $name # SKIP $1"; done
    exit 0
}

# fail_all REASON: every test of this script fails, then exit.
fail_all() {
    local name
    for name in "${TESTS[@]}"; do echo "not ok - $name: $1"; done
    exit 1
}

# need_app APP: the baremetal image of APP and curl. A missing app or
# image fails every test (a skip is for a missing host tool only).
need_app() {
    local image="$IMAGES/$1-baremetal.elf"
    [ -d "$KILN_ROOT/app/$1" ] || fail_all "app/$1 is missing from the tree"
    [ -f "$image" ] || fail_all "no $image; run make first"
    command -v curl > /dev/null || skip_all "curl is not installed (make deps)"
}

# need_ns NAME-SUFFIX: a fresh network namespace in NS (needs root).
need_ns() {
    [ "$(id -u)" = 0 ] || skip_all "needs root for a network namespace and TAP"
    NS="kiln-$1-$$"
    ip netns add "$NS" 2>/dev/null || { NS=""; skip_all "cannot create a network namespace"; }
    NSX=(ip netns exec "$NS")
    ip netns exec "$NS" ip link set lo up
}

# add_tap IF ADDR/LEN: a TAP device in NS, up, with the host's address.
# With KILN_NET_PCAP_DIR=DIR in the environment, every frame on it goes
# to DIR/TEST-IF.pcap (tests/net/capture.py) for diagnosing a failure.
add_tap() {
    ip netns exec "$NS" ip tuntap add dev "$1" mode tap 2>/dev/null ||
        skip_all "cannot create a TAP device (no /dev/net/tun?)"
    ip netns exec "$NS" ip link set "$1" up
    ip netns exec "$NS" ip addr add "$2" dev "$1"
    [ -n "${KILN_NET_PCAP_DIR:-}" ] || return 0
    local pcap
    pcap="$KILN_NET_PCAP_DIR/$(basename "$(dirname "$0")")-$1.pcap"
    ip netns exec "$NS" python3 "$NET_DIR/capture.py" "$1" "$pcap" &
    CAPTURE_PIDS+=($!)
    echo "# capturing $1 to $pcap"
}

# in_ns CMD...: run CMD in the test's namespace (or here without one).
# To start CMD in the background use "${NSX[@]}" CMD & instead: a
# function run with & is a subshell, and $! must be CMD's own pid (ip
# netns exec execs CMD) for a test to stop it.
NSX=(env)
in_ns() {
    "${NSX[@]}" "$@"
}

# guest_start OUT IMAGE KILN-OPTIONS... [-- ARGS]: boot in the background
# (in NS if there is one) with the console in OUT; GUEST_PID is kiln's.
# kiln's own --timeout bounds every guest even if the test dies.
guest_start() {
    local out=$1 image=$2
    shift 2
    "${NSX[@]}" "$KILN" run "$IMAGES/$image" \
        --timeout 600 "$@" < /dev/null > "$out" 2>&1 &
    GUEST_PID=$!
    GUEST_PIDS+=("$GUEST_PID")
}

# guest_stop: stop the last guest started (kiln stops QEMU on SIGTERM).
guest_stop() {
    kill "$GUEST_PID" 2>/dev/null
    wait "$GUEST_PID" 2>/dev/null
    return 0
}

# wait_line FILE REGEX SECONDS: wait until FILE has a line matching the
# extended REGEX; fails early if the last guest stopped.
wait_line() {
    local file=$1 regex=$2 i
    for i in $(seq $(($3 * 10))); do
        grep -Eq -- "$regex" "$file" 2>/dev/null && return 0
        kill -0 "$GUEST_PID" 2>/dev/null || break
        sleep 0.1
    done
    grep -Eq -- "$regex" "$file" 2>/dev/null
}

# tail_of FILE: its last lines on one line, for a "not ok" detail.
tail_of() {
    tail -n "${2:-4}" "$1" 2>/dev/null | tr -d '\r' | tr '\n' '|'
}

# free_port: a TCP port on 127.0.0.1 that nothing listens on now.
free_port() {
    python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# fetch NAME URL...: curl the URLs over one connection where it can;
# bodies to $WORK/NAME.1, .2, ...; prints one line per URL: "CODE
# NUM_CONNECTS". Bounded by --max-time.
fetch() {
    local name=$1 outs=() i=1
    shift
    for _ in "$@"; do outs+=(-o "$WORK/$name.$i"); i=$((i + 1)); done
    in_ns curl -sS --max-time 30 --connect-timeout 10 "${outs[@]}" \
        -w '%{http_code} %{num_connects}\n' "$@" 2> "$WORK/$name.err"
}

# stats_get URL: httpd's /stats at URL into $WORK/stats (one connection,
# bounded); fails when there is no 200 answer.
stats_get() {
    in_ns curl -sS --max-time 10 --connect-timeout 5 -o "$WORK/stats" \
        -w '%{http_code}' "$1/stats" 2> /dev/null | grep -q '^200$'
}

# stat_of NAME: one counter from the last stats_get, or empty.
stat_of() {
    sed -n "s/^$1 \([0-9]*\)\r\{0,1\}$/\1/p" "$WORK/stats" 2> /dev/null
}

# wait_until SECONDS CMD...: run CMD every half second until it succeeds
# or SECONDS pass (a bounded wait for a condition, not a sleep).
wait_until() {
    local end=$((SECONDS + $1))
    shift
    while ! "$@"; do
        [ "$SECONDS" -ge "$end" ] && return 1
        sleep 0.5
    done
}
