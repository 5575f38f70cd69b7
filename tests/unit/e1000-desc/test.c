/*
 * e1000-desc/test.c: host unit test of hypercall-baremetal/e1000_desc.c,
 * the e1000's descriptor formats and checksum offload. The test plays
 * the NIC: it reads the context and data descriptors the driver fills
 * as the 82540EM manual (3.3.6, 3.3.7) says the hardware does, sums the
 * frame from TUCSS over the seed at TUCSO, and checks the checksum that
 * lands on the wire against one computed from scratch. Receive
 * descriptors come back with every status and error combination that
 * matters, including the IXSM QEMU always sets.
 *
 * links: hypercall-baremetal/e1000_desc.c
 */
#include <stddef.h>
#include <string.h>
#include "../../../hypercall-baremetal/e1000_desc.h"
#include "tap.h"

static uint32_t words(const uint8_t *p, size_t n)
{
    uint32_t s = 0;
    for (size_t i = 0; i + 1 < n; i += 2)
        s += (uint32_t)p[i] << 8 | p[i + 1];
    if (n & 1)
        s += (uint32_t)p[n - 1] << 8;
    return s;
}

static uint16_t fold(uint32_t s)
{
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)s;
}

/* An Ethernet + IPv4 + TCP frame of len bytes, with the TCP checksum
 * field holding the pseudo-header seed as hypercall.h's
 * HC_NET_F_CSUM_PARTIAL asks. Returns the pseudo-header sum. */
static uint32_t tcp_frame(uint8_t *f, size_t len)
{
    memset(f, 0, len);
    f[12] = 0x08;
    f[14] = 0x45;
    size_t ip_len = len - 14, tcp_len = len - 34;
    f[16] = (uint8_t)(ip_len >> 8), f[17] = (uint8_t)ip_len;
    f[23] = 6;
    memcpy(f + 26, "\x0a\x57\x00\x02\x0a\x57\x00\x01", 8);
    for (size_t i = 34; i < len; i++)
        f[i] = (uint8_t)(i * 7 + 3);
    f[34 + 16] = f[34 + 17] = 0;
    uint32_t pseudo = words(f + 26, 8) + 6 + (uint32_t)tcp_len;
    uint16_t seed = fold(pseudo);
    f[50] = (uint8_t)(seed >> 8), f[51] = (uint8_t)seed;
    return pseudo;
}

/* The TCP checksum is right: pseudo-header plus segment folds to ~0. */
static int tcp_sum_ok(const uint8_t *f, size_t len, uint32_t pseudo)
{
    return fold(pseudo + words(f + 34, len - 34)) == 0xffff;
}

/* What the NIC does with a context (TUCSE 0: to the frame's end). */
static void nic_insert(uint8_t *f, size_t len, const struct e1000_tx_ctx *c)
{
    size_t end = c->tucse ? (size_t)c->tucse + 1 : len;
    uint16_t sum = (uint16_t)~fold(words(f + c->tucss, end - c->tucss));
    f[c->tucso] = (uint8_t)(sum >> 8), f[c->tucso + 1] = (uint8_t)sum;
}

static void test_layout(void)
{
    tap_check(sizeof(struct e1000_tx_ctx) == 16 &&
                  sizeof(struct e1000_tx_data) == 16 &&
                  sizeof(struct e1000_tx_legacy) == 16 &&
                  sizeof(struct e1000_rx_desc) == 16 &&
                  sizeof(union e1000_tx_slot) == 16,
              "every descriptor is 16 bytes", NULL);
    tap_check(offsetof(struct e1000_tx_ctx, status) == 12 &&
                  offsetof(struct e1000_tx_data, status) == 12 &&
                  offsetof(struct e1000_tx_legacy, status) == 12 &&
                  offsetof(struct e1000_tx_ctx, cmd_len) == 8 &&
                  offsetof(struct e1000_tx_data, popts) == 13,
              "status at byte 12 in every transmit format (DD checks)", NULL);
}

static void test_plan_rejects(void)
{
    struct e1000_tx_ctx c;
    struct hc_net_meta m = {
        .flags = HC_NET_F_CSUM_PARTIAL, .csum_start = 34, .csum_offset = 16};
    struct hc_net_meta gso = m, valid = m, past = m;
    gso.gso_type = HC_NET_GSO_TCPV4, gso.gso_size = 1448;
    valid.flags = HC_NET_F_CSUM_VALID;
    past.csum_offset = 100;
    tap_check(e1000_tx_plan(NULL, 60, &c) == E1000_TX_PLAIN &&
                  e1000_tx_plan(NULL, 13, &c) == -1 &&
                  e1000_tx_plan(NULL, 1515, &c) == -1 &&
                  e1000_tx_plan(&m, 1515, &c) == -1,
              "plan: plain frames 14..1514 bytes, no more", NULL);
    tap_check(e1000_tx_plan(&gso, 1514, &c) == -1 &&
                  e1000_tx_plan(&valid, 1514, &c) == -1 &&
                  e1000_tx_plan(&past, 120, &c) == -1 &&
                  e1000_tx_plan(&m, 51, &c) == -1,
              "plan: segmentation, receive-only flags, a field past the "
              "frame are refused",
              NULL);
}

