/*
 * ip6.h: the map of components/net's IPv6 half (RFC 8200, 4443, 4861,
 * 4862, 3810), its cross-file functions under a heading per file. Only
 * components/net includes it; netint.h carries the few hooks the IPv4
 * half calls (ip6_input, ip6_start, ip6_timer).
 *
 * Conventions as netint.h's: outgoing packets are built in a caller's
 * buffer with NET6_HEADROOM bytes free in front of what follows the
 * IPv6 header; addresses are struct in6_addr (bytes in network order).
 * Per-interface IPv6 state lives here (struct if6), not in struct
 * netif, so the IPv4 files never see it.
 */
#ifndef KILN_IP6_H
#define KILN_IP6_H

#include "netint.h"

#define IP6_HLEN 40
#define NET6_HEADROOM (ETH_HLEN + IP6_HLEN)
#define IP6_MIN_MTU 1280
#define IP6_HLIM_DEFAULT 64
#define ADDR6_MAX 6 /* per interface: link-local, SLAAC, static, ... */

#define IPPROTO_HOPOPTS_ 0
#define IPPROTO_ICMPV6_ 58

/* What IPv6 input tells ICMPv6 (and later the transports). */
struct ip6_info {
    struct netif *nif;
    struct in6_addr src, dst;
    uint8_t hlim;
    uint8_t mcast;      /* dst is a multicast group */
    uint8_t csum_ok;    /* the NIC vouched for the transport checksum */
    const uint8_t *pkt; /* the packet from its IPv6 header (for quotes) */
    size_t pkt_len;
};

enum { A6_FREE, A6_TENTATIVE, A6_PREFERRED };
enum { A6_LINKLOCAL, A6_SLAAC, A6_STATIC, A6_LOOPBACK };

struct addr6 {
    struct in6_addr a;
    uint8_t state, how, plen;
    uint8_t dad_left;      /* DAD solicitations still to send */
    uint8_t dad_counter;   /* RFC 7217's DAD_Counter (SLAAC addresses) */
    uint64_t dad_at;       /* the next solicitation, or the end of DAD */
    uint64_t valid_until;  /* NET_NEVER: no lifetime */
    uint64_t prefer_until; /* past it the address is deprecated */
};

struct if6 {
    struct addr6 addrs[ADDR6_MAX];
    uint8_t on;      /* IPv6 runs on this interface (not ip6=off) */
    uint8_t slaac;   /* take addresses from router advertisements */
    uint8_t hlim;    /* from RAs, else IP6_HLIM_DEFAULT */
    uint16_t mtu;    /* from the RA MTU option, else the NIC's */
    uint8_t rs_left; /* router solicitations still to send */
    uint64_t rs_at;  /* when the next one goes */
    uint32_t retrans_ms;
};

/* netif6.c: ip6= options, start-up, timers (hooks in netint.h) */

/* ipv6.c: input, output, routing and source selection */
struct if6 *if6_of(const struct netif *nif);
/* The pseudo-header sum of RFC 8200 section 8.1 (len in host order). */
uint32_t ip6_pseudo(const struct in6_addr *src, const struct in6_addr *dst,
                    uint8_t proto, size_t len);
/* Send len bytes at buf + NET6_HEADROOM after an IPv6 header with next
 * header proto. nif NULL: routed; else out of nif (link-local and
 * multicast destinations need it). src NULL: chosen (RFC 6724's
 * rules 1, 2 and 3 in short); :: is sent as given. hlim 0: the interface's.
 * Fragments what exceeds the path MTU. 0, -ENETUNREACH, -EMSGSIZE,
 * -ENOBUFS. buf must be NET6_HEADROOM + len bytes. */
int ip6_send(struct netif *nif, uint8_t *buf, size_t len,
             const struct in6_addr *src, const struct in6_addr *dst,
             uint8_t proto, uint8_t hlim);
/* ip6_send with offload metadata m (NULL: none), offsets from buf: a
 * partial checksum is left to a NIC that offers HC_NET_TX_CSUM and
 * completed here for any other (the loopback, a fragmented packet). */
int ip6_send_meta(struct netif *nif, uint8_t *buf, size_t len,
                  const struct in6_addr *src, const struct in6_addr *dst,
                  uint8_t proto, uint8_t hlim, const struct hc_net_meta *m);
