/*
 * blkfront_ring.h: the pure part of blkfront, host unit tested
 * (tests/unit/blkfront-ring). The backend (dom0) is trusted less than
 * fully: the response index it publishes, and each response's id,
 * operation and status, are checked here before blkfront uses them.
 * Also: building a request's segment list, and parsing xenstore's
 * numbers and device names.
 */
#ifndef KILN_BLKFRONT_RING_H
#define KILN_BLKFRONT_RING_H

#include <stddef.h>
#include <stdint.h>
#include <xen/xen.h>

/* The barriers <xen/io/ring.h>'s macros expect the includer to supply. */
#ifndef xen_mb
#define xen_mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define xen_rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define xen_wmb() __atomic_thread_fence(__ATOMIC_RELEASE)
#endif
#include <xen/io/blkif.h>

#define BLKRING_SECTOR 512u /* the wire's unit, whatever the disk's */
#define BLKRING_PAGE 4096u

/* Responses ready to take (rsp_prod - rsp_cons), or -1 if the backend
 * claims more than the requests we posted and have not taken back
 * (req_prod - rsp_cons). Indexes run freely and wrap at 2^32. */
long blkring_ready(RING_IDX rsp_cons, RING_IDX rsp_prod, RING_IDX req_prod);

/* Check a response (a copy, not the shared slot) against the request
 * slots in flight: bit i of inflight set means id i is outstanding and
 * ops[i] is its operation. 0 if it completed well, -EIO if the backend
 * reports an error, -EOPNOTSUPP for an operation it refuses, -EPROTO if
 * the id or operation is not one we are waiting for. */
int blkring_check(const struct blkif_response *rsp, uint32_t inflight,
                  const uint8_t *ops, unsigned nslots);

/* Fill req to move len bytes (a multiple of 512, at most
 * BLKIF_MAX_SEGMENTS_PER_REQUEST pages) at 512-byte sector through the
 * pages granted as refs, each page from its start. Returns the number of
 * segments, or -1 if len does not fit. */
int blkring_fill(struct blkif_request *req, uint8_t op, blkif_vdev_t handle,
                 uint64_t id, blkif_sector_t sector, const grant_ref_t *refs,
                 size_t len);

/* The vbd numbers in a xenstore directory listing (names each ending in
 * a NUL, len bytes), sorted ascending, at most max of them; names that
 * are not numbers are skipped. Returns how many. */
unsigned blkring_vbd_list(const char *names, size_t len, uint32_t *out,
                          unsigned max);

#endif
