/*
 * virtq/test.c: host unit test of hypercall-baremetal/virtq.c, the split
 * virtqueue. The test plays the device: the three rings are heap blocks
 * of exactly virtq_*_bytes() (so ASan sees any access past them), and
 * the test reads the avail ring and descriptors the driver wrote and
 * writes used entries back: well-behaved first, then hostile, then
 * random garbage. Buffer addresses point into a static pool; no data
 * moves, only addresses and lengths are checked.
 *
 * A model tracks which descriptors each chain in flight holds (by head),
 * so recycling bugs show up as a descriptor handed out twice.
 *
 * A device that scribbles over the descriptor table's next links must
 * not steer the free list: virtq.c keeps its own copy.
 *
 * links: hypercall-baremetal/virtq.c
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "../../../hypercall-baremetal/virtq.h"
#include "tap.h"

#define MAXQ VIRTQ_MAX_SIZE
#define GARBAGE 0xa5 /* ring contents before init */

static struct virtq vq;
static void *rings[3];
static unsigned char pool[1 << 16]; /* buffers point in here */

/* ---- model of the driver's state, as the device sees it ------------- */

struct chain {
    unsigned n, out; /* n == 0: this head is not in flight */
    uint32_t in_len;
    uint16_t desc[MAXQ]; /* descriptor ids in chain order */
};
static struct chain chains[MAXQ]; /* by head id */
static int owner[MAXQ];           /* head holding descriptor i, -1: free */
static unsigned model_free, model_live; /* free descriptors, live chains */
static uint16_t drv_used;               /* used index the driver takes next */

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static uint32_t rnd32(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 32);
}

/* Uniform-enough in [0, n); 0 when n is 0. */
static uint32_t rnd(uint32_t n)
{
    return n ? rnd32() % n : 0;
}

/* Fresh rings for a queue of `size`, filled with garbage that init must
 * clear. Returns virtq_init's result. */
static int setup(uint16_t size)
{
    size_t bytes[3] = {virtq_desc_bytes(size), virtq_avail_bytes(size),
                       virtq_used_bytes(size)};
    for (int i = 0; i < 3; i++) {
        free(rings[i]);
        rings[i] = NULL;
        if (posix_memalign(&rings[i], 16, bytes[i] ? bytes[i] : 1)) {
            tap_check(0, "posix_memalign", NULL);
            exit(tap_done());
        }
        memset(rings[i], GARBAGE, bytes[i]);
    }
    memset(chains, 0, sizeof chains);
    memset(owner, -1, sizeof owner);
    model_free = size;
    model_live = 0;
    drv_used = 0;
    return virtq_init(&vq, size, rings[0], rings[1], rings[2]);
}

/* ---- driver side, checked by the device ------------------------------ */

/* Walk the chain at head h as the device would and check it against
 * bufs: addr, len, NEXT on all but the last, WRITE on in-buffers only,
 * no descriptor shared with another chain in flight. Records it in the
 * model. Returns NULL or what is wrong. */
static const char *claim_chain(int h, const struct virtq_buf *b, unsigned out,
                               unsigned n)
{
    struct chain *c = &chains[h];
    uint16_t i = (uint16_t)h;
    c->in_len = 0;
    for (unsigned k = 0; k < n; k++) {
        if (i >= vq.size || owner[i] != -1)
            return "chain runs out of range or into a busy descriptor";
        struct vring_desc *d = &vq.desc[i];
        uint16_t want = (uint16_t)((k >= out ? VRING_DESC_F_WRITE : 0) |
                                   (k + 1 < n ? VRING_DESC_F_NEXT : 0));
        if (d->addr != (uintptr_t)b[k].addr || d->len != b[k].len)
            return "descriptor addr/len differ from the buffer";
        if (d->flags != want)
            return "descriptor flags wrong (NEXT/WRITE)";
        owner[i] = h;
        c->desc[k] = i;
        c->in_len += k >= out ? b[k].len : 0;
        i = d->next;
    }
    c->n = n;
    c->out = out;
    model_free -= n;
    model_live++;
    return NULL;
}

/* virtq_add out+in random buffers and check the rings. Returns the head
 * or -1 as virtq_add did; *err is NULL or names what went wrong. */