/* The interface toward dst (the loopback for our own addresses), its
 * next hop in *nh; NULL: no route. */
struct netif *ip6_route(const struct in6_addr *dst, struct in6_addr *nh);
/* The MTU toward dst leaving by nif: the link's, or less if Packet Too
 * Big said so. */
uint16_t ip6_path_mtu(struct netif *nif, const struct in6_addr *dst);
int ip6_is_multicast(const struct in6_addr *a);
int ip6_is_linklocal(const struct in6_addr *a);
int ip6_is_unspecified(const struct in6_addr *a);
/* ff02::1:ffXX:XXXX for a (RFC 4291 section 2.7.1). */
void ip6_solicited(const struct in6_addr *a, struct in6_addr *out);
/* Text form for console lines (inet_ntop's). */
const char *ip6_text(const struct in6_addr *a, char *buf, size_t n);

/* ip6_ext.c: the extension header chain (pure, host unit tested) */
enum { IP6W_DELIVER, IP6W_FRAG, IP6W_DROP, IP6W_PARAM };
struct ip6_walk {
    int verdict;
    uint8_t nh;   /* DELIVER: the upper-layer protocol; FRAG: 44 */
    size_t off;   /* where that header starts */
    uint8_t code; /* PARAM: the ICMPv6 parameter problem code */
    uint32_t ptr; /* PARAM: its pointer, from the IPv6 header;
                   * DELIVER: where the field naming nh sits */
};
/* Walk pkt's headers from next header nh at off. after_frag: the chain
 * continues a reassembled datagram (a hop-by-hop header is misplaced
 * there, a second fragment header dropped). mcast: dst is multicast
 * (option action 11 then sends no error). */
void ip6_walk(const uint8_t *pkt, size_t len, uint8_t nh, size_t off,
              int after_frag, int mcast, struct ip6_walk *w);

/* reasm6.c: fragment reassembly, bounded, 60 s, RFC 5722 */
/* pkt (len bytes) has its fragment header at frag_off. Returns the whole
 * datagram (an IPv6 header whose next header is the fragment's, then
 * the data; valid until the next call) once complete, else NULL. On a
 * bad offset or length, *param is set to the parameter problem pointer
 * (and NULL returned). */
uint8_t *reasm6_add(const uint8_t *pkt, size_t len, size_t frag_off,
                    size_t *whole_len, uint32_t *param);
uint64_t reasm6_timer(uint64_t now);

/* icmp6.c */
void icmp6_input(const struct ip6_info *ip, uint8_t *msg, size_t len);
/* An error (type, code, the 32-bit parameter) about the packet at pkt,
 * unless RFC 4443 2.4(e) forbids one, within the rate limit; out of the
 * interface it came in on (NULL: routed). */
void icmp6_error(struct netif *nif, const uint8_t *pkt, size_t len,
                 uint8_t type, uint8_t code, uint32_t param);
/* The path MTU toward dst that Packet Too Big taught (0: none known). */
uint16_t icmp6_pmtu(const struct in6_addr *dst);
uint64_t icmp6_timer(uint64_t now);

/* nd.c: neighbour cache and NS/NA (RFC 4861 sections 7) */
void nd_input(const struct ip6_info *ip, const uint8_t *msg, size_t len);
/* Send the IPv6 packet at pkt (ETH_HLEN free before it) to next hop nh
 * on nif: multicast mapped, else resolved (queued meanwhile). */
int nd_output(struct netif *nif, const struct in6_addr *nh, uint8_t *pkt,
              size_t len);
/* The same with offload metadata (NULL: none; offsets from pkt -
 * ETH_HLEN). A packet queued for resolution has its checksum completed
 * first: the queue sends final frames only. */
int nd_output_meta(struct netif *nif, const struct in6_addr *nh, uint8_t *pkt,
                   size_t len, const struct hc_net_meta *m);
/* A neighbour solicitation for target from our address on nif, or
 * (from_us 0, DAD) from ::. dst NULL: target's solicited-node group. */
void nd_solicit(struct netif *nif, const struct in6_addr *target, int from_us,
                const struct in6_addr *dst);
