/*
 * pci_cap.c: walking a PCI function's capability list (PCI Local Bus
 * 3.0, section 6.7). The device writes the list, so nothing in it is
 * believed: a pointer below 0x40 ends it, the two low bits of each
 * pointer are reserved and masked, and a walk gives up after
 * PCI_CAP_MAX entries (48 fit in the 192 bytes past the header; Linux
 * stops at the same count), so a list that loops back on itself cannot
 * hang boot. Pure apart from pci_read8: tests/unit/pci-cap gives it a
 * fake config space.
 */
#include <errno.h>
#include <linux/pci_regs.h>
#include "baremetal.h"

#define CAP_FIRST 0x40 /* the standard header ends here */

static uint8_t cap_next(const struct pci_dev *d, uint8_t at)
{
    return pci_read8(d, (uint8_t)(at + PCI_CAP_LIST_NEXT)) & ~3u;
}

int pci_caps(const struct pci_dev *d, uint8_t id, uint8_t *out, unsigned max)
{
    unsigned n = 0;
    if (!(pci_read8(d, PCI_STATUS) & PCI_STATUS_CAP_LIST))
        return 0;
    uint8_t at = pci_read8(d, PCI_CAPABILITY_LIST) & ~3u;
    for (unsigned hops = 0; at >= CAP_FIRST; hops++) {
        if (hops == PCI_CAP_MAX)
            return -ELOOP;
        if (n < max && pci_read8(d, (uint8_t)(at + PCI_CAP_LIST_ID)) == id)
            out[n++] = at;
        at = cap_next(d, at);
    }
    return (int)n;
}

uint8_t pci_find_cap(const struct pci_dev *d, uint8_t id)
{
    uint8_t at;
    return pci_caps(d, id, &at, 1) == 1 ? at : 0;
}
