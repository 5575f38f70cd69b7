/*
 * netfront-ring/test.c: host unit test of hypercall-xen/netfront_ring.c,
 * the checks a netback's transmit responses and ring indexes pass
 * before netfront uses them (received frames are netfront-gso's). The
 * backend is not trusted: producer indexes past what we posted, ids out
 * of range or not in flight and unknown transmit statuses must all be
 * refused (null ones answer GSO extra slots and are skipped).
 * nf_rx_meta finds where a blank checksum lies, or reads it as plain.
 *
 * links: hypercall-xen/netfront_ring.c
 */
#include <stdint.h>
#include <string.h>
#include "../../../hypercall-xen/netfront_ring.h"
#include "tap.h"

static void test_pending(void)
{
    tap_check(nf_pending(5, 5, 69) == 0, "no responses", NULL);
    tap_check(nf_pending(5, 69, 69) == 64, "every request answered", NULL);
    tap_check(nf_pending(5, 70, 69) == NF_BAD,
              "a producer past our requests is refused", NULL);
    tap_check(nf_pending(5, 4, 69) == NF_BAD,
              "a producer behind our consumer is refused", NULL);
    tap_check(nf_pending(UINT32_MAX - 1, 2, 10) == 4,
              "indexes that wrapped around 2^32", NULL);
    tap_check(nf_pending(UINT32_MAX - 1, 11, 10) == NF_BAD,
              "a wrapped producer past our requests is refused", NULL);
}

static int tx_check(uint16_t id, int16_t status, const uint8_t *inflight)
{
    netif_tx_response_t r = {.id = id, .status = status};
    const char *why = NULL;
    int got = nf_tx_check(&r, inflight, &why);
    return got == NF_BAD && !why ? -100 : got;
}

static void test_tx(void)
{
    uint8_t inflight[NF_SLOTS] = {0};
    inflight[0] = 1;
    tap_check(tx_check(0, NETIF_RSP_OKAY, inflight) == 0, "a frame sent", NULL);
    tap_check(tx_check(0, NETIF_RSP_ERROR, inflight) == NF_DROP &&
                  tx_check(0, NETIF_RSP_DROPPED, inflight) == NF_DROP,
              "a refused frame frees its slot", NULL);
    tap_check(tx_check(0, NETIF_RSP_NULL, inflight) == NF_SKIP &&
                  tx_check(0xffff, NETIF_RSP_NULL, inflight) == NF_SKIP,
              "a null status (a GSO extra's answer, whatever its id) "
              "is skipped",
              NULL);
    tap_check(tx_check(0, 77, inflight) == NF_BAD &&
                  tx_check(0, -3, inflight) == NF_BAD,
              "unknown statuses are refused", NULL);
    tap_check(tx_check(1, NETIF_RSP_OKAY, inflight) == NF_BAD,
              "a slot not in flight is refused (a repeated response)", NULL);
    tap_check(tx_check(NF_SLOTS, NETIF_RSP_OKAY, inflight) == NF_BAD,
              "an id past our slots is refused", NULL);
}

static void test_mac(void)
{
    uint8_t mac[6];
    tap_check(nf_parse_mac("00:16:3e:0A:0b:ff", mac) == 0 &&
                  !memcmp(mac, "\x00\x16\x3e\x0a\x0b\xff", 6),
              "a MAC address in either case", NULL);
    const char *bad[] = {"",
                         "00:16:3e:0a:0b",
                         "00:16:3e:0a:0b:0c:",
                         "00:16:3e:0a:0b:0c0",
                         "00-16-3e-0a-0b-0c",
                         "0:16:3e:0a:0b:0c:0",
                         "00:16:3e:0a:0b:0g",
                         "00:16:3e:0a:0b:"};
    int refused = 1;
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++)
        refused &= nf_parse_mac(bad[i], mac) == -1;
    tap_check(refused, "malformed MAC addresses are refused", NULL);
}

/* An 80-byte frame: EtherType type, IP version ver with header length
 * ihl words (IPv4) or 40 bytes (IPv6), protocol proto. */
static size_t frame(uint8_t *f, unsigned type, unsigned ver, unsigned ihl,
                    unsigned proto)
{
    memset(f, 0, 80);
    f[12] = (uint8_t)(type >> 8);
    f[13] = (uint8_t)type;
    f[14] = (uint8_t)(ver << 4 | ihl);
    f[ver == 4 ? 23 : 20] = (uint8_t)proto;
    return 80;
}

static void test_rx_meta(void)
{
    uint8_t f[80];
    struct hc_net_meta m;
    nf_rx_meta(NETRXF_csum_blank | NETRXF_data_validated, f,
               frame(f, 0x0800, 4, 5, 6), &m);
    tap_check(m.flags == HC_NET_F_CSUM_PARTIAL && m.csum_start == 34 &&
                  m.csum_offset == 16,
              "csum_blank TCP/IPv4: partial from 34, field at +16",
              "flags %u start %u offset %u", m.flags, m.csum_start,
              m.csum_offset);
    nf_rx_meta(NETRXF_csum_blank, f, frame(f, 0x0800, 4, 6, 17), &m);
    tap_check(m.flags == HC_NET_F_CSUM_PARTIAL && m.csum_start == 38 &&
                  m.csum_offset == 6,
              "csum_blank UDP/IPv4 with options: from 38, field at +6", NULL);
    nf_rx_meta(NETRXF_csum_blank, f, frame(f, 0x86dd, 6, 0, 6), &m);
    tap_check(m.flags == HC_NET_F_CSUM_PARTIAL && m.csum_start == 54 &&
                  m.csum_offset == 16,
              "csum_blank TCP/IPv6: from 54", NULL);
    nf_rx_meta(NETRXF_csum_blank, f, frame(f, 0x0800, 4, 5, 1), &m);
    tap_check(m.flags == 0, "csum_blank on ICMP reads as plain", NULL);
    frame(f, 0x0800, 4, 15, 6);
    nf_rx_meta(NETRXF_csum_blank, f, 60, &m);
    tap_check(m.flags == 0, "a header reaching past the frame: plain", NULL);
    nf_rx_meta(NETRXF_csum_blank, f, 40, &m);
    tap_check(m.flags == 0, "a runt: plain", NULL);
    nf_rx_meta(NETRXF_data_validated, f, frame(f, 0x0800, 4, 5, 6), &m);
    tap_check(m.flags == HC_NET_F_CSUM_VALID, "data_validated: valid", NULL);
    nf_rx_meta(0, f, frame(f, 0x0800, 4, 5, 6), &m);
    tap_check(m.flags == 0 && m.gso_type == 0, "no flags: plain", NULL);
}

int main(void)
{
    test_pending();
    test_tx();
    test_mac();
    test_rx_meta();
    return tap_done();
}
