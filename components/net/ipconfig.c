/*
 * ipconfig.c: parse one value of Linux's ip= boot option (see Linux's
 * Documentation/admin-guide/nfs/nfsroot.rst for the syntax):
 *
 *   dhcp | on | any | both       configure by DHCP
 *   off | none                   leave the interface unconfigured
 *   CLIENT:SERVER:GW:MASK:HOST:DEVICE:AUTOCONF[:DNS0:DNS1:NTP]
 *
 * Any field of the long form may be empty or missing from the end.
 * DEVICE is ethN (NIC N). AUTOCONF off/none (or empty with a CLIENT
 * address) is static; dhcp/on/any/both is DHCP. A missing MASK is the
 * address's class mask, as Linux does. SERVER, HOST and the DNS/NTP
 * fields are accepted and ignored (nothing here uses them).
 *
 * Pure code (no hypercalls): host unit tested in tests/unit/net-ipconfig.
 * Errors return -EINVAL with a one-line reason in out->why.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "netint.h"

#define FIELDS_MAX 10
#define FIELD_LEN 64

enum { F_CLIENT, F_SERVER, F_GW, F_MASK, F_HOST, F_DEV, F_AUTO };

static int fail(struct ip_config *c, const char *what, const char *val)
{
    snprintf(c->why, sizeof c->why, "%s \"%.40s\"", what, val);
    return -EINVAL;
}

/* Strict dotted quad: four decimal parts 0..255, nothing else. Result in
 * network byte order. */
static int parse_addr(const char *s, uint32_t *out)
{
    uint8_t b[4];
    for (int i = 0; i < 4; i++) {
        unsigned v = 0, digits = 0;
        while (*s >= '0' && *s <= '9' && digits < 4) {
            v = v * 10 + (unsigned)(*s++ - '0');
            digits++;
        }
        if (!digits || digits > 3 || v > 255)
            return -1;
        b[i] = (uint8_t)v;
        if (i < 3 && *s++ != '.')
            return -1;
    }
    if (*s)
        return -1;
    memcpy(out, b, 4);
    return 0;
}

/* A netmask is ones then zeros. */
static int mask_valid(uint32_t mask_net)
{
    uint32_t m = __builtin_bswap32(mask_net);
    return (~m & (~m + 1)) == 0;
}

/* The class mask Linux uses when none is given (network order). */
static uint32_t class_mask(uint32_t addr_net)
{
    uint8_t first = (uint8_t)addr_net;
    uint32_t m = first < 128   ? 0xff000000u
                 : first < 192 ? 0xffff0000u
                               : 0xffffff00u;
    return __builtin_bswap32(m);
}

static int parse_dev(const char *s, int *dev)
{
    if (strncmp(s, "eth", 3) || !s[3] || s[4] || s[3] < '0' ||
        s[3] >= '0' + NETIF_MAX)
        return -1;
    *dev = s[3] - '0';
    return 0;
}

/* 1 dhcp, 0 static, -1 unknown. */
static int parse_autoconf(const char *s)
{
    static const char *const dyn[] = {"dhcp", "on", "any", "both"};
    if (!strcmp(s, "off") || !strcmp(s, "none"))
        return 0;
    for (size_t i = 0; i < sizeof dyn / sizeof dyn[0]; i++)
        if (!strcmp(s, dyn[i]))
            return 1;
    return -1;
}

/* Split at ':' into fixed fields; -1 if there are too many or one is too
 * long. */
static int split(const char *opt, char f[FIELDS_MAX][FIELD_LEN])
{
    int n = 0;
    size_t len = 0;
    memset(f, 0, FIELDS_MAX * FIELD_LEN);
    for (const char *p = opt;; p++) {
        if (*p == ':' || !*p) {
            if (++n > FIELDS_MAX)
                return -1;
            len = 0;
            if (!*p)
                return n;
            continue;
        }
        if (n >= FIELDS_MAX || len + 1 >= FIELD_LEN)
            return -1;
        f[n][len++] = *p;
    }
}

static int parse_static(struct ip_config *c, char f[FIELDS_MAX][FIELD_LEN])
{
    if (!f[F_CLIENT][0])
        return fail(c, "static configuration without an address", "");
    if (parse_addr(f[F_CLIENT], &c->addr))
        return fail(c, "bad address", f[F_CLIENT]);
    uint8_t first = (uint8_t)c->addr;
    if (!c->addr || first == 127 || first >= 224)
        return fail(c, "not a usable host address", f[F_CLIENT]);
    if (f[F_MASK][0] &&
        (parse_addr(f[F_MASK], &c->mask) || !mask_valid(c->mask)))
        return fail(c, "bad netmask", f[F_MASK]);
    if (!f[F_MASK][0])
        c->mask = class_mask(c->addr);
    if (f[F_GW][0] && parse_addr(f[F_GW], &c->gw))
        return fail(c, "bad gateway", f[F_GW]);
    if (c->gw && ((c->gw ^ c->addr) & c->mask))
        return fail(c, "gateway outside the address's subnet", f[F_GW]);
    return 0;
}

int ipconfig_parse(const char *opt, struct ip_config *c)
{
    char f[FIELDS_MAX][FIELD_LEN];
    memset(c, 0, sizeof *c);
    c->dev = -1;
    int a = parse_autoconf(opt);
    if (a >= 0 && !strchr(opt, ':')) {
        c->dhcp = a;
        c->off = !a;
        return 0;
    }
    int n = split(opt, f);
    if (n < 0)
        return fail(c, "too many or too long fields in", opt);
    if (n == 1 && parse_addr(opt, &c->addr))
        return fail(c, "unknown value", opt); /* neither a word nor ADDR */
    if (f[F_DEV][0] && parse_dev(f[F_DEV], &c->dev))
        return fail(c, "unknown device (want eth0..eth3)", f[F_DEV]);
    if (f[F_SERVER][0] && parse_addr(f[F_SERVER], &(uint32_t){0}))
        return fail(c, "bad server address", f[F_SERVER]);
    a = f[F_AUTO][0] ? parse_autoconf(f[F_AUTO]) : !f[F_CLIENT][0];
    if (a < 0)
        return fail(c, "unknown autoconf method", f[F_AUTO]);
    int bare = !f[F_CLIENT][0] && !f[F_GW][0] && !f[F_MASK][0];
    if (a || (bare && f[F_AUTO][0])) {
        c->dhcp = a; /* an explicit "off" without an address: no config */
        c->off = !a;
        return 0;
    }
    return parse_static(c, f);
}
