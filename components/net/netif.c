/*
 * netif.c: the interfaces and the stack's thread. net_configure stores
 * ip= options; net_start finds the NICs, waits for their links,
 * applies static addresses or starts DHCP, and waits (bounded) for the
 * leases so the application starts configured. The stack's thread takes
 * every received frame into one buffer per NIC, processes it in place,
 * runs the timers and sleeps until the next deadline or interrupt. A NIC
 * that coalesces received TCP (HC_NET_RX_TSO4) gets a 64 KiB buffer, the
 * others a page.
 *
 * Wake-ups: net_wait puts the caller on one list that net_notify wakes
 * whole; readiness is re-checked by the caller (net.h).
 *
 * Limits: NETIF_MAX NICs; an interface's address comes from ip= or DHCP
 * only (no runtime reconfiguration call).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "kiln/log.h"
#include "kiln/table.h"
#include "netint.h"

#define LINK_WAIT_NS 10000000000ull /* links: e1000 needs about 0.5 s */
#define DHCP_WAIT_NS 30000000000ull
#define POLL_NS 20000000ull        /* link state has no interrupt: poll it */
#define SLEEP_MAX_NS 1000000000ull /* re-read timers at least this often */
#define RX_BUDGET 64 /* frames per NIC per round, then the others' turn */
#define RX_SLACK 64  /* room past the largest frame (VLAN tag, FCS) */
#define LOOP_ADDR 0x0100007fu /* 127.0.0.1, network order */
#define LOOP_MASK 0x000000ffu /* 255.0.0.0 */

static struct netif nifs[NETIF_MAX];
static unsigned nif_count;
static struct netif loop_if = {
    .present = 1,
    .loopback = 1,
    .mtu = NET_LOOP_MTU,
    .addr = LOOP_ADDR,
    .mask = LOOP_MASK,
};
/* ip= by interface; NETIF_MAX, allocated by the first use (kiln/table.h). */
static struct ip_config *configs;

static struct ip_config *config_of(int dev)
{
    kiln_table((void **)&configs, NETIF_MAX * sizeof *configs,
               "no memory for ip=");
    return &configs[dev];
}
static uint8_t has_config[NETIF_MAX];
static unsigned undevised; /* ip= options without a device so far */

static hc_tid stack_tid;        /* 0 until the thread runs */
static uint64_t stack_sleep;    /* its current deadline, 0 when awake */
static uintptr_t stack_tls[16]; /* musl's %fs:0 self pointer; see below */
/* A page per NIC, taken when it first drains (not in the image); 64 KiB
 * for a NIC that coalesces (rx_size). */
static uint8_t *rx_buf[NETIF_MAX];
_Static_assert(NET_FRAME_MAX + RX_SLACK <= HC_PAGE_SIZE, "rx_buf is a page");

static hc_tid waiters[HC_THREADS_MAX];
static unsigned nwaiters;

static uint32_t random_pool[32];
static unsigned random_left;

struct netif *netif_get(unsigned i)
{
    return i < nif_count ? &nifs[i] : NULL;
}

struct netif *netif_loopback(void)
{
    return &loop_if;
}

int netif_is_local(uint32_t addr)
{
    if ((addr & LOOP_MASK) == (LOOP_ADDR & LOOP_MASK))
        return 1;
    for (unsigned i = 0; i < nif_count; i++)
        if (nifs[i].addr && nifs[i].addr == addr)
            return 1;
    return 0;
}

uint32_t net_random32(void)
{
    if (!random_left) {
        if (hc_entropy(random_pool, sizeof random_pool) < 0)
            hc_abort("net: the hardware random generator failed");
        random_left = sizeof random_pool / sizeof random_pool[0];
    }
    return random_pool[--random_left];
}

int net_configure(const char *opt)
{
    struct ip_config c;
    if (ipconfig_parse(opt, &c) < 0) {
        kiln_log("net: ip=%s is not valid: %s", opt, c.why);
        return -EINVAL;
    }
    int dev = c.dev >= 0 ? c.dev : (int)undevised++;
    if (dev >= NETIF_MAX) {
        kiln_log("net: ip=%s is not valid: more ip= options than the %d "
                 "interfaces supported",
                 opt, NETIF_MAX);
        return -EINVAL;
    }
    *config_of(dev) = c;
    has_config[dev] = 1;
    return 0;
}

