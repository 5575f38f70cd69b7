/*
 * nics.c: the hypercall NIC calls on bare metal, over every NIC driver:
 * virtio-net (PCI and MMIO) and e1000. NICs are numbered in the order
 * found: virtio (PCI, then MMIO), then e1000. Linked only into images
 * whose code calls hc_net_* (devices.c says how).
 */
#include <errno.h>
#include "virtio.h"

/* NICs of every driver, in the order their drivers found them. */
static struct {
    const struct nic_ops *ops;
    unsigned unit; /* the driver's own number for it */
} nics[NICS_MAX];
static unsigned nnics;

void nic_register(const struct nic_ops *ops, unsigned unit)
{
    if (nnics == NICS_MAX) {
        kprintf("kiln: more than %d NICs; the extra one is ignored\n",
                NICS_MAX);
        return;
    }
    nics[nnics].ops = ops;
    nics[nnics++].unit = unit;
}

void nics_find(void)
{
    virtio_find(VIRTIO_ID_NET_TYPE, virtio_net_probe);
    e1000_scan();
}

int hc_net_info(unsigned idx, struct hc_net_info *out)
{
    return idx < nnics ? nics[idx].ops->info(nics[idx].unit, out) : -ENODEV;
}

int hc_net_send(unsigned idx, const void *frame, size_t len,
                const struct hc_net_meta *meta)
{
    return idx < nnics ? nics[idx].ops->send(nics[idx].unit, frame, len, meta)
                       : -ENODEV;
}

int hc_net_recv(unsigned idx, void *buf, size_t len, struct hc_net_meta *meta)
{
    return idx < nnics ? nics[idx].ops->recv(nics[idx].unit, buf, len, meta)
                       : -ENODEV;
}
