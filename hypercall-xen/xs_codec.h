/*
 * xs_codec.h: pure code for Xen's shared byte rings (console, xenstore)
 * and xenstore's wire messages, host unit tested (tests/unit/xs-codec).
 * Everything the other end wrote is checked here before use: ring
 * indexes that claim more bytes than the ring holds, oversized or
 * unknown messages.
 */
#ifndef KILN_XS_CODEC_H
#define KILN_XS_CODEC_H

#include <stddef.h>
#include <stdint.h>
#include <xen/xen.h>
#include <xen/io/xs_wire.h>

/* Bytes between cons and prod in a ring of size (a power of two), or -1
 * if the peer's index claims more than the ring holds. */
long ring_used(uint32_t cons, uint32_t prod, uint32_t size);
/* Copy n bytes from/to the ring at free-running index idx. */
void ring_read(const volatile char *ring, uint32_t size, uint32_t idx,
               void *dst, size_t n);
void ring_write(volatile char *ring, uint32_t size, uint32_t idx,
                const void *src, size_t n);

/* A message read off the response ring in pieces as the other end
 * writes it: the ring holds 1 KiB and a reply up to 4 KiB of payload,
 * so waiting for a whole reply to be in the ring at once would wait
 * forever. Start each message with a zeroed reader. */
struct xs_reader {
    struct xsd_sockmsg h;
    size_t got; /* bytes of header and payload taken so far */
};
/* Take what the response ring holds of the current message (never a
 * byte of the next) into r->h, then into body (XENSTORE_PAYLOAD_MAX
 * bytes), advancing rsp_cons; *took says how many bytes, so the caller
 * can tell the other end there is room. Returns 1 once the message is
 * whole, 0 when more must come, -EPROTO for an index that claims more
 * than the ring holds or a header xs_check_header refuses. */
int xs_reader_take(struct xs_reader *r,
                   volatile struct xenstore_domain_interface *intf, char *body,
                   size_t *took);

/* Build a request: header, then path with its NUL, then len bytes of
 * value (the caller includes a NUL where the operation wants one: XS_WRITE
 * does not, XS_WATCH's token does). Returns the message's length, or
 * -E2BIG beyond XENSTORE_PAYLOAD_MAX or cap. */
long xs_build(void *out, size_t cap, uint32_t type, uint32_t req_id,
              uint32_t tx_id, const char *path, const void *value, size_t len);
/* 0 if a reply header is acceptable, -EPROTO if not. */
int xs_check_header(const struct xsd_sockmsg *h);
/* The negative errno an XS_ERROR payload names (-EIO if unknown). */
int xs_error_value(const char *payload, size_t len);
/* 1 if a xenstore directory listing (names each ending in a NUL, len
 * bytes) holds name, else 0; a last name without its NUL is ignored. */
int xs_list_has(const char *names, size_t len, const char *name);
/* A xenstore number: 0 and *out, or -1 unless the text is all decimal
 * digits (one trailing newline allowed) within UINT64_MAX. */
int xs_parse_u64(const char *text, uint64_t *out);
/* Split a watch event "path\0token\0": 0 with pointers into payload, or
 * -EPROTO if malformed. */
int xs_watch_event(const char *payload, size_t len, const char **path,
                   const char **token);

#endif
