/*
 * fuzz.c: libFuzzer harness for components/net on hypercall-posix.
 * One null NIC at 10.0.0.2/24 (gateway 10.0.0.1) and 2001:db8::2/64
 * (gateway 2001:db8::1; the setup lets DAD finish), a TCP listener on
 * [::]:80 and a UDP socket on [::]:7 (both IPV6_V6ONLY), a TCP
 * listener on
 * port 80 and a UDP socket on port 7. Each input is a sequence of
 * frames (format in fuzz.h) handed to eth_input one by one, on virtual
 * time, with ARP requests of the stack answered for it. Between frames
 * the harness accepts connections and echoes what they and the UDP
 * socket received, so the send paths run against fuzzed windows and
 * acknowledgements. After the last frame it closes them and lets
 * two virtual minutes of timers run, so the next input meets a mostly
 * idle stack (longer costs more than it brings: 80 inputs/s at 30
 * minutes against 770 at two).
 *
 * Limits: the stack cannot be reset, so state an input leaves behind
 * (a connection that outlives the half hour) meets the next one, and a
 * saved crash input may need the inputs before it to reproduce.
 * Until TCP sockets exist (tcp_sock_create gives -ESOCKTNOSUPPORT) it
 * runs without the listener. KILN_FUZZ_REPORT=1 prints, at exit, how many
 * connections and datagrams the inputs produced (the run script checks the
 * seeds). KILN_FUZZ_MEM sets the size of the page arena as
 * hypercall-posix's --mem does (MiB, or KiB with K; default 256 MiB):
 * tests/fuzz/net/run also fuzzes with a few dozen pages.
 *
 * components: net
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz.h"
#include "host.h"
#include "netint.h"

#define MS 1000000ull
#define SETTLE_NS (2 * 60 * 1000 * MS) /* TIME_WAIT, early retransmits */
#define CHILDREN_MAX 4
#define OUR_IP "10.0.0.2"

static struct netif *nif;
static uint8_t mac[6];
static struct net_sock *listener, *listener6, *udp, *udp6;
static struct net_sock *children[CHILDREN_MAX];
static unsigned long accepted, accepted6, datagrams, datagrams6, sent_frames;
static unsigned long echo6;

static void sink(unsigned idx, const void *frame, size_t len)
{
    (void)idx;
    sent_frames++;
    fixup_observe(frame, len);
    const uint8_t *f = frame;
    if (len >= 55 && f[12] == 0x86 && f[13] == 0xdd && f[20] == 58 &&
        f[54] == 129)
        echo6++; /* an ICMPv6 echo reply: the IPv6 seeds got through */
}

static void must(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz-net: setup failed: %s\n", what);
        abort();
    }
}

static void setup(void *unused)
{
    (void)unused;
    struct sockaddr_in a = {.sin_family = AF_INET};
    must(net_configure(OUR_IP "::10.0.0.1:255.255.255.0") == 0, "ip=");
    must(net_configure6("2001:db8::2/64,2001:db8::1") == 0, "ip6=");
    must(net_start() == 1, "net_start");
    hc_thread_block(hc_clock_monotonic() + 3000 * MS); /* IPv6 DAD */
    nif = netif_get(0);
    must(nif && nif->addr, "an address on NIC 0");
    memcpy(mac, nif->mac, 6);
    int r = net_socket(SOCK_STREAM, 0, &listener);
    must(r == 0 || r == -ESOCKTNOSUPPORT, "TCP socket");
    if (r == 0) {
        a.sin_port = htons(80);
        must(net_bind(listener, &a) == 0 && net_listen(listener, 8) == 0,
             "listen on port 80");
    }
    struct sockaddr_in6 a6 = {.sin6_family = AF_INET6, .sin6_port = htons(80)};
    int one = 1;
    must(net_socket6(SOCK_STREAM, 0, &listener6) == 0 &&
             net_setsockopt(listener6, IPPROTO_IPV6, IPV6_V6ONLY, &one,
                            sizeof one) == 0 &&
             net_bind(listener6, (struct sockaddr_in *)(void *)&a6) == 0 &&
             net_listen(listener6, 8) == 0,
         "listen on [::]:80 (IPV6_V6ONLY)");
    a6.sin6_port = htons(7);
    must(net_socket6(SOCK_DGRAM, 0, &udp6) == 0 &&
             net_setsockopt(udp6, IPPROTO_IPV6, IPV6_V6ONLY, &one,
                            sizeof one) == 0 &&
             net_bind(udp6, (struct sockaddr_in *)(void *)&a6) == 0,
         "UDP on [::]:7 (IPV6_V6ONLY)");
    must(net_socket(SOCK_DGRAM, 0, &udp) == 0, "UDP socket");
    a.sin_port = htons(7);
    must(net_bind(udp, &a) == 0, "bind port 7");
}