/* Learn (or refresh to STALE) a link-layer address from an option. */
void nd_learn(struct netif *nif, const struct in6_addr *a, const uint8_t mac[6],
              int is_router);
/* Find the ND option of type in opts; its body (after type, length). */
const uint8_t *nd_option(const uint8_t *opts, size_t len, uint8_t type,
                         size_t *olen);
int nd_options_valid(const uint8_t *opts, size_t len);
uint64_t nd_timer(uint64_t now);

/* ra.c: router solicitations, advertisements, routers, prefixes, DNS */
void ra_input(const struct ip6_info *ip, const uint8_t *msg, size_t len);
void ra_start(struct netif *nif); /* begin soliciting */
/* The default router for nif (NULL: none); on-link test for dst. */
const struct in6_addr *ra_router(const struct netif *nif);
int ra_onlink(const struct netif *nif, const struct in6_addr *dst);
/* A static default router (ip6=...,GW) and a static address's on-link
 * prefix, never expiring. */
void ra_add_static(struct netif *nif, const struct in6_addr *gw);
void ra_add_prefix(struct netif *nif, const struct in6_addr *a, uint8_t plen);
uint64_t ra_timer(uint64_t now);

/* addr6.c: our addresses, SLAAC and DAD (RFC 4862) */
/* Add a tentative address (DAD starts) unless it exists; lifetimes in
 * seconds (UINT32_MAX: infinite). Returns it or NULL when full. */
struct addr6 *addr6_add(struct netif *nif, const struct in6_addr *a,
                        uint8_t plen, uint8_t how, uint32_t valid,
                        uint32_t preferred);
/* Ours on nif (any state), or NULL; nif NULL: on any interface. */
struct addr6 *addr6_find(const struct netif *nif, const struct in6_addr *a);
/* DAD found a or a peer claiming it: give it up and say so. */
void addr6_conflict(struct netif *nif, struct addr6 *ad, const char *how);
/* A preferred address on nif (NULL: dst's route's) for dst's scope, or
 * NULL. */
const struct addr6 *addr6_source(const struct netif *nif,
                                 const struct in6_addr *dst);
/* Join the groups of nif's addresses: 1 if dst is one we listen to. */
int addr6_listens(const struct netif *nif, const struct in6_addr *dst);
/* The modified EUI-64 interface identifier (RFC 4291 appendix A). */
void addr6_eui64(const struct netif *nif, uint8_t iid[8]);
/* SLAAC's address for prefix (RFC 7217: stableid6.c), or a refresh of
 * the lifetimes of the one it already gave. */
void addr6_slaac(struct netif *nif, const uint8_t prefix[8], uint32_t valid,
                 uint32_t preferred);
uint64_t addr6_timer(uint64_t now);

/* mld.c: MLDv2 reports for our solicited-node groups (RFC 3810) */
void mld_changed(struct netif *nif); /* groups changed: report (twice) */
void mld_query(const struct ip6_info *ip, const uint8_t *msg, size_t len);
uint64_t mld_timer(uint64_t now);

/* stableid6.c: RFC 7217 identifiers (pure, host unit tested) */
/* The ip6.secret= boot option in cmdline (before "--") into key: 1,
 * 0 when absent, -1 when it is not 32 hex digits. */
int stableid6_secret(const char *cmdline, uint8_t key[16]);
/* The identifier for prefix on the NIC with mac at DAD counter counter,
 * or at the next counter that gives no reserved one (RFC 5453): that
 * counter is returned. */
uint8_t stableid6_iid(const uint8_t key[16], const uint8_t prefix[8],
                      const uint8_t mac[6], uint8_t counter, uint8_t iid[8]);

/* scope6.c (the net_l4_scope* calls are in netint.h) */
int scope6_linked(net_addr a); /* link-local unicast or multicast */
uint32_t scope6_id(const struct netif *nif); /* 0 for the loopback */
struct netif *scope6_owner(net_addr a);      /* holds our address a */

/* ip6config.c: parsing ip6= (pure, host unit tested) */
struct ip6_config {
    int off; /* ip6=off */
    int have_addr;
    struct in6_addr addr, gw; /* gw unspecified: none */
    uint8_t plen;
    char why[96];
};
int ip6config_parse(const char *opt, struct ip6_config *out);

#endif
