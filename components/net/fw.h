/*
 * fw.h: the map of the router's part of components/net (forwarding,
 * filter rules, connection tracking, NAT), its cross-file functions
 * under a heading per file. Only these files and their unit tests
 * include it; the application sees router.h.
 *
 * Conventions as in netint.h: addresses and the ports of a tuple in
 * network byte order; the ports of a rule in host order. Interfaces
 * are named by their NIC index plus one (0: none, or any).
 */
#ifndef KILN_FW_H
#define KILN_FW_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include "router.h"

/* The four places a chain can hook, as nftables names them. */
enum { FW_PREROUTING, FW_INPUT, FW_FORWARD, FW_POSTROUTING, FW_HOOKS };

enum fw_verdict {
    FW_NONE, /* no rule matched: the chain's policy decides */
    FW_ACCEPT,
    FW_DROP,
    FW_REJECT,
    FW_MASQUERADE,
    FW_SNAT,
    FW_DNAT,
};

/* The families a table's chains see (a mask): ip, ip6, inet (both). */
#define FW_FAM_IP 1
#define FW_FAM_IP6 2
#define FW_FAM_INET (FW_FAM_IP | FW_FAM_IP6)

/* ct state bits, nftables' names */
#define FW_CT_NEW 1
#define FW_CT_ESTABLISHED 2
#define FW_CT_RELATED 4
#define FW_CT_INVALID 8

#define FW_REJECT_TCP_RST 0xff /* reject with tcp reset; else an ICMP code */
#define FW_PORT_RANGES 8       /* port ranges of one match ({ 22, 80-90 }) */

struct fw_ports {
    uint8_t n; /* 0: no port match */
    uint8_t neg;
    uint16_t lo[FW_PORT_RANGES], hi[FW_PORT_RANGES];
};

#define FW_TEXT_MAX 60 /* of a rule's text kept for the counters' lines */

struct fw_rule {
    char text[FW_TEXT_MAX]; /* the rule as written, cut short */
    uint16_t line;          /* in the rules file */
    uint8_t hook;
    uint8_t family;   /* FW_FAM_*: of its table, narrowed by ip/ip6 matches */
    uint8_t iif, oif; /* NIC index + 1; 0: any */
    uint8_t iif_neg, oif_neg, saddr_neg, daddr_neg;
    uint8_t proto;     /* IPPROTO_*; 0: any */
    int16_t icmp_type; /* -1: any */
    uint8_t ct;        /* FW_CT_* bits; 0: any */
    uint32_t saddr, smask, daddr, dmask;
    struct in6_addr saddr6, daddr6; /* ip6 saddr/daddr (fw_rule6.c) */
    uint8_t splen6, dplen6;         /* their prefix lengths; 0: any */
    struct fw_ports sport, dport;
    uint8_t verdict;
    uint8_t reject_with;
    uint32_t nat_addr; /* snat/dnat to */
    uint16_t nat_port; /* dnat to ADDR:PORT (host order; 0: keep) */
    uint64_t packets, bytes;
};

/* The policies and rules of every hook, in file order. A hook may have
 * one base chain per family: policy[0] is IPv4's, policy[1] IPv6's. */
struct fw_ruleset {
    uint8_t has_chain[FW_HOOKS]; /* FW_FAM_* that have a chain there */
    uint8_t policy[2][FW_HOOKS]; /* FW_ACCEPT or FW_DROP */
    uint64_t policy_packets[2][FW_HOOKS];
    unsigned nrules;
    struct fw_rule rules[ROUTER_RULES_MAX];
};

/* What a rule looks at in a packet. */
struct fw_pkt {
    uint8_t hook;
    uint8_t family; /* FW_FAM_IP or FW_FAM_IP6 */
    uint8_t iif, oif;
    uint8_t proto;
    uint8_t ct;        /* one FW_CT_* bit */
    uint8_t has_ports; /* sport/dport (TCP, UDP) valid */
    int16_t icmp_type; /* -1: not ICMP */
    uint32_t src, dst;
    struct in6_addr src6, dst6; /* IPv6's */
    uint16_t sport, dport;      /* host order */
    size_t len;
};

/* fw_parse.c: the nftables subset (pure; host unit tested) */
/* 0, or -1 with err holding "line N: why" (one line). */
int fw_parse(const char *text, size_t len, struct fw_ruleset *rs, char *err,
             size_t errlen);

/* fw_match.c: evaluation (pure) */
/* The verdict of hook's chain for p (counting), and the rule that gave
 * it (NULL: the policy). FW_ACCEPT when no chain hooks there. */
int fw_eval(struct fw_ruleset *rs, const struct fw_pkt *p,
            const struct fw_rule **rule);

/* conntrack.c: bounded table of flows (pure but for the hash key) */
struct ct_tuple {
    uint32_t src, dst;          /* IPv4's (0 for IPv6) */
    struct in6_addr src6, dst6; /* IPv6's (all 0 for IPv4) */
    uint16_t sport, dport;      /* ICMP echo: both the identifier */
    uint8_t proto;
    uint8_t v6;
};

