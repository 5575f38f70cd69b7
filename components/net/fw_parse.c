/*
 * fw_parse.c: the router's rules, read from a subset of nftables'
 * `nft -f` syntax, so a rule set can be tried on Linux and used here:
 *
 *   flush ruleset
 *   table ip|ip6|inet NAME {
 *     chain NAME {
 *       type filter hook input|forward priority P; policy accept|drop;
 *       type nat hook prerouting|postrouting priority P;
 *       RULE ...
 *     }
 *   }
 *
 * A RULE is matches, then at most one verdict, on one line (or ended by
 * ';'). Matches: iifname/oifname [!=] "ethN"; ip saddr/daddr [!=]
 * ADDR[/LEN]; ip6 saddr/daddr [!=] ADDR6[/LEN]; ip protocol, ip6
 * nexthdr tcp|udp|icmp|icmpv6|N (meta l4proto too); tcp/udp
 * sport/dport [!=] PORT, LO-HI or { PORT, LO-HI, ... } (names: ssh,
 * domain, http, https, ntp, smtp); icmp type NAME|N; icmpv6 type
 * NAME|N; ct state
 * new,established,related,invalid; counter (every rule counts anyway).
 * Verdicts: accept; drop; reject [with icmp type NAME | with tcp reset]
 * (filter chains); masquerade, snat to ADDR (postrouting); dnat to
 * ADDR[:PORT] (prerouting). A rule without a verdict only counts.
 *
 * Not supported, and refused with the line's number rather than
 * misread: other families, hooks (output) and statements, regular
 * chains and jumps, sets beyond port lists, maps, several base chains
 * of one family on one hook (merge them; an ip and an ip6 chain may
 * share one), NAT for IPv6 (an inet table's NAT rules are IPv4's).
 *
 * Families: a table's chains see the packets of its family (inet: both);
 * a rule with an ip match sees IPv4 only, one with ip6 or icmpv6 IPv6
 * only.
 *
 * Pure code: host unit tested (tests/unit/net-fw-rules) and fuzzed.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fw.h"
#include "fw_parse.h"

int fwp_err(struct parse *ps, const char *fmt, ...)
{
    int n = snprintf(ps->err, ps->errlen, "line %u: ", ps->lx.line);
    va_list ap;
    va_start(ap, fmt);
    if (n >= 0 && (size_t)n < ps->errlen)
        vsnprintf(ps->err + n, ps->errlen - (size_t)n, fmt, ap);
    va_end(ap);
    return -1;
}

enum fw_tok fwp_tok(struct parse *ps)
{
    if (ps->again) {
        ps->again = 0;
        return ps->lx.tok;
    }
    return fw_lex_next(&ps->lx);
}

int fwp_is_word(struct parse *ps, const char *w)
{
    return ps->lx.tok == TOK_WORD && !strcmp(ps->lx.word, w);
}

int fwp_is_end(enum fw_tok t)
{
    return t == TOK_NL || t == TOK_SEMI || t == TOK_END || t == TOK_RBRACE;
}

/* What the current token is, for "expected X, got Y" errors. */
const char *fwp_tok_text(struct parse *ps)
{
    switch (ps->lx.tok) {
    case TOK_END: return "the end of the file";
    case TOK_NL: return "the end of the line";
    case TOK_SEMI: return "';'";
    case TOK_LBRACE: return "'{'";
    case TOK_RBRACE: return "'}'";
    case TOK_COMMA: return "','";
    case TOK_NEQ: return "'!='";
    default: return ps->lx.word;
    }
}

/* The next token must be the word w. */
int fwp_expect(struct parse *ps, const char *w)
{
    fwp_tok(ps);
    if (fwp_is_word(ps, w))
        return 0;
    return fwp_err(ps, "expected '%s', got '%s'", w, fwp_tok_text(ps));
}

int fwp_expect_tok(struct parse *ps, enum fw_tok t, const char *what)
{
    if (fwp_tok(ps) == t)
        return 0;
    return fwp_err(ps, "expected %s, got '%s'", what, fwp_tok_text(ps));
}

/* A statement is over: the line ends, or ';', or a '}' (read again). */
int fwp_end_stmt(struct parse *ps)
{
    enum fw_tok t = fwp_tok(ps);
    if (t == TOK_RBRACE)
        ps->again = 1;
    if (fwp_is_end(t))
        return 0;
    return fwp_err(ps, "unexpected '%s' at the end of a statement",
                   fwp_tok_text(ps));
}

static int hook_of(struct parse *ps, const char *w)
{
    static const char *hooks[] = {"prerouting", "input", "forward",
                                  "postrouting"};
    for (int i = 0; i < FW_HOOKS; i++)
        if (!strcmp(w, hooks[i]))
            return i;
    return fwp_err(ps,
                   "hook '%s' is not supported (prerouting, input, "
                   "forward, postrouting)",
                   w);
}