static int add_chain(unsigned out, unsigned in, const char **err)
{
    struct virtq_buf b[MAXQ] = {0};
    unsigned n = out + in;
    uint16_t idx = vq.avail->idx;
    for (unsigned k = 0; k < n && k < MAXQ; k++) {
        b[k].addr = pool + rnd(sizeof pool - 4096);
        b[k].len = 1 + rnd(4096);
    }
    int h = virtq_add(&vq, b, out, in);
    *err = NULL;
    if (h < 0) {
        if (n != 0 && n <= model_free && !vq.broken)
            *err = "add failed although the ring had room";
        else if (vq.avail->idx != idx)
            *err = "failed add moved avail->idx";
        return h;
    }
    if (n == 0 || n > model_free)
        *err = "add succeeded without room";
    else if (h >= vq.size || chains[h].n)
        *err = "head out of range or already in flight";
    else if (vq.avail->idx != (uint16_t)(idx + 1) ||
             vq.avail->ring[idx % vq.size] != h)
        *err = "avail ring/idx not advanced to the new head";
    else
        *err = claim_chain(h, b, out, n);
    return h;
}

/* The driver took chain h back: its descriptors are free again. */
static void release(int h)
{
    for (unsigned k = 0; k < chains[h].n; k++)
        owner[chains[h].desc[k]] = -1;
    model_free += chains[h].n;
    model_live--;
    chains[h].n = 0;
}

/* ---- device side ------------------------------------------------------ */

/* Put (id, len) in the next used slot and publish it. */
static void dev_complete(uint32_t id, uint32_t len)
{
    struct vring_used_elem *e = &vq.used->ring[vq.used->idx % vq.size];
    e->id = id;
    e->len = len;
    vq.used->idx++;
}

/* virtq_get must return exactly (id, len); on success the model frees
 * the chain. Returns 1 if it did. */
static int get_is(int id, uint32_t want_len)
{
    uint32_t len = 0xdeadbeef;
    const char *why = NULL;
    int r = virtq_get(&vq, &len, &why);
    if (r != id || (r >= 0 && len != want_len))
        return 0;
    if (r >= 0 && r < vq.size && chains[r].n) {
        release(r);
        drv_used++;
    }
    return 1;
}

/* ---- well-behaved device ---------------------------------------------- */

static void test_init(void)
{
    static const uint16_t bad[] = {0, 3, 6, 100, 255, 257, 384, 512, 65535};
    int ok = 1;
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = setup(bad[i]);
        int untouched = all_bytes(rings[1], virtq_avail_bytes(bad[i]), GARBAGE);
        if (rc != -1 || !untouched)
            ok = tap_check(0, "init rejects 0, non-powers of two, > 256",
                           "size %u rc %d untouched %d", bad[i], rc, untouched);
    }
    if (ok)
        tap_check(1, "init rejects 0, non-powers of two, > 256", NULL);
    for (unsigned s = 1; s <= MAXQ; s *= 2) {
        int rc = setup((uint16_t)s);
        ok = rc == 0 && all_bytes(rings[1], virtq_avail_bytes(s), 0) &&
             all_bytes(rings[2], virtq_used_bytes(s), 0) && vq.num_free == s &&
             get_is(VIRTQ_EMPTY, 0);
        if (!ok)
            break;
    }
    tap_check(ok, "init accepts 1..256 (powers of two), zeroes the rings",
              NULL);
    setup(8);
    tap_check(get_is(VIRTQ_EMPTY, 0) && get_is(VIRTQ_EMPTY, 0),
              "get on a fresh queue: VIRTQ_EMPTY", NULL);
}

static void test_chain_layout(void)
{
    static const unsigned shapes[][2] = {{2, 3}, {1, 0}, {0, 1},
                                         {3, 0}, {0, 4}, {1, 1}};
    const char *err = NULL;
    setup(32);
    for (unsigned i = 0; i < 6 && !err; i++) {
        int h = add_chain(shapes[i][0], shapes[i][1], &err);
        if (h < 0 && !err)
            err = "add failed";
    }
    tap_check(!err, "chains: addr/len, NEXT on all but last, WRITE on in-bufs",
              "%s", err);
    tap_check(vq.avail->idx == 6 && model_free == 32 - 5 - 1 - 1 - 3 - 4 - 2 &&
                  vq.num_free == model_free,
              "chains: avail->idx counts chains, descriptors counted",
              "idx %u free %u", vq.avail->idx, vq.num_free);
    /* the 2-out 3-in chain, spelled out */
    const struct chain *c = &chains[vq.avail->ring[0]];
    static const uint16_t want[] = {VRING_DESC_F_NEXT, VRING_DESC_F_NEXT,
                                    VRING_DESC_F_NEXT | VRING_DESC_F_WRITE,
                                    VRING_DESC_F_NEXT | VRING_DESC_F_WRITE,
                                    VRING_DESC_F_WRITE};
    int ok = c->n == 5;
    for (unsigned k = 0; k < 5 && ok; k++)
        ok = vq.desc[c->desc[k]].flags == want[k];
    tap_check(ok, "chains: 2 out + 3 in flags N,N,NW,NW,W", NULL);
}

