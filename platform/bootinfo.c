/*
 * bootinfo.c: copy what the boot loader handed over (memory map, command
 * line, modules) into our own tables before anything can overwrite it.
 *
 * PVH: struct hvm_start_info from Xen's public headers; version 1 or
 * later is required, since it is the only source of the memory map on
 * bare metal. Multiboot2: the tags of the boot information structure
 * (Multiboot2 specification, section 3.6).
 */
#include <errno.h>
#include <string.h>
#include "platform.h" /* before Xen's header, which needs stdint */
#include <xen/arch-x86/hvm/start_info.h>

/* In .boot_region (linker/kernel.ld): inside the image's span, which
 * every loader keeps free, but in no loaded segment, so images do not
 * carry its 2.7 KiB (mostly the command line's copy). No loader zeroes
 * it: bootinfo_parse does, before anything reads it. */
struct bootinfo bootinfo __attribute__((section(".boot_region")));

#define MB2_TAG_END 0
#define MB2_TAG_CMDLINE 1
#define MB2_TAG_MODULE 3
#define MB2_TAG_MMAP 6
#define MB2_TAG_ACPI_OLD 14
#define MB2_TAG_ACPI_NEW 15
#define MB2_MMAP_AVAILABLE 1

int bootinfo_add_ram(struct bootinfo *bi, uint64_t base, uint64_t size)
{
    if (bi->nram == MAX_MEM_REGIONS)
        return -1;
    bi->ram[bi->nram].base = base;
    bi->ram[bi->nram].size = size;
    bi->nram++;
    return 0;
}

static void add_module(uint64_t base, uint64_t size)
{
    if (bootinfo.nmod < MAX_MODULES) {
        bootinfo.mod[bootinfo.nmod].base = base;
        bootinfo.mod[bootinfo.nmod].size = size;
        bootinfo.nmod++;
    }
}

/* A plain loop, not strncpy: bootinfo is zeroed already, and musl's
 * word-at-a-time copy is seven blocks for QEMU's TCG to translate. */
static void copy_cmdline(const char *s)
{
    for (size_t i = 0; s && s[i] && i < CMDLINE_MAX - 1; i++)
        bootinfo.cmdline[i] = s[i];
}

/* The RSDP is 20 bytes (ACPI 1.0) or 36 (2.0+, with the XSDT). */
static void copy_rsdp(const uint8_t *r, size_t avail)
{
    size_t n = avail < sizeof bootinfo.rsdp ? avail : sizeof bootinfo.rsdp;
    if (r && n >= 20 && !memcmp(r, "RSD PTR ", 8))
        memcpy(bootinfo.rsdp, r, n);
}

static void parse_pvh(const struct hvm_start_info *si)
{
    bootinfo.loader = "PVH";
    if (si->magic != XEN_HVM_START_MAGIC_VALUE)
        panic("PVH start info has a bad magic %#x", si->magic);
    if (si->version >= 1 && si->memmap_entries) {
        const struct hvm_memmap_table_entry *m =
            (const void *)(uintptr_t)si->memmap_paddr;
        for (uint32_t i = 0; i < si->memmap_entries; i++)
            if (m[i].type == XEN_HVM_MEMMAP_TYPE_RAM)
                bootinfo_add_ram(&bootinfo, m[i].addr, m[i].size);
    } else if (platform_memory_map(&bootinfo) < 0) {
        panic("PVH start info has no memory map (version %u) and the host "
              "offers none; boot with QEMU >= 4.0 or Xen >= 4.12",
              si->version);
    }
    copy_cmdline((const char *)(uintptr_t)si->cmdline_paddr);
    const struct hvm_modlist_entry *mod =
        (const void *)(uintptr_t)si->modlist_paddr;
    for (uint32_t i = 0; i < si->nr_modules; i++)
        add_module(mod[i].paddr, mod[i].size);
    copy_rsdp((const uint8_t *)(uintptr_t)si->rsdp_paddr, 36);
}

static void parse_mb2_mmap(const uint8_t *tag)
{
    uint32_t size = *(const uint32_t *)(tag + 4);
    uint32_t entry_size = *(const uint32_t *)(tag + 8);
    if (entry_size < 24)
        panic("multiboot2 memory map entry size %u is too small", entry_size);
    for (uint32_t off = 16; off + entry_size <= size; off += entry_size) {
        const uint8_t *e = tag + off;
        uint64_t base, len;
        memcpy(&base, e, 8);
        memcpy(&len, e + 8, 8);
        if (*(const uint32_t *)(e + 16) == MB2_MMAP_AVAILABLE)
            bootinfo_add_ram(&bootinfo, base, len);
    }
}

static void parse_multiboot2(const uint8_t *mbi)
{
    uint32_t total = *(const uint32_t *)mbi;
    bootinfo.loader = "multiboot2";
    for (uint32_t off = 8; off + 8 <= total;) {
        const uint8_t *tag = mbi + off;
        uint32_t type = *(const uint32_t *)tag;
        uint32_t size = *(const uint32_t *)(tag + 4);
        if (type == MB2_TAG_END || size < 8)
            break;
        if (type == MB2_TAG_CMDLINE)
            copy_cmdline((const char *)tag + 8);
        else if (type == MB2_TAG_MMAP)
            parse_mb2_mmap(tag);
        else if (type == MB2_TAG_ACPI_OLD || type == MB2_TAG_ACPI_NEW)
            copy_rsdp(tag + 8, size - 8);
        else if (type == MB2_TAG_MODULE)
            add_module(*(const uint32_t *)(tag + 8),
                       *(const uint32_t *)(tag + 12) -
                           *(const uint32_t *)(tag + 8));
        off += ALIGN_UP(size, 8);
    }
    if (bootinfo.nram == 0)
        panic("multiboot2 boot information has no memory map");
}

void bootinfo_parse(uint32_t proto, uint32_t info)
{
    memset(&bootinfo, 0, sizeof bootinfo);
    if (proto == BOOT_PVH)
        parse_pvh((const struct hvm_start_info *)(uintptr_t)info);
    else
        parse_multiboot2((const uint8_t *)(uintptr_t)info);
}

const char *hc_cmdline(void)
{
    return bootinfo.cmdline;
}

int hc_boot_module(unsigned idx, const void **data, size_t *len)
{
    if (idx >= bootinfo.nmod)
        return -ENODEV;
    *data = (const void *)(uintptr_t)bootinfo.mod[idx].base;
    *len = bootinfo.mod[idx].size;
    return 0;
}
