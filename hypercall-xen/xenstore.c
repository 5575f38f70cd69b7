/*
 * xenstore.c: a xenstore client over the shared ring whose page and
 * event channel Xen's HVM parameters name. One request is in flight at a
 * time (threads are cooperative; a second caller waits its turn).
 * Replies are matched by request id; watch events that arrive meanwhile
 * are queued (a few, oldest dropped with a log line). Errors come back
 * as negative errno values, never as strings to free.
 *
 * The ring is set up on the first request (xs_init), not in the boot:
 * its HVM parameters, mapping and event channel are VM exits that a
 * program which never asks xenstore anything would pay before main.
 *
 * Waiting: drivers set up during boot, before the scheduler runs, so
 * waits idle the CPU (platform_idle) until an event or a deadline; a
 * daemon that answers nothing for XS_TIMEOUT_NS is reported as -ETIMEDOUT.
 * Between requests, xs_poll_watch takes whatever whole messages have
 * arrived without waiting (control.c's watch, from the idle path); it
 * does nothing while a request waits for its reply, so it never nests
 * inside one.
 */
#include "xen.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <xen/hvm/params.h>
#include "xs_codec.h"
#include "kiln/table.h"

#define XS_TIMEOUT_NS 5000000000ull
#define WATCH_QUEUE 8
#define MSG_MAX (sizeof(struct xsd_sockmsg) + XENSTORE_PAYLOAD_MAX)

struct watch_event {
    char path[128];
    char token[32];
};

static volatile struct xenstore_domain_interface *xs, *xs_page;
static unsigned xs_port;
static uint32_t next_req_id = 1;
static unsigned requests; /* sent so far: each is a round trip to dom0 */
/* The message buffers and the watch queue, allocated by xs_init
 * (kiln/table.h): 9.5 KiB that guests without xenstore never load. */
struct xs_bufs {
    char msg[MSG_MAX], out[MSG_MAX];
    struct watch_event events[WATCH_QUEUE];
};
static struct xs_bufs *bufs;
static char *msg, *out;
static struct watch_event *events;
static unsigned events_head, events_count;
/* The message being taken off the ring: it outlives one call, since
 * xs_poll_watch takes what has arrived and leaves the rest for later. */
static struct xs_reader rd;
static int busy;     /* a request is waiting for its reply */
static int signaled; /* the daemon wrote since xs_poll_watch last looked */

static void xs_event(unsigned port, void *arg)
{
    (void)port, (void)arg; /* waking the waiter is most of what it is for */
    signaled = 1;
}

static int ring_connect(void)
{
    uint64_t pfn, port;
    if (hvm_get_param(HVM_PARAM_STORE_PFN, &pfn) < 0 || !pfn ||
        hvm_get_param(HVM_PARAM_STORE_EVTCHN, &port) < 0)
        return -ENODEV; /* dom0 before xenstored, or no toolstack */
    if (mmu_map_mmio(pfn * HC_PAGE_SIZE, HC_PAGE_SIZE) < 0 &&
        pfn * HC_PAGE_SIZE >= mmu_mapped_top())
        return -ENOMEM;
    kiln_table((void **)&bufs, sizeof *bufs, "no memory for xenstore");
    msg = bufs->msg, out = bufs->out, events = bufs->events;
    xs = xs_page =
        (volatile struct xenstore_domain_interface *)(uintptr_t)(pfn *
                                                                 HC_PAGE_SIZE);
    xs_port = (unsigned)port;
    int r = evtchn_handle(xs_port, xs_event, NULL);
    if (timeline_wanted())
        kprintf("boot: xenstore ring set up at its first use\n");
    return r;
}

/* Once; later calls return the first one's result. */
int xs_init(void)
{
    static int state = 1; /* 1: not tried yet */
    if (state == 1)
        state = ring_connect();
    return state;
}

/* In a new domain (suspend.c): the ring page is where it was, but the
 * toolstack gave it a new event channel, and a message half taken
 * before the suspend will never be finished. Watches are gone too: the
 * daemon forgot them with the old domain. */
int xs_resume(void)
{
    uint64_t port;
    if (!bufs)
        return -ENODEV;
    if (hvm_get_param(HVM_PARAM_STORE_EVTCHN, &port) < 0)
        return -ENODEV;
    rd = (struct xs_reader){0};
    events_count = 0;
    busy = 0;
    xs_port = (unsigned)port;
    xs = xs_page; /* also after a daemon that broke the protocol */
    return evtchn_handle(xs_port, xs_event, NULL);
}

