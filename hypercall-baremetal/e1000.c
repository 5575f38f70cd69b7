/*
 * e1000.c: the Intel 82540EM (QEMU's default NIC on pc and q35, common
 * on real and virtual machines), following Intel's PCI/PCI-X Family of
 * Gigabit Ethernet Controllers Software Developer's Manual: legacy
 * receive and transmit descriptor rings in host memory, the MAC from
 * the receive address registers (loaded from the EEPROM at reset), link
 * forced up. Receive checks the next descriptor's done bit; the receive
 * interrupt only wakes a thread waiting in hc_thread_wait_io; so does
 * the transmit-done one, enabled only while a send found the ring full
 * (hypercall.h: the wake-up for room). QEMU's
 * model holds received frames back for one second after RCTL is written
 * (its flush_queue_timer), so an e1000 guest hears nothing for its first
 * second; nothing in the driver can shorten that.
 * Lengths the device reports are checked against our buffer size.
 *
 * Checksum offload both ways (e1000_desc.c has the descriptor formats):
 * a frame whose TCP/UDP checksum is left partial goes behind a TCP/IP
 * context descriptor (sent again only when its offsets change) as a data
 * descriptor asking for the checksum; received frames carry the NIC's
 * verdict when RXCSUM has it check them. QEMU's model does the former
 * and always answers "ignore the checksum bits" (IXSM) to the latter,
 * so under QEMU received frames are checked by the stack as before.
 */
#include <errno.h>
#include <string.h>
#include "baremetal.h"
#include "e1000_desc.h"

#define E1000_MAX NICS_MAX
#define RING 32 /* descriptors per ring: a multiple of 8 (128-byte rings) */
#define BUF_SIZE E1000_BUF_SIZE

#define REG_CTRL 0x0000
#define REG_STATUS 0x0008
#define REG_ICR 0x00c0
#define REG_IMS 0x00d0
#define REG_IMC 0x00d8
#define INT_TXDW (1u << 0) /* transmit descriptors written back */
#define INT_RXT0 (1u << 7) /* receive timer: a frame arrived */
#define PCI_INTERRUPT_LINE 0x3c
#define REG_RXCSUM 0x5000
#define RXCSUM_IPOFLD (1u << 8)
#define RXCSUM_TUOFLD (1u << 9)
#define REG_RCTL 0x0100
#define REG_TCTL 0x0400
#define REG_TIPG 0x0410
#define REG_RDBAL 0x2800
#define REG_RDBAH 0x2804
#define REG_RDLEN 0x2808
#define REG_RDH 0x2810
#define REG_RDT 0x2818
#define REG_TDBAL 0x3800
#define REG_TDBAH 0x3804
#define REG_TDLEN 0x3808
#define REG_TDH 0x3810
#define REG_TDT 0x3818
#define REG_MTA 0x5200
#define REG_RAL0 0x5400
#define REG_RAH0 0x5404

#define CTRL_SLU (1u << 6)
#define STATUS_LU (1u << 1)
#define CTRL_RST (1u << 26)
#define RCTL_EN (1u << 1)
#define RCTL_MPE (1u << 4) /* all multicast: IPv6 filters its groups */
#define RCTL_BAM (1u << 15)
#define RCTL_SECRC (1u << 26)
#define TCTL_EN (1u << 1)
#define TCTL_PSP (1u << 3)
#define TCTL_CT (0x10u << 4)
#define TCTL_COLD (0x40u << 12)
#define TIPG_DEFAULT 0x0060200a
#define DESC_DD E1000_DD
#define TX_EOP 0x01
#define TX_IFCS 0x02
#define TX_RS 0x08

struct e1000 {
    volatile uint8_t *regs;
    struct e1000_rx_desc *rx;
    union e1000_tx_slot *tx;
    uint8_t *rx_buf[RING], *tx_buf[RING];
    unsigned rx_next, tx_next;
    uint8_t mac[6];
    uint8_t ctx_tucss, ctx_tucso; /* the context the NIC holds, */
    int ctx_valid;                /* once one was sent */
    int txdw_on;                  /* INT_TXDW enabled: the ring was full */
};

static struct e1000 *cards[E1000_MAX]; /* allocated per card found */
static unsigned ncards;

static uint32_t rd(struct e1000 *e, unsigned r)
{
    return *(volatile uint32_t *)(e->regs + r);
}

static void wr(struct e1000 *e, unsigned r, uint32_t v)
{
    *(volatile uint32_t *)(e->regs + r) = v;
}

static int rings_alloc(struct e1000 *e)
{
    e->rx = hc_pages_alloc(1);
    e->tx = hc_pages_alloc(1);
    if (!e->rx || !e->tx)
        return -1;
    for (unsigned i = 0; i < RING; i++) {
        uint8_t *page = i % 2 ? NULL : hc_pages_alloc(2);
        if (i % 2 == 0 && !page)
            return -1;
        /* a page gives two receive and two transmit buffers */
        e->rx_buf[i] = i % 2 ? e->rx_buf[i - 1] + BUF_SIZE : page;
        e->tx_buf[i] =
            i % 2 ? e->tx_buf[i - 1] + BUF_SIZE : page + HC_PAGE_SIZE;
        e->rx[i].addr = (uintptr_t)e->rx_buf[i];
    }
    return 0;
}

