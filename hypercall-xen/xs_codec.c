/*
 * xs_codec.c: byte rings and xenstore messages (see xs_codec.h). The
 * error names are Xen's own table from <xen/io/xs_wire.h>, which needs
 * <errno.h> first.
 */
#include <errno.h>
#include <string.h>
#include "xs_codec.h"

long ring_used(uint32_t cons, uint32_t prod, uint32_t size)
{
    uint32_t used = prod - cons; /* free-running indexes wrap */
    return used > size ? -1 : (long)used;
}

void ring_read(const volatile char *ring, uint32_t size, uint32_t idx,
               void *dst, size_t n)
{
    char *d = dst;
    for (size_t i = 0; i < n; i++)
        d[i] = ring[(idx + i) & (size - 1)];
}

void ring_write(volatile char *ring, uint32_t size, uint32_t idx,
                const void *src, size_t n)
{
    const char *s = src;
    for (size_t i = 0; i < n; i++)
        ring[(idx + i) & (size - 1)] = s[i];
}

int xs_reader_take(struct xs_reader *r,
                   volatile struct xenstore_domain_interface *intf, char *body,
                   size_t *took)
{
    const size_t hdr = sizeof r->h;
    *took = 0;
    for (;;) {
        int in_hdr = r->got < hdr;
        size_t want = in_hdr ? hdr - r->got : hdr + r->h.len - r->got;
        if (!want)
            return 1;
        uint32_t cons = intf->rsp_cons, prod = intf->rsp_prod;
        long used = ring_used(cons, prod, XENSTORE_RING_SIZE);
        if (used < 0)
            return -EPROTO;
        if (!used)
            return 0;
        size_t k = (size_t)used < want ? (size_t)used : want;
        char *dst = in_hdr ? (char *)&r->h + r->got : body + (r->got - hdr);
        __atomic_thread_fence(__ATOMIC_SEQ_CST); /* the bytes, after prod */
        ring_read(intf->rsp, XENSTORE_RING_SIZE, cons, dst, k);
        __atomic_thread_fence(__ATOMIC_SEQ_CST); /* read before freed */
        intf->rsp_cons = cons + (uint32_t)k;
        r->got += k;
        *took += k;
        if (in_hdr && r->got == hdr && xs_check_header(&r->h) < 0)
            return -EPROTO;
    }
}

long xs_build(void *out, size_t cap, uint32_t type, uint32_t req_id,
              uint32_t tx_id, const char *path, const void *value, size_t len)
{
    size_t plen = strlen(path) + 1;
    size_t payload = plen + len;
    if (payload > XENSTORE_PAYLOAD_MAX ||
        sizeof(struct xsd_sockmsg) + payload > cap)
        return -E2BIG;
    struct xsd_sockmsg h = {type, req_id, tx_id, (uint32_t)payload};
    char *o = out;
    memcpy(o, &h, sizeof h);
    memcpy(o + sizeof h, path, plen);
    if (len)
        memcpy(o + sizeof h + plen, value, len);
    return (long)(sizeof h + payload);
}

int xs_check_header(const struct xsd_sockmsg *h)
{
    if (h->len > XENSTORE_PAYLOAD_MAX || h->type >= XS_TYPE_COUNT)
        return -EPROTO;
    return 0;
}

int xs_error_value(const char *payload, size_t len)
{
    for (size_t i = 0; i < sizeof xsd_errors / sizeof xsd_errors[0]; i++) {
        size_t n = strlen(xsd_errors[i].errstring);
        if ((len == n || (len == n + 1 && payload[n] == 0)) &&
            !memcmp(payload, xsd_errors[i].errstring, n))
            return -xsd_errors[i].errnum;
    }
    return -EIO;
}

int xs_watch_event(const char *payload, size_t len, const char **path,
                   const char **token)
{
    const char *nul = memchr(payload, 0, len);
    if (!nul || !memchr(nul + 1, 0, len - (size_t)(nul + 1 - payload)))
        return -EPROTO;
    *path = payload;
    *token = nul + 1;
    return 0;
}

int xs_list_has(const char *names, size_t len, const char *name)
{
    size_t at = 0;
    while (at < len) {
        size_t k = strnlen(names + at, len - at);
        if (k == len - at)
            return 0; /* no NUL: not a whole name */
        if (!strcmp(names + at, name))
            return 1;
        at += k + 1;
    }
    return 0;
}

int xs_parse_u64(const char *text, uint64_t *out)
{
    uint64_t v = 0;
    const char *p = text;
    for (; *p >= '0' && *p <= '9'; p++) {
        unsigned d = (unsigned)(*p - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    if (p == text || (*p && strcmp(p, "\n")))
        return -1;
    *out = v;
    return 0;
}