static void test_full_ring(void)
{
    const char *err = NULL;
    int h[8], ok = 1;
    setup(8);
    for (int i = 0; i < 8; i++)
        ok &= (h[i] = add_chain(1, 0, &err)) >= 0 && !err;
    tap_check(ok && add_chain(1, 0, &err) == -1 && !err && vq.avail->idx == 8,
              "full: 8 singles fill size 8, the 9th add returns -1", "%s",
              err ? err : "");
    tap_check(add_chain(0, 0, &err) == -1, "add of 0 buffers returns -1", NULL);
    dev_complete((uint32_t)h[3], 0);
    dev_complete((uint32_t)h[5], 0);
    ok = get_is(h[3], 0) && get_is(h[5], 0);
    tap_check(ok && add_chain(2, 1, &err) == -1 && !err,
              "full: 2 free, a 3-buffer chain still returns -1", NULL);
    int n = add_chain(1, 1, &err);
    tap_check(n >= 0 && !err && vq.num_free == 0,
              "full: the 2 freed descriptors make one 2-buffer chain",
              "head %d %s", n, err ? err : "");
}

static void test_out_of_order(void)
{
    const char *err = NULL;
    setup(8);
    int a = add_chain(1, 1, &err), b = add_chain(2, 2, &err),
        c = add_chain(0, 1, &err);
    dev_complete((uint32_t)c, chains[c].in_len);
    dev_complete((uint32_t)a, 0);
    tap_check(get_is(c, chains[c].in_len) && get_is(a, 0) &&
                  get_is(VIRTQ_EMPTY, 0),
              "out of order: C then A come back, then VIRTQ_EMPTY", NULL);
    dev_complete((uint32_t)b, chains[b].in_len - 1);
    tap_check(get_is(b, chains[b].in_len - 1) && get_is(VIRTQ_EMPTY, 0) &&
                  vq.num_free == 8,
              "out of order: B last, all 8 descriptors free again", NULL);
}

/* Device side of the random rounds: chains it has read off avail. */
static uint16_t dev_heads[MAXQ];
static unsigned dev_n;
static uint16_t dev_avail;
static struct vring_used_elem fifo[MAXQ]; /* published, not yet taken */
static unsigned fifo_head, fifo_n;

static const char *dev_step(unsigned complete)
{
    while (dev_avail != vq.avail->idx) {
        uint16_t h = vq.avail->ring[dev_avail++ % vq.size];
        if (h >= vq.size || !chains[h].n || dev_n == MAXQ)
            return "avail ring names a chain not in flight";
        dev_heads[dev_n++] = h;
    }
    while (complete-- && dev_n) {
        unsigned j = rnd(dev_n);
        uint16_t h = dev_heads[j];
        dev_heads[j] = dev_heads[--dev_n];
        uint32_t len = rnd(chains[h].in_len + 1);
        dev_complete(h, len);
        fifo[(fifo_head + fifo_n++) % MAXQ] = (struct vring_used_elem){h, len};
    }
    return NULL;
}

static const char *drv_drain(void)
{
    for (;;) {
        if (!fifo_n)
            return get_is(VIRTQ_EMPTY, 0) ? NULL : "get not EMPTY when idle";
        struct vring_used_elem e = fifo[fifo_head];
        if (!get_is((int)e.id, e.len))
            return "get did not return the next used entry";
        fifo_head = (fifo_head + 1) % MAXQ;
        fifo_n--;
    }
}