/* ---- waiting ------------------------------------------------------------ */

int net_wait(uint64_t deadline)
{
    hc_tid me = hc_thread_self();
    unsigned i;
    for (i = 0; i < nwaiters && waiters[i] != me; i++)
        ;
    if (i == nwaiters && nwaiters < HC_THREADS_MAX)
        waiters[nwaiters++] = me;
    int r = hc_thread_block(deadline);
    for (i = 0; i < nwaiters; i++) /* a timeout leaves us on the list */
        if (waiters[i] == me) {
            waiters[i] = waiters[--nwaiters];
            break;
        }
    return r == -ETIMEDOUT ? -ETIMEDOUT : 0;
}

void net_notify(void)
{
    unsigned n = nwaiters;
    nwaiters = 0;
    for (unsigned i = 0; i < n; i++)
        hc_thread_wake(waiters[i]);
}

/* ---- the stack's thread ------------------------------------------------- */

/* A NIC that coalesces received TCP (HC_NET_RX_TSO4) delivers frames
 * of up to 64 KiB. */
static size_t rx_size(const struct netif *nif)
{
    return nif->offloads & HC_NET_RX_TSO4 ? HC_NET_GSO_FRAME_MAX + RX_SLACK
                                          : HC_PAGE_SIZE;
}

/* Up to RX_BUDGET frames from one NIC; 1 if it may have more. */
static int netif_drain(struct netif *nif)
{
    size_t size = rx_size(nif);
    uint8_t *buf = kiln_table((void **)&rx_buf[nif->idx], size,
                              "no memory to receive frames");
    for (int n = 0; n < RX_BUDGET; n++) {
        struct hc_net_meta m;
        if (fwd_rx_paused && fwd_rx_paused(nif))
            return 0; /* its frames wait in the NIC until there is room */
        int len = hc_net_recv(nif->idx, buf, size, &m);
        if (len == -EAGAIN)
            return 0;
        if (len <= 0)
            continue;
        nif->rx_csum_ok =
            (m.flags & (HC_NET_F_CSUM_VALID | HC_NET_F_CSUM_PARTIAL)) != 0;
        nif->rx_meta = &m;
        eth_input(nif, buf, (size_t)len);
        nif->rx_csum_ok = 0;
        nif->rx_meta = NULL;
    }
    return 1;
}

static uint64_t netif_timers(void)
{
    uint64_t now = hc_clock_monotonic(), next = now + SLEEP_MAX_NS, t;
    if ((t = arp_timer(now)) < next)
        next = t;
    if ((t = reasm_timer(now)) < next)
        next = t;
    if ((t = dhcp_timer(now)) < next)
        next = t;
    if (tcp_timer && (t = tcp_timer(now)) < next)
        next = t;
    if ((t = ip6_timer(now)) < next)
        next = t;
    return next;
}

static void netif_thread(void *unused)
{
    (void)unused;
    for (;;) {
        int more = 0;
        if (fwd_flush) /* a router's held packets first (forward_out.c) */
            fwd_flush();
        for (unsigned i = 0; i < nif_count; i++)
            more |= netif_drain(&nifs[i]);
        more |= loop_drain();
        uint64_t next = netif_timers();
        if (early_due()) {
            hc_thread_yield(); /* the application the lease woke first */
            early_replay();
            continue;
        }
        if (more) {
            hc_thread_yield(); /* let the application take what came */
            continue;
        }
        stack_sleep = next;
        hc_thread_wait_io(next);
        stack_sleep = 0;
    }
}

/* musl's functions (vsnprintf in kiln_log) read %fs:0, which must point
 * to itself: the thread gets a small zeroed block of its own, as the
 * boot thread does in platform/cpu.c. */
static int netif_thread_start(void)
{
    if (stack_tid > 0)
        return 0;
    stack_tls[0] = (uintptr_t)stack_tls;
    hc_tid t = hc_thread_create(netif_thread, NULL, 0, (uintptr_t)stack_tls);
    if (t < 0) {
        kiln_log("net: cannot start the stack's thread (%d)", t);
        return t;
    }
    stack_tid = t;
    return 0;
}

void netif_kick(void)
{
    if (!stack_tid)
        netif_thread_start();
    else if (stack_sleep)
        hc_thread_wake(stack_tid);
}

