/*
 * nettest: answers ARP and ICMP echo on every NIC straight from the raw
 * hypercall interface, with no network stack, so the NIC drivers can be
 * tested against Linux's ping before components/net exists.
 * Usage: nettest COUNT IP0 [IP1 ...]: NIC n answers for IPn; exits 0
 * after answering COUNT echo requests in all.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hypercall.h"

#define NICS_MAX 4
#define ETH_HDR 14
#define WAIT_NS 200000000ull

/* This app owns the NICs: components/posix must not start the stack. */
const int kiln_raw_nics = 1;

static uint8_t mac[NICS_MAX][6];
static uint32_t ip[NICS_MAX]; /* network order */

static uint16_t checksum(const uint8_t *p, size_t n)
{
    uint32_t sum = 0;
    for (size_t i = 0; i + 1 < n; i += 2)
        sum += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (n & 1)
        sum += (uint32_t)p[n - 1] << 8;
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

/* Turn the frame around: its sender becomes the destination. */
static void reply_ethernet(unsigned nic, uint8_t *f)
{
    memcpy(f, f + 6, 6);
    memcpy(f + 6, mac[nic], 6);
}

static int answer_arp(unsigned nic, uint8_t *f, int len)
{
    uint8_t *a = f + ETH_HDR;
    if (len < ETH_HDR + 28 || a[7] != 1 || memcmp(a + 24, &ip[nic], 4))
        return 0; /* not a request for our address */
    reply_ethernet(nic, f);
    a[7] = 2;
    memcpy(a + 18, a + 8, 10);  /* target = the asker's MAC and IP */
    memcpy(a + 8, mac[nic], 6); /* sender = us */
    memcpy(a + 14, &ip[nic], 4);
    return hc_net_send(nic, f, ETH_HDR + 28, NULL) == 0;
}

static int answer_ping(unsigned nic, uint8_t *f, int len)
{
    uint8_t *h = f + ETH_HDR;
    int ihl = (h[0] & 15) * 4;
    if (len < ETH_HDR + 20 || (h[0] >> 4) != 4 || ihl < 20 ||
        len < ETH_HDR + ihl + 8 || h[9] != 1 || memcmp(h + 16, &ip[nic], 4))
        return 0;
    int total = h[2] << 8 | h[3];
    if (total < ihl + 8 || ETH_HDR + total > len || checksum(h, ihl))
        return 0;
    uint8_t *icmp = h + ihl;
    if (icmp[0] != 8 || checksum(icmp, (size_t)(total - ihl)))
        return 0;
    reply_ethernet(nic, f);
    memcpy(h + 16, h + 12, 4);
    memcpy(h + 12, &ip[nic], 4);
    h[8] = 64;
    put16(h + 10, 0);
    put16(h + 10, checksum(h, ihl));
    icmp[0] = 0;
    put16(icmp + 2, 0);
    put16(icmp + 2, checksum(icmp, (size_t)(total - ihl)));
    return hc_net_send(nic, f, (size_t)(ETH_HDR + total), NULL) == 0;
}

static int serve(unsigned nic)
{
    static uint8_t f[2048];
    int pings = 0, len;
    while ((len = hc_net_recv(nic, f, sizeof f, NULL)) > 0) {
        int type = f[12] << 8 | f[13];
        if (type == 0x0806 && answer_arp(nic, f, len))
            printf("nic%u: answered ARP\n", nic);
        else if (type == 0x0800 && answer_ping(nic, f, len)) {
            printf("nic%u: answered ping\n", nic);
            pings++;
        }
    }
    return pings;
}

/* Frames sent before a link comes up are lost; give it up to 5 s. */
static void wait_for_links(int nics)
{
    uint64_t give_up = hc_clock_monotonic() + 5000000000ull;
    for (int n = 0; n < nics; n++) {
        struct hc_net_info info;
        while (hc_net_info((unsigned)n, &info) == 0 && !info.link_up &&
               hc_clock_monotonic() < give_up)
            hc_thread_block(hc_clock_monotonic() + 10000000);
        printf("nic%d: link %s\n", n, info.link_up ? "up" : "DOWN");
    }
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: nettest COUNT IP0 [IP1 ...]\n");
        return 2;
    }
    int want = atoi(argv[1]), nics = argc - 2, answered = 0;
    for (int n = 0; n < nics && n < NICS_MAX; n++) {
        struct hc_net_info info;
        if (hc_net_info((unsigned)n, &info) < 0 ||
            inet_pton(AF_INET, argv[n + 2], &ip[n]) != 1) {
            printf("nettest: no NIC %d or bad address %s\n", n, argv[n + 2]);
            return 1;
        }
        memcpy(mac[n], info.mac, 6);
        printf("nic%d: %02x:%02x:%02x:%02x:%02x:%02x mtu %u ip %s\n", n,
               mac[n][0], mac[n][1], mac[n][2], mac[n][3], mac[n][4], mac[n][5],
               info.mtu, argv[n + 2]);
    }
    wait_for_links(nics);
    printf("nettest: ready\n");
    fflush(stdout);
    while (answered < want) {
        for (int n = 0; n < nics; n++)
            answered += serve((unsigned)n);
        fflush(stdout);
        /* sleep until a NIC interrupts; the deadline covers NICs that
         * have no interrupt */
        hc_thread_wait_io(hc_clock_monotonic() + WAIT_NS);
    }
    printf("nettest: answered %d pings\n", answered);
    return 0;
}
