/*
 * virtio.h: what the virtio drivers share: a device behind either
 * transport (modern PCI or virtio-mmio version 2), the setup steps of
 * the virtio 1.x spec (section 3.1), and the virtqueue code.
 */
#ifndef KILN_VIRTIO_H
#define KILN_VIRTIO_H

#include "baremetal.h"
#include "virtq.h"

#define VIRTIO_ID_NET_TYPE 1
#define VIRTIO_ID_BLK_TYPE 2
#define VIRTIO_MAX_QUEUES 4
#define PAGES_FOR(bytes) (((bytes) + HC_PAGE_SIZE - 1) / HC_PAGE_SIZE)

struct virtio_dev;
struct virtio_transport {
    uint64_t (*features)(struct virtio_dev *d);
    void (*set_features)(struct virtio_dev *d, uint64_t f);
    uint8_t (*status)(struct virtio_dev *d);
    void (*set_status)(struct virtio_dev *d, uint8_t s);
    uint16_t (*queue_max)(struct virtio_dev *d, uint16_t q);
    int (*queue_setup)(struct virtio_dev *d, uint16_t q, struct virtq *vq);
    void (*notify)(struct virtio_dev *d, uint16_t q);
};

struct virtio_dev {
    const struct virtio_transport *t;
    const char *name; /* for messages: "virtio-pci 00:04.0" */
    char name_buf[32];
    unsigned type;            /* VIRTIO_ID_*_TYPE */
    volatile uint8_t *regs;   /* mmio: the register window */
    volatile uint8_t *common; /* pci: struct virtio_pci_common_cfg */
    volatile uint8_t *notify; /* pci: notification area */
    uint32_t notify_mult;     /* pci: notify_off_multiplier */
    volatile uint8_t *cfg;    /* device-specific configuration */
    uint32_t notify_len;      /* pci: bytes in that area */
    uint32_t notify_at[VIRTIO_MAX_QUEUES]; /* pci: per queue, checked */
    int has_irq; /* completions raise an interrupt (else: poll) */
};

/* virtio.c */
int virtio_negotiate(struct virtio_dev *d, uint64_t wanted, uint64_t *got);
int virtio_queue_create(struct virtio_dev *d, uint16_t q, struct virtq *vq,
                        uint16_t max_size);
void virtio_ready(struct virtio_dev *d);
void virtio_fail(struct virtio_dev *d, const char *why);

/* virtio_find.c: call probe for each virtio device of a type */
void virtio_find(unsigned type, void (*probe)(struct virtio_dev *d));

/* virtio_pci.c, virtio_mmio.c: find devices; call probe for each */
void virtio_pci_scan(void (*probe)(struct virtio_dev *d));
void virtio_mmio_scan(const char *cmdline, void (*probe)(struct virtio_dev *d));

/* virtio_mmio_opt.c: the virtio_mmio.device= options. _next: the text
 * after the next one's "=" in the boot options at s, NULL if none is
 * left; _parse: its base and irq, 0, or -1 if malformed; _name: the
 * device's name for messages, "virtio-mmio@0x<base>". */
const char *virtio_mmio_opt_next(const char *s);
int virtio_mmio_opt_parse(const char *s, uint64_t *base, unsigned *irq);
void virtio_mmio_opt_name(char *buf, size_t size, uint64_t base);

/* virtio_blk.c, virtio_net.c: each ignores devices of the other type */
void virtio_blk_probe(struct virtio_dev *d);
void virtio_net_probe(struct virtio_dev *d);

#endif
