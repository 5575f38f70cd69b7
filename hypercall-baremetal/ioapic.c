/*
 * ioapic.c: route a legacy interrupt line (a GSI) to a local APIC vector
 * through the I/O APIC, for devices without MSI: the e1000's INTx and
 * virtio-mmio's wired interrupt. The I/O APIC is taken at its
 * architectural default address, 0xfec00000, where every QEMU PC machine
 * (pc, q35, microvm) and nearly every PC puts the first one; its version
 * register tells how many lines it has, and lines beyond that are refused.
 */
#include "baremetal.h"

#define IOAPIC_BASE 0xfec00000u
#define REG_SELECT 0x00
#define REG_WINDOW 0x10
#define IOAPIC_VERSION 0x01
#define REDIR(n) (0x10 + 2 * (n))
#define RTE_LEVEL (1u << 15)
#define RTE_ACTIVE_LOW (1u << 13)

static volatile uint32_t *ioapic;

static uint32_t read_reg(unsigned r)
{
    ioapic[REG_SELECT / 4] = r;
    return ioapic[REG_WINDOW / 4];
}

static void write_reg(unsigned r, uint32_t v)
{
    ioapic[REG_SELECT / 4] = r;
    ioapic[REG_WINDOW / 4] = v;
}

/* Returns 0, or -1 if there is no such line. */
int ioapic_route(unsigned gsi, unsigned vector, int level, int active_low)
{
    if (!ioapic) {
        if (mmu_map_mmio(IOAPIC_BASE, HC_PAGE_SIZE) < 0)
            return -1;
        ioapic = (volatile uint32_t *)(uintptr_t)IOAPIC_BASE;
    }
    uint32_t version = read_reg(IOAPIC_VERSION);
    unsigned lines = ((version >> 16) & 0xff) + 1;
    if (version == 0xffffffff || gsi >= lines)
        return -1;
    write_reg(REDIR(gsi) + 1, lapic_id() << 24);
    write_reg(REDIR(gsi), vector | (level ? RTE_LEVEL : 0) |
                              (active_low ? RTE_ACTIVE_LOW : 0));
    return 0;
}
