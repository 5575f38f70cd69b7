/*
 * virtio_find.c: the virtio devices of both transports, found once (PCI
 * first, then the virtio_mmio.device= options of the command line) and
 * handed to each class's driver: nics.c and disks.c each ask for their
 * type, and a device of a class the image has no driver for is left
 * alone, never reset.
 */
#include "virtio.h"

#define VIRTIO_FOUND_MAX (PCI_MAX_DEVICES + 8)

static struct virtio_dev *found[VIRTIO_FOUND_MAX];
static unsigned nfound;

static void keep(struct virtio_dev *d)
{
    if (nfound == VIRTIO_FOUND_MAX) {
        kprintf("kiln: %s ignored: more than %d virtio devices\n", d->name,
                VIRTIO_FOUND_MAX);
        return;
    }
    found[nfound++] = d;
}

void virtio_find(unsigned type, void (*probe)(struct virtio_dev *d))
{
    static int scanned;
    if (!scanned) {
        scanned = 1;
        virtio_pci_scan(keep);
        virtio_mmio_scan(hc_cmdline(), keep);
    }
    for (unsigned i = 0; i < nfound; i++)
        if (found[i]->type == type)
            probe(found[i]);
}
