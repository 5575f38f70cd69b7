/*
 * fw_rule.c: one rule of the rules file (the syntax is described at the
 * top of fw_parse.c): its matches, read into a struct fw_rule, and its
 * verdict, checked against the chain it is in (reject in filter chains,
 * dnat at prerouting, snat and masquerade at postrouting). Values are
 * strict: dotted quads with no bits past the prefix, ports 0-65535 or a
 * few service names, interfaces eth0 to eth(NETIF_MAX - 1).
 *
 * Pure code: host unit tested (tests/unit/net-fw-rules) and fuzzed.
 */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fw_parse.h"
#include "netint.h"

/* ---- values ----------------------------------------------------------- */

/* Decimal 0..max, the whole string. */
int fwr_num(const char *s, unsigned long max, unsigned long *out)
{
    char *end;
    if (*s < '0' || *s > '9')
        return -1;
    unsigned long v = strtoul(s, &end, 10);
    if (*end || v > max)
        return -1;
    *out = v;
    return 0;
}

/* A dotted quad in network order; *rest past it ('/', ':' or end). */
static int parse_quad(const char *s, uint32_t *out, const char **rest)
{
    uint8_t b[4];
    for (int i = 0; i < 4; i++) {
        unsigned v = 0, n = 0;
        while (*s >= '0' && *s <= '9' && n < 3)
            v = v * 10 + (unsigned)(*s++ - '0'), n++;
        if (!n || v > 255 || (i < 3 && *s++ != '.'))
            return -1;
        b[i] = (uint8_t)v;
    }
    memcpy(out, b, 4);
    *rest = s;
    return 0;
}

static int parse_prefix(struct parse *ps, uint32_t *addr, uint32_t *mask)
{
    const char *rest;
    unsigned long len = 32;
    if (parse_quad(ps->lx.word, addr, &rest) < 0 ||
        (*rest && (*rest != '/' || fwr_num(rest + 1, 32, &len) < 0)))
        return fwp_err(ps, "'%s' is not an address or ADDR/LEN", ps->lx.word);
    uint32_t m = len ? 0xffffffffu << (32 - len) : 0;
    *mask = htonl(m);
    if (*addr & ~*mask)
        return fwp_err(ps, "'%s' has bits set past its prefix length",
                       ps->lx.word);
    return 0;
}

struct fw_name {
    const char *name;
    unsigned value;
};

static const struct fw_name
    services[] = {{"ssh", 22},  {"smtp", 25}, {"domain", 53},
                  {"http", 80}, {"ntp", 123}, {"https", 443}},
    icmp_types[] = {{"echo-reply", 0},         {"destination-unreachable", 3},
                    {"source-quench", 4},      {"redirect", 5},
                    {"echo-request", 8},       {"time-exceeded", 11},
                    {"parameter-problem", 12}, {"timestamp-request", 13},
                    {"timestamp-reply", 14}},
    reject_codes[] = {{"net-unreachable", 0},  {"host-unreachable", 1},
                      {"prot-unreachable", 2}, {"port-unreachable", 3},
                      {"net-prohibited", 9},   {"host-prohibited", 10},
                      {"admin-prohibited", 13}};

#define LOOKUP(table, s, out)                                                  \
    lookup(table, sizeof table / sizeof table[0], s, out)

static int lookup(const struct fw_name *t, size_t n, const char *s,
                  unsigned *out)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(t[i].name, s)) {
            *out = t[i].value;
            return 0;
        }
    return -1;
}

static int parse_port(const char *s, uint16_t *out)
{
    unsigned long v;
    unsigned named;
    if (!LOOKUP(services, s, &named)) {
        *out = (uint16_t)named;
        return 0;
    }
    if (fwr_num(s, 65535, &v) < 0)
        return -1;
    *out = (uint16_t)v;
    return 0;
}

