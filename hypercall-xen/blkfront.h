/*
 * blkfront.h: the map of the Xen virtual disk driver, between its files.
 *   blkfront.c       xenbus: find device/vbd/N, grant the ring, write
 *                    our keys, wait for the backend, read its keys
 *   blkfront_io.c    requests on the ring: hc_blk_read/write/flush
 *   blkfront_ring.c  pure checks and encodings (blkfront_ring.h)
 *   blkfront_resume.c  in a new domain (suspend.c): reconnect and
 *                    re-issue the requests that were in flight
 */
#ifndef KILN_BLKFRONT_H
#define KILN_BLKFRONT_H

#include "xen.h"

#include "blkfront_ring.h"
#include "kiln/lock.h"

#define BLKF_DISKS_MAX 8
#define BLKF_SLOTS 4 /* requests in flight per disk */
#define BLKF_SEGS BLKIF_MAX_SEGMENTS_PER_REQUEST

/* One request's bounce pages, granted to the backend once for good:
 * data is copied through them, so the caller's buffer is never shared. */
struct blkf_slot {
    uint8_t *pages; /* BLKF_SEGS pages */
    grant_ref_t refs[BLKF_SEGS];
    uint8_t *dst; /* a read's destination, copied to on completion */
    size_t len;
    uint64_t sector512; /* kept to re-issue it after a resume */
};

struct blkf_disk {
    uint32_t vdev; /* N in device/vbd/N, the requests' handle */
    domid_t backend_id;
    char backend[96]; /* the backend's xenstore directory */
    struct blkif_front_ring ring;
    grant_ref_t ring_ref;
    unsigned port;
    uint64_t sectors512; /* capacity in the wire's 512-byte sectors */
    uint32_t sector_size;
    uint8_t flush_op; /* 0: none offered */
    int read_only, dead;
    struct blkf_slot slots[BLKF_SLOTS];
    uint8_t ops[BLKF_SLOTS]; /* operation of each slot in flight */
    uint32_t inflight;       /* bit per slot */
    struct kiln_lock lock;   /* a thread owns the ring */
};

/* blkfront.c: the disks that connected, in vbd number order */
extern struct blkf_disk *blkf_disks[BLKF_DISKS_MAX];
extern unsigned blkf_ndisks;

/* blkfront.c: the steps blkfront_resume.c repeats */
int blkf_backend_find(struct blkf_disk *d);
int blkf_backend_wait(struct blkf_disk *d, uint64_t want);
/* Bind an event channel, write our keys, wait for the backend to
 * connect, read what it offers and say Connected; 0 or -1 with a line. */
int blkf_handshake(struct blkf_disk *d);

/* blkfront_io.c */
/* Queue the request of slot i again (not pushed) after a resume. */
void blkf_repost(struct blkf_disk *d, int i);
void blkf_push(struct blkf_disk *d);
/* Take a disk out of service with one line saying why. */
void blkf_fail(struct blkf_disk *d, const char *why);

#endif
