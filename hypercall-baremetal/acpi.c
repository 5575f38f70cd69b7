/*
 * acpi.c: power off through ACPI, for PCs and VMs without QEMU's
 * isa-debug-exit device. Finds the FADT through the RSDP (from the boot
 * loader, else the BIOS areas), then the \_S5 sleep type in the DSDT's
 * AML, and writes SLP_TYP | SLP_EN to the PM1 control ports (ACPI 6.4,
 * sections 4.8.3.2 and 16.1.7). Only the fixed-hardware model: hardware-
 * reduced ACPI (QEMU microvm with acpi=on) is not handled and falls back
 * to halting. Firmware tables are checked (signature, length, checksum)
 * before use, since a bad table must not turn an exit into a crash.
 */
#include <string.h>
#include "baremetal.h"

#define TABLE_MAX_LEN (1u << 20)
#define TABLE_MAX_ADDR (1ull << 32)
#define SLP_EN (1u << 13)

struct sdt_header {
    char signature[4];
    uint32_t length;
    uint8_t revision, checksum;
    char oem[6], oem_table[8];
    uint32_t oem_revision, creator, creator_revision;
} __attribute__((packed));

static int sum_is_zero(const uint8_t *p, size_t n)
{
    uint8_t s = 0;
    while (n--)
        s += *p++;
    return s == 0;
}

static const struct sdt_header *table_at(uint64_t addr, const char *sig)
{
    uint64_t top = mmu_mapped_top();
    if (!addr || addr >= TABLE_MAX_ADDR ||
        addr + sizeof(struct sdt_header) > top)
        return NULL;
    const struct sdt_header *t = (const void *)(uintptr_t)addr;
    if (memcmp(t->signature, sig, 4) || t->length < sizeof *t ||
        addr + t->length > top || t->length > TABLE_MAX_LEN ||
        !sum_is_zero((const void *)t, t->length))
        return NULL;
    return t;
}

/* The BIOS leaves the RSDP on a 16-byte boundary in 0xe0000-0xfffff. */
static const uint8_t *rsdp_scan(void)
{
    for (uintptr_t a = 0xe0000; a < 0x100000; a += 16) {
        const uint8_t *r = (const uint8_t *)a;
        if (!memcmp(r, "RSD PTR ", 8) && sum_is_zero(r, 20))
            return r;
    }
    return NULL;
}

static const struct sdt_header *find_fadt(void)
{
    const uint8_t *r = bootinfo.rsdp[0] ? bootinfo.rsdp : rsdp_scan();
    if (!r)
        return NULL;
    uint32_t rsdt;
    uint64_t xsdt = 0;
    memcpy(&rsdt, r + 16, 4);
    if (r[15] >= 2)
        memcpy(&xsdt, r + 24, 8);
    const struct sdt_header *root = table_at(xsdt, "XSDT");
    int wide = root != NULL;
    if (!root)
        root = table_at(rsdt, "RSDT");
    if (!root)
        return NULL;
    const uint8_t *e = (const uint8_t *)(root + 1);
    size_t step = wide ? 8 : 4, n = (root->length - sizeof *root) / step;
    for (size_t i = 0; i < n; i++) {
        uint64_t a = 0;
        memcpy(&a, e + i * step, step);
        const struct sdt_header *t = table_at(a, "FACP");
        if (t)
            return t;
    }
    return NULL;
}

/* The first value of \_S5's package: Name(_S5, Package(){typ_a, ...}). */
static int s5_sleep_type(const struct sdt_header *dsdt)
{
    const uint8_t *p = (const uint8_t *)(dsdt + 1);
    const uint8_t *end = (const uint8_t *)dsdt + dsdt->length;
    for (; p + 8 < end; p++) {
        if (memcmp(p, "_S5_", 4) || p[4] != 0x12) /* PackageOp */
            continue;
        const uint8_t *q = p + 5;
        q += 1 + (*q >> 6); /* PkgLength: lead byte + extra bytes */
        q++;                /* NumElements */
        if (q + 1 >= end)
            return -1;
        if (*q == 0x0a) /* BytePrefix */
            return q[1];
        if (*q == 0x00 || *q == 0x01) /* ZeroOp, OneOp */
            return *q;
        return -1;
    }
    return -1;
}

void acpi_poweroff(void)
{
    static int tried; /* a fault in here must not bring us back */
    if (tried++)
        return;
    const struct sdt_header *fadt = find_fadt();
    if (!fadt || fadt->length < 72)
        return;
    const uint8_t *f = (const uint8_t *)fadt;
    uint32_t dsdt_addr, pm1a, pm1b;
    memcpy(&dsdt_addr, f + 40, 4);
    memcpy(&pm1a, f + 64, 4);
    memcpy(&pm1b, f + 68, 4);
    const struct sdt_header *dsdt = table_at(dsdt_addr, "DSDT");
    int typ = dsdt ? s5_sleep_type(dsdt) : -1;
    if (typ < 0 || !pm1a || pm1a > 0xffff || pm1b > 0xffff)
        return;
    outw((uint16_t)pm1a, (uint16_t)((typ & 7) << 10 | SLP_EN));
    if (pm1b)
        outw((uint16_t)pm1b, (uint16_t)((typ & 7) << 10 | SLP_EN));
}
