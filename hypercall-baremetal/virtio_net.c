/*
 * virtio_net.c: virtio network devices (spec section 5.1) behind the
 * hypercall NIC calls. Queue 0 receives, queue 1 transmits. Every receive
 * buffer stays posted: a frame is copied out and its buffers handed back
 * at once. Transmit copies the frame behind a virtio_net_hdr_v1 made
 * from the caller's hc_net_meta and reclaims finished buffers on the
 * next send. Both calls are non-blocking. The MTU is Ethernet's 1500.
 * Receive buffers beyond the first RX_FIRST are posted one with each
 * frame received until the ring is full (all at probe when a frame may
 * span many: GUEST_TSO4): zeroing them at probe was a large part of the
 * boot's "devices" step under TCG. Transmit buffers are all made at
 * probe: made on demand, those a burst needed would stay with the NIC
 * after it, and a server's free memory would not come back to where it
 * was before a flood (tests/net/hostile).
 *
 * Transmit completions raise no interrupt while the ring has room: send
 * reclaims them itself, and an interrupt per frame sent would wake an
 * idle CPU for nothing (a router sends one per frame it forwards). Only
 * a send refused for a full ring turns them on, so that the device's
 * next completion wakes whoever waits for room (hypercall.h's promise).
 *
 * Offloads, each only if the device offers it: checksums both ways
 * (CSUM, GUEST_CSUM), TCPv4 segmentation both ways (HOST_TSO4,
 * GUEST_TSO4). A 64 KiB frame from the device spans many 2 KiB receive
 * buffers, so GUEST_TSO4 is taken only with MRG_RXBUF (then the receive
 * queue grows to RX_QUEUE_BIG); a 64 KiB frame to send goes in one of
 * TX_BIG contiguous buffers, and the transmit queue grows to
 * TX_QUEUE_BIG too (a router's bursts wait there rather than in its own
 * queue, copied). Those take about 1.3 MiB a NIC (TSO_PAGES), so
 * segmentation is asked for only while that is at most an eighth of the
 * free memory: a 4 MiB guest with four NICs keeps checksum offload and
 * room for its program.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include "kiln/copy.h"
#include "kiln/vnet.h"
#include "virtio.h"

#define NET_MAX NICS_MAX
#define QUEUE_SIZE 64
#define RX_QUEUE_BIG 256 /* 2 KiB buffers: room for seven 64 KiB frames */
#define TX_QUEUE_BIG 256 /* with memory to spare: bursts wait in the ring */
#define BUF_SIZE 2048    /* header + a 1514-byte frame, with room */
#define HDR sizeof(struct virtio_net_hdr_v1)
#define BIG_SIZE (HDR + HC_NET_GSO_FRAME_MAX)
#define TX_BIG 8    /* segmentation frames in flight at once */
#define RX_FIRST 16 /* receive buffers posted at probe, one-buffer frames */
#define DRAIN_NS 200000000ull /* at exit, for the device to take our frames */
#define RXQ 0
#define TXQ 1
#define F(bit) (1ull << VIRTIO_NET_F_##bit)
/* Pages segmentation and the big rings take beyond a plain NIC's
 * buffers (two a page). */
#define TSO_PAGES                                                              \
    (TX_BIG * PAGES_FOR(BIG_SIZE) + (RX_QUEUE_BIG - QUEUE_SIZE) / 2 +          \
     (TX_QUEUE_BIG - QUEUE_SIZE) / 2)

struct vnet {
    struct virtio_dev *dev;
    struct virtq rx, tx;
    uint8_t *rx_buf[RX_QUEUE_BIG]; /* by descriptor head */
    uint8_t *tx_buf[TX_QUEUE_BIG];
    uint8_t tx_big[TX_QUEUE_BIG];   /* by head: which free list it goes to */
    uint8_t *tx_free[TX_QUEUE_BIG]; /* buffers not in flight */
    uint8_t *big_free[TX_BIG];
    unsigned ntx_free, nbig_free;
    unsigned nrx_made; /* receive buffers made so far (<= rx.size) */
    uint8_t mac[6];
    uint16_t mtu;
    uint32_t offloads; /* HC_NET_* */
    int has_status, mrg, dead;
};

/* Allocated per NIC found, so images without NICs carry no tables. */
static struct vnet *nics[NET_MAX];
static unsigned nnics;

static void disable(struct vnet *n, const char *why)
{
    n->dead = 1;
    virtio_fail(n->dev, why);
}