/* PORT or LO-HI into range i of ports. */
static int parse_range(struct parse *ps, struct fw_ports *pp)
{
    char lo[FW_WORD_MAX], *dash;
    snprintf(lo, sizeof lo, "%s", ps->lx.word);
    if (pp->n == FW_PORT_RANGES)
        return fwp_err(ps, "more than %d ports in one set", FW_PORT_RANGES);
    unsigned i = pp->n;
    if ((dash = strchr(lo, '-')))
        *dash = 0;
    if (ps->lx.tok != TOK_WORD || parse_port(lo, &pp->lo[i]) < 0 ||
        (dash && parse_port(dash + 1, &pp->hi[i]) < 0))
        return fwp_err(ps, "'%s' is not a port or LO-HI range",
                       fwp_tok_text(ps));
    if (!dash)
        pp->hi[i] = pp->lo[i];
    if (pp->hi[i] < pp->lo[i])
        return fwp_err(ps, "port range '%s' runs backwards", ps->lx.word);
    pp->n++;
    return 0;
}

/* PORT, LO-HI, or { PORT, LO-HI, ... } */
static int parse_ports(struct parse *ps, struct fw_ports *pp)
{
    if (pp->n)
        return fwp_err(ps, "a second match on the same port");
    if (fwp_tok(ps) == TOK_NEQ) {
        pp->neg = 1;
        fwp_tok(ps);
    }
    if (ps->lx.tok != TOK_LBRACE)
        return parse_range(ps, pp);
    do {
        fwp_tok(ps);
        if (parse_range(ps, pp) < 0)
            return -1;
    } while (fwp_tok(ps) == TOK_COMMA);
    if (ps->lx.tok != TOK_RBRACE)
        return fwp_err(ps, "expected ',' or '}' in a port set, got '%s'",
                       fwp_tok_text(ps));
    return 0;
}

/* ---- matches ---------------------------------------------------------- */

static int parse_iface(struct parse *ps, uint8_t *ifp, uint8_t *neg)
{
    unsigned long n;
    if (fwp_tok(ps) == TOK_NEQ) {
        *neg = 1;
        fwp_tok(ps);
    }
    const char *w = ps->lx.word;
    if ((ps->lx.tok != TOK_WORD && ps->lx.tok != TOK_STRING) ||
        strncmp(w, "eth", 3) || fwr_num(w + 3, NETIF_MAX - 1, &n) < 0)
        return fwp_err(ps, "'%s' is not an interface (eth0 to eth%d)",
                       fwp_tok_text(ps), NETIF_MAX - 1);
    *ifp = (uint8_t)(n + 1);
    return 0;
}

int fwr_family(struct parse *ps, struct fw_rule *r, uint8_t fam)
{
    if (!(r->family & fam))
        return fwp_err(ps,
                       "'%s' is for %s, which this rule or its table "
                       "does not see",
                       ps->lx.word, fam == FW_FAM_IP6 ? "IPv6" : "IPv4");
    r->family &= fam;
    return 0;
}

int fwr_set_proto(struct parse *ps, struct fw_rule *r, uint8_t proto)
{
    if (r->proto && r->proto != proto)
        return fwp_err(ps, "'%s' contradicts the protocol matched before",
                       ps->lx.word);
    r->proto = proto;
    return 0;
}

int fwr_parse_proto(struct parse *ps, struct fw_rule *r)
{
    unsigned long n;
    fwp_tok(ps);
    if (fwp_is_word(ps, "tcp"))
        return fwr_set_proto(ps, r, IPPROTO_TCP);
    if (fwp_is_word(ps, "udp"))
        return fwr_set_proto(ps, r, IPPROTO_UDP);
    if (fwp_is_word(ps, "icmp"))
        return fwr_set_proto(ps, r, IPPROTO_ICMP);
    if (fwp_is_word(ps, "icmpv6") || fwp_is_word(ps, "ipv6-icmp"))
        return fwr_set_proto(ps, r, IPPROTO_ICMPV6);
    if (ps->lx.tok == TOK_WORD && !fwr_num(ps->lx.word, 255, &n) && n)
        return fwr_set_proto(ps, r, (uint8_t)n);
    return fwp_err(ps,
                   "'%s' is not a protocol (tcp, udp, icmp, icmpv6 or 1-255)",
                   fwp_tok_text(ps));
}

