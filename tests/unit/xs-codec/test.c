/*
 * xs-codec/test.c: host unit test of hypercall-xen/xs_codec.c, the byte
 * rings shared with dom0 (console, xenstore) and xenstore's messages.
 * The peer is not trusted: ring indexes that claim more than the ring
 * holds, oversized or unknown replies, malformed watch events and
 * unknown error names must all be refused, not used. A simulated
 * daemon writes replies of up to XENSTORE_PAYLOAD_MAX through the 1 KiB
 * response ring as room appears, and the reader must take them in
 * pieces, never past the end of one message. Numbers (transaction ids,
 * backend ids, vbd numbers) are all digits or refused.
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

static struct xenstore_domain_interface ring_if;
static char reply[sizeof(struct xsd_sockmsg) + XENSTORE_PAYLOAD_MAX];

/* The daemon: write up to max bytes of msg[*at, n) that fit the ring. */
static void produce(const char *msg, size_t n, size_t *at, size_t max)
{
    uint32_t room = XENSTORE_RING_SIZE - (ring_if.rsp_prod - ring_if.rsp_cons);
    size_t k = n - *at < room ? n - *at : room;
    k = k < max ? k : max;
    ring_write(ring_if.rsp, XENSTORE_RING_SIZE, ring_if.rsp_prod, msg + *at, k);
    ring_if.rsp_prod += (uint32_t)k;
    *at += k;
}

/* A reply of type XS_READ, payload len bytes of a pattern; its length. */
static size_t mk_reply(uint32_t req_id, size_t len)
{
    struct xsd_sockmsg h = {XS_READ, req_id, 0, (uint32_t)len};
    memcpy(reply, &h, sizeof h);
    for (size_t i = 0; i < len; i++)
        reply[sizeof h + i] = (char)(i * 7 + req_id);
    return sizeof h + len;
}

/* Pass one reply through the ring, the daemon writing at most max bytes
 * per round; 1 if it arrived whole within a bounded number of rounds. */
static int pass_reply(uint32_t req_id, size_t len, size_t max)
{
    static char body[XENSTORE_PAYLOAD_MAX];
    size_t n = mk_reply(req_id, len), at = 0;
    struct xs_reader r = {0};
    int res = 0;
    for (int round = 0; round < 1000 && res == 0; round++) {
        produce(reply, n, &at, max);
        size_t took;
        res = xs_reader_take(&r, &ring_if, body, &took);
    }
    return res == 1 && r.h.req_id == req_id && r.h.len == len &&
           !memcmp(body, reply + sizeof r.h, len) &&
           ring_if.rsp_cons == ring_if.rsp_prod;
}

static void test_reader(void)
{
    tap_check(pass_reply(1, XENSTORE_PAYLOAD_MAX, 4096),
              "a 4096-byte reply through the 1024-byte ring", NULL);
    tap_check(pass_reply(2, 3000, 333),
              "a reply written in odd pieces, wrapping anywhere", NULL);
    tap_check(pass_reply(3, 0, 5), "an empty payload, header in pieces", NULL);
    ring_if.rsp_cons = ring_if.rsp_prod = UINT32_MAX - 100;
    tap_check(pass_reply(4, 2000, 700), "indexes wrapping around 2^32", NULL);

    static char body[XENSTORE_PAYLOAD_MAX], two[2 * 48];
    size_t n1 = mk_reply(5, 20), at = 0, took;
    memcpy(two, reply, n1);
    size_t n2 = mk_reply(6, 30);
    memcpy(two + n1, reply, n2);
    produce(two, n1 + n2, &at, sizeof two);
    struct xs_reader r = {0};
    int first = xs_reader_take(&r, &ring_if, body, &took);
    tap_check(first == 1 && r.h.req_id == 5 && took == n1 &&
                  ring_if.rsp_prod - ring_if.rsp_cons == n2,
              "two messages in the ring: the first is taken alone", NULL);
    r = (struct xs_reader){0};
    tap_check(xs_reader_take(&r, &ring_if, body, &took) == 1 &&
                  r.h.req_id == 6 && !memcmp(body, reply + 16, 30),
              "then the second", NULL);

    r = (struct xs_reader){0};
    ring_if.rsp_prod = ring_if.rsp_cons + XENSTORE_RING_SIZE + 1;
    tap_check(xs_reader_take(&r, &ring_if, body, &took) == -EPROTO,
              "a producer index past the ring's size is refused", NULL);
    ring_if.rsp_prod = ring_if.rsp_cons;
    struct xsd_sockmsg h = {XS_READ, 7, 0, XENSTORE_PAYLOAD_MAX + 1};
    at = 0;
    produce((const char *)&h, sizeof h, &at, sizeof h);
    r = (struct xs_reader){0};
    tap_check(xs_reader_take(&r, &ring_if, body, &took) == -EPROTO,
              "an oversized reply is refused before its payload", NULL);
}

static void test_list_has(void)
{
    const char names[] = "suspend\0vif\0vbd\0";
    size_t len = sizeof names - 1;
    tap_check(xs_list_has(names, len, "vif") &&
                  xs_list_has(names, len, "vbd") &&
                  xs_list_has(names, len, "suspend"),
              "every name in a listing is found", NULL);
    tap_check(!xs_list_has(names, len, "vi") &&
                  !xs_list_has(names, len, "vbd2"),
              "a prefix or a longer name is not a match", NULL);
    const char cut[] = {'3', 0, 'v', 'i', 'f'};
    tap_check(xs_list_has(cut, sizeof cut, "3") &&
                  !xs_list_has(cut, sizeof cut, "vif"),
              "a last name without its NUL is not found", NULL);
    tap_check(!xs_list_has("", 0, "vif"), "an empty listing has nothing", NULL);
}

static void test_parse(void)
{
    uint64_t v = 7;
    tap_check(xs_parse_u64("4096", &v) == 0 && v == 4096, "a number", NULL);
    tap_check(xs_parse_u64("18446744073709551615", &v) == 0 && v == UINT64_MAX,
              "UINT64_MAX", NULL);
    tap_check(xs_parse_u64("18446744073709551616", &v) == -1,
              "UINT64_MAX + 1 is refused", NULL);
    tap_check(xs_parse_u64("12\n", &v) == 0 && v == 12, "a trailing newline",
              NULL);
    tap_check(xs_parse_u64("", &v) == -1 && xs_parse_u64("-1", &v) == -1 &&
                  xs_parse_u64("12x", &v) == -1 && xs_parse_u64(" 1", &v) == -1,
              "empty, negative and trailing junk are refused", NULL);
}

int main(void)
{
    test_ring_used();
    test_ring_copy();
    test_build();
    test_header();
    test_errors();
    test_watch_event();
    test_reader();
    test_list_has();
    test_parse();
    return tap_done();
}