static int post_rx(struct vnet *n, uint8_t *buf)
{
    struct virtq_buf b = {buf, BUF_SIZE};
    int head = virtq_add(&n->rx, &b, 0, 1);
    if (head < 0)
        return -1;
    n->rx_buf[head] = buf;
    return 0;
}

/* Buffers come two to a page; the pages are kept for the device's life. */
static uint8_t *buffer_alloc(void)
{
    static uint8_t *spare;
    uint8_t *b = spare;
    if (b) {
        spare = NULL;
        return b;
    }
    b = hc_pages_alloc(1);
    if (b)
        spare = b + BUF_SIZE;
    return b;
}

/* One more receive buffer posted, while the ring has room for it; 0,
 * or -1 if there was no memory (the ring then works with fewer). */
static int rx_grow(struct vnet *n)
{
    if (n->nrx_made == n->rx.size)
        return 0;
    uint8_t *b = buffer_alloc();
    if (!b || post_rx(n, b) < 0)
        return -1;
    n->nrx_made++;
    return 0;
}

static int buffers_init(struct vnet *n)
{
    unsigned rx = n->offloads & HC_NET_RX_TSO4 ? n->rx.size : RX_FIRST;
    for (unsigned i = 0; i < n->rx.size && i < rx; i++)
        if (rx_grow(n) < 0)
            return -1;
    for (unsigned i = 0; i < n->tx.size; i++) {
        uint8_t *b = buffer_alloc();
        if (!b)
            return -1;
        n->tx_free[n->ntx_free++] = b;
    }
    for (unsigned i = 0; (n->offloads & HC_NET_TX_TSO4) && i < TX_BIG; i++) {
        uint8_t *b = hc_pages_alloc(PAGES_FOR(BIG_SIZE));
        if (!b)
            return -1;
        n->big_free[n->nbig_free++] = b;
    }
    return 0;
}

static void read_config(struct vnet *n, uint64_t got)
{
    volatile uint8_t *cfg = n->dev->cfg;
    for (int i = 0; i < 6; i++)
        n->mac[i] = cfg[offsetof(struct virtio_net_config, mac) + i];
    n->mtu = 1500;
    n->has_status = (got >> VIRTIO_NET_F_STATUS) & 1;
    n->mrg = (got & F(MRG_RXBUF)) != 0;
    n->offloads = (got & F(CSUM) ? HC_NET_TX_CSUM : 0) |
                  (got & F(HOST_TSO4) ? HC_NET_TX_TSO4 : 0) |
                  (got & F(GUEST_CSUM) ? HC_NET_RX_CSUM : 0) |
                  (got & F(GUEST_TSO4) ? HC_NET_RX_TSO4 : 0);
}

static int virtio_net_info(unsigned idx, struct hc_net_info *out);
static int virtio_net_send(unsigned idx, const void *frame, size_t len,
                           const struct hc_net_meta *meta);
static int virtio_net_recv(unsigned idx, void *buf, size_t len,
                           struct hc_net_meta *meta);
static const struct nic_ops virtio_net_ops = {virtio_net_info, virtio_net_send,
                                              virtio_net_recv};

static int net_start(struct vnet *n);

/* The image is ending: the frames still queued (a program's last reply,
 * its FIN) would die with QEMU, which quits at isa-debug-exit whether or
 * not its transmit bottom half ran (VRING_USED_F_NO_NOTIFY may even have
 * told us not to kick for them). So kick every transmit queue and wait,
 * bounded, until the device has taken all it holds. */
static void drain_all(void)
{
    uint64_t end = hc_clock_monotonic() + DRAIN_NS;
    for (unsigned i = 0; i < nnics; i++) {
        struct vnet *n = nics[i];
        if (n->dead)
            continue;
        n->dev->t->notify(n->dev, TXQ);
        while (virtq_busy(&n->tx) && hc_clock_monotonic() < end)
            __asm__ volatile("pause");
    }
}

void virtio_net_probe(struct virtio_dev *d)
{
    if (d->type != VIRTIO_ID_NET_TYPE)
        return;
    if (nnics == NET_MAX) {
        virtio_fail(d, "too many NICs");
        return;
    }
    struct vnet *n = hc_pages_alloc(PAGES_FOR(sizeof *n));
    if (!n) {
        virtio_fail(d, "no memory for the NIC's state");
        return;
    }
    n->dev = d;
    if (net_start(n) < 0) {
        hc_pages_free(n, PAGES_FOR(sizeof *n));
        return;
    }
    nics[nnics] = n;
    nic_register(&virtio_net_ops, nnics++);
    exit_drain_nics = drain_all;
}

/* Features whose prerequisites got lacks (spec 5.1.3.1, and ours:
 * 64 KiB receives need merged buffers). */
