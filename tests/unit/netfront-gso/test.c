/*
 * netfront-gso/test.c: host unit test of hypercall-xen/netfront_gso.c,
 * netfront's frames over several ring slots. The test plays netback:
 * it writes response slots as netif.h's receive wire format says (a
 * first fragment, GSO extras overlaying responses, more fragments) and
 * checks where nf_rx_span says the frame ends, its length and GSO size,
 * and that frames not yet whole wait. A hostile backend's slots (ids
 * out of their ring position, fragments past their page, chains longer
 * than the slots we post, unknown extras, jumbo frames without GSO) must
 * be refused or dropped. On transmit, which frames and metadata netfront
 * accepts, with and without the backend's feature-gso-tcpv4, and which
 * partial checksums go blank (IPv6's only with
 * feature-ipv6-csum-offload).
 *
 * links: hypercall-xen/netfront_gso.c
 */
#include <string.h>
#include "../../../hypercall-xen/netfront_gso.h"
#include "tap.h"

static netif_rx_response_t ring[NF_SLOTS];
static unsigned nslots;
static uint32_t cons = 1000; /* ring position of ring[0] */

static void data(uint16_t offset, int16_t status, uint16_t flags)
{
    ring[nslots] =
        (netif_rx_response_t){.id = (uint16_t)((cons + nslots) % NF_SLOTS),
                              .offset = offset,
                              .flags = flags,
                              .status = status};
    nslots++;
}

static void extra(uint8_t type, uint8_t gso_type, uint16_t size, int more)
{
    netif_extra_info_t x = {.type = type,
                            .flags = more ? XEN_NETIF_EXTRA_FLAG_MORE : 0};
    x.u.gso.size = size;
    x.u.gso.type = gso_type;
    memset(&ring[nslots], 0, sizeof ring[nslots]);
    memcpy(&ring[nslots], &x, sizeof ring[nslots]);
    nslots++;
}

/* A 64 KiB TCP frame as netback sends it: a fragment a page, a GSO
 * extra after the first, which is flagged csum_blank. */
static unsigned big_frame(size_t len, uint16_t mss)
{
    nslots = 0;
    uint16_t first = NETRXF_csum_blank | NETRXF_data_validated |
                     NETRXF_extra_info | NETRXF_more_data;
    data(0, 4096, first);
    extra(XEN_NETIF_EXTRA_TYPE_GSO, XEN_NETIF_GSO_TYPE_TCPV4, mss, 0);
    size_t left = len - 4096;
    while (left) {
        size_t n = left < 4096 ? left : 4096;
        left -= n;
        data(0, (int16_t)n, left ? NETRXF_more_data : 0);
    }
    return nslots;
}

static int span(unsigned n, struct nf_rx_span *s)
{
    const char *why = NULL;
    int r = nf_rx_span(ring, n, cons, s, &why);
    return r == NF_BAD && !why ? -100 : r;
}

static void test_single(void)
{
    struct nf_rx_span s;
    nslots = 0;
    data(0, 60, NETRXF_data_validated);
    data(0, 1514, 0);
    tap_check(span(2, &s) == 1 && s.slots == 1 && s.len == 60 && !s.drop &&
                  s.flags == NETRXF_data_validated && !s.gso_size,
              "one slot, one frame; the next is left for later", NULL);
    data(4096 - 1514, 1514, 0);
    cons += 2; /* the third slot alone */
    memmove(ring, ring + 2, sizeof ring[0]);
    tap_check(span(1, &s) == 1 && s.len == 1514 && !s.drop,
              "a full frame ending at its page's end", NULL);
    cons -= 2;
}

static void test_gso(void)
{
    struct nf_rx_span s;
    unsigned n = big_frame(65226, 1448);
    int r = span(n, &s);
    tap_check(r == 1 && s.slots == 17 && s.len == 65226 && !s.drop &&
                  s.gso_size == 1448 && s.extras == 2u &&
                  (s.flags & NETRXF_csum_blank),
              "a 64 KiB frame: 16 fragments and a GSO extra, 17 slots",
              "r %d slots %u len %zu gso %u extras %#llx", r, s.slots, s.len,
              s.gso_size, (unsigned long long)s.extras);
    int ok = 1;
    for (unsigned k = 1; k < n; k++)
        ok &= span(k, &s) == 0;
    tap_check(ok, "a frame waits until its last slot is answered", NULL);
    nslots = 0;
    data(0, 3000, NETRXF_extra_info | NETRXF_more_data);
    extra(XEN_NETIF_EXTRA_TYPE_HASH, 0, 0, 1);
    extra(XEN_NETIF_EXTRA_TYPE_GSO, XEN_NETIF_GSO_TYPE_TCPV4, 1000, 0);
    data(0, 3000, 0);
    tap_check(span(4, &s) == 1 && s.slots == 4 && s.drop && s.extras == 6u,
              "chained extras are followed; one we never asked for drops "
              "the frame",
              NULL);
    nslots = 0;
    data(0, 3000, NETRXF_extra_info | NETRXF_more_data);
    extra(XEN_NETIF_EXTRA_TYPE_GSO, XEN_NETIF_GSO_TYPE_TCPV6, 1000, 0);
    data(0, 3000, 0);
    tap_check(span(3, &s) == 1 && s.drop, "a TCPv6 GSO frame is dropped", NULL);
}

