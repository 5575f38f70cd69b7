#!/bin/sh
# dom0.sh: runs inside the testbed's dom0 (scripts/xen-testbed) from
# /payload: app/router as a PVH domU with two vifs, the shape of a
# Qubes firewall VM. Its eth0 is on br0 (dom0 is 10.99.0.1 there: the
# inside), its eth1 on br1, behind which a network namespace "out"
# (10.98.0.2) is the outside; dom0 routes 10.98.0.0/24 through the
# router, so inside-to-outside traffic crosses the domU or nothing.
# The rules (root.cpio, the domU's boot archive) masquerade out and
# drop what comes in. Prints one TAP line per check.
P=/payload
LOGS=/var/log/xen/console
name=kiln-router
failed=0

check() {
    if [ "$2" = 0 ]; then echo "ok - $1"; else echo "not ok - $1: $3"; failed=1; fi
}

# until_ok TRIES CMD...: run CMD until it succeeds, at most TRIES times.
until_ok() {
    n=$1
    shift
    while [ "$n" -gt 0 ]; do
        "$@" && return 0
        n=$((n - 1))
        sleep 0.2
    done
    return 1
}
log_says() { grep -q "$1" "$LOGS/guest-$name.log" 2>/dev/null; }

ip link add br1 type bridge && ip link set br1 up
ip netns add out
ip link add vo type veth peer name vop
ip link set vop netns out
ip link set vo master br1 && ip link set vo up
ip netns exec out ip link set lo up
ip netns exec out ip addr add 10.98.0.2/24 dev vop
ip netns exec out ip link set vop up
ip netns exec out ip route add 10.99.0.0/24 via 10.98.0.1
ip route add 10.98.0.0/24 via 10.99.0.2
# The outside's web server names the address each client came from.
mkdir -p /tmp/www/cgi-bin
printf '#!/bin/sh\necho "Content-Type: text/plain"\necho\necho "client $REMOTE_ADDR"\n' \
    >/tmp/www/cgi-bin/who
chmod 755 /tmp/www/cgi-bin/who
ip netns exec out busybox httpd -p 10.98.0.2:80 -h /tmp/www

cat >/tmp/$name.cfg <<CFG
name = "$name"
type = "pvh"
kernel = "$P/router-xen.elf"
ramdisk = "$P/root.cpio"
memory = 32
on_poweroff = "destroy"
on_crash = "destroy"
vif = [ 'bridge=br0,mac=00:16:3e:00:00:12', 'bridge=br1,mac=00:16:3e:00:00:13' ]
cmdline = "ip=10.99.0.2:::255.255.255.0::eth0:off ip=10.98.0.1:::255.255.255.0::eth1:off rules=/etc/kiln/router.nft report=0"
CFG
if ! xl create /tmp/$name.cfg >/tmp/$name.xl 2>&1; then
    sed 's/^/# /' /tmp/$name.xl
    for t in xen-router-boots xen-router-forwards xen-router-masquerade xen-router-drops-inbound; do
        echo "not ok - $t: xl create failed"
    done
    exit 1
fi
until_ok 900 log_says "router: forwarding"
check xen-router-boots $? "$(tail -3 $LOGS/guest-$name.log | tr '\n' '|')"

until_ok 20 busybox ping -c 1 -W 1 10.98.0.2 >/dev/null 2>&1
check xen-router-forwards $? "no ping answer from 10.98.0.2 through the router"

who=$(curl -s --max-time 20 http://10.98.0.2/cgi-bin/who)
[ "$who" = "client 10.98.0.1" ]
check xen-router-masquerade $? "the outside saw '$who'"

ip netns exec out busybox ping -c 2 -W 2 10.99.0.1 >/dev/null 2>&1
[ $? != 0 ]
check xen-router-drops-inbound $? "the outside reached the inside"

xl destroy $name 2>/dev/null
sed 's/^/# /' "$LOGS/guest-$name.log"
exit $failed