int xs_busy(void)
{
    return busy;
}

unsigned xs_requests(void)
{
    return requests;
}

static int wait_until(uint64_t deadline)
{
    if (hc_clock_monotonic() >= deadline)
        return -ETIMEDOUT;
    platform_idle(deadline);
    return 0;
}

static int send_bytes(const char *p, size_t n, uint64_t deadline)
{
    while (n) {
        long used = ring_used(xs->req_cons, xs->req_prod, XENSTORE_RING_SIZE);
        if (used < 0)
            return -EPROTO;
        size_t room = XENSTORE_RING_SIZE - (size_t)used;
        size_t k = room < n ? room : n;
        ring_write(xs->req, XENSTORE_RING_SIZE, xs->req_prod, p, k);
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        xs->req_prod += (uint32_t)k;
        evtchn_notify(xs_port);
        p += k, n -= k;
        if (n && wait_until(deadline) < 0)
            return -ETIMEDOUT;
    }
    return 0;
}

static void queue_watch_event(const char *payload, size_t len)
{
    const char *path, *token;
    if (xs_watch_event(payload, len, &path, &token) < 0)
        return;
    if (events_count == WATCH_QUEUE) {
        kprintf("kiln: xenstore: watch event queue full, oldest dropped\n");
        events_head = (events_head + 1) % WATCH_QUEUE;
        events_count--;
    }
    struct watch_event *e =
        &events[(events_head + events_count++) % WATCH_QUEUE];
    snprintf(e->path, sizeof e->path, "%s", path);
    snprintf(e->token, sizeof e->token, "%s", token);
}

/* Take the next message off the ring into msg, piece by piece as the
 * daemon writes it (a reply can be four times the ring), telling it
 * after each piece that there is room. A daemon that stops answering or
 * breaks the protocol ends our use of xenstore. */
static long take_message(struct xsd_sockmsg *h, uint64_t deadline)
{
    int r;
    for (;;) {
        size_t took;
        r = xs_reader_take(&rd, xs, msg, &took);
        if (took)
            evtchn_notify(xs_port);
        if (r != 0 || (r = wait_until(deadline)) < 0)
            break;
    }
    *h = rd.h;
    rd = (struct xs_reader){0};
    if (r < 0) {
        kprintf("kiln: xenstore: %s reply; giving up on xenstore\n",
                r == -ETIMEDOUT ? "no" : "malformed");
        xs = NULL;
        return r;
    }
    if (h->type == XS_WATCH_EVENT)
        queue_watch_event(msg, h->len);
    return h->len;
}

/* Take whatever whole messages the daemon has written, without waiting
 * (part of one stays in rd for later), queueing watch events; replies
 * here answer requests that timed out and are dropped. */
static void take_available(void)
{
    for (;;) {
        size_t took;
        int r = xs_reader_take(&rd, xs, msg, &took);
        if (took)
            evtchn_notify(xs_port);
        if (r <= 0) {
            if (r < 0) {
                kprintf("kiln: xenstore: malformed message; giving up on "
                        "xenstore\n");
                xs = NULL;
            }
            return;
        }
        if (rd.h.type == XS_WATCH_EVENT)
            queue_watch_event(msg, rd.h.len);
        rd = (struct xs_reader){0};
    }
}

/* Take a queued event for token, if any: 1, else 0. */
static int event_take(const char *token)
{
    for (unsigned i = 0; i < events_count; i++) {
        struct watch_event *e = &events[(events_head + i) % WATCH_QUEUE];
        if (strcmp(e->token, token))
            continue;
        *e = events[events_head];
        events_head = (events_head + 1) % WATCH_QUEUE;
        events_count--;
        return 1;
    }
    return 0;
}

int xs_poll_watch(const char *token)
{
    if (!xs || busy)
        return 0;
    if (signaled) {
        signaled = 0;
        take_available();
    }
    return event_take(token);
}