static void test_drops(void)
{
    struct nf_rx_span s;
    nslots = 0;
    data(0, 3000, NETRXF_more_data);
    data(0, 3000, 0);
    tap_check(span(2, &s) == 1 && s.slots == 2 && s.len == 6000 && s.drop,
              "a frame past the MTU without GSO is dropped", NULL);
    nslots = 0;
    data(0, NETIF_RSP_ERROR, NETRXF_more_data);
    data(0, 100, 0);
    tap_check(span(2, &s) == 1 && s.slots == 2 && s.drop,
              "an error in any slot drops the whole frame", NULL);
    nslots = 0;
    data(0, 13, 0);
    tap_check(span(1, &s) == 1 && s.drop, "a runt is dropped", NULL);
    big_frame(65226, 1448);
    ring[nslots - 1].flags = NETRXF_more_data;
    data(0, 4096, 0); /* one more page: past 65549 bytes */
    tap_check(span(nslots, &s) == 1 && s.drop,
              "a frame over 64 KiB plus its header is dropped", NULL);
}

static void test_hostile(void)
{
    struct nf_rx_span s;
    nslots = 0;
    data(0, 60, 0);
    ring[0].id = (uint16_t)((ring[0].id + 1) % NF_SLOTS);
    tap_check(span(1, &s) == NF_BAD,
              "an id not of its ring position is refused", NULL);
    nslots = 0;
    data(4000, 200, 0);
    tap_check(span(1, &s) == NF_BAD,
              "a fragment past the end of its page is refused", NULL);
    nslots = 0;
    data(0, 1000, NETRXF_more_data);
    data(0xffff, 1, 0);
    tap_check(span(2, &s) == NF_BAD, "an offset past the page is refused",
              NULL);
    nslots = 0;
    for (unsigned i = 0; i < NF_SLOTS; i++)
        data(0, 100, NETRXF_more_data);
    tap_check(span(NF_SLOTS, &s) == NF_BAD,
              "a frame in more slots than we post is refused", NULL);
    nslots = 0;
    data(0, 100, NETRXF_extra_info);
    for (unsigned i = 1; i < NF_SLOTS; i++)
        extra(XEN_NETIF_EXTRA_TYPE_GSO, XEN_NETIF_GSO_TYPE_TCPV4, 1, 1);
    tap_check(span(NF_SLOTS, &s) == NF_BAD,
              "endless chained extras are refused", NULL);
}

static void test_tx(void)
{
    struct hc_net_meta csum = {
        .flags = HC_NET_F_CSUM_PARTIAL, .csum_start = 34, .csum_offset = 16};
    struct hc_net_meta gso = csum;
    gso.gso_type = HC_NET_GSO_TCPV4, gso.gso_size = 1448;
    gso.hdr_len = 66;
    tap_check(nf_tx_meta_check(NULL, 60, 0) == 0 &&
                  nf_tx_meta_check(NULL, 1514, 1) == 0 &&
                  nf_tx_meta_check(NULL, 1515, 1) == -1 &&
                  nf_tx_meta_check(NULL, 13, 1) == -1 &&
                  nf_tx_meta_check(&csum, 1514, 0) == 0,
              "tx: plain and checksummed frames up to 1514 bytes", NULL);
    tap_check(nf_tx_meta_check(&gso, 65535, 1) == 0 &&
                  nf_tx_meta_check(&gso, 65535, 0) == -1 &&
                  nf_tx_meta_check(&gso, 65536, 1) == -1,
              "tx: segmentation only when the backend takes it, at most "
              "65535 bytes (a request's size field)",
              NULL);
    gso.flags = 0;
    tap_check(nf_tx_meta_check(&gso, 3000, 1) == -1,
              "tx: segmentation without a partial checksum is refused", NULL);
    tap_check(nf_tx_pages(1) == 1 && nf_tx_pages(4096) == 1 &&
                  nf_tx_pages(4097) == 2 && nf_tx_pages(65535) == 16,
              "tx: a slot a page", NULL);
    gso.flags = HC_NET_F_CSUM_PARTIAL;
    netif_extra_info_t x = nf_tx_gso_extra(&gso);
    tap_check(x.type == XEN_NETIF_EXTRA_TYPE_GSO && x.flags == 0 &&
                  x.u.gso.size == 1448 &&
                  x.u.gso.type == XEN_NETIF_GSO_TYPE_TCPV4 &&
                  x.u.gso.features == 0,
              "tx: the GSO extra names TCPv4 and the segment size", NULL);
    uint8_t v4[60] = {[12] = 0x08, 0x00}, v6[74] = {[12] = 0x86, 0xdd};
    tap_check(nf_tx_csum_blank(&csum, v4, sizeof v4, 0) &&
                  nf_tx_csum_blank(&csum, v6, sizeof v6, 1) &&
                  !nf_tx_csum_blank(&csum, v6, sizeof v6, 0) &&
                  !nf_tx_csum_blank(NULL, v4, sizeof v4, 1),
              "tx: IPv6 checksums go blank only to a backend offering "
              "feature-ipv6-csum-offload",
              NULL);
}

int main(void)
{
    test_single();
    test_gso();
    test_drops();
    test_hostile();
    test_tx();
    return tap_done();
}