static uint64_t features_orphaned(uint64_t got)
{
    uint64_t drop = 0;
    if (!(got & F(CSUM)))
        drop |= F(HOST_TSO4);
    if (!(got & F(GUEST_CSUM)) || !(got & F(MRG_RXBUF)))
        drop |= F(GUEST_TSO4);
    return drop & got;
}

static int tso_affordable(void)
{
    struct hc_mem_stats m;
    hc_pages_stats(&m);
    return m.free_pages >= 8u * TSO_PAGES;
}

/* Negotiate what we want of what the device offers; a feature whose
 * prerequisite the device lacks is dropped by negotiating again (the
 * first step of virtio_negotiate is a reset). */
static int net_negotiate(struct virtio_dev *d, uint64_t *got)
{
    /* F_MTU is not asked for: it would oblige us to post buffers for
     * whatever MTU the device names; ours hold a 1514-byte frame. */
    uint64_t want = F(MAC) | F(STATUS) | F(CSUM) | F(GUEST_CSUM);
    if (tso_affordable())
        want |= F(HOST_TSO4) | F(GUEST_TSO4) | F(MRG_RXBUF);
    if (virtio_negotiate(d, want, got) < 0)
        return -1;
    uint64_t drop = features_orphaned(*got);
    if (drop && virtio_negotiate(d, want & ~drop, got) < 0)
        return -1;
    return 0;
}

/* Negotiate, make both queues, post the receive buffers. Pages taken
 * before a failure stay with the failed device. */
static int net_start(struct vnet *n)
{
    struct virtio_dev *d = n->dev;
    uint64_t got;
    if (net_negotiate(d, &got) < 0)
        return -1;
    if (!(got & F(MAC))) {
        virtio_fail(d, "no MAC address offered");
        return -1;
    }
    read_config(n, got);
    uint16_t rx_size = got & F(GUEST_TSO4) ? RX_QUEUE_BIG : QUEUE_SIZE;
    uint16_t tx_size = got & F(MRG_RXBUF) ? TX_QUEUE_BIG : QUEUE_SIZE;
    if (virtio_queue_create(d, RXQ, &n->rx, rx_size) < 0 ||
        virtio_queue_create(d, TXQ, &n->tx, tx_size) < 0)
        return -1;
    virtq_irq_off(&n->tx);
    if (buffers_init(n) < 0) {
        virtio_fail(d, "no memory for packet buffers");
        return -1;
    }
    virtio_ready(d);
    d->t->notify(d, RXQ);
    return 0;
}

static struct vnet *nic(unsigned idx)
{
    return idx < nnics && !nics[idx]->dead ? nics[idx] : NULL;
}

static int virtio_net_info(unsigned idx, struct hc_net_info *out)
{
    struct vnet *n = nic(idx);
    if (!n)
        return -ENODEV;
    memcpy(out->mac, n->mac, 6);
    out->mtu = n->mtu;
    out->offloads = n->offloads;
    out->link_up = 1; /* without VIRTIO_NET_F_STATUS the link is up */
    if (n->has_status)
        out->link_up =
            (*(volatile uint16_t *)(n->dev->cfg +
                                    offsetof(struct virtio_net_config,
                                             status)) &
             VIRTIO_NET_S_LINK_UP) != 0;
    return 0;
}

static int reclaim_tx(struct vnet *n)
{
    for (;;) {
        uint32_t len;
        const char *why;
        int head = virtq_get(&n->tx, &len, &why);
        if (head == VIRTQ_EMPTY)
            return 0;
        if (head < 0) {
            disable(n, why);
            return -EIO;
        }
        if (n->tx_big[head])
            n->big_free[n->nbig_free++] = n->tx_buf[head];
        else
            n->tx_free[n->ntx_free++] = n->tx_buf[head];
    }
}

/* A free buffer for a frame of len bytes (NULL: none free). */
static uint8_t *tx_take(struct vnet *n, size_t len, int *big)
{
    *big = HDR + len > BUF_SIZE;
    if (*big)
        return n->nbig_free ? n->big_free[--n->nbig_free] : NULL;
    return n->ntx_free ? n->tx_free[--n->ntx_free] : NULL;
}

static void tx_untake(struct vnet *n, uint8_t *b, int big)
{
    if (big)
        n->big_free[n->nbig_free++] = b;
    else
        n->tx_free[n->ntx_free++] = b;
}

/* A free buffer for len bytes after reclaiming; NULL with *err set when
 * none is free, having asked for the interrupt that says when one is. */
