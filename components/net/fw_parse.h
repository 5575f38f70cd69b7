/*
 * fw_parse.h: between fw_parse.c (the file's structure: tables, chains,
 * their type and policy lines) and fw_rule.c (one rule: its matches and
 * verdict), which share the parser's state and its token helpers.
 */
#ifndef KILN_FW_PARSE_H
#define KILN_FW_PARSE_H

#include "fw.h"
#include "fw_lex.h"

enum { CHAIN_FILTER, CHAIN_NAT };

struct parse {
    struct fw_lex lx;
    struct fw_ruleset *rs;
    char *err;
    size_t errlen;
    int again; /* the current token is to be read again */
    int hook;  /* of the chain being read; -1 before its type line */
    int type;
    uint8_t family; /* FW_FAM_* of the table being read */
};

/* fw_parse.c: tokens */
/* Set the error "line N: ..." (N: the current token's line); -1. */
__attribute__((format(printf, 2, 3))) int fwp_err(struct parse *ps,
                                                  const char *fmt, ...);
enum fw_tok fwp_tok(struct parse *ps); /* the next token (or again) */
int fwp_is_word(struct parse *ps, const char *w); /* the current is w */
int fwp_is_end(enum fw_tok t);                    /* a statement ends at t */
const char *fwp_tok_text(struct parse *ps);       /* the current, for errors */
int fwp_expect(struct parse *ps, const char *w);  /* next is word w */
int fwp_expect_tok(struct parse *ps, enum fw_tok t, const char *what);
/* A statement is over: the line ends, or ';', or a '}' (read again). */
int fwp_end_stmt(struct parse *ps);

/* fw_rule.c */
/* A rule whose first token has been read, into ps->rs. 0 or -1. */
int fw_parse_rule(struct parse *ps);
/* The rule matches proto (one of its matches said so); -1 if another
 * match named another. */
int fwr_set_proto(struct parse *ps, struct fw_rule *r, uint8_t proto);
/* The rule's match is of family fam only (ip saddr: IPv4); -1 if it
 * contradicts its table or another match. */
int fwr_family(struct parse *ps, struct fw_rule *r, uint8_t fam);
/* The protocol word after ip protocol, meta l4proto, ip6 nexthdr. */
int fwr_parse_proto(struct parse *ps, struct fw_rule *r);
/* A number 0..max, the whole of s. */
int fwr_num(const char *s, unsigned long max, unsigned long *out);

/* fw_rule6.c: after the words ip6 and icmpv6 */
int fw_parse_ip6(struct parse *ps, struct fw_rule *r);
int fw_parse_icmpv6(struct parse *ps, struct fw_rule *r);

#endif
