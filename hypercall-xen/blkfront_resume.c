/*
 * blkfront_resume.c: the disks in a new domain (suspend.c). The toolstack
 * has made a new backend for each vbd, waiting in InitWait; the ring
 * page and bounce pages are ours still, and gnttab_resume has granted
 * them again under the same references. So each disk starts its ring
 * afresh, goes through the handshake again, and re-issues every request
 * that was in flight at the suspend (the thread that posted them is
 * parked in blkfront_io.c's collect and sees only a slow answer).
 *
 * Re-issuing is safe for every request in flight, answered or not: they
 * were all outstanding together, so the backend could have done them
 * in any order anyway, and doing a read or a write twice has the same
 * result. Responses the old backend wrote but the thread had not taken
 * are dropped with the old ring.
 *
 * Limits: a disk whose new backend does not connect is disabled (its
 * requests then fail with -EIO), as a disk that fails at boot is
 * skipped.
 */
#include "blkfront.h"

#include <string.h>
#include <xen/io/xenbus.h>

static void ring_restart(struct blkf_disk *d)
{
    struct blkif_sring *s = d->ring.sring;
    memset(s, 0, HC_PAGE_SIZE);
    SHARED_RING_INIT(s);
    FRONT_RING_INIT(&d->ring, s, HC_PAGE_SIZE);
}

static int disk_resume(struct blkf_disk *d)
{
    if (blkf_backend_find(d) < 0 ||
        blkf_backend_wait(d, XenbusStateInitWait) < 0)
        return -1;
    ring_restart(d);
    if (blkf_handshake(d) < 0)
        return -1;
    for (int i = 0; i < BLKF_SLOTS; i++)
        if (d->inflight >> i & 1)
            blkf_repost(d, i);
    blkf_push(d);
    return 0;
}

void blkfront_resume(void)
{
    for (unsigned i = 0; i < blkf_ndisks; i++) {
        struct blkf_disk *d = blkf_disks[i];
        if (!d->dead && disk_resume(d) < 0)
            blkf_fail(d, "no new backend after the resume");
    }
}
