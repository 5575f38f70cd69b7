/*
 * virtio-net/test.c: host unit test of hypercall-baremetal/virtio_net.c
 * over the real virtqueue and setup code (virtq.c, virtio.c), with the
 * test as the device behind a fake transport that offers what QEMU's
 * user networking does (MAC, STATUS, MRG_RXBUF: no offloads), so the
 * transmit ring is the big one.
 *
 * What it guards: the receive ring starts with a few buffers (zeroing
 * them all was a large part of the boot's "devices" step under TCG) and
 * gains one with each frame received, every frame intact, until it is
 * full; with memory exhausted it works on with what it has. Sends fill
 * the transmit ring, then get -EAGAIN, and completed buffers are reused
 * without new pages.
 *
 * tests/unit/run reads one "links:" line, longer than clang-format's
 * column limit, hence the off/on below.
 */
/* clang-format off */
/*
 * links: hypercall-baremetal/virtio_net.c hypercall-baremetal/virtq.c hypercall-baremetal/virtio.c
 */
/* clang-format on */
#include <errno.h>
#include <linux/virtio_config.h>
#include <linux/virtio_net.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "../../../hypercall-baremetal/virtio.h"
#include "tap.h"

#define RING 256 /* the device's queue size (QEMU's is 256) */

static struct virtio_net_config net_cfg = {
    .mac = {0x52, 0x54, 0, 0x12, 0x34, 0x56}, .status = VIRTIO_NET_S_LINK_UP};
static struct virtq *queues[2];
static uint8_t status_reg;
static char last_msg[200];
static const struct nic_ops *ops;
static size_t pages_taken, pages_limit = (size_t)-1;
void (*exit_drain_nics)(void);

/* ---- fakes ----------------------------------------------------------------
 */

void *hc_pages_alloc(size_t n)
{
    if (pages_taken + n > pages_limit)
        return NULL;
    void *p = aligned_alloc(HC_PAGE_SIZE, n * HC_PAGE_SIZE);
    if (p) {
        memset(p, 0, n * HC_PAGE_SIZE);
        pages_taken += n;
    }
    return p;
}
void hc_pages_stats(struct hc_mem_stats *m)
{
    memset(m, 0, sizeof *m);
    m->free_pages = 1 << 20; /* memory to spare: the driver asks for all */
}
uint64_t hc_clock_monotonic(void)
{
    return 0;
}
void kprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_msg, sizeof last_msg, fmt, ap);
    va_end(ap);
}
void nic_register(const struct nic_ops *o, unsigned unit)
{
    (void)unit;
    ops = o;
}

/* ---- the device ------------------------------------------------------------
 */

static uint64_t t_features(struct virtio_dev *d)
{
    (void)d;
    return 1ull << VIRTIO_F_VERSION_1 | 1ull << VIRTIO_NET_F_MAC |
           1ull << VIRTIO_NET_F_STATUS | 1ull << VIRTIO_NET_F_MRG_RXBUF;
}
static void t_set_features(struct virtio_dev *d, uint64_t f)
{
    (void)d, (void)f;
}
static uint8_t t_status(struct virtio_dev *d)
{
    (void)d;
    return status_reg;
}
static void t_set_status(struct virtio_dev *d, uint8_t s)
{
    (void)d;
    status_reg = s;
}
static uint16_t t_queue_max(struct virtio_dev *d, uint16_t q)
{
    (void)d;
    return q < 2 ? RING : 0;
}
static int t_queue_setup(struct virtio_dev *d, uint16_t q, struct virtq *vq)
{
    (void)d;
    queues[q] = vq;
    return 0;
}
static void t_notify(struct virtio_dev *d, uint16_t q)
{
    (void)d, (void)q;
}

static const struct virtio_transport transport = {
    t_features,  t_set_features, t_status, t_set_status,
    t_queue_max, t_queue_setup,  t_notify,
};
static struct virtio_dev dev = {
    .t = &transport,
    .name = "test-net",
    .type = VIRTIO_ID_NET_TYPE,
    .cfg = (volatile uint8_t *)&net_cfg,
};

/* The device finishes every frame the driver has queued for sending,
 * and says how many there were. */
static unsigned complete_tx(void)
{
    struct virtq *q = queues[1];
    static struct virtq *was;
    static uint16_t seen;
    unsigned n = 0;
    if (q != was)
        was = q, seen = 0;
    for (; seen != q->avail->idx; seen++, n++) {
        uint16_t head = q->avail->ring[seen % q->size];
        struct vring_used_elem *e = &q->used->ring[q->used->idx % q->size];
        e->id = head;
        e->len = 0;
        q->used->idx++;
    }
    return n;
}

/* The device receives a 60-byte frame numbered i into the next buffer
 * the driver posted. */