void net_timer_kick(uint64_t deadline)
{
    if (stack_tid && stack_sleep && deadline < stack_sleep)
        hc_thread_wake(stack_tid);
}

/* ---- start -------------------------------------------------------------- */

void netif_describe(const struct netif *nif, const char *how)
{
    const uint8_t *m = nif->mac, *a = (const uint8_t *)&nif->addr;
    const uint8_t *g = (const uint8_t *)&nif->gw;
    char gw[24] = "";
    if (nif->gw)
        snprintf(gw, sizeof gw, " gw %u.%u.%u.%u", g[0], g[1], g[2], g[3]);
    kiln_log("net: eth%u %02x:%02x:%02x:%02x:%02x:%02x %u.%u.%u.%u/%d%s "
             "(%s)",
             nif->idx, m[0], m[1], m[2], m[3], m[4], m[5], a[0], a[1], a[2],
             a[3], __builtin_popcount(nif->mask), gw, how);
}

static unsigned netif_probe(void)
{
    unsigned n = 0;
    struct hc_net_info info;
    while (n < NETIF_MAX && hc_net_info(n, &info) == 0) {
        struct netif *nif = &nifs[n];
        nif->idx = n;
        memcpy(nif->mac, info.mac, 6);
        nif->mtu =
            info.mtu > NET_MTU_MAX || info.mtu < 576 ? NET_MTU_MAX : info.mtu;
        nif->present = 1;
        nif->offloads = info.offloads;
        n++;
    }
    return n;
}

/* Wait up to LINK_WAIT_NS for every link; 1 if all came up. */
static int netif_wait_links(void)
{
    uint64_t end = hc_clock_monotonic() + LINK_WAIT_NS;
    for (;;) {
        unsigned down = 0;
        struct hc_net_info info;
        for (unsigned i = 0; i < nif_count; i++)
            if (hc_net_info(i, &info) == 0 && !info.link_up)
                down++;
        uint64_t now = hc_clock_monotonic();
        if (!down || now >= end)
            return !down;
        hc_thread_block(now + POLL_NS);
    }
}

static void netif_apply(struct netif *nif)
{
    struct ip_config *c = config_of((int)nif->idx);
    if (has_config[nif->idx] && c->off) {
        kiln_log("net: eth%u left unconfigured (ip=off)", nif->idx);
        return;
    }
    if (has_config[nif->idx] && !c->dhcp) {
        nif->addr = c->addr;
        nif->mask = c->mask;
        nif->gw = c->gw;
        arp_announce(nif);
        netif_describe(nif, "static");
        return;
    }
    nif->use_dhcp = 1;
    dhcp_start(nif);
}

static int netif_dhcp_pending(void)
{
    for (unsigned i = 0; i < nif_count; i++)
        if (nifs[i].use_dhcp && !dhcp_bound(&nifs[i]))
            return 1;
    return 0;
}

/* DHCP logs each lease itself when it binds (dhcp.c). */
static void netif_wait_dhcp(void)
{
    uint64_t end = hc_clock_monotonic() + DHCP_WAIT_NS;
    while (netif_dhcp_pending() && hc_clock_monotonic() < end)
        net_wait(end);
    for (unsigned i = 0; i < nif_count; i++)
        if (nifs[i].use_dhcp && !dhcp_bound(&nifs[i]))
            kiln_log("net: eth%u has no DHCP lease after %llu s; going on "
                     "without an address (DHCP keeps trying)",
                     i, DHCP_WAIT_NS / 1000000000ull);
}

int net_start(void)
{
    ip6_start(&loop_if); /* ::1, with or without a NIC */
    nif_count = netif_probe();
    if (!nif_count)
        return 0;
    if (!netif_wait_links())
        kiln_log("net: some links are still down after %llu s; going on",
                 LINK_WAIT_NS / 1000000000ull);
    /* IPv4 first: a DHCP DISCOVER is out before the stack's thread and
     * IPv6 start, whose work then overlaps the server's answer. */
    for (unsigned i = 0; i < nif_count; i++)
        netif_apply(&nifs[i]);
    if (netif_thread_start() < 0)
        return 0;
    for (unsigned i = 0; i < nif_count; i++)
        ip6_start(&nifs[i]);
    netif_kick();
    netif_wait_dhcp();
    return (int)nif_count;
}