static int parse_ip(struct parse *ps, struct fw_rule *r)
{
    if (fwr_family(ps, r, FW_FAM_IP) < 0)
        return -1;
    fwp_tok(ps);
    int src = fwp_is_word(ps, "saddr");
    if (fwp_is_word(ps, "protocol"))
        return fwr_parse_proto(ps, r);
    if (!src && !fwp_is_word(ps, "daddr"))
        return fwp_err(ps,
                       "expected saddr, daddr or protocol after 'ip', got "
                       "'%s'",
                       fwp_tok_text(ps));
    uint8_t *neg = src ? &r->saddr_neg : &r->daddr_neg;
    if (fwp_tok(ps) == TOK_NEQ) {
        *neg = 1;
        fwp_tok(ps);
    }
    return src ? parse_prefix(ps, &r->saddr, &r->smask)
               : parse_prefix(ps, &r->daddr, &r->dmask);
}

static int parse_l4(struct parse *ps, struct fw_rule *r, uint8_t proto)
{
    if (fwr_set_proto(ps, r, proto) < 0)
        return -1;
    fwp_tok(ps);
    if (fwp_is_word(ps, "sport"))
        return parse_ports(ps, &r->sport);
    if (fwp_is_word(ps, "dport"))
        return parse_ports(ps, &r->dport);
    return fwp_err(ps, "expected sport or dport, got '%s'", fwp_tok_text(ps));
}

static int parse_icmp(struct parse *ps, struct fw_rule *r)
{
    unsigned v;
    unsigned long n;
    if (fwr_family(ps, r, FW_FAM_IP) < 0 ||
        fwr_set_proto(ps, r, IPPROTO_ICMP) < 0 || fwp_expect(ps, "type") < 0)
        return -1;
    fwp_tok(ps);
    if (ps->lx.tok == TOK_WORD && !LOOKUP(icmp_types, ps->lx.word, &v))
        n = v;
    else if (ps->lx.tok != TOK_WORD || fwr_num(ps->lx.word, 255, &n) < 0)
        return fwp_err(ps, "'%s' is not an ICMP type", fwp_tok_text(ps));
    r->icmp_type = (int16_t)n;
    return 0;
}

static int parse_ct_word(struct parse *ps, struct fw_rule *r)
{
    static const char *names[] = {"new", "established", "related", "invalid"};
    for (unsigned i = 0; i < 4; i++)
        if (fwp_is_word(ps, names[i])) {
            r->ct |= (uint8_t)(1u << i);
            return 0;
        }
    return fwp_err(ps,
                   "'%s' is not a ct state (new, established, related, "
                   "invalid)",
                   fwp_tok_text(ps));
}

static int parse_ct(struct parse *ps, struct fw_rule *r)
{
    if (fwp_expect(ps, "state") < 0)
        return -1;
    int braced = fwp_tok(ps) == TOK_LBRACE;
    do {
        if (braced || ps->lx.tok == TOK_COMMA)
            fwp_tok(ps);
        if (parse_ct_word(ps, r) < 0)
            return -1;
    } while (fwp_tok(ps) == TOK_COMMA);
    if (braced && ps->lx.tok != TOK_RBRACE)
        return fwp_err(ps, "expected '}' after the ct states");
    if (!braced)
        ps->again = 1;
    return 0;
}

/* counter [packets N bytes N], as `nft list ruleset` prints it */
static int parse_counter(struct parse *ps)
{
    fwp_tok(ps);
    if (!fwp_is_word(ps, "packets")) {
        ps->again = 1;
        return 0;
    }
    if (fwp_tok(ps) != TOK_WORD || fwp_expect(ps, "bytes") < 0 ||
        fwp_tok(ps) != TOK_WORD)
        return fwp_err(ps, "expected 'counter packets N bytes N'");
    return 0;
}

/* ---- verdicts ----------------------------------------------------------- */

