/*
 * xs-codec/test.c: host unit test of hypercall-xen/xs_codec.c, the byte
 * rings shared with dom0 (console, xenstore) and xenstore's messages.
 * The peer is not trusted: ring indexes that claim more than the ring
 * holds, oversized or unknown replies, malformed watch events and
 * unknown error names must all be refused, not used.
 *
 * links: hypercall-xen/xs_codec.c
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "../../../hypercall-xen/xs_codec.h"
#include "tap.h"

static void test_ring_used(void)
{
    tap_check(ring_used(0, 0, 1024) == 0, "empty ring", NULL);
    tap_check(ring_used(5, 1029, 1024) == 1024, "full ring", NULL);
    tap_check(ring_used(UINT32_MAX - 3, 4, 1024) == 8,
              "indexes that wrapped around 2^32", NULL);
    tap_check(ring_used(0, 1025, 1024) == -1,
              "a producer claiming more than the ring holds is refused", NULL);
    tap_check(ring_used(10, 5, 1024) == -1,
              "a producer behind the consumer is refused", NULL);
}

static void test_ring_copy(void)
{
    char ring[16], out[16];
    memset(ring, 0, sizeof ring);
    ring_write(ring, 16, 13, "abcdef", 6); /* wraps after 3 bytes */
    tap_check(!memcmp(ring + 13, "abc", 3) && !memcmp(ring, "def", 3),
              "a write wraps at the end of the ring", NULL);
    ring_read(ring, 16, 29, out, 6); /* same place, one lap later */
    tap_check(!memcmp(out, "abcdef", 6), "a read wraps the same way", NULL);
}

static void test_build(void)
{
    char buf[sizeof(struct xsd_sockmsg) + XENSTORE_PAYLOAD_MAX + 16];
    long n =
        xs_build(buf, sizeof buf, XS_WRITE, 7, 3, "device/vif/0/state", "4", 1);
    struct xsd_sockmsg h;
    memcpy(&h, buf, sizeof h);
    tap_check(n == (long)(sizeof h + 19 + 1) && h.type == XS_WRITE &&
                  h.req_id == 7 && h.tx_id == 3 && h.len == 20 &&
                  !memcmp(buf + sizeof h,
                          "device/vif/0/state\0"
                          "4",
                          20),
              "XS_WRITE: path with its NUL, value without", "n=%ld", n);
    n = xs_build(buf, sizeof buf, XS_WATCH, 1, 0, "backend", "tok", 4);
    tap_check(n == (long)(sizeof h + 8 + 4) &&
                  !memcmp(buf + sizeof h, "backend\0tok\0", 12),
              "XS_WATCH: path and token, both NUL-terminated", NULL);
    char *big = malloc(XENSTORE_PAYLOAD_MAX + 1);
    memset(big, 'a', XENSTORE_PAYLOAD_MAX);
    big[XENSTORE_PAYLOAD_MAX] = 0;
    tap_check(xs_build(buf, sizeof buf, XS_READ, 1, 0, big, NULL, 0) == -E2BIG,
              "a payload over XENSTORE_PAYLOAD_MAX is refused", NULL);
    free(big);
    tap_check(xs_build(buf, 19, XS_READ, 1, 0, "a/b", NULL, 0) == -E2BIG,
              "a message larger than the buffer is refused", NULL);
}

static void test_header(void)
{
    struct xsd_sockmsg h = {XS_READ, 1, 0, 10};
    tap_check(xs_check_header(&h) == 0, "a normal reply header", NULL);
    h.len = XENSTORE_PAYLOAD_MAX + 1;
    tap_check(xs_check_header(&h) == -EPROTO, "an oversized reply is refused",
              NULL);
    h = (struct xsd_sockmsg){XS_TYPE_COUNT, 1, 0, 1};
    tap_check(xs_check_header(&h) == -EPROTO,
              "an unknown message type is refused", NULL);
    h.type = 0xffffffffu;
    tap_check(xs_check_header(&h) == -EPROTO, "XS_INVALID is refused", NULL);
}

static void test_errors(void)
{
    tap_check(xs_error_value("ENOENT", 7) == -ENOENT, "ENOENT with its NUL",
              NULL);
    tap_check(xs_error_value("EAGAIN", 6) == -EAGAIN, "EAGAIN without a NUL",
              NULL);
    tap_check(xs_error_value("EACCES", 7) == -EACCES, "EACCES", NULL);
    tap_check(xs_error_value("ENOENTX", 8) == -EIO,
              "a longer name is not a prefix match", NULL);
    tap_check(xs_error_value("", 0) == -EIO, "an empty name is -EIO", NULL);
    tap_check(xs_error_value("EBOGUS", 7) == -EIO, "an unknown name is -EIO",
              NULL);
}

static void test_watch_event(void)
{
    const char *path = NULL, *token = NULL;
    static const char ok[] = "backend/vif/1/0/state\0tok\0";
    tap_check(xs_watch_event(ok, sizeof ok - 1, &path, &token) == 0 &&
                  !strcmp(path, "backend/vif/1/0/state") &&
                  !strcmp(token, "tok"),
              "a watch event splits into path and token", NULL);
    tap_check(xs_watch_event("path\0tok", 8, &path, &token) == -EPROTO,
              "a token without its NUL is refused", NULL);
    tap_check(xs_watch_event("path", 4, &path, &token) == -EPROTO,
              "a path without its NUL is refused", NULL);
    tap_check(xs_watch_event("", 0, &path, &token) == -EPROTO,
              "an empty event is refused", NULL);
}

int main(void)
{
    test_ring_used();
    test_ring_copy();
    test_build();
    test_header();
    test_errors();
    test_watch_event();
    return tap_done();
}