/* Read messages until the reply to req_id; its payload is in msg. */
static long await_reply(uint32_t req_id, uint32_t *type, uint64_t deadline)
{
    for (;;) {
        struct xsd_sockmsg h;
        long n = take_message(&h, deadline);
        if (n < 0)
            return n;
        if (h.type == XS_WATCH_EVENT || h.req_id != req_id)
            continue; /* an event, or a reply to a request that timed out */
        *type = h.type;
        return n;
    }
}

/* One request and its reply: the reply's payload length (in msg), or
 * -errno (XS_ERROR's name turned into its value). */
static long xs_call(uint32_t type, uint32_t tx, const char *path,
                    const void *value, size_t len)
{
    if (xs_init() < 0 || !xs)
        return -ENODEV;
    uint32_t id = next_req_id++;
    requests++;
    long n = xs_build(out, MSG_MAX, type, id, tx, path, value, len);
    if (n < 0)
        return n;
    uint64_t deadline = hc_clock_monotonic() + XS_TIMEOUT_NS;
    busy = 1;
    int r = send_bytes(out, (size_t)n, deadline);
    uint32_t got = 0;
    long rlen = r < 0 ? r : await_reply(id, &got, deadline);
    busy = 0;
    if (rlen >= 0 && got == XS_ERROR)
        return xs_error_value(msg, (size_t)rlen);
    return rlen;
}

/* A request whose reply payload is copied to buf and NUL-ended. */
static long call_copy(uint32_t type, uint32_t tx, const char *path, char *buf,
                      size_t cap)
{
    long n = xs_call(type, tx, path, NULL, 0);
    if (n < 0)
        return n;
    if ((size_t)n >= cap)
        return -ERANGE;
    memcpy(buf, msg, (size_t)n);
    buf[n] = 0;
    return n;
}

long xs_read(uint32_t tx, const char *path, char *buf, size_t cap)
{
    return call_copy(XS_READ, tx, path, buf, cap);
}

/* The names under path, each ending in a NUL, then one more NUL; the
 * list's length without that last NUL, or -ERANGE past cap. */
long xs_directory(uint32_t tx, const char *path, char *buf, size_t cap)
{
    long n = call_copy(XS_DIRECTORY, tx, path, buf, cap);
    if (n > 0 && buf[n - 1]) /* a daemon's last name without its NUL */
        return -EPROTO;
    return n;
}

int xs_write(uint32_t tx, const char *path, const char *value)
{
    long n = xs_call(XS_WRITE, tx, path, value, strlen(value));
    return n < 0 ? (int)n : 0;
}

int xs_watch(const char *path, const char *token)
{
    long n = xs_call(XS_WATCH, 0, path, token, strlen(token) + 1);
    return n < 0 ? (int)n : 0;
}

int xs_unwatch(const char *path, const char *token)
{
    long n = xs_call(XS_UNWATCH, 0, path, token, strlen(token) + 1);
    return n < 0 ? (int)n : 0;
}

int xs_transaction_start(uint32_t *tx)
{
    long n = xs_call(XS_TRANSACTION_START, 0, "", NULL, 0);
    if (n < 0)
        return (int)n;
    msg[n < XENSTORE_PAYLOAD_MAX ? n : XENSTORE_PAYLOAD_MAX - 1] = 0;
    uint64_t id;
    if (xs_parse_u64(msg, &id) < 0 || !id || id > UINT32_MAX)
        return -EPROTO;
    *tx = (uint32_t)id;
    return 0;
}

/* -EAGAIN: another writer got in first; start the transaction again. */
int xs_transaction_end(uint32_t tx, int commit)
{
    long n = xs_call(XS_TRANSACTION_END, tx, commit ? "T" : "F", NULL, 0);
    return n < 0 ? (int)n : 0;
}

/* Wait for a watch event with this token (any path) until deadline. */
int xs_wait_watch(const char *token, uint64_t deadline)
{
    for (;;) {
        if (event_take(token))
            return 0;
        if (!xs)
            return -ENODEV;
        long used = ring_used(xs->rsp_cons, xs->rsp_prod, XENSTORE_RING_SIZE);
        if (used > 0) {
            struct xsd_sockmsg h;
            busy = 1; /* the idle hook must not take this message's rest */
            long r = take_message(&h, deadline); /* queues events */
            busy = 0;
            if (r < 0)
                return (int)r;
            continue;
        }
        if (wait_until(deadline) < 0)
            return -ETIMEDOUT;
    }
}
