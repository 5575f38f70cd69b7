/*
 * blkfront.c: Xen virtual disks, found under xenstore device/vbd/N and
 * connected through the xenbus state machine: wait for the backend to
 * offer (InitWait), grant it our ring page and bounce pages, write
 * ring-ref, event-channel and protocol in one transaction with our
 * state Initialised, wait for the backend to be Connected, read its
 * size and features, and say Connected. Disks are numbered by N (the
 * virtual-device number), so xvda is /dev/vda.
 *
 * Persistent grants are not offered although the bounce pages keep
 * their grants for good: measured in the testbed (bench/apps/blkbench, 8 MiB,
 * Linux 6.1 blkback with and without them), 4 KiB transfers gained
 * nothing beyond noise and 64 KiB writes were slower (11 vs 17-20 MB/s).
 *
 * Limits: one ring page (32 requests, BLKF_SLOTS of them used), no
 * indirect descriptors or persistent grants, no multi-page rings, no
 * hot-unplug; a new backend only after a resume (blkfront_resume.c).
 * A disk whose backend does not connect within XENBUS_TIMEOUT_NS is
 * skipped with one line.
 */
#include "blkfront.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <xen/io/protocols.h>
#include <xen/io/xenbus.h>
#include "xs_codec.h"

#define XENBUS_TIMEOUT_NS 20000000000ull
#define TX_RETRIES 8
#define PAGES_OF(n) (((n) + HC_PAGE_SIZE - 1) / HC_PAGE_SIZE)

struct blkf_disk *blkf_disks[BLKF_DISKS_MAX];
unsigned blkf_ndisks;

/* Read a key below dir into buf; -errno as xs_read. */
static long key_read(const char *dir, const char *key, char *buf, size_t cap)
{
    char path[160];
    snprintf(path, sizeof path, "%s/%s", dir, key);
    return xs_read(0, path, buf, cap);
}

/* A numeric key; 0 and *out, or -1 when absent or not a number. */
static int key_u64(const char *dir, const char *key, uint64_t *out)
{
    char buf[32];
    if (key_read(dir, key, buf, sizeof buf) < 0)
        return -1;
    return xs_parse_u64(buf, out);
}

static void front_dir(const struct blkf_disk *d, char *buf, size_t cap)
{
    snprintf(buf, cap, "device/vbd/%u", (unsigned)d->vdev);
}

/* Wait until the backend's state reaches want: 0, or -1 (with a log
 * line) if it closes or does not get there in time. */
int blkf_backend_wait(struct blkf_disk *d, uint64_t want)
{
    char path[128], token[24];
    snprintf(path, sizeof path, "%s/state", d->backend);
    snprintf(token, sizeof token, "blkfront-%u", (unsigned)d->vdev);
    if (xs_watch(path, token) < 0)
        return -1;
    uint64_t deadline = hc_clock_monotonic() + XENBUS_TIMEOUT_NS, state = 0;
    int r = -1;
    for (;;) {
        if (key_u64(d->backend, "state", &state) == 0 && state >= want) {
            r = state <= XenbusStateConnected ? 0 : -1;
            break;
        }
        if (xs_wait_watch(token, deadline) < 0)
            break;
    }
    xs_unwatch(path, token);
    if (r < 0)
        kprintf("kiln: xen disk %u: backend state %u, wanted %u\n",
                (unsigned)d->vdev, (unsigned)state, (unsigned)want);
    return r;
}

/* The shared ring page and the bounce pages, granted. */
static int ring_setup(struct blkf_disk *d)
{
    struct blkif_sring *s = hc_pages_alloc(1);
    if (!s)
        return -ENOMEM;
    memset(s, 0, HC_PAGE_SIZE);
    SHARED_RING_INIT(s);
    FRONT_RING_INIT(&d->ring, s, HC_PAGE_SIZE);
    int r = gnttab_grant(d->backend_id, s, 0);
    if (r < 0)
        return r;
    d->ring_ref = (grant_ref_t)r;
    for (unsigned i = 0; i < BLKF_SLOTS; i++) {
        struct blkf_slot *sl = &d->slots[i];
        sl->pages = hc_pages_alloc(BLKF_SEGS);
        if (!sl->pages)
            return -ENOMEM;
        for (unsigned k = 0; k < BLKF_SEGS; k++) {
            r = gnttab_grant(d->backend_id, sl->pages + k * HC_PAGE_SIZE, 0);
            if (r < 0)
                return r;
            sl->refs[k] = (grant_ref_t)r;
        }
    }
    return 0;
}

static int keys_write_once(struct blkf_disk *d, grant_ref_t ring_ref)
{
    char dir[32], path[64], val[24];
    uint32_t tx;
    int r = xs_transaction_start(&tx);
    if (r < 0)
        return r;
    front_dir(d, dir, sizeof dir);
    snprintf(path, sizeof path, "%s/ring-ref", dir);
    snprintf(val, sizeof val, "%u", (unsigned)ring_ref);
    r = xs_write(tx, path, val);
    snprintf(path, sizeof path, "%s/event-channel", dir);
    snprintf(val, sizeof val, "%u", d->port);
    if (r == 0)
        r = xs_write(tx, path, val);
    snprintf(path, sizeof path, "%s/protocol", dir);
    if (r == 0)
        r = xs_write(tx, path, XEN_IO_PROTO_ABI_X86_64);
    snprintf(path, sizeof path, "%s/state", dir);
    snprintf(val, sizeof val, "%u", (unsigned)XenbusStateInitialised);
    if (r == 0)
        r = xs_write(tx, path, val);
    int e = xs_transaction_end(tx, r == 0);
    return r < 0 ? r : e;
}