static int parse_reject(struct parse *ps, struct fw_rule *r)
{
    unsigned code;
    r->reject_with = 3; /* nft's default: port unreachable */
    fwp_tok(ps);
    if (!fwp_is_word(ps, "with")) {
        ps->again = 1;
        return 0;
    }
    fwp_tok(ps);
    if (fwp_is_word(ps, "tcp")) {
        if (fwp_expect(ps, "reset") < 0)
            return -1;
        if (r->proto != IPPROTO_TCP)
            return fwp_err(ps, "'reject with tcp reset' needs a tcp match");
        r->reject_with = FW_REJECT_TCP_RST;
        return 0;
    }
    if (!fwp_is_word(ps, "icmp"))
        return fwp_err(ps, "expected 'with icmp' or 'with tcp reset'");
    if (fwr_family(ps, r, FW_FAM_IP) < 0) /* as nft: IPv4's reject */
        return -1;
    fwp_tok(ps);
    if (fwp_is_word(ps, "type"))
        fwp_tok(ps);
    if (ps->lx.tok != TOK_WORD || LOOKUP(reject_codes, ps->lx.word, &code))
        return fwp_err(ps,
                       "'%s' is not a reject type (port-unreachable, "
                       "host-unreachable, admin-prohibited, ...)",
                       fwp_tok_text(ps));
    r->reject_with = (uint8_t)code;
    return 0;
}

/* snat|dnat [ip] to ADDR[:PORT] */
static int parse_nat(struct parse *ps, struct fw_rule *r, int dnat)
{
    const char *rest;
    unsigned long port = 0;
    fwp_tok(ps);
    if (fwp_is_word(ps, "ip"))
        fwp_tok(ps);
    if (!fwp_is_word(ps, "to"))
        return fwp_err(ps, "expected 'to' after '%s'", dnat ? "dnat" : "snat");
    fwp_tok(ps);
    if (ps->lx.tok != TOK_WORD ||
        parse_quad(ps->lx.word, &r->nat_addr, &rest) < 0 ||
        (*rest && (*rest != ':' || !dnat ||
                   fwr_num(rest + 1, 65535, &port) < 0 || !port)))
        return fwp_err(ps, "'%s' is not %s", fwp_tok_text(ps),
                       dnat ? "ADDR or ADDR:PORT" : "an address");
    r->nat_port = (uint16_t)port;
    return 0;
}

/* Which hooks each verdict belongs in. */
static int verdict_fits(struct parse *ps, const struct fw_rule *r)
{
    int nat = r->verdict == FW_MASQUERADE || r->verdict == FW_SNAT ||
              r->verdict == FW_DNAT;
    if (r->verdict == FW_REJECT && ps->type != CHAIN_FILTER)
        return fwp_err(ps, "reject belongs in a filter chain");
    if (nat && ps->type != CHAIN_NAT)
        return fwp_err(ps, "NAT belongs in a nat chain");
    if (nat && !(r->family & FW_FAM_IP))
        return fwp_err(ps, "no NAT for IPv6 (NAT66 is not supported)");
    if (r->verdict == FW_DNAT && r->hook != FW_PREROUTING)
        return fwp_err(ps, "dnat belongs in the prerouting hook");
    if ((r->verdict == FW_SNAT || r->verdict == FW_MASQUERADE) &&
        r->hook != FW_POSTROUTING)
        return fwp_err(ps,
                       "snat and masquerade belong in the postrouting hook");
    if (r->oif && r->hook == FW_PREROUTING)
        return fwp_err(ps, "no output interface is known at prerouting");
    if (r->iif && r->hook == FW_POSTROUTING)
        return fwp_err(ps, "postrouting rules match oifname, not iifname");
    return 0;
}