/* The context names the seeded field; the NIC's sum is the right one. */
static void test_offload_sum(void)
{
    static const size_t lens[] = {54, 55, 60, 577, 1513, 1514};
    struct hc_net_meta m = {
        .flags = HC_NET_F_CSUM_PARTIAL, .csum_start = 34, .csum_offset = 16};
    int ok = 1;
    for (unsigned i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        uint8_t f[1514];
        struct e1000_tx_ctx c;
        uint32_t pseudo = tcp_frame(f, lens[i]);
        ok &= e1000_tx_plan(&m, lens[i], &c) == E1000_TX_OFFLOAD;
        ok &= c.tucss == 34 && c.tucso == 50 && c.tucse == 0 && c.ipcss == 0 &&
              c.ipcso == 0 && c.status == 0 &&
              c.cmd_len == 0x28u << 24; /* DEXT | RS, DTYP 0, no TSE */
        nic_insert(f, lens[i], &c);
        ok &= tcp_sum_ok(f, lens[i], pseudo);
    }
    tap_check(ok,
              "offload: context TUCSS 34, TUCSO 50, TUCSE 0; the NIC's "
              "sum over the seed is the TCP checksum (odd and even)",
              NULL);
    struct e1000_tx_data d = e1000_tx_data_for(0x123456789000ull, 1514);
    tap_check(d.addr == 0x123456789000ull && d.status == 0 &&
                  d.cmd_len == (0x2bu << 24 | 1u << 20 | 1514) &&
                  d.popts == 0x02,
              "offload: data descriptor DEXT|RS|IFCS|EOP, DTYP 1, "
              "length, POPTS TXSM",
              "cmd_len %#x popts %#x", d.cmd_len, d.popts);
}

/* A field past the context's 8-bit reach is finished in software. */
static void test_soft_sum(void)
{
    uint8_t f[1514];
    uint32_t pseudo = tcp_frame(f, 1000);
    /* the same TCP segment seen from further in: IP options, say */
    struct hc_net_meta m = {
        .flags = HC_NET_F_CSUM_PARTIAL, .csum_start = 34, .csum_offset = 16};
    struct e1000_tx_ctx c;
    int ok = e1000_tx_plan(&m, 1000, &c) == E1000_TX_OFFLOAD;
    m.csum_start = 250;
    ok &= e1000_tx_plan(&m, 1000, &c) == E1000_TX_SOFT;
    m.csum_start = 34;
    kiln_csum_finish(f, 1000, m.csum_start, m.csum_offset);
    ok &= tcp_sum_ok(f, 1000, pseudo);
    pseudo = tcp_frame(f, 999);
    kiln_csum_finish(f, 999, 34, 16);
    ok &= tcp_sum_ok(f, 999, pseudo);
    tap_check(ok,
              "soft: a field past byte 255 is summed by the driver, "
              "odd lengths too",
              NULL);
}

static int rx(uint8_t status, uint8_t errors, uint16_t len, uint8_t *flags)
{
    struct e1000_rx_desc d = {.length = len,
                              .status = (uint8_t)(status | E1000_DD),
                              .errors = errors};
    *flags = 0xee;
    return e1000_rx_check(&d, flags);
}

static void test_rx(void)
{
    uint8_t fl;
    const uint8_t eop = E1000_RX_EOP, tcpcs = E1000_RX_TCPCS,
                  ipcs = E1000_RX_IPCS;
    tap_check(
        rx(eop | E1000_RX_IXSM | tcpcs | ipcs, 0, 60, &fl) == 60 && fl == 0,
        "rx: IXSM (QEMU's answer) says nothing, whatever else is set", NULL);
    tap_check(rx(eop | tcpcs | ipcs, 0, 1514, &fl) == 1514 &&
                  fl == HC_NET_F_CSUM_VALID,
              "rx: TCPCS without TCPE marks the frame CSUM_VALID", NULL);
    tap_check(rx(eop | ipcs, 0, 100, &fl) == 100 && fl == 0,
              "rx: IPCS alone (not TCP/UDP) marks nothing", NULL);
    tap_check(rx(eop | tcpcs, E1000_RX_TCPE, 100, &fl) == -1 &&
                  rx(eop | ipcs | tcpcs, E1000_RX_IPE, 100, &fl) == -1,
              "rx: a checksum the NIC found wrong drops the frame", NULL);
    int ok = 1;
    for (unsigned e = 0; e < 8; e++)
        if ((0x97 >> e) & 1)
            ok &= rx(eop, (uint8_t)(1u << e), 100, &fl) == -1;
    ok &= rx(0, 0, 100, &fl) == -1 && rx(eop, 0, 13, &fl) == -1 &&
          rx(eop, 0, 2049, &fl) == -1 && rx(eop, 0, 2048, &fl) == 2048;
    tap_check(ok,
              "rx: frame errors, pieces without EOP, lengths outside "
              "14..2048 are dropped",
              NULL);
}

int main(void)
{
    test_layout();
    test_plan_rejects();
    test_offload_sum();
    test_soft_sum();
    test_rx();
    return tap_done();
}