static void serve_udp(void)
{
    uint8_t buf[2048];
    struct sockaddr_in6 from; /* room for either family's */
    struct sockaddr_in *f = (struct sockaddr_in *)(void *)&from;
    long n;
    while ((n = net_recv(udp, buf, sizeof buf, 0, f)) >= 0) {
        datagrams++;
        net_send(udp, buf, (size_t)n, 0, f);
    }
    while ((n = net_recv(udp6, buf, sizeof buf, 0, f)) >= 0) {
        datagrams6++;
        net_send(udp6, buf, (size_t)n, 0, f);
    }
}

/* Accept into free slots, echo what each child has. */
static void serve_tcp(void)
{
    uint8_t buf[4096];
    for (unsigned i = 0; listener && i < CHILDREN_MAX; i++) {
        if (!children[i] && net_accept(listener, &children[i], NULL) == 0)
            accepted++;
        if (!children[i] && net_accept(listener6, &children[i], NULL) == 0)
            accepted6++;
        if (!children[i])
            continue;
        long n = net_recv(children[i], buf, sizeof buf, 0, NULL);
        if (n > 0)
            net_send(children[i], buf, (size_t)n, 0, NULL);
    }
}

/* A frame into the stack in a buffer of exactly its length, so
 * AddressSanitizer sees any read past its end. */
static void deliver(const uint8_t *data, size_t len)
{
    uint8_t *f = malloc(len ? len : 1);
    memcpy(f, data, len);
    eth_input(nif, f, len);
    free(f);
}

/* The fixed datagram in f as fragments of unit bytes (FIX_FRAG). */
static void deliver_fragments(const uint8_t *f, size_t len, size_t unit)
{
    uint8_t *piece = malloc(len);
    size_t n;
    for (unsigned k = 0; (n = fixup_fragment(f, len, unit, k, piece)); k++)
        deliver(piece, n);
    free(piece);
}

static void feed(const uint8_t *data, size_t len, unsigned flags)
{
    uint8_t *f = malloc(len ? len : 1);
    memcpy(f, data, len);
    size_t unit = flags & FIX_FRAG ? fixup_frag_unit(f, len) : 0;
    fixup_frame(f, len, flags, mac);
    nif->rx_csum_ok = (flags & FIX_NIC_CSUM) != 0;
    if (unit)
        deliver_fragments(f, len, unit);
    else
        deliver(f, len);
    nif->rx_csum_ok = 0;
    free(f);
    uint8_t reply[42];
    if (fixup_arp_reply(reply, mac, nif->addr)) {
        deliver(reply, sizeof reply);
    }
}

static void clock_pass(uint8_t c)
{
    uint64_t ns = c < 200 ? c * MS : (uint64_t)(c - 199) * 1000 * MS;
    if (ns)
        hc_thread_block(hc_clock_monotonic() + ns); /* timers run */
}

struct input {
    const uint8_t *p;
    size_t len;
};

static void run_input(void *arg)
{
    struct input *in = arg;
    const uint8_t *p = in->p;
    size_t left = in->len;
    while (left >= 4) {
        size_t len = (size_t)(p[0] << 8 | p[1]);
        unsigned flags = p[2];
        clock_pass(p[3]);
        p += 4, left -= 4;
        if (len > left)
            len = left;
        feed(p, len, flags);
        p += len, left -= len;
        hc_thread_yield(); /* the stack's thread */
        serve_tcp();
        serve_udp();
    }
    for (unsigned i = 0; i < CHILDREN_MAX; i++)
        if (children[i]) {
            net_close(children[i]);
            children[i] = NULL;
        }
    hc_thread_block(hc_clock_monotonic() + SETTLE_NS);
    serve_tcp(); /* connections completed while settling */
    for (unsigned i = 0; i < CHILDREN_MAX; i++)
        if (children[i]) {
            net_close(children[i]);
            children[i] = NULL;
        }
}

static void report(void)
{
    struct hc_mem_stats m;
    hc_pages_stats(&m);
    printf("fuzz-net: tcp %d, accepted %lu, datagrams %lu, frames sent %lu, "
           "pages free %zu of %zu, ipv6 echo replies %lu, ipv6 accepted %lu, "
           "ipv6 datagrams %lu\n",
           listener != NULL, accepted, datagrams, sent_frames,
           (size_t)m.free_pages, (size_t)m.total_pages, echo6, accepted6,
           datagrams6);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    /* KILN_FUZZ_MEM (MiB) shrinks the page arena, so allocation failures
     * under memory pressure get fuzzed too. */
    const char *mem = getenv("KILN_FUZZ_MEM");
    static char *host_argv[] = {"fuzz-net", "--mem", "256", NULL};
    if (mem)
        host_argv[2] = (char *)mem;
    host_clock_virtual();
    host_entropy_seed(1);
    must(host_setup(3, host_argv) == 3, "host_setup");
    must(host_nic_add_null(sink) == 0, "null NIC");
    host_run(setup, NULL);
    if (getenv("KILN_FUZZ_REPORT"))
        atexit(report);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct input in = {data, size};
    host_run(run_input, &in);
    return 0;
}