/* Our keys and state Initialised, atomically; -EAGAIN means another
 * writer changed something first, so the transaction runs again. */
static int keys_write(struct blkf_disk *d, grant_ref_t ring_ref)
{
    int r = -EAGAIN;
    for (int i = 0; i < TX_RETRIES && r == -EAGAIN; i++)
        r = keys_write_once(d, ring_ref);
    return r;
}

static int state_write(struct blkf_disk *d, unsigned state)
{
    char path[64], val[8];
    front_dir(d, path, sizeof path);
    strcat(path, "/state");
    snprintf(val, sizeof val, "%u", state);
    return xs_write(0, path, val);
}

/* What the connected backend tells us: size, sector size, read-only,
 * which flush it offers. */
static int backend_info(struct blkf_disk *d)
{
    uint64_t sectors, ssize = 512, info = 0, flag = 0;
    char mode[8] = "";
    if (key_u64(d->backend, "sectors", &sectors) < 0)
        return -1;
    key_u64(d->backend, "sector-size", &ssize);
    if (ssize < 512 || ssize > HC_PAGE_SIZE || (ssize & (ssize - 1)))
        return -1;
    key_u64(d->backend, "info", &info);
    key_read(d->backend, "mode", mode, sizeof mode);
    d->sectors512 = sectors - sectors % (ssize / 512);
    d->sector_size = (uint32_t)ssize;
    d->read_only = (info & VDISK_READONLY) || !strcmp(mode, "r");
    if (key_u64(d->backend, "feature-flush-cache", &flag) == 0 && flag)
        d->flush_op = BLKIF_OP_FLUSH_DISKCACHE;
    else if (key_u64(d->backend, "feature-barrier", &flag) == 0 && flag)
        d->flush_op = BLKIF_OP_WRITE_BARRIER;
    return 0;
}

int blkf_backend_find(struct blkf_disk *d)
{
    char dir[32];
    uint64_t id;
    front_dir(d, dir, sizeof dir);
    if (key_read(dir, "backend", d->backend, sizeof d->backend) <= 0 ||
        key_u64(dir, "backend-id", &id) < 0 || id >= DOMID_FIRST_RESERVED)
        return -1;
    d->backend_id = (domid_t)id;
    return 0;
}

/* The named steps of connecting one disk; a log line says which failed. */
static int disk_connect(struct blkf_disk *d)
{
    const char *step = "no backend or backend-id";
    if (blkf_backend_find(d) < 0)
        goto fail;
    step = "backend never offered the disk";
    if (blkf_backend_wait(d, XenbusStateInitWait) < 0)
        goto fail;
    step = "cannot grant the ring";
    if (ring_setup(d) < 0)
        goto fail;
    return blkf_handshake(d);
fail:
    kprintf("kiln: xen disk %u: %s; skipped\n", (unsigned)d->vdev, step);
    return -1;
}

int blkf_handshake(struct blkf_disk *d)
{
    /* The handler has nothing to do: the upcall itself wakes the
     * thread waiting in hc_thread_wait_io, which takes the responses. */
    const char *step = "cannot bind an event channel";
    int port = evtchn_alloc_unbound(d->backend_id, NULL, NULL);
    if (port < 0)
        goto fail;
    d->port = (unsigned)port;
    step = "cannot write our keys";
    if (keys_write(d, d->ring_ref) < 0)
        goto fail;
    step = "backend did not connect";
    if (blkf_backend_wait(d, XenbusStateConnected) < 0)
        goto fail;
    step = "backend gave no usable size";
    if (backend_info(d) < 0)
        goto fail;
    step = "cannot write state Connected";
    if (state_write(d, XenbusStateConnected) < 0)
        goto fail;
    return 0;
fail:
    kprintf("kiln: xen disk %u: %s; skipped\n", (unsigned)d->vdev, step);
    return -1;
}

void blkfront_init(void)
{
    char names[512]; /* on the stack: a static one every image would load */
    uint32_t vdevs[BLKF_DISKS_MAX];
    long len = xs_directory(0, "device/vbd", names, sizeof names);
    if (len <= 0 || gnttab_init() < 0)
        return; /* no disks, or no way to share pages with a backend */
    xen_resume_hook(blkfront_resume);
    unsigned n = blkring_vbd_list(names, (size_t)len, vdevs, BLKF_DISKS_MAX);
    for (unsigned i = 0; i < n; i++) {
        /* Pages, not a static table: images without disks pay nothing.
         * A disk that fails keeps its pages (granted, maybe mapped). */
        struct blkf_disk *d = hc_pages_alloc(PAGES_OF(sizeof *d));
        if (!d)
            return;
        memset(d, 0, sizeof *d);
        d->vdev = vdevs[i];
        if (disk_connect(d) == 0)
            blkf_disks[blkf_ndisks++] = d;
    }
}
