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
    struct hc_net_meta off; /* offloads it keeps out (forward_rx.c); 0s: none */
};

/* One IPv6 packet on its way (forward6.c): no NAT, so one tuple. */
struct fwd6 {
    struct netif *in, *out;
    uint8_t *pkt; /* its IPv6 header; ETH_HLEN free before it */
    size_t len;
    size_t l4; /* where the transport starts */
    struct ct_tuple t;
    int ct; /* its flow, or -1 */
    uint8_t state, tcp_flags, frag;
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
    uint64_t offloaded;         /* left with its offloads (forward_rx.c) */
    uint64_t coalesced, pieces; /* NIC-coalesced segments cut, the pieces */
};

extern struct fwd_stats fwd_stats;
extern struct fw_ruleset fwd_rules;

/* forward_rx.c */
/* The offloads a received packet would leave with (a partial checksum,
 * a coalesced segment), in *m; all zero for a plain one. -1: a coalesced
 * segment that cannot be forwarded. */
int fwd_rx_offloads(const struct netif *nif, const uint8_t *pkt, size_t len,
                    struct hc_net_meta *m);
/* The longest packet f leaves as: a coalesced segment's pieces. */
size_t fwd_wire_len(const struct fwd *f);
/* Send f through f->out with its offloads: 0, or -1 (that NIC cannot do
 * them, or not now): nothing sent. */
int fwd_send_offloaded(struct fwd *f);
/* Send f plain: checksum completed, a coalesced segment cut into its
 * pieces. 0, or -1 if some were lost. */
int fwd_send_plain(struct fwd *f);

/* forward.c */
/* The verdict of hook's chain for f, with the rule that gave it. */
int fwd_eval(struct fwd *f, int hook, const struct fw_rule **r);
int fwd_enabled(void); /* router_enable was called */
/* Now, having expired old flows if a second went by since the last. */
uint64_t fwd_tick(void);

/* forward6.c */
void fwd6_track(struct fwd6 *f);
void fwd6_view(const struct fwd6 *f, int hook, struct fw_pkt *p);
void fwd6_reject(const struct fwd6 *f, const struct fw_rule *r);

/* forward_local.c: the router's own traffic (the input chain) */
/* A packet to us: 0 to deliver it, 1 if the input chain took it. */
int fwd_local(struct fwd *f);
int fwd6_local(struct fwd6 *f);

/* forward_out.c */
/* Send f's packet (translated, TTL lowered) through f->out, or hold it
 * while the NIC's ring is full. Returns 1. */
int fwd_send(struct fwd *f);
/* One plain packet out of out (pkt with ETH_HLEN free before it),
 * fragmented if longer than its MTU: 0 sent or held, -1 lost. */
int fwd_emit(struct netif *out, uint32_t nh, uint8_t *pkt, size_t len);
/* The same for an IPv6 packet to next hop nh (never fragmented). */
int fwd_emit6(struct netif *out, const struct in6_addr *nh, uint8_t *pkt,
              size_t len);
/* Remember whether in's packet just sent had to wait for out's ring
 * (fwd_rx_paused in netint.h). */
void fwd_note_stall(const struct netif *in, const struct netif *out);
/* 1 if packets wait for out's ring (an offloaded one must not pass). */
int fwd_held(const struct netif *nif);
/* reject as rule r says (ICMP unreachable or TCP RST); returns 1. */
int fwd_reject(struct fwd *f, const struct fw_rule *r);
/* The buffer (ETH_HLEN + 64 KiB) a reassembled datagram moves into. */
uint8_t *fwd_big_buffer(void);

#endif