static void start_rx(struct e1000 *e)
{
    for (unsigned i = 0; i < 128; i++)
        wr(e, REG_MTA + 4 * i, 0);
    wr(e, REG_RDBAL, (uint32_t)(uintptr_t)e->rx);
    wr(e, REG_RDBAH, (uint32_t)((uintptr_t)e->rx >> 32));
    wr(e, REG_RDLEN, RING * sizeof(struct e1000_rx_desc));
    wr(e, REG_RDH, 0);
    wr(e, REG_RDT, RING - 1); /* all but one descriptor belong to it */
    /* 2048-byte buffers. Multicast promiscuous rather than MTA hashes:
     * IPv6 neighbour discovery needs each address's solicited-node group
     * and components/net keeps the group list (addr6_listens). */
    wr(e, REG_RXCSUM, RXCSUM_IPOFLD | RXCSUM_TUOFLD);
    wr(e, REG_RCTL, RCTL_EN | RCTL_MPE | RCTL_BAM | RCTL_SECRC);
}

static void start_tx(struct e1000 *e)
{
    wr(e, REG_TDBAL, (uint32_t)(uintptr_t)e->tx);
    wr(e, REG_TDBAH, (uint32_t)((uintptr_t)e->tx >> 32));
    wr(e, REG_TDLEN, RING * sizeof(union e1000_tx_slot));
    wr(e, REG_TDH, 0);
    wr(e, REG_TDT, 0);
    wr(e, REG_TIPG, TIPG_DEFAULT);
    wr(e, REG_TCTL, TCTL_EN | TCTL_PSP | TCTL_CT | TCTL_COLD);
    for (unsigned i = 0; i < RING; i++)
        e->tx[i].legacy.status = DESC_DD; /* free */
}

static int read_mac(struct e1000 *e)
{
    uint32_t lo = rd(e, REG_RAL0), hi = rd(e, REG_RAH0);
    if (!(hi & (1u << 31)))
        return -1; /* address not valid: no EEPROM contents */
    for (int i = 0; i < 4; i++)
        e->mac[i] = (uint8_t)(lo >> (8 * i));
    e->mac[4] = (uint8_t)hi;
    e->mac[5] = (uint8_t)(hi >> 8);
    return 0;
}

static int e1000_info(unsigned unit, struct hc_net_info *out)
{
    memcpy(out->mac, cards[unit]->mac, 6);
    out->mtu = 1500;
    out->offloads = HC_NET_TX_CSUM | HC_NET_RX_CSUM;
    out->link_up = (rd(cards[unit], REG_STATUS) & STATUS_LU) != 0;
    return 0;
}

/* 1 if n slots from tx_next are free, and one more: with tail == head
 * the ring would read as empty to the device, and the frames in it
 * would never go. The device finishes slots in order. */
static int tx_room(struct e1000 *e, unsigned n)
{
    return (e->tx[(e->tx_next + n) % RING].legacy.status & DESC_DD) != 0;
}

/* Take the next slot; its contents are the caller's to fill. */
static union e1000_tx_slot *tx_slot(struct e1000 *e, unsigned *at)
{
    *at = e->tx_next;
    e->tx_next = (e->tx_next + 1) % RING;
    return &e->tx[*at];
}

/* The NIC keeps the last context it read for every frame after it. */
static int ctx_held(const struct e1000 *e, const struct e1000_tx_ctx *c)
{
    return e->ctx_valid && e->ctx_tucss == c->tucss && e->ctx_tucso == c->tucso;
}

static void tx_context(struct e1000 *e, const struct e1000_tx_ctx *c)
{
    unsigned at;
    tx_slot(e, &at)->ctx = *c;
    e->ctx_tucss = c->tucss;
    e->ctx_tucso = c->tucso;
    e->ctx_valid = 1;
}

static int e1000_send(unsigned unit, const void *frame, size_t len,
                      const struct hc_net_meta *meta)
{
    struct e1000 *e = cards[unit];
    struct e1000_tx_ctx c;
    int plan = e1000_tx_plan(meta, len, &c);
    if (plan < 0)
        return -EINVAL;
    int new_ctx = plan == E1000_TX_OFFLOAD && !ctx_held(e, &c);
    if (!tx_room(e, 1u + (unsigned)new_ctx)) {
        /* A cause already latched in ICR interrupts as soon as enabled,
         * so a slot freed just now is not missed. */
        wr(e, REG_IMS, INT_TXDW);
        e->txdw_on = 1;
        return -EAGAIN;
    }
    if (e->txdw_on) {
        wr(e, REG_IMC, INT_TXDW);
        e->txdw_on = 0;
    }
    if (new_ctx)
        tx_context(e, &c);
    unsigned at;
    union e1000_tx_slot *d = tx_slot(e, &at);
    memcpy(e->tx_buf[at], frame, len);
    if (plan == E1000_TX_SOFT)
        kiln_csum_finish(e->tx_buf[at], len, meta->csum_start,
                         meta->csum_offset); /* what the context would do */
    uintptr_t buf = (uintptr_t)e->tx_buf[at];
    if (plan == E1000_TX_OFFLOAD)
        d->data = e1000_tx_data_for(buf, len);
    else
        d->legacy = (struct e1000_tx_legacy){.addr = buf,
                                             .length = (uint16_t)len,
                                             .cmd = TX_EOP | TX_IFCS | TX_RS};
    __asm__ volatile("" ::: "memory");
    wr(e, REG_TDT, e->tx_next);
    return 0;
}