/* Random chain sizes against the model until both 16-bit indices wrap. */
static void test_rounds(uint16_t size)
{
    const char *err = NULL;
    unsigned long adds = 0, fulls = 0;
    setup(size);
    dev_n = fifo_head = fifo_n = 0;
    dev_avail = 0;
    while (adds < 70000 && !err) {
        uint32_t op = rnd(4);
        if (op < 2) {
            unsigned n = 1 + rnd(rnd(2) ? 4 : size), out = rnd(n + 1);
            unsigned was_free = model_free;
            int h = add_chain(out, n - out, &err);
            adds += h >= 0;
            fulls += h < 0 && n > was_free;
        } else if (op == 2) {
            err = dev_step(rnd(4));
        } else {
            err = drv_drain();
        }
    }
    while (!err && (dev_n || fifo_n || model_live)) {
        if (!(err = dev_step(MAXQ)))
            err = drv_drain();
    }
    char what[96];
    snprintf(what, sizeof what,
             "rounds, size %u: %lu chains, %lu full refusals, idx wrapped",
             size, adds, fulls);
    tap_check(!err && fulls > 0 && vq.num_free == size && model_free == size &&
                  vq.avail->idx == (uint16_t)adds &&
                  vq.used->idx == (uint16_t)adds,
              what, "%s free %u avail %u used %u", err ? err : "", vq.num_free,
              vq.avail->idx, vq.used->idx);
}

/* virtq_busy: true from an add until the device has used every chain,
 * whether or not the driver took them back yet (exit waits on it). */
static void test_busy(void)
{
    setup(8);
    const char *err = NULL;
    int ok = !virtq_busy(&vq);
    int a = add_chain(1, 0, &err), b = add_chain(1, 0, &err);
    ok &= virtq_busy(&vq);
    dev_complete((uint32_t)a, 0);
    ok &= virtq_busy(&vq);
    dev_complete((uint32_t)b, 0);
    ok &= !virtq_busy(&vq) && get_is(a, 0) && !virtq_busy(&vq);
    ok &= get_is(b, 0) && !virtq_busy(&vq);
    tap_check(ok, "busy until the device used every chain added", NULL);
}

/* Interrupt suppression: off sets VRING_AVAIL_F_NO_INTERRUPT and leaves
 * the rest of avail alone; on clears it and says whether chains were
 * already used (no interrupt may come for those), without taking them. */
static void test_irq_flag(void)
{
    setup(8);
    const char *err = NULL;
    uint16_t *flags = &vq.avail->flags;
    int a = add_chain(1, 0, &err);
    uint16_t idx = vq.avail->idx;
    virtq_irq_off(&vq);
    int ok = (*flags & VRING_AVAIL_F_NO_INTERRUPT) && vq.avail->idx == idx;
    virtq_irq_off(&vq); /* twice is once */
    ok &= *flags == VRING_AVAIL_F_NO_INTERRUPT;
    ok &= virtq_irq_on(&vq) == 0 && *flags == 0;
    virtq_irq_off(&vq);
    dev_complete((uint32_t)a, 0);
    ok &= virtq_irq_on(&vq) == 1 && *flags == 0;
    ok &= virtq_irq_on(&vq) == 1; /* still there: on takes nothing */
    ok &= get_is(a, 0) && virtq_irq_on(&vq) == 0;
    tap_check(ok, "interrupt flag: off, on, and on reports chains used",
              "flags 0x%x", *flags);
}

/* ---- hostile device ---------------------------------------------------- */

/* The queue must be broken now and stay so: get says VIRTQ_BROKEN with a
 * reason, every later add fails without touching avail, every get fails. */
static void expect_broken(const char *what)
{
    const char *why = NULL, *first;
    uint32_t len;
    int r = virtq_get(&vq, &len, &why), ok = r == VIRTQ_BROKEN && why;
    first = why;
    uint16_t idx = vq.avail->idx;
    const char *err;
    for (int i = 0; i < 3 && ok; i++) {
        why = NULL;
        ok = add_chain(1, 0, &err) == -1 && vq.avail->idx == idx &&
             virtq_get(&vq, &len, &why) == VIRTQ_BROKEN && why;
    }
    /* even a now-valid entry is refused */
    for (int h = 0; h < vq.size && ok; h++)
        if (chains[h].n) {
            dev_complete((uint32_t)h, 0);
            ok = virtq_get(&vq, &len, &why) == VIRTQ_BROKEN;
            break;
        }
    if (tap_check(ok, what,
                  "get returned %d (want %d), or later calls not all refused",
                  r, VIRTQ_BROKEN))
        printf("why: %s\n", first);
}