static void deliver_rx(unsigned i)
{
    struct virtq *q = queues[0];
    uint16_t slot = (uint16_t)(q->used->idx % q->size);
    uint16_t head = q->avail->ring[q->used->idx % q->size];
    uint8_t *b = (uint8_t *)(uintptr_t)q->desc[head].addr;
    struct virtio_net_hdr_v1 h = {.num_buffers = 1};
    memcpy(b, &h, sizeof h);
    memset(b + sizeof h, 0, 60);
    b[sizeof h + 12] = (uint8_t)i, b[sizeof h + 13] = (uint8_t)(i >> 8);
    q->used->ring[slot].id = head;
    q->used->ring[slot].len = (uint32_t)(sizeof h + 60);
    q->used->idx++;
}

/* Receive buffers the device holds now. */
static unsigned rx_posted(void)
{
    return (uint16_t)(queues[0]->avail->idx - queues[0]->used->idx);
}

/* The bytes of the descriptor at avail slot i of the transmit queue. */
static const uint8_t *tx_frame(unsigned slot)
{
    struct virtq *q = queues[1];
    uint16_t head = q->avail->ring[slot % q->size];
    return (const uint8_t *)(uintptr_t)q->desc[head].addr +
           sizeof(struct virtio_net_hdr_v1);
}

/* ---- tests -----------------------------------------------------------------
 */

static int send_one(unsigned i)
{
    uint8_t f[60] = {0};
    memset(f, 0xff, 6);
    f[12] = (uint8_t)i, f[13] = (uint8_t)(i >> 8);
    return ops->send(0, f, sizeof f, NULL);
}

static void test_probe(void)
{
    virtio_net_probe(&dev);
    struct hc_net_info info;
    tap_check(ops && ops->info(0, &info) == 0 && info.link_up &&
                  info.mac[5] == 0x56 && queues[1] && queues[1]->size == RING,
              "the NIC is probed, with a 256-entry transmit ring", "%s",
              last_msg);
}

static void test_on_demand(void)
{
    size_t before = pages_taken;
    unsigned sent = 0;
    int r = 0;
    while (sent < RING + 1 && (r = send_one(sent)) == 0)
        sent++;
    tap_check(sent == RING && r == -EAGAIN,
              "sends fill the whole ring, then -EAGAIN", "%u sent, r=%d", sent,
              r);
    int same = 1;
    for (unsigned i = 0; i < sent; i++)
        same &= tx_frame(i)[12] == (uint8_t)i && tx_frame(i)[13] == i >> 8;
    tap_check(same, "every frame sent is in its own buffer, intact", NULL);
    tap_check(pages_taken == before, "sending takes no pages", "%zu pages",
              pages_taken - before);
    complete_tx();
    before = pages_taken;
    for (sent = 0; sent < RING && send_one(sent) == 0; sent++)
        ;
    tap_check(sent == RING && pages_taken == before,
              "completed buffers are reused: no new pages", "%u sent, %zu",
              sent, pages_taken - before);
    complete_tx();
}

static void test_rx_grow(void)
{
    unsigned first = rx_posted(), size = queues[0]->size, got = 0;
    tap_check(first > 0 && first < size,
              "the probe posts a few receive buffers, not the whole ring",
              "%u of %u", first, size);
    int intact = 1;
    for (unsigned i = 0; i < 3 * size; i++) {
        if (!rx_posted())
            break;
        deliver_rx(i);
        uint8_t f[2048];
        int r = ops->recv(0, f, sizeof f, NULL);
        got += r == 60;
        intact &= r == 60 && f[12] == (uint8_t)i && f[13] == (uint8_t)(i >> 8);
    }
    tap_check(got == 3 * size && intact,
              "every frame is received intact while the ring grows", "%u", got);
    tap_check(rx_posted() == size, "then the device holds the whole ring",
              "%u of %u", rx_posted(), size);
}

/* A second NIC, then no memory at all: its receive ring stays as the
 * probe made it and frames still come in. */
static void test_no_memory(void)
{
    dev = (struct virtio_dev){.t = &transport,
                              .name = "test-net2",
                              .type = VIRTIO_ID_NET_TYPE,
                              .cfg = (volatile uint8_t *)&net_cfg};
    virtio_net_probe(&dev);
    pages_limit = pages_taken;
    unsigned first = rx_posted(), got = 0;
    for (unsigned i = 0; i < 40; i++) {
        deliver_rx(i);
        uint8_t f[2048];
        got += ops->recv(1, f, sizeof f, NULL) == 60;
    }
    struct hc_net_info info;
    tap_check(got == 40 && rx_posted() == first && ops->info(1, &info) == 0,
              "out of memory: the ring keeps its buffers, frames still come",
              "%u received, %u posted of %u", got, rx_posted(), first);
}

int main(void)
{
    test_probe();
    test_on_demand();
    test_rx_grow();
    test_no_memory();
    return tap_done();
}