static int parse_verdict(struct parse *ps, struct fw_rule *r)
{
    static const struct fw_name verdicts[] = {
        {"accept", FW_ACCEPT},         {"drop", FW_DROP}, {"reject", FW_REJECT},
        {"masquerade", FW_MASQUERADE}, {"snat", FW_SNAT}, {"dnat", FW_DNAT}};
    unsigned v;
    if (LOOKUP(verdicts, ps->lx.word, &v))
        return 1; /* not a verdict */
    r->verdict = (uint8_t)v;
    if ((v == FW_MASQUERADE || v == FW_SNAT || v == FW_DNAT) &&
        (r->family & FW_FAM_IP))
        r->family = FW_FAM_IP; /* an inet table's NAT: IPv4's only */
    int e = v == FW_REJECT ? parse_reject(ps, r)
            : v == FW_SNAT ? parse_nat(ps, r, 0)
            : v == FW_DNAT ? parse_nat(ps, r, 1)
                           : 0;
    if (e < 0 || verdict_fits(ps, r) < 0)
        return -1;
    return fwp_end_stmt(ps) < 0 ? -1 : 0;
}

/* ---- rules, chains, tables ---------------------------------------------- */

static int parse_match(struct parse *ps, struct fw_rule *r)
{
    const char *w = ps->lx.word;
    if (ps->lx.tok != TOK_WORD)
        return fwp_err(ps, "unexpected '%s' in a rule", fwp_tok_text(ps));
    if (!strcmp(w, "iifname") || !strcmp(w, "iif"))
        return parse_iface(ps, &r->iif, &r->iif_neg);
    if (!strcmp(w, "oifname") || !strcmp(w, "oif"))
        return parse_iface(ps, &r->oif, &r->oif_neg);
    if (!strcmp(w, "ip"))
        return parse_ip(ps, r);
    if (!strcmp(w, "ip6"))
        return fw_parse_ip6(ps, r);
    if (!strcmp(w, "icmpv6"))
        return fw_parse_icmpv6(ps, r);
    if (!strcmp(w, "meta"))
        return fwp_expect(ps, "l4proto") < 0 ? -1 : fwr_parse_proto(ps, r);
    if (!strcmp(w, "tcp"))
        return parse_l4(ps, r, IPPROTO_TCP);
    if (!strcmp(w, "udp"))
        return parse_l4(ps, r, IPPROTO_UDP);
    if (!strcmp(w, "icmp"))
        return parse_icmp(ps, r);
    if (!strcmp(w, "ct"))
        return parse_ct(ps, r);
    if (!strcmp(w, "counter"))
        return parse_counter(ps);
    return fwp_err(ps, "unknown word '%s' in a rule", w);
}

/* The rule's line as written, for the counters. */
static void rule_text(struct parse *ps, struct fw_rule *r)
{
    const char *s = ps->lx.line_start, *e = s;
    while (e < ps->lx.end && *e != '\n')
        e++;
    while (s < e && (*s == ' ' || *s == '\t'))
        s++;
    size_t n =
        (size_t)(e - s) < FW_TEXT_MAX - 1 ? (size_t)(e - s) : FW_TEXT_MAX - 1;
    memcpy(r->text, s, n);
    r->text[n] = 0;
}

/* A rule whose first token has been read. */
int fw_parse_rule(struct parse *ps)
{
    struct fw_ruleset *rs = ps->rs;
    if (ps->hook < 0)
        return fwp_err(ps, "a rule before the chain's 'type ... hook' line "
                           "(regular chains are not supported)");
    if (rs->nrules == ROUTER_RULES_MAX)
        return fwp_err(ps, "more than %d rules", ROUTER_RULES_MAX);
    struct fw_rule *r = &rs->rules[rs->nrules];
    memset(r, 0, sizeof *r);
    r->line = (uint16_t)ps->lx.line;
    r->hook = (uint8_t)ps->hook;
    r->family = ps->family;
    r->icmp_type = -1;
    rule_text(ps, r);
    for (;;) {
        if (fwp_is_end(ps->lx.tok)) {
            ps->again = ps->lx.tok == TOK_RBRACE;
            break;
        }
        int v = ps->lx.tok == TOK_WORD ? parse_verdict(ps, r) : 1;
        if (v < 0)
            return -1;
        if (v == 0)
            break;
        if (parse_match(ps, r) < 0)
            return -1;
        fwp_tok(ps);
    }
    if (r->verdict == FW_NONE && verdict_fits(ps, r) < 0)
        return -1;
    rs->nrules++;
    return 0;
}
