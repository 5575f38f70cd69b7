/*
 * ip6config.c: parse one value of the ip6= boot option:
 *
 *   off                          no IPv6 on the interface
 *   auto                         SLAAC (what no option means too)
 *   ADDR/PREFIXLEN[,GATEWAY]     a static address and default router
 *
 * ADDR and GATEWAY are in RFC 4291 text form (inet_pton's); the prefix
 * length is 1..128; the gateway must be link-local or within ADDR's
 * prefix (a router we could not reach is a typo). Pure code (no
 * hypercalls): host unit tested in tests/unit/net-ip6. Errors return
 * -EINVAL with a one-line reason in out->why.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "ip6.h"

static int fail6(struct ip6_config *c, const char *what, const char *val)
{
    snprintf(c->why, sizeof c->why, "%s \"%.40s\"", what, val);
    return -EINVAL;
}

/* The text up to stop (or the end) as an address. */
static int parse6(const char *s, size_t n, struct in6_addr *out)
{
    char buf[INET6_ADDRSTRLEN];
    if (n >= sizeof buf)
        return -1;
    memcpy(buf, s, n);
    buf[n] = 0;
    return inet_pton(AF_INET6, buf, out) == 1 ? 0 : -1;
}

static int parse_plen(const char *s, size_t n, uint8_t *out)
{
    unsigned v = 0;
    if (!n || n > 3)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    if (!v || v > 128)
        return -1;
    *out = (uint8_t)v;
    return 0;
}

static int same_prefix(const struct in6_addr *a, const struct in6_addr *b,
                       unsigned plen)
{
    for (unsigned bit = 0; bit < plen; bit++) {
        unsigned m = 0x80u >> (bit % 8);
        if ((a->s6_addr[bit / 8] ^ b->s6_addr[bit / 8]) & m)
            return 0;
    }
    return 1;
}

static int all_zero(const uint8_t *p, size_t n)
{
    while (n--)
        if (*p++)
            return 0;
    return 1;
}

static int check_addr(struct ip6_config *c, const char *opt)
{
    const uint8_t *a = c->addr.s6_addr, *g = c->gw.s6_addr;
    if (all_zero(a, 15) && a[15] <= 1) /* :: and ::1 */
        return fail6(c, "not a usable host address in", opt);
    if (a[0] == 0xff)
        return fail6(c, "a multicast address is not a host's, in", opt);
    if (all_zero(g, 16))
        return 0;
    int link_local = g[0] == 0xfe && (g[1] & 0xc0) == 0x80;
    if (g[0] == 0xff ||
        (!link_local && !same_prefix(&c->gw, &c->addr, c->plen)))
        return fail6(c, "gateway neither link-local nor in the prefix of", opt);
    return 0;
}

int ip6config_parse(const char *opt, struct ip6_config *c)
{
    memset(c, 0, sizeof *c);
    if (!strcmp(opt, "off"))
        return c->off = 1, 0;
    if (!strcmp(opt, "auto"))
        return 0;
    const char *slash = strchr(opt, '/');
    if (!slash)
        return fail6(c, "want off, auto or ADDR/PREFIXLEN[,GATEWAY], not", opt);
    if (parse6(opt, (size_t)(slash - opt), &c->addr))
        return fail6(c, "bad IPv6 address in", opt);
    const char *comma = strchr(slash, ',');
    size_t plen_len = comma ? (size_t)(comma - slash - 1) : strlen(slash + 1);
    if (parse_plen(slash + 1, plen_len, &c->plen))
        return fail6(c, "bad prefix length (1..128) in", opt);
    if (comma && parse6(comma + 1, strlen(comma + 1), &c->gw))
        return fail6(c, "bad gateway address in", opt);
    c->have_addr = 1;
    return check_addr(c, opt);
}
