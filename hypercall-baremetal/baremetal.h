/*
 * baremetal.h: the bare-metal target (a PC or a QEMU/KVM guest). Adds
 * nothing to the platform's map but the list of this directory's files.
 */
#ifndef KILN_BAREMETAL_H
#define KILN_BAREMETAL_H

#include "../platform/platform.h"

/* acpi.c: returns only if ACPI power-off is unavailable or failed */
void acpi_poweroff(void);
/* serial.c: a 16550 at I/O port base set up for polling; 0 if absent */
int serial_uart_init(uint16_t base);

/* pci.c */
#define PCI_MAX_DEVICES 32
struct pci_dev {
    uint8_t bus, slot, func;
    uint16_t vendor, device;
};
const struct pci_dev *pci_devices(unsigned *n);
uint32_t pci_read32(const struct pci_dev *d, uint8_t off);
void pci_write32(const struct pci_dev *d, uint8_t off, uint32_t v);
uint8_t pci_read8(const struct pci_dev *d, uint8_t off);
uint64_t pci_bar(const struct pci_dev *d, unsigned i);
void pci_enable(const struct pci_dev *d);
int pci_msix_enable(const struct pci_dev *d, unsigned vector);
/* pci_cap.c: capability lists, bounded (a device's list may loop) */
#define PCI_CAP_MAX 48
/* The offsets of the first max capabilities with ID id, in list order,
 * into out: how many, or -ELOOP if the list does not end within
 * PCI_CAP_MAX entries (the whole list is walked to know). */
int pci_caps(const struct pci_dev *d, uint8_t id, uint8_t *out, unsigned max);
uint8_t pci_find_cap(const struct pci_dev *d, uint8_t id); /* 0: none */

/* virtio_blk.c: the disks behind hc_blk_* */
#define BLK_MAX_DISKS 8
int virtio_blk_info(unsigned idx, struct hc_blk_info *out);
int virtio_blk_rw(unsigned idx, int write, uint64_t sector, void *buf,
                  size_t nsectors);
int virtio_blk_flush(unsigned idx);

/* nics.c, disks.c: find the devices of their class; devices.c calls
 * them at boot when the image has them */
void nics_find(void);
void disks_find(void);

/* nics.c: NIC drivers register each NIC they bring up */
#define NICS_MAX 4
struct nic_ops {
    int (*info)(unsigned unit, struct hc_net_info *out);
    int (*send)(unsigned unit, const void *frame, size_t len,
                const struct hc_net_meta *meta);
    int (*recv)(unsigned unit, void *buf, size_t len, struct hc_net_meta *meta);
};
void nic_register(const struct nic_ops *ops, unsigned unit);

/* exit.c: called before the image ends, when set (virtio_net.c sets it:
 * frames it queued must leave before the VMM stops) */
extern void (*exit_drain_nics)(void);

/* e1000.c */
void e1000_scan(void);

/* ioapic.c */
int ioapic_route(unsigned gsi, unsigned vector, int level, int active_low);

/* rtc.c */
int64_t rtc_read_unix_seconds(void);

#endif