/* type filter|nat hook HOOK priority P */
static int parse_type(struct parse *ps)
{
    if (ps->hook >= 0)
        return fwp_err(ps, "a second type line in one chain");
    fwp_tok(ps);
    if (!fwp_is_word(ps, "filter") && !fwp_is_word(ps, "nat"))
        return fwp_err(ps, "chain type '%s' is not supported (filter, nat)",
                       fwp_tok_text(ps));
    ps->type = fwp_is_word(ps, "nat") ? CHAIN_NAT : CHAIN_FILTER;
    if (fwp_expect(ps, "hook") < 0 ||
        fwp_expect_tok(ps, TOK_WORD, "a hook") < 0)
        return -1;
    int h = hook_of(ps, ps->lx.word);
    if (h < 0)
        return -1;
    int nat_hook = h == FW_PREROUTING || h == FW_POSTROUTING;
    if (nat_hook != (ps->type == CHAIN_NAT))
        return fwp_err(ps, "a %s chain cannot hook %s",
                       ps->type == CHAIN_NAT ? "nat" : "filter", ps->lx.word);
    if (ps->rs->has_chain[h] & ps->family)
        return fwp_err(ps, "a second chain on hook %s (merge them)",
                       ps->lx.word);
    if (fwp_expect(ps, "priority") < 0 ||
        fwp_expect_tok(ps, TOK_WORD, "a priority") < 0)
        return -1;
    ps->hook = h;
    ps->rs->has_chain[h] |= ps->family;
    for (int f = 0; f < 2; f++)
        if (ps->family & (f ? FW_FAM_IP6 : FW_FAM_IP))
            ps->rs->policy[f][h] = FW_ACCEPT;
    return fwp_end_stmt(ps);
}

static int parse_policy(struct parse *ps)
{
    if (ps->hook < 0)
        return fwp_err(ps, "a policy before the chain's type line");
    fwp_tok(ps);
    if (!fwp_is_word(ps, "accept") && !fwp_is_word(ps, "drop"))
        return fwp_err(ps, "policy '%s' is not accept or drop",
                       fwp_tok_text(ps));
    for (int f = 0; f < 2; f++)
        if (ps->family & (f ? FW_FAM_IP6 : FW_FAM_IP))
            ps->rs->policy[f][ps->hook] =
                fwp_is_word(ps, "drop") ? FW_DROP : FW_ACCEPT;
    return fwp_end_stmt(ps);
}

/* Blank lines and ';'s; 1 if the next token ends a block ('}'). */
static int skip_blank(struct parse *ps)
{
    while (fwp_tok(ps) == TOK_NL || ps->lx.tok == TOK_SEMI)
        ;
    return ps->lx.tok == TOK_RBRACE;
}

static int parse_chain(struct parse *ps)
{
    if (fwp_expect_tok(ps, TOK_WORD, "a chain name") < 0 ||
        fwp_expect_tok(ps, TOK_LBRACE, "'{'") < 0)
        return -1;
    ps->hook = -1;
    while (!skip_blank(ps)) {
        int r = ps->lx.tok == TOK_END ? fwp_err(ps, "'}' missing at the end")
                : fwp_is_word(ps, "type")   ? parse_type(ps)
                : fwp_is_word(ps, "policy") ? parse_policy(ps)
                                            : fw_parse_rule(ps);
        if (r < 0)
            return -1;
    }
    if (ps->hook < 0)
        return fwp_err(ps, "a chain without a 'type ... hook' line (regular "
                           "chains and jumps are not supported)");
    return 0;
}

static int parse_table(struct parse *ps)
{
    fwp_tok(ps);
    ps->family = fwp_is_word(ps, "ip")     ? FW_FAM_IP
                 : fwp_is_word(ps, "ip6")  ? FW_FAM_IP6
                 : fwp_is_word(ps, "inet") ? FW_FAM_INET
                                           : 0;
    if (!ps->family)
        return fwp_err(ps, "table family '%s' is not supported (ip, ip6, inet)",
                       fwp_tok_text(ps));
    if (fwp_expect_tok(ps, TOK_WORD, "a table name") < 0 ||
        fwp_expect_tok(ps, TOK_LBRACE, "'{'") < 0)
        return -1;
    while (!skip_blank(ps)) {
        if (ps->lx.tok == TOK_END)
            return fwp_err(ps, "'}' missing at the end");
        if (!fwp_is_word(ps, "chain"))
            return fwp_err(ps, "expected 'chain', got '%s'", fwp_tok_text(ps));
        if (parse_chain(ps) < 0)
            return -1;
    }
    return 0;
}

int fw_parse(const char *text, size_t len, struct fw_ruleset *rs, char *err,
             size_t errlen)
{
    struct parse ps = {.rs = rs, .err = err, .errlen = errlen, .hook = -1};
    memset(rs, 0, sizeof *rs);
    fw_lex_init(&ps.lx, text, len);
    while (!skip_blank(&ps) && ps.lx.tok != TOK_END) {
        int r;
        if (fwp_is_word(&ps, "flush"))
            r = fwp_expect(&ps, "ruleset") < 0 ? -1 : fwp_end_stmt(&ps);
        else if (fwp_is_word(&ps, "table"))
            r = parse_table(&ps);
        else
            r = fwp_err(&ps, "unknown statement '%s' (table, flush ruleset)",
                        fwp_tok_text(&ps));
        if (r < 0)
            return -1;
    }
    if (ps.lx.tok == TOK_RBRACE)
        return fwp_err(&ps, "a '}' that closes nothing");
    return 0;
}