/* Take the frame in the next slot, if the device is done with it; frames
 * e1000_rx_check refuses are dropped (-EAGAIN). */
static int take_one(struct e1000 *e, void *buf, size_t len, uint8_t *flags)
{
    __asm__ volatile("" ::: "memory"); /* read DD first, then the rest */
    struct e1000_rx_desc d = e->rx[e->rx_next];
    int n = e1000_rx_check(&d, flags);
    int r = n < 0 ? -EAGAIN : (size_t)n > len ? -EMSGSIZE : n;
    if (r > 0)
        memcpy(buf, e->rx_buf[e->rx_next], (size_t)n);
    e->rx[e->rx_next].status = 0; /* hand the slot back */
    wr(e, REG_RDT, e->rx_next);
    e->rx_next = (e->rx_next + 1) % RING;
    return r;
}

/* -EAGAIN only when no frame is waiting: dropped ones are skipped. */
static int e1000_recv(unsigned unit, void *buf, size_t len,
                      struct hc_net_meta *meta)
{
    struct e1000 *e = cards[unit];
    for (unsigned tries = 0; tries < RING; tries++) {
        if (!(*(volatile uint8_t *)&e->rx[e->rx_next].status & DESC_DD))
            return -EAGAIN;
        uint8_t flags;
        int r = take_one(e, buf, len, &flags);
        if (r == -EAGAIN)
            continue;
        if (meta)
            *meta = (struct hc_net_meta){.flags = flags};
        return r;
    }
    return -EAGAIN;
}

static const struct nic_ops e1000_ops = {e1000_info, e1000_send, e1000_recv};

/* INTx is level-triggered and shared: reading ICR acknowledges it. */
static void e1000_interrupt(void)
{
    for (unsigned i = 0; i < ncards; i++)
        (void)rd(cards[i], REG_ICR);
}

/* The firmware's choice of line (PCI_INTERRUPT_LINE) is the I/O APIC
 * input on QEMU's machines; level-triggered, active-high, as QEMU's ACPI
 * tables declare for PCI lines. Without it the NIC is simply polled. */
static void irq_setup(struct e1000 *e, const struct pci_dev *p)
{
    static unsigned vector, routed;
    uint8_t line = pci_read8(p, PCI_INTERRUPT_LINE);
    if (!vector)
        vector = irq_alloc(e1000_interrupt);
    if (vector && line && line != 0xff &&
        ioapic_route(line, vector, 1, 0) == 0) {
        wr(e, REG_IMS, INT_RXT0);
        routed++;
        return;
    }
    /* An unrouted handler would tell the scheduler that an interrupt
     * may still wake a waiting thread, hiding a deadlock. */
    kprintf("kiln: e1000 %02x:%02x.%x: no interrupt line, polled only\n",
            p->bus, p->slot, p->func);
    if (vector && !routed) {
        irq_free(vector);
        vector = 0;
    }
}

static void bring_up(const struct pci_dev *p)
{
    uint64_t bar = pci_bar(p, 0);
    if (!bar) {
        kprintf("kiln: e1000 %02x:%02x.%x: no memory BAR\n", p->bus, p->slot,
                p->func);
        return;
    }
    struct e1000 *e = hc_pages_alloc(1); /* sizeof(struct e1000) < 4 KiB */
    if (!e)
        return;
    if (mmu_map_mmio(bar, 128 * 1024) < 0)
        return;
    pci_enable(p);
    e->regs = (volatile uint8_t *)(uintptr_t)bar;
    wr(e, REG_IMC, 0xffffffff);
    wr(e, REG_CTRL, rd(e, REG_CTRL) | CTRL_RST);
    for (int i = 0; i < 100000 && (rd(e, REG_CTRL) & CTRL_RST); i++)
        __asm__ volatile("pause");
    wr(e, REG_IMC, 0xffffffff);
    wr(e, REG_CTRL, rd(e, REG_CTRL) | CTRL_SLU);
    if (read_mac(e) < 0 || rings_alloc(e) < 0) {
        kprintf("kiln: e1000 %02x:%02x.%x disabled: no MAC or no memory\n",
                p->bus, p->slot, p->func);
        return;
    }
    start_rx(e);
    start_tx(e);
    cards[ncards] = e;
    irq_setup(e, p);
    nic_register(&e1000_ops, ncards++);
}

void e1000_scan(void)
{
    unsigned n;
    const struct pci_dev *p = pci_devices(&n);
    for (unsigned i = 0; i < n && ncards < E1000_MAX; i++)
        if (p[i].vendor == 0x8086 && p[i].device == 0x100e)
            bring_up(&p[i]);
}