static uint8_t *tx_room(struct vnet *n, size_t len, int *big, int *err)
{
    for (int tries = 0; tries < 2; tries++) {
        if (reclaim_tx(n) < 0) {
            *err = -EIO;
            return NULL;
        }
        uint8_t *b = tx_take(n, len, big);
        if (b) {
            virtq_irq_off(&n->tx);
            return b;
        }
        if (!virtq_irq_on(&n->tx))
            break; /* the next completion will interrupt */
    }
    *err = -EAGAIN;
    return NULL;
}

static int virtio_net_send(unsigned idx, const void *frame, size_t len,
                           const struct hc_net_meta *meta)
{
    struct vnet *n = nic(idx);
    if (!n)
        return -ENODEV;
    if (vnet_meta_check(meta, len, n->mtu, n->offloads) < 0)
        return -EINVAL;
    int big, err;
    uint8_t *b = tx_room(n, len, &big, &err);
    if (!b)
        return err;
    memset(b, 0, HDR);
    vnet_from_meta(meta, (struct virtio_net_hdr *)b);
    kiln_copy(b + HDR, frame, len); /* kiln/copy.h: why */
    struct virtq_buf vb = {b, (uint32_t)(HDR + len)};
    int head = virtq_add(&n->tx, &vb, 1, 0);
    if (head < 0) {
        tx_untake(n, b, big);
        return -EAGAIN;
    }
    n->tx_buf[head] = b;
    n->tx_big[head] = (uint8_t)big;
    if (virtq_needs_kick(&n->tx))
        n->dev->t->notify(n->dev, TXQ);
    return 0;
}

/* The next used receive buffer, handed back to the device once its
 * bytes (past skip) are copied to buf + *at while they fit; *at
 * advances regardless, so the caller sees the frame's whole length. */
static int rx_piece(struct vnet *n, uint8_t *buf, size_t len, size_t *at,
                    size_t skip, struct virtio_net_hdr_v1 *hdr)
{
    uint32_t used;
    const char *why;
    int head = virtq_get(&n->rx, &used, &why);
    if (head < 0)
        return head;
    uint8_t *b = n->rx_buf[head];
    if (hdr)
        memcpy(hdr, b, used >= HDR ? HDR : 0);
    size_t got = used > skip ? used - skip : 0;
    if (*at + got <= len)
        kiln_copy(buf + *at, b + skip, got);
    *at += got;
    post_rx(n, b); /* a slot just freed, so this cannot fail */
    return 0;
}

/* One frame, from one buffer or (MRG_RXBUF) from num_buffers of them;
 * its length, VIRTQ_EMPTY, or -EIO after disabling the device. */
static int rx_frame(struct vnet *n, uint8_t *buf, size_t len,
                    struct virtio_net_hdr_v1 *hdr)
{
    size_t at = 0;
    const char *why = "the device broke the receive queue";
    *hdr = (struct virtio_net_hdr_v1){0};
    int r = rx_piece(n, buf, len, &at, HDR, hdr);
    if (r == VIRTQ_EMPTY)
        return r;
    unsigned more = n->mrg && hdr->num_buffers ? hdr->num_buffers : 1;
    if (r == 0 && more > n->rx.size)
        r = VIRTQ_BROKEN, why = "a frame in more buffers than posted";
    for (unsigned k = 1; r == 0 && k < more; k++)
        if ((r = rx_piece(n, buf, len, &at, 0, NULL)) == VIRTQ_EMPTY)
            r = VIRTQ_BROKEN, why = "a frame's merged buffers missing";
    if (r == 0)
        rx_grow(n);
    if (virtq_needs_kick(&n->rx))
        n->dev->t->notify(n->dev, RXQ);
    if (r < 0) {
        disable(n, why);
        return -EIO;
    }
    return at > (size_t)HC_NET_GSO_FRAME_MAX ? 0 : (int)at;
}

static int virtio_net_recv(unsigned idx, void *buf, size_t len,
                           struct hc_net_meta *meta)
{
    struct vnet *n = nic(idx);
    if (!n)
        return -ENODEV;
    for (;;) { /* -EAGAIN only when no frame waits: runts are skipped */
        struct virtio_net_hdr_v1 h;
        int r = rx_frame(n, buf, len, &h);
        if (r == VIRTQ_EMPTY)
            return -EAGAIN;
        if (r == -EIO)
            return r;
        struct hc_net_meta m;
        if (r < 14 || vnet_to_meta((struct virtio_net_hdr *)&h, &m) < 0)
            continue;
        if ((size_t)r > len)
            return -EMSGSIZE;
        if (meta)
            *meta = m;
        return r;
    }
}
