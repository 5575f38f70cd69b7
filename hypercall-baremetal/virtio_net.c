/*
 * virtio_net.c: virtio network devices (spec section 5.1) behind the
 * hypercall NIC calls. Queue 0 receives, queue 1 transmits. Every receive
 * buffer stays posted: a frame is copied out and its buffer handed back
 * at once. Transmit copies the frame behind a zeroed virtio_net_hdr_v1
 * and reclaims finished buffers on the next send. No offloads are
 * negotiated, so every frame is a whole Ethernet frame without FCS.
 * The MTU is Ethernet's 1500. Both calls are non-blocking.
 */
#include <errno.h>
#include <linux/virtio_net.h>
#include <stddef.h>
#include <string.h>
#include "virtio.h"

#define NET_MAX NICS_MAX
#define QUEUE_SIZE 64
#define BUF_SIZE 2048 /* header + a 1514-byte frame, with room */
#define HDR sizeof(struct virtio_net_hdr_v1)
#define FRAME_MAX (BUF_SIZE - HDR)
#define RXQ 0
#define TXQ 1

struct vnet {
    struct virtio_dev *dev;
    struct virtq rx, tx;
    uint8_t *rx_buf[QUEUE_SIZE]; /* by descriptor head */
    uint8_t *tx_buf[QUEUE_SIZE];
    uint8_t *tx_free[QUEUE_SIZE]; /* buffers not in flight */
    unsigned ntx_free;
    uint8_t mac[6];
    uint16_t mtu;
    int has_status, dead;
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

static int buffers_init(struct vnet *n)
{
    for (unsigned i = 0; i < n->rx.size; i++) {
        uint8_t *b = buffer_alloc();
        if (!b || post_rx(n, b) < 0)
            return -1;
    }
    for (unsigned i = 0; i < n->tx.size; i++) {
        uint8_t *b = buffer_alloc();
        if (!b)
            return -1;
        n->tx_free[n->ntx_free++] = b;
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
}

static int virtio_net_info(unsigned idx, struct hc_net_info *out);
static int virtio_net_send(unsigned idx, const void *frame, size_t len);
static int virtio_net_recv(unsigned idx, void *buf, size_t len);
static const struct nic_ops virtio_net_ops = {virtio_net_info, virtio_net_send,
                                              virtio_net_recv};

static int net_start(struct vnet *n);

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
}

/* Negotiate, make both queues, post the receive buffers. Pages taken
 * before a failure stay with the failed device. */
static int net_start(struct vnet *n)
{
    struct virtio_dev *d = n->dev;
    /* F_MTU is not asked for: it would oblige us to post buffers for
     * whatever MTU the device names; ours hold a 1514-byte frame. */
    uint64_t want = 1ull << VIRTIO_NET_F_MAC | 1ull << VIRTIO_NET_F_STATUS, got;
    if (virtio_negotiate(d, want, &got) < 0)
        return -1;
    if (!(got & (1ull << VIRTIO_NET_F_MAC))) {
        virtio_fail(d, "no MAC address offered");
        return -1;
    }
    if (virtio_queue_create(d, RXQ, &n->rx, QUEUE_SIZE) < 0 ||
        virtio_queue_create(d, TXQ, &n->tx, QUEUE_SIZE) < 0)
        return -1;
    if (buffers_init(n) < 0) {
        virtio_fail(d, "no memory for packet buffers");
        return -1;
    }
    read_config(n, got);
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
        n->tx_free[n->ntx_free++] = n->tx_buf[head];
    }
}

static int virtio_net_send(unsigned idx, const void *frame, size_t len)
{
    struct vnet *n = nic(idx);
    if (!n)
        return -ENODEV;
    if (len < 14 || len > (size_t)n->mtu + 14)
        return -EINVAL;
    if (reclaim_tx(n) < 0)
        return -EIO;
    if (!n->ntx_free)
        return -EAGAIN;
    uint8_t *b = n->tx_free[--n->ntx_free];
    memset(b, 0, HDR);
    memcpy(b + HDR, frame, len);
    struct virtq_buf vb = {b, (uint32_t)(HDR + len)};
    int head = virtq_add(&n->tx, &vb, 1, 0);
    if (head < 0) {
        n->tx_free[n->ntx_free++] = b;
        return -EAGAIN;
    }
    n->tx_buf[head] = b;
    n->dev->t->notify(n->dev, TXQ);
    return 0;
}

static int virtio_net_recv(unsigned idx, void *buf, size_t len)
{
    struct vnet *n = nic(idx);
    if (!n)
        return -ENODEV;
    for (;;) { /* -EAGAIN only when no frame waits: runts are skipped */
        uint32_t used;
        const char *why;
        int head = virtq_get(&n->rx, &used, &why);
        if (head == VIRTQ_EMPTY)
            return -EAGAIN;
        if (head < 0) {
            disable(n, why);
            return -EIO;
        }
        uint8_t *b = n->rx_buf[head];
        int r = used - HDR > len ? -EMSGSIZE : (int)(used - HDR);
        if (used >= HDR + 14 && r > 0)
            memcpy(buf, b + HDR, (size_t)r);
        post_rx(n, b); /* a slot just freed, so this cannot fail */
        n->dev->t->notify(n->dev, RXQ);
        if (used >= HDR + 14)
            return r;
    }
}
