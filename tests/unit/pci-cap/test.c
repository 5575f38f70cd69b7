/*
 * pci-cap/test.c: host unit test of hypercall-baremetal/pci_cap.c, the
 * bounded walk of a PCI function's capability list, and of the virtio
 * PCI transport's search for its structures (virtio_pci.c) on top of
 * it. Config space is a 256-byte array the test writes as a device
 * would: well-formed lists, then lists that loop (two vendor
 * capabilities pointing at each other used to hang boot), point at
 * themselves, or set the reserved low bits.
 *
 * Every config read is counted; past READ_LIMIT the walk is taken not
 * to end and the check fails (longjmp) instead of hanging the test.
 *
 * links: hypercall-baremetal/pci_cap.c hypercall-baremetal/virtio_pci.c
 */
#include <errno.h>
#include <linux/virtio_pci.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "../../../hypercall-baremetal/virtio.h"
#include "tap.h"

#define READ_LIMIT 100000

static uint8_t cfg[256];
static unsigned reads;
static jmp_buf runaway;
static uint8_t bar_mem[4096] __attribute__((aligned(64)));
static struct pci_dev dev = {0, 4, 0, 0x1af4, 0x1041}; /* virtio-net */
static int probed;
static char last_msg[200];

/* ---- fakes: config space, the rest of the platform ------------------- */

uint8_t pci_read8(const struct pci_dev *d, uint8_t off)
{
    (void)d;
    if (++reads > READ_LIMIT)
        longjmp(runaway, 1);
    return cfg[off];
}
uint32_t pci_read32(const struct pci_dev *d, uint8_t off)
{
    (void)d;
    off &= 0xfc;
    return (uint32_t)cfg[off] | (uint32_t)cfg[off + 1] << 8 |
           (uint32_t)cfg[off + 2] << 16 | (uint32_t)cfg[off + 3] << 24;
}
const struct pci_dev *pci_devices(unsigned *n)
{
    *n = 1;
    return &dev;
}
void pci_enable(const struct pci_dev *d)
{
    (void)d;
}
uint64_t pci_bar(const struct pci_dev *d, unsigned i)
{
    (void)d;
    return i == 1 ? (uintptr_t)bar_mem : 0;
}
int pci_msix_enable(const struct pci_dev *d, unsigned vector)
{
    (void)d, (void)vector;
    return -1;
}
int mmu_map_mmio(uint64_t phys, uint64_t size)
{
    (void)phys, (void)size;
    return 0;
}
unsigned irq_alloc(void (*handler)(void))
{
    (void)handler;
    return 0;
}
void kprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_msg, sizeof last_msg, fmt, ap);
    va_end(ap);
}

static void probe(struct virtio_dev *d)
{
    probed++;
    hc_pages_free(d, PAGES_FOR(sizeof *d));
}

/* ---- config space ------------------------------------------------------ */

static void cfg_reset(void)
{
    memset(cfg, 0, sizeof cfg);
    cfg[0x06] = 0x10; /* has a capability list */
}

/* A capability of type id at `at`, next pointer `next`. */
static void cap(uint8_t at, uint8_t id, uint8_t next)
{
    cfg[at] = id;
    cfg[at + 1] = next;
}

/* A virtio vendor capability of cfg_type naming length bytes of BAR 1. */
static void vcap(uint8_t at, uint8_t next, uint8_t type, uint32_t off,
                 uint32_t len)
{
    cap(at, 0x09, next);
    cfg[at + 2] = 20;
    cfg[at + 3] = type;
    cfg[at + 4] = 1;
    memcpy(cfg + at + 8, &off, 4);
    memcpy(cfg + at + 12, &len, 4);
    memcpy(cfg + at + 16, &(uint32_t){4}, 4); /* notify multiplier */
}

/* pci_caps, or -1000 if it did not end within READ_LIMIT reads. */
static int walk(uint8_t id, uint8_t *out, unsigned max)
{
    reads = 0;
    if (setjmp(runaway))
        return -1000;
    return pci_caps(&dev, id, out, max);
}

