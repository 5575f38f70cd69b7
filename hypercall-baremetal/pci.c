/*
 * pci.c: PCI configuration space through the legacy ports 0xcf8/0xcfc
 * (mechanism #1, present on QEMU pc and q35 and on every PC), device
 * enumeration, BARs and bus mastering. Buses are found by following
 * bridges from bus 0, so boot does not probe 256 empty buses; a machine
 * without PCI (QEMU microvm) answers all-ones and costs a few reads.
 */
#include "baremetal.h"

#define CONFIG_ADDRESS 0xcf8
#define CONFIG_DATA 0xcfc
#define PCI_COMMAND 0x04
#define CMD_MEMORY (1u << 1)
#define CMD_BUS_MASTER (1u << 2)
#define PCI_HEADER_TYPE 0x0e
#define PCI_BAR0 0x10
#define PCI_SECONDARY_BUS 0x19
#define PCI_CAP_MSIX 0x11
#define MSIX_ENABLE (1u << 31)        /* message control bit 15 */
#define MSIX_FUNCTION_MASK (1u << 30) /* bit 14 */

static struct pci_dev devices[PCI_MAX_DEVICES];
static unsigned ndevices;

uint32_t pci_read32(const struct pci_dev *d, uint8_t off)
{
    outl(CONFIG_ADDRESS, 0x80000000u | (uint32_t)d->bus << 16 |
                             (uint32_t)d->slot << 11 | (uint32_t)d->func << 8 |
                             (off & 0xfc));
    return inl(CONFIG_DATA);
}

void pci_write32(const struct pci_dev *d, uint8_t off, uint32_t v)
{
    outl(CONFIG_ADDRESS, 0x80000000u | (uint32_t)d->bus << 16 |
                             (uint32_t)d->slot << 11 | (uint32_t)d->func << 8 |
                             (off & 0xfc));
    outl(CONFIG_DATA, v);
}

uint8_t pci_read8(const struct pci_dev *d, uint8_t off)
{
    return (uint8_t)(pci_read32(d, off) >> ((off & 3) * 8));
}

/* The physical address of memory BAR i (64-bit BARs span two), or 0 for
 * an I/O or unassigned BAR. */
uint64_t pci_bar(const struct pci_dev *d, unsigned i)
{
    if (i > 5)
        return 0;
    uint32_t lo = pci_read32(d, (uint8_t)(PCI_BAR0 + 4 * i));
    if (lo & 1)
        return 0;
    uint64_t addr = lo & ~0xfull;
    if (((lo >> 1) & 3) == 2 && i < 5)
        addr |= (uint64_t)pci_read32(d, (uint8_t)(PCI_BAR0 + 4 * i + 4)) << 32;
    return addr;
}

void pci_enable(const struct pci_dev *d)
{
    uint32_t cmd = pci_read32(d, PCI_COMMAND) & 0xffff;
    pci_write32(d, PCI_COMMAND, cmd | CMD_MEMORY | CMD_BUS_MASTER);
}

static void scan_bus(uint8_t bus, int depth);

static void add_function(uint8_t bus, uint8_t slot, uint8_t func, int depth)
{
    struct pci_dev d = {bus, slot, func, 0, 0};
    uint32_t id = pci_read32(&d, 0);
    if ((id & 0xffff) == 0xffff)
        return;
    d.vendor = (uint16_t)id;
    d.device = (uint16_t)(id >> 16);
    uint8_t type = pci_read8(&d, PCI_HEADER_TYPE) & 0x7f;
    if (type == 1 && depth < 8) { /* PCI-to-PCI bridge */
        uint8_t secondary = pci_read8(&d, PCI_SECONDARY_BUS);
        if (secondary > bus)
            scan_bus(secondary, depth + 1);
        return;
    }
    if (ndevices < PCI_MAX_DEVICES)
        devices[ndevices++] = d;
}

static void scan_bus(uint8_t bus, int depth)
{
    for (uint8_t slot = 0; slot < 32; slot++) {
        struct pci_dev d = {bus, slot, 0, 0, 0};
        if ((pci_read32(&d, 0) & 0xffff) == 0xffff)
            continue;
        int multi = pci_read8(&d, PCI_HEADER_TYPE) & 0x80;
        for (uint8_t f = 0; f < (multi ? 8 : 1); f++)
            add_function(bus, slot, f, depth);
    }
}

/* Every function found, bridges excluded. */
const struct pci_dev *pci_devices(unsigned *n)
{
    static int scanned;
    if (!scanned++)
        scan_bus(0, 0);
    *n = ndevices;
    return devices;
}

/* Point MSI-X table entry 0 at vector on this CPU and enable MSI-X.
 * Returns 0, or -1 if the function has no MSI-X. */
int pci_msix_enable(const struct pci_dev *d, unsigned vector)
{
    uint8_t cap = pci_find_cap(d, PCI_CAP_MSIX);
    if (!cap)
        return -1;
    uint32_t table = pci_read32(d, (uint8_t)(cap + 4));
    uint64_t bar = pci_bar(d, table & 7);
    if (!bar)
        return -1;
    uint64_t entry = bar + (table & ~7u);
    if (mmu_map_mmio(entry, 16) < 0)
        return -1;
    volatile uint32_t *e = (volatile uint32_t *)(uintptr_t)entry;
    e[0] = 0xfee00000u | lapic_id() << 12; /* message address */
    e[1] = 0;
    e[2] = vector; /* message data: fixed delivery, edge */
    e[3] = 0;      /* unmasked */
    uint32_t control = pci_read32(d, cap);
    control = (control | MSIX_ENABLE) & ~MSIX_FUNCTION_MASK;
    pci_write32(d, cap, control);
    return 0;
}