static void test_idx_ahead(void)
{
    const char *err;
    setup(8);
    add_chain(1, 1, &err);
    vq.used->idx = (uint16_t)(vq.used->idx + 1000);
    expect_broken("hostile: used->idx +1000");

    setup(8);
    add_chain(1, 1, &err);
    vq.used->idx = 0xffff; /* "backwards" by one */
    expect_broken("hostile: used->idx moves backwards");

    setup(8);
    for (int i = 0; i < 3; i++)
        dev_complete((uint32_t)add_chain(1, 0, &err), 0);
    vq.used->idx++; /* a 4th entry for 3 single-descriptor chains */
    expect_broken("hostile: used->idx one past the chains in flight");
}

/* The used index is bounded by chains in flight, not descriptors: one
 * 3-descriptor chain and an index 2 ahead breaks the queue at once, even
 * though the first entry is real. */
static void test_idx_ahead_long_chains(void)
{
    const char *err;
    setup(8);
    int h = add_chain(1, 2, &err);
    dev_complete((uint32_t)h, 1);
    vq.used->idx++; /* slot 1 still zero: names head 0, h, done already */
    expect_broken("hostile: used->idx 2 ahead for one 3-descriptor chain");
}

static void test_scribbled_next(void)
{
    const char *err;
    setup(8);
    int h = add_chain(1, 1, &err);
    for (unsigned i = 0; i < 8; i++)
        vq.desc[i].next = 0xffff; /* the device writes garbage links */
    dev_complete((uint32_t)h, 1);
    tap_check(get_is(h, 1), "scribbled next links: completion accepted", NULL);
    int ok = 1;
    for (int i = 0; i < 8 && ok; i++)
        ok = add_chain(1, 0, &err) >= 0;
    tap_check(ok && vq.num_free == 0,
              "scribbled next links: all 8 descriptors reusable", NULL);
}

static void test_bad_ids(void)
{
    static const uint32_t ids[] = {8, 9, 255, 0x10000, 0xffffffff};
    const char *err;
    for (unsigned i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        char what[64];
        setup(8);
        add_chain(1, 1, &err);
        dev_complete(ids[i], 0);
        snprintf(what, sizeof what, "hostile: used id %#x >= size 8", ids[i]);
        expect_broken(what);
    }
    setup(8);
    int h = add_chain(1, 2, &err);
    dev_complete(chains[h].desc[1], 0);
    expect_broken("hostile: used id is the 2nd descriptor of a chain");

    setup(8);
    add_chain(1, 0, &err);
    dev_complete(5, 0);
    expect_broken("hostile: used id is a descriptor never queued");
}

static void test_double_completion(void)
{
    const char *err;
    setup(8);
    int a = add_chain(1, 1, &err);
    add_chain(1, 1, &err);
    dev_complete((uint32_t)a, 1);
    tap_check(get_is(a, 1), "hostile: first completion of A accepted", NULL);
    dev_complete((uint32_t)a, 1);
    expect_broken("hostile: A completed again later");

    setup(8);
    a = add_chain(0, 1, &err);
    add_chain(0, 1, &err);
    dev_complete((uint32_t)a, 0);
    dev_complete((uint32_t)a, 0);
    tap_check(get_is(a, 0), "hostile: A, A in one batch: first accepted", NULL);
    expect_broken("hostile: A, A in one batch: second breaks the queue");
}

static void test_bad_len(void)
{
    const char *err;
    setup(8);
    int h = add_chain(2, 2, &err);
    dev_complete((uint32_t)h, chains[h].in_len);
    tap_check(get_is(h, chains[h].in_len),
              "len equal to the writable bytes is accepted", NULL);
    h = add_chain(2, 2, &err);
    dev_complete((uint32_t)h, chains[h].in_len + 1);
    expect_broken("hostile: used len one past the writable bytes");

    setup(8);
    h = add_chain(3, 0, &err);
    dev_complete((uint32_t)h, 1);
    expect_broken("hostile: used len 1 for an out-only chain");

    setup(8);
    h = add_chain(1, 1, &err);
    dev_complete((uint32_t)h, 0xffffffff);
    expect_broken("hostile: used len 0xffffffff");
}

/* ---- garbage ------------------------------------------------------------ */

struct fuzz_stats {
    unsigned long accepted, broken, empty;
    const char *fail;
};

/* An id the device might make up: a live head, a live non-head, any
 * in-range id, just past the end, or anything. */