/* virtio_pci_scan: 1 if it returned within READ_LIMIT reads. */
static int scan(void)
{
    reads = 0;
    probed = 0;
    last_msg[0] = 0;
    if (setjmp(runaway))
        return 0;
    virtio_pci_scan(probe);
    return 1;
}

/* ---- tests --------------------------------------------------------------- */

static void test_walk(void)
{
    uint8_t at[PCI_CAP_MAX];
    cfg_reset();
    cfg[0x34] = 0x40;
    cap(0x40, 0x09, 0x50);
    cap(0x50, 0x11, 0x60);
    cap(0x60, 0x09, 0x00);
    int n = walk(0x09, at, PCI_CAP_MAX);
    tap_check(n == 2 && at[0] == 0x40 && at[1] == 0x60,
              "every capability of a type, in list order", "n=%d", n);
    tap_check(pci_find_cap(&dev, 0x11) == 0x50 && !pci_find_cap(&dev, 0x05),
              "pci_find_cap finds the first, or 0", NULL);
    cfg[0x51] = 0x63; /* reserved low bits set */
    n = walk(0x09, at, PCI_CAP_MAX);
    tap_check(n == 2 && at[1] == 0x60, "a pointer's low two bits are masked",
              "n=%d", n);
    cfg[0x06] = 0;
    tap_check(walk(0x09, at, PCI_CAP_MAX) == 0,
              "no capability list bit: nothing", NULL);
    cfg_reset();
    cfg[0x34] = 0x20; /* inside the header */
    tap_check(walk(0x09, at, PCI_CAP_MAX) == 0,
              "a pointer below 0x40 ends the list", NULL);
}

static void test_loops(void)
{
    uint8_t at[PCI_CAP_MAX];
    cfg_reset();
    cfg[0x34] = 0x40;
    cap(0x40, 0x09, 0x50);
    cap(0x50, 0x09, 0x40);
    int n = walk(0x09, at, PCI_CAP_MAX);
    tap_check(n == -ELOOP, "two capabilities pointing at each other: -ELOOP",
              "%d", n);
    cap(0x40, 0x09, 0x40);
    n = walk(0x05, at, PCI_CAP_MAX);
    tap_check(n == -ELOOP, "one pointing at itself: -ELOOP", "%d", n);
    cfg_reset();
    cfg[0x34] = 0x40;
    for (unsigned i = 0; i < PCI_CAP_MAX; i++) /* 48 entries, 4 bytes each */
        cap((uint8_t)(0x40 + 4 * i), 0x09,
            i + 1 < PCI_CAP_MAX ? (uint8_t)(0x44 + 4 * i) : 0);
    n = walk(0x09, at, PCI_CAP_MAX);
    tap_check(n == PCI_CAP_MAX, "a list of exactly 48 entries is whole", "%d",
              n);
}

static void test_virtio_scan(void)
{
    cfg_reset();
    cfg[0x34] = 0x40;
    vcap(0x40, 0x58, VIRTIO_PCI_CAP_COMMON_CFG, 0, 64);
    vcap(0x58, 0x70, VIRTIO_PCI_CAP_NOTIFY_CFG, 0x100, 64);
    vcap(0x70, 0x00, VIRTIO_PCI_CAP_DEVICE_CFG, 0x200, 64);
    tap_check(scan() && probed == 1,
              "a well-formed virtio device is found and probed", "%s",
              last_msg);
    cfg[0x71] = 0x40; /* the device structure points back at the first */
    int ended = scan();
    tap_check(ended && probed == 0 && strstr(last_msg, "skipped") &&
                  strstr(last_msg, "loop"),
              "a looping capability list: device skipped with one line",
              "ended %d probed %d: %s", ended, probed, last_msg);
}

int main(void)
{
    test_walk();
    test_loops();
    test_virtio_scan();
    return tap_done();
}
