/*
 * gdbstub_chan.c: the gdb stub's channel on Xen, a second PV console
 * named org.kiln.gdb, so the protocol never mixes with the application's
 * output on the first. xl makes it from `channel = [ "connection=socket,
 * path=SOCKET,name=org.kiln.gdb" ]` (kiln xl-config --gdb SOCKET), and
 * QEMU in dom0 serves it on that Unix socket (xenconsoled serves only
 * the primary console; Debian's qemu-system-xen). We find it by name
 * under xenstore device/console/N, grant the backend a ring page and an
 * event channel (ring-ref and port, state Initialised, as Linux's hvc
 * frontend does), wait for the backend to say Connected, and from then
 * on the bytes go through console_ring.c.
 * Limits: gdb cannot stop a running image (Ctrl-C is not looked for);
 * after xl restore or migrate the channel is not reconnected, so detach
 * gdb before saving; a backend that does not connect within
 * CHAN_TIMEOUT_NS leaves the image running without gdb, with one line.
 */
#include "xen.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <xen/io/xenbus.h>
#include "xs_codec.h"

#define CHAN_NAME "org.kiln.gdb"
#define CHAN_TIMEOUT_NS 30000000000ull
#define TX_RETRIES 8

static struct consring chan;
static char in[64]; /* what the ring gave and getc has not yet */
static size_t in_len, in_pos;

struct chan_dev {
    char dir[300];     /* device/console/N */
    char backend[128]; /* the backend's directory */
    domid_t backend_id;
    grant_ref_t ref;
    unsigned port;
};

static long key_read(const char *dir, const char *key, char *buf, size_t cap)
{
    char path[400];
    snprintf(path, sizeof path, "%s/%s", dir, key);
    return xs_read(0, path, buf, cap);
}

static int key_num(const char *dir, const char *key, uint64_t *out)
{
    char buf[24];
    if (key_read(dir, key, buf, sizeof buf) <= 0)
        return -1;
    return xs_parse_u64(buf, out);
}

/* The console whose name is CHAN_NAME, and its backend. */
static int chan_find(struct chan_dev *d)
{
    char names[256], name[64];
    uint64_t id;
    long n = xs_directory(0, "device/console", names, sizeof names);
    for (const char *p = names; n > 0 && p < names + n; p += strlen(p) + 1) {
        snprintf(d->dir, sizeof d->dir, "device/console/%s", p);
        if (key_read(d->dir, "name", name, sizeof name) < 0 ||
            strcmp(name, CHAN_NAME))
            continue;
        if (key_read(d->dir, "backend", d->backend, sizeof d->backend) <= 0 ||
            key_num(d->dir, "backend-id", &id) < 0 ||
            id >= DOMID_FIRST_RESERVED)
            return -1;
        d->backend_id = (domid_t)id;
        return 0;
    }
    return -1;
}

static void chan_event(unsigned port, void *arg)
{
    (void)port, (void)arg; /* input arrived or output drained */
}

/* A zeroed ring page granted to the backend, and a port it may bind. */
static int ring_setup(struct chan_dev *d, struct xencons_interface **ring)
{
    *ring = hc_pages_alloc(1);
    if (!*ring || gnttab_init() < 0)
        return -ENOMEM;
    memset(*ring, 0, HC_PAGE_SIZE);
    int r = gnttab_grant(d->backend_id, *ring, 0);
    if (r < 0)
        return r;
    d->ref = (grant_ref_t)r;
    r = evtchn_alloc_unbound(d->backend_id, chan_event, NULL);
    if (r < 0)
        return r;
    d->port = (unsigned)r;
    return 0;
}

static int key_write(uint32_t tx, const char *dir, const char *key,
                     unsigned long v)
{
    char path[400], val[24];
    snprintf(path, sizeof path, "%s/%s", dir, key);
    snprintf(val, sizeof val, "%lu", v);
    return xs_write(tx, path, val);
}

/* ring-ref, port and state Initialised in one transaction, retried
 * while another writer gets in first (-EAGAIN). */
static int keys_write(const struct chan_dev *d)
{
    int r = -EAGAIN;
    for (int i = 0; i < TX_RETRIES && r == -EAGAIN; i++) {
        uint32_t tx;
        if ((r = xs_transaction_start(&tx)) < 0)
            return r;
        r = key_write(tx, d->dir, "ring-ref", d->ref);
        if (r == 0)
            r = key_write(tx, d->dir, "port", d->port);
        if (r == 0)
            r = key_write(tx, d->dir, "state", XenbusStateInitialised);
        int e = xs_transaction_end(tx, r == 0);
        r = r < 0 ? r : e;
    }
    return r;
}

/* Until the backend's state is Connected: 0, or -1 if it closes or
 * takes longer than CHAN_TIMEOUT_NS. */
static int backend_wait(const struct chan_dev *d)
{
    char path[160];
    uint64_t state = 0;
    snprintf(path, sizeof path, "%s/state", d->backend);
    if (xs_watch(path, "gdbchan") < 0)
        return -1;
    uint64_t deadline = hc_clock_monotonic() + CHAN_TIMEOUT_NS;
    int r;
    while ((r = key_num(d->backend, "state", &state)) < 0 ||
           state < XenbusStateConnected)
        if (xs_wait_watch("gdbchan", deadline) < 0)
            break;
    xs_unwatch(path, "gdbchan");
    return r == 0 && state == XenbusStateConnected ? 0 : -1;
}

int platform_gdb_open(void)
{
    struct chan_dev d;
    struct xencons_interface *ring;
    if (chan_find(&d) < 0) {
        kprintf("gdb=on: no channel named " CHAN_NAME " (xl: channel = [ "
                "\"connection=socket,path=...,name=" CHAN_NAME "\" ]); "
                "the image runs without\n");
        return -1;
    }
    if (ring_setup(&d, &ring) < 0 || keys_write(&d) < 0 ||
        backend_wait(&d) < 0) {
        kprintf("gdb=on: the " CHAN_NAME " channel's backend did not "
                "connect; the image runs without\n");
        return -1;
    }
    key_write(0, d.dir, "state", XenbusStateConnected);
    chan.port = d.port;
    chan.ring = ring;
    return 0;
}

/* The next byte from gdb, sleeping on the channel's port while there is
 * none; -1 if the backend broke the ring. */
int platform_gdb_getc(void)
{
    while (in_pos == in_len) {
        if (!chan.ring)
            return -1;
        in_len = consring_get(&chan, in, sizeof in), in_pos = 0;
        if (in_len == 0)
            evtchn_wait(chan.port);
    }
    return (unsigned char)in[in_pos++];
}

void platform_gdb_put(const char *buf, size_t len)
{
    consring_put(&chan, buf, len);
}
