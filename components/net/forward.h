/*
 * forward.h: between forward.c (the pipeline) and forward_out.c (what
 * leaves: forwarded packets, fragments, rejections, the counters).
 */
#ifndef KILN_FORWARD_H
#define KILN_FORWARD_H

#include "fw.h"
#include "netint.h"

/* One packet on its way through the router. */
struct fwd {
    struct netif *in, *out;
    uint8_t *pkt; /* its IP header; ETH_HLEN free before it */
    size_t len;
    uint32_t nh;
    struct ct_tuple t;     /* as it came */
    struct ct_tuple reply; /* a new flow's reply tuple so far */
    struct ct_tuple want;  /* as it must leave */
    int ct;                /* its flow, or -1 */
    int dir;               /* 0: the flow's original direction, 1: reply */
    int related;           /* an ICMP error about the flow ct */
    uint8_t state;         /* FW_CT_* */
    uint8_t tcp_flags;
    uint64_t now;
};

/* Per-interface and global counters (router_report prints them). */
struct fwd_if_stats {
    uint64_t in, out, local, filtered;
};
struct fwd_stats {
    struct fwd_if_stats nif[NETIF_MAX];
    uint64_t ttl, too_big, martian, no_route, ct_full, nat_full, invalid;
    uint64_t tx_lost;           /* the NIC's ring was full, or ARP failed */
    uint64_t coalesced, pieces; /* NIC-coalesced segments, and the cut */
};

extern struct fwd_stats fwd_stats;
extern struct fw_ruleset fwd_rules;

/* forward_rx.c: a packet the NIC left partial (its checksum completed
 * here: 0) or coalesced (cut, each piece through ip_input: 1). */
int fwd_rx_plain(struct netif *nif, uint8_t *pkt, size_t len);

/* forward_out.c */
/* Send f's packet (translated, TTL lowered) through f->out, or hold it
 * while the NIC's ring is full. Returns 1. */
int fwd_send(struct fwd *f);
/* reject as rule r says (ICMP unreachable or TCP RST); returns 1. */
int fwd_reject(struct fwd *f, const struct fw_rule *r);
/* The buffer (ETH_HLEN + 64 KiB) a reassembled datagram moves into. */
uint8_t *fwd_big_buffer(void);

#endif