#define CT_REPLIED 1 /* a packet came back */
#define CT_ASSURED 2 /* TCP established or UDP replied: never evicted early */
#define CT_SNAT 4
#define CT_DNAT 8

struct ct_entry {
    struct ct_tuple t[2]; /* [0] as the first packet came, [1] the reply
                             as it will come (after NAT) */
    uint16_t next[2];     /* hash chains, CT_NIL-terminated */
    uint8_t used, flags, tcp_state;
    uint64_t expires;
};

#define CT_NIL 0xffff
int ct_lookup(const struct ct_tuple *t, int *dir); /* index, or -1 */
/* A new flow; -1 when the table is full of flows that may not be
 * evicted (a never-replied one is, the oldest first). */
int ct_insert(const struct ct_tuple *orig, const struct ct_tuple *reply,
              uint64_t now);
/* Rewrite the reply tuple (NAT chose a port) before the flow is used. */
void ct_set_reply(int idx, const struct ct_tuple *reply);
struct ct_entry *ct_get(int idx);
void ct_remove(int idx);
/* Another packet of flow idx in direction dir (0 original, 1 reply); for
 * TCP its flags byte. Returns the packet's FW_CT_* state. */
int ct_update(int idx, int dir, uint8_t tcp_flags, uint64_t now);
uint64_t ct_expire(uint64_t now); /* drop what timed out; next deadline */
unsigned ct_count(void);
uint64_t ct_evicted(void); /* flows pushed out for new ones */
void ct_reset(void);       /* empty (unit tests) */
/* 1 if a tuple is taken by some flow in either direction. */
int ct_tuple_used(const struct ct_tuple *t);

/* conntrack_tcp.c: TCP's state machine (RFC 793's states, conntrack's
 * timeouts) */
enum {
    CT_TCP_NONE,
    CT_TCP_SYN_SENT,
    CT_TCP_SYN_RECV,
    CT_TCP_ESTABLISHED,
    CT_TCP_FIN_WAIT,
    CT_TCP_CLOSE_WAIT,
    CT_TCP_TIME_WAIT,
    CT_TCP_CLOSE,
};
/* The state after a segment with flags in direction dir; -1: invalid
 * (a SYN-less first segment, an ACK before the SYN-ACK). */
int ct_tcp_next(int state, int dir, uint8_t flags);
uint64_t ct_tcp_timeout(int state);
/* The timeouts of the others (ns). */
#define CT_UDP_TIMEOUT 30000000000ull
#define CT_UDP_STREAM_TIMEOUT 120000000000ull
#define CT_ICMP_TIMEOUT 30000000000ull

/* nat.c: translation of one packet (IP header at pkt, all of it) */
/* Choose the reply tuple for a new flow translated by rule r leaving
 * through out (masquerade: its address): fills reply; -1 when no port
 * is free. */
int nat_choose(const struct fw_rule *r, uint32_t out_addr,
               const struct ct_tuple *orig, struct ct_tuple *reply);
/* Make the packet's addresses and ports those of want (a tuple as the
 * packet should leave), fixing every checksum. */
void nat_rewrite(uint8_t *pkt, size_t len, const struct ct_tuple *want);
/* The same for an ICMP error: the outer destination and the quoted
 * packet's source (want is the quoted packet's tuple as it must read). */
void nat_rewrite_error(uint8_t *pkt, size_t len, uint32_t outer_dst,
                       const struct ct_tuple *quoted);
/* RFC 1624's incremental update of checksum field at sum for a 16-bit
 * word changing from old to new. */
void nat_csum16(uint8_t *sum, uint16_t old, uint16_t new_);
void nat_csum32(uint8_t *sum, uint32_t old, uint32_t new_);

/* fw_packet.c: reading a packet into a tuple and an fw_pkt */
/* 0 with t filled (ports from the transport header; ICMP echo's
 * identifier), or -1 for a transport header too short to read. */
int fw_tuple_of(const uint8_t *pkt, size_t len, struct ct_tuple *t);
void fw_tuple_invert(const struct ct_tuple *t, struct ct_tuple *out);
/* 1 if pkt is an ICMP error; its quoted packet's tuple then in q. */
int fw_icmp_error_quote(const uint8_t *pkt, size_t len, struct ct_tuple *q);
/* IPv6's: the transport (proto, at l4 in pkt, the caller having walked
 * the extension headers) gives ports, or ICMPv6 echo's identifier. */
int fw_tuple_of6(const uint8_t *pkt, size_t len, size_t l4, uint8_t proto,
                 struct ct_tuple *t);
/* 1 if the ICMPv6 message at l4 is an error (RFC 4443 types 1-4) whose
 * quote (an IPv6 header, then its transport: no extension headers) names
 * a flow, then in q. */
int fw_icmp6_error_quote(const uint8_t *pkt, size_t len, size_t l4,
                         struct ct_tuple *q);

/* fw_rule6.c: IPv6's words in a rule (ip6 saddr/daddr/nexthdr, icmpv6) */
/* 1 if a prefix (addr, plen) holds a; pure. */
int fw_prefix6_holds(const struct in6_addr *want, uint8_t plen,
                     const struct in6_addr *a);

#endif
