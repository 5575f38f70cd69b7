/*
 * prog.c: built by tests/build/kiln-cc/run with scripts/kiln-cc, run on
 * the host and baked into an image. It uses what kiln-cc adds beside
 * musl: <sys/queue.h> (every list kind, checked against the expected
 * order), <crypt.h> and -lcrypt (SHA-512 crypt), Linux's UAPI headers; its own
 * definition of a name the kernel also defines (sched_start) must not
 * clash, since bake makes the program's symbols local. argv[0] is
 * writable, as on Linux (setproctitle writes over it).
 */
#include <crypt.h>
#include <errno.h>
#include <linux/types.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/queue.h>

struct item {
    int v;
    SLIST_ENTRY(item) s;
    LIST_ENTRY(item) l;
    STAILQ_ENTRY(item) q;
    TAILQ_ENTRY(item) t;
};
SLIST_HEAD(shead, item);
LIST_HEAD(lhead, item);
STAILQ_HEAD(qhead, item);
TAILQ_HEAD(thead, item);

int sched_start = 42; /* the kernel has a function of that name */
static int constructed;

/* Constructors run in an image too (bake keeps .init_array). */
__attribute__((constructor)) static void construct(void)
{
    constructed = 1;
}

static void put(char *out, int v)
{
    size_t n = strlen(out);
    snprintf(out + n, 8, "%d", v);
}

/* Each list gets 1 2 3 through its own insert calls, loses 2, and is
 * walked; TAILQ also backwards. */
static void lists(struct item *it, char *out)
{
    struct shead sh = SLIST_HEAD_INITIALIZER(sh);
    struct lhead lh = LIST_HEAD_INITIALIZER(lh);
    struct qhead qh = STAILQ_HEAD_INITIALIZER(qh);
    struct thead th = TAILQ_HEAD_INITIALIZER(th);
    struct item *p, *tmp;

    SLIST_INSERT_HEAD(&sh, &it[2], s);
    SLIST_INSERT_HEAD(&sh, &it[0], s);
    SLIST_INSERT_AFTER(&it[0], &it[1], s);
    SLIST_REMOVE(&sh, &it[1], item, s);
    LIST_INSERT_HEAD(&lh, &it[2], l);
    LIST_INSERT_BEFORE(&it[2], &it[0], l);
    LIST_INSERT_AFTER(&it[0], &it[1], l);
    LIST_REMOVE(&it[1], l);
    STAILQ_INSERT_TAIL(&qh, &it[2], q);
    STAILQ_INSERT_HEAD(&qh, &it[0], q);
    STAILQ_INSERT_AFTER(&qh, &it[0], &it[1], q);
    STAILQ_REMOVE(&qh, &it[1], item, q);
    TAILQ_INSERT_TAIL(&th, &it[1], t);
    TAILQ_INSERT_TAIL(&th, &it[2], t);
    TAILQ_INSERT_HEAD(&th, &it[0], t);
    TAILQ_REMOVE(&th, &it[1], t);
    SLIST_FOREACH(p, &sh, s) put(out, p->v);
    LIST_FOREACH(p, &lh, l) put(out, p->v);
    STAILQ_FOREACH(p, &qh, q) put(out, p->v);
    TAILQ_FOREACH_SAFE(p, &th, t, tmp) put(out, p->v);
    TAILQ_FOREACH_REVERSE(p, &th, thead, t) put(out, p->v);
    put(out, TAILQ_LAST(&th, thead)->v);
}

int main(int argc, char **argv)
{
    struct item it[3] = {{.v = 1}, {.v = 2}, {.v = 3}};
    char out[64] = "";
    __u32 four = 4;
    volatile char *arg0 = argv[0];
    char *c;

    arg0[0] = arg0[0]; /* faults if argv[0] is read-only */
    lists(it, out);
    c = crypt("key", "$6$saltsalt$");
    errno = 0;
    printf("ctor=%d lists=%s crypt=%s md5=%s sqrt=%d kernel-name=%d\n",
           constructed, out, c ? c : "NULL",
           crypt("key", "$1$salt$") || errno != EINVAL ? "?" : "EINVAL",
           (int)sqrt((double)four * argc * argc), sched_start);
    return 0;
}
