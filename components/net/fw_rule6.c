/*
 * fw_rule6.c: IPv6's words in a rule of the rules file (fw_parse.c has
 * the syntax): `ip6 saddr|daddr [!=] ADDR[/LEN]` (RFC 4291's text forms,
 * no bits past the prefix), `ip6 nexthdr PROTO`, `icmpv6 type NAME|N`
 * (RFC 4443 and 4861's types, by nft's names). Each narrows the rule to
 * IPv6 packets, as in an nft inet table. And the prefix match itself.
 *
 * The next header a rule sees is the transport's, past any extension
 * headers (nft's `meta l4proto`): `ip6 nexthdr` is read the same way.
 *
 * Pure code: host unit tested (tests/unit/net-fw-rules) and fuzzed.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include "fw_parse.h"

static const struct {
    const char *name;
    uint8_t type;
} icmp6_types[] = {
    {"destination-unreachable", 1}, {"packet-too-big", 2},
    {"time-exceeded", 3},           {"parameter-problem", 4},
    {"echo-request", 128},          {"echo-reply", 129},
    {"mld-listener-query", 130},    {"mld-listener-report", 131},
    {"nd-router-solicit", 133},     {"nd-router-advert", 134},
    {"nd-neighbor-solicit", 135},   {"nd-neighbor-advert", 136},
    {"nd-redirect", 137},           {"mld2-listener-report", 143},
};

int fw_prefix6_holds(const struct in6_addr *want, uint8_t plen,
                     const struct in6_addr *a)
{
    unsigned full = plen / 8u, rest = plen % 8u;
    if (memcmp(want->s6_addr, a->s6_addr, full))
        return 0;
    if (!rest)
        return 1;
    uint8_t m = (uint8_t)(0xff << (8 - rest));
    return (want->s6_addr[full] & m) == (a->s6_addr[full] & m);
}

/* ADDR or ADDR/LEN into a, plen (an address alone: 128). */
static int parse_prefix6(struct parse *ps, struct in6_addr *a, uint8_t *plen)
{
    char text[FW_WORD_MAX], *slash;
    unsigned long len = 128;
    snprintf(text, sizeof text, "%s", ps->lx.word);
    if ((slash = strchr(text, '/')))
        *slash = 0;
    if (ps->lx.tok != TOK_WORD || inet_pton(AF_INET6, text, a) != 1 ||
        (slash && fwr_num(slash + 1, 128, &len) < 0))
        return fwp_err(ps, "'%s' is not an IPv6 address or ADDR/LEN",
                       fwp_tok_text(ps));
    struct in6_addr masked = {0};
    memcpy(masked.s6_addr, a->s6_addr, len / 8);
    if (len % 8)
        masked.s6_addr[len / 8] =
            (uint8_t)(a->s6_addr[len / 8] & (0xff << (8 - len % 8)));
    if (memcmp(&masked, a, sizeof masked))
        return fwp_err(ps, "'%s' has bits set past its prefix length",
                       ps->lx.word);
    if (!len) /* 0 stands for no match here */
        return fwp_err(ps, "'%s' matches every address: leave it out",
                       ps->lx.word);
    *plen = (uint8_t)len;
    return 0;
}

int fw_parse_ip6(struct parse *ps, struct fw_rule *r)
{
    if (fwr_family(ps, r, FW_FAM_IP6) < 0)
        return -1;
    fwp_tok(ps);
    if (fwp_is_word(ps, "nexthdr"))
        return fwr_parse_proto(ps, r);
    int src = fwp_is_word(ps, "saddr");
    if (!src && !fwp_is_word(ps, "daddr"))
        return fwp_err(ps,
                       "expected saddr, daddr or nexthdr after 'ip6', got "
                       "'%s'",
                       fwp_tok_text(ps));
    uint8_t *neg = src ? &r->saddr_neg : &r->daddr_neg;
    if (fwp_tok(ps) == TOK_NEQ) {
        *neg = 1;
        fwp_tok(ps);
    }
    return src ? parse_prefix6(ps, &r->saddr6, &r->splen6)
               : parse_prefix6(ps, &r->daddr6, &r->dplen6);
}

int fw_parse_icmpv6(struct parse *ps, struct fw_rule *r)
{
    unsigned long n;
    if (fwr_family(ps, r, FW_FAM_IP6) < 0 ||
        fwr_set_proto(ps, r, IPPROTO_ICMPV6) < 0 || fwp_expect(ps, "type") < 0)
        return -1;
    fwp_tok(ps);
    for (size_t i = 0; i < sizeof icmp6_types / sizeof icmp6_types[0]; i++)
        if (fwp_is_word(ps, icmp6_types[i].name)) {
            r->icmp_type = icmp6_types[i].type;
            return 0;
        }
    if (ps->lx.tok != TOK_WORD || fwr_num(ps->lx.word, 255, &n) < 0)
        return fwp_err(ps, "'%s' is not an ICMPv6 type", fwp_tok_text(ps));
    r->icmp_type = (int16_t)n;
    return 0;
}