static uint32_t junk_id(void)
{
    int h = -1;
    for (unsigned k = 0, s = rnd(vq.size); k < vq.size && h < 0; k++)
        if (chains[(s + k) % vq.size].n)
            h = (int)((s + k) % vq.size);
    switch (rnd(5)) {
    case 0: return h >= 0 ? (uint32_t)h : rnd(vq.size);
    case 1: return h >= 0 ? chains[h].desc[rnd(chains[h].n)] : 0;
    case 2: return rnd(vq.size);
    case 3: return vq.size + rnd(16);
    default: return rnd32();
    }
}

static uint32_t junk_len(uint32_t id)
{
    uint32_t in = id < vq.size ? chains[id].in_len : rnd32();
    switch (rnd(5)) {
    case 0: return 0;
    case 1: return in;
    case 2: return in + 1;
    case 3: return rnd(in + 1);
    default: return rnd32();
    }
}

/* One virtq_get against the garbage; 0 to stop. A result must follow
 * from the entry: accepted only if it names a live head and fits, EMPTY
 * only if nothing is pending, BROKEN only if something is wrong. */
static int fuzz_get(struct fuzz_stats *st)
{
    uint16_t pending = (uint16_t)(vq.used->idx - drv_used);
    struct vring_used_elem e = vq.used->ring[drv_used % vq.size];
    int valid =
        e.id < vq.size && chains[e.id].n && e.len <= chains[e.id].in_len;
    uint32_t len = 0;
    const char *why = NULL;
    int r = virtq_get(&vq, &len, &why);
    if (r >= 0) {
        if (!pending || !valid || (uint32_t)r != e.id || len != e.len)
            st->fail = "accepted an invalid used entry";
        else
            release(r);
        drv_used++;
        st->accepted++;
        return !st->fail;
    }
    if (r == VIRTQ_EMPTY) {
        st->empty++;
        st->fail = pending ? "EMPTY with entries pending" : NULL;
        return 0;
    }
    st->broken++;
    if (r != VIRTQ_BROKEN || !why)
        st->fail = "unknown result or no reason";
    else if (valid && pending <= model_live)
        st->fail = "broke on a valid entry";
    else if (virtq_get(&vq, &len, &why) != VIRTQ_BROKEN ||
             add_chain(1, 0, &why) != -1)
        st->fail = "queue usable after breaking";
    return 0;
}

/* One queue: a few rounds of queueing chains then garbage in the used
 * ring, until it breaks. */
static void fuzz_queue(struct fuzz_stats *st)
{
    const char *err = NULL;
    setup((uint16_t)(1u << rnd(9)));
    for (int round = 0; round < 4 && !vq.broken && !st->fail; round++) {
        for (unsigned k = rnd(vq.size) + 1; k-- && !err;) {
            unsigned n = 1 + rnd(4), out = rnd(n + 1);
            add_chain(out, n - out, &err);
        }
        if (err) {
            st->fail = err;
            return;
        }
        for (unsigned k = rnd(2u * vq.size + 1); k--;) {
            struct vring_used_elem *e = &vq.used->ring[rnd(vq.size)];
            e->id = junk_id();
            e->len = junk_len(e->id);
        }
        vq.used->idx = rnd(4) ? (uint16_t)(drv_used + rnd(model_live + 3))
                              : (uint16_t)rnd32();
        for (unsigned k = 0; k < vq.size + 4u && fuzz_get(st); k++)
            ;
    }
}

static void test_fuzz(void)
{
    struct fuzz_stats st = {0, 0, 0, NULL};
    for (int i = 0; i < 20000 && !st.fail; i++)
        fuzz_queue(&st);
    printf("fuzz: %lu accepted, %lu broken, %lu empty\n", st.accepted,
           st.broken, st.empty);
    tap_check(!st.fail && st.accepted && st.broken && st.empty,
              "fuzz: 20000 queues of garbage used entries, no crash, "
              "valid accepted, invalid break",
              "%s", st.fail ? st.fail : "an outcome never happened");
}

int main(void)
{
    test_init();
    test_chain_layout();
    test_full_ring();
    test_out_of_order();
    for (unsigned s = 1; s <= MAXQ; s *= 2)
        test_rounds((uint16_t)s);
    test_busy();
    test_irq_flag();
    test_idx_ahead();
    test_idx_ahead_long_chains();
    test_scribbled_next();
    test_bad_ids();
    test_double_completion();
    test_bad_len();
    test_fuzz();
    for (int i = 0; i < 3; i++)
        free(rings[i]);
    return tap_done();
}
