/*
 * netint.h: the map of components/net, its cross-file functions under a
 * heading per file. Only components/net includes this; everyone else
 * uses net.h.
 *
 * Conventions. IPv4 addresses are uint32_t in network byte order; ports
 * are uint16_t in network byte order. Outgoing packets are built in a
 * caller's buffer with NET_HEADROOM bytes free in front of the transport
 * header, so the lower layers prepend their headers without copying.
 * Timers: each module that has some exports X_timer(now), which does what
 * is due and returns its next deadline (UINT64_MAX: none); the stack's
 * thread sleeps until the earliest one or a frame arrives.
 */
#ifndef KILN_NETINT_H
#define KILN_NETINT_H

#include <stddef.h>
#include <stdint.h>
#include "hypercall.h"
#include "net.h"

#define NETIF_MAX 4
#define ETH_HLEN 14
#define IP_HLEN 20 /* we never send IP options */
#define NET_HEADROOM (ETH_HLEN + IP_HLEN)
#define NET_MTU_MAX 1500 /* a NIC's; the loopback interface's is larger */
#define NET_LOOP_MTU 16384
#define NET_FRAME_MAX (ETH_HLEN + NET_MTU_MAX)
#define NET_NEVER UINT64_MAX

/* One NIC and its IPv4 configuration. */
struct netif {
    unsigned idx; /* hc_net_* index */
    uint8_t mac[6];
    uint16_t mtu;
    uint8_t present;
    uint8_t use_dhcp;
    uint32_t addr, mask, gw; /* 0 until configured */
    uint8_t loopback;  /* the one 127.0.0.0/8 interface (netif_loopback) */
    uint32_t offloads; /* the NIC's HC_NET_* (0 for loopback) */
    /* The frame being delivered came with its transport checksum checked
     * or left partial by a sender on the same host (hc_net_meta): set by
     * netif.c around eth_input, 0 otherwise (replays, fragments). */
    uint8_t rx_csum_ok;
    /* ... and its metadata, for a router that must not forward frames
     * left partial or coalesced (forward_rx.c); NULL otherwise. */
    const struct hc_net_meta *rx_meta;
};

/* Transport addresses of either family: IPv6's 16 bytes, IPv4's in the
 * v4-mapped form ::ffff:a.b.c.d (RFC 4291 2.5.5.2), so a TCP connection
 * holds one address type for both. :: is an IPv6 socket's wildcard,
 * ::ffff:0.0.0.0 an IPv4 one's. Passed by value: 16 bytes. */
typedef struct in6_addr net_addr;

static inline net_addr addr_from4(uint32_t a)
{
    net_addr x = {.s6_addr = {[10] = 0xff, [11] = 0xff}};
    __builtin_memcpy(x.s6_addr + 12, &a, 4);
    return x;
}

static inline int addr_is4(net_addr a)
{
    static const uint8_t pre[12] = {[10] = 0xff, [11] = 0xff};
    return !__builtin_memcmp(a.s6_addr, pre, 12);
}

static inline uint32_t addr_to4(net_addr a)
{
    uint32_t v;
    __builtin_memcpy(&v, a.s6_addr + 12, 4);
    return v;
}

static inline int addr_eq(net_addr a, net_addr b)
{
    return !__builtin_memcmp(&a, &b, sizeof a);
}

/* :: or ::ffff:0.0.0.0: a socket bound to no address. */
static inline int addr_is_wild(net_addr a)
{
    static const net_addr any;
    return addr_eq(a, any) || addr_eq(a, addr_from4(0));
}

/* What IPv4 (or IPv6) input tells the transport about a packet. */
struct ip_info {
    struct netif *nif; /* the interface it arrived on */
    uint32_t src, dst; /* IPv4 only */
    uint8_t ttl, tos;
    uint8_t broadcast;  /* to a broadcast or multicast address */
    uint8_t csum_ok;    /* the NIC vouched for the transport checksum */
    const uint8_t *hdr; /* its IP header (what ICMP errors quote) */
    uint8_t v6;         /* IPv6: src6 and dst6 hold the addresses */
    struct in6_addr src6, dst6;
};

static inline net_addr ip_src_addr(const struct ip_info *ip)
{
    return ip->v6 ? ip->src6 : addr_from4(ip->src);
}

static inline net_addr ip_dst_addr(const struct ip_info *ip)
{
    return ip->v6 ? ip->dst6 : addr_from4(ip->dst);
}

/* netif.c: interfaces, the stack's thread, wake-ups */
struct netif *netif_get(unsigned i); /* NULL past the last present one */
int netif_is_local(uint32_t addr);   /* one of our configured addresses */
void net_notify(void); /* socket readiness may have changed: wake waiters */
/* s's readiness may have risen: tell its watcher (net_watch), then wake
 * the waiters as net_notify does. s may have been freed (no watcher). */
void net_sock_notify(struct net_sock *s);
uint32_t net_random32(void); /* from hc_entropy, buffered */
/* The loopback interface (127.0.0.1/8, no NIC): route_lookup gives it
 * for 127/8 and for our own addresses; it is never among netif_get's. */
struct netif *netif_loopback(void);
/* A timer was armed for deadline from a thread other than the stack's:
 * wake the stack's thread if it sleeps past it, so it re-reads X_timer.
 * Cheap when not needed; call it whenever a deadline may move earlier. */
void net_timer_kick(uint64_t deadline);
/* Wake (starting it if no NIC did) the stack's thread: loopback.c. */
void netif_kick(void);
/* The line "net: eth0 MAC ADDR/LEN gw GW (how)" for a configured nif. */
void netif_describe(const struct netif *nif, const char *how);

/* checksum.c: sums are numbers in host order (the folded sum of the
 * big-endian 16-bit words); store inet_fold's result with htons(). A
 * header verifies when inet_fold of its sum is 0. */
uint32_t inet_sum(const void *p, size_t len, uint32_t sum);
uint16_t inet_fold(uint32_t sum); /* one's complement of the folded sum */
/* The pseudo-header sum for TCP/UDP over IPv4 (len in host order). */
uint32_t inet_pseudo(uint32_t src, uint32_t dst, uint8_t proto, size_t len);
/* Complete in software the partial checksum meta describes (the frame
 * at f, len bytes): for a NIC or a path that cannot. */
void inet_csum_finish(uint8_t *f, size_t len, const struct hc_net_meta *m);

/* eth.c */
void eth_input(struct netif *nif, uint8_t *frame, size_t len);
/* Send an IPv4 packet (at pkt, len bytes, ETH_HLEN free before it) to
 * next hop nh on nif: ARP resolves, queueing it meanwhile. */
int eth_output_ip(struct netif *nif, uint32_t nh, uint8_t *pkt, size_t len);
/* The same with offload metadata for the NIC (NULL: none). A packet
 * with offloads is never queued for ARP: -ENOBUFS until it resolves. */
int eth_output_ip_meta(struct netif *nif, uint32_t nh, uint8_t *pkt, size_t len,
                       const struct hc_net_meta *m);
/* Send payload (ETH_HLEN free before it) to MAC dst with EtherType type
 * (host order). 0, or -ENOBUFS when the NIC's ring is full. */
int eth_send(struct netif *nif, const uint8_t dst[6], uint16_t type,
             uint8_t *payload, size_t len);
int eth_send_meta(struct netif *nif, const uint8_t dst[6], uint16_t type,
                  uint8_t *payload, size_t len, const struct hc_net_meta *m);

/* arp.c: bounded cache, timeouts, packets queued while resolving */
void arp_input(struct netif *nif, const uint8_t *arp, size_t len);
/* 0 with mac filled, or -EAGAIN after queueing a copy of pkt (none if
 * pkt is NULL) and asking;
 * -EHOSTUNREACH if the address did not answer lately. */
int arp_resolve(struct netif *nif, uint32_t nh, uint8_t mac[6],
                const uint8_t *pkt, size_t len);
uint64_t arp_timer(uint64_t now);
/* Gratuitous ARP for nif's (new) address. */
void arp_announce(struct netif *nif);

/* route.c: the routing table (a connected route per interface plus
 * default routes) */
/* The interface and next hop for dst, or NULL (-ENETUNREACH). */
struct netif *route_lookup(uint32_t dst, uint32_t *next_hop);
uint32_t route_source(uint32_t dst); /* our address toward dst, or 0 */

/* ipv4.c */
void ip_input(struct netif *nif, uint8_t *pkt, size_t len);
/* Send the transport bytes at buf + NET_HEADROOM (len of them) from src
 * (0: route_source) to dst. Fragments when longer than the MTU unless
 * df. Returns 0, -ENETUNREACH, -EHOSTUNREACH, -EMSGSIZE, or -ENOBUFS
 * when the NIC's ring is full (TCP retries later; UDP drops). buf must
 * be NET_HEADROOM + len bytes. */
int ip_send(uint8_t *buf, size_t len, uint32_t src, uint32_t dst, uint8_t proto,
            int df);
/* ip_send with offload metadata (NULL: none) for the NIC: a segmenting
 * packet (gso_type set) may exceed the MTU, up to 65535 bytes. Offsets in
 * m count from the Ethernet header. The interface must offer what m asks
 * (ip_offloads). */
int ip_send_meta(uint8_t *buf, size_t len, uint32_t src, uint32_t dst,
                 uint8_t proto, int df, const struct hc_net_meta *m);
/* The offloads (HC_NET_TX_*) of the interface packets to dst leave by. */
uint32_t ip_offloads(uint32_t dst);
/* The same on one interface regardless of routes (DHCP's broadcasts). */
int ip_send_if(struct netif *nif, uint8_t *buf, size_t len, uint32_t src,
               uint32_t dst, uint8_t proto);

/* loopback.c: packets to 127/8 and to ourselves, queued (copied) by
 * the sender's call and delivered by the stack's thread, which the first
 * one starts if no NIC did. */
int loop_send(const uint8_t *pkt, size_t len); /* 0 or -ENOBUFS */
int loop_drain(void); /* deliver queued packets; 1 if some remain */

/* early.c: packets for us before DHCP binds, replayed once it has */
void early_hold(struct netif *nif, const uint8_t *pkt, size_t len);
int early_due(void);     /* 1 if a held packet's interface is bound */
void early_replay(void); /* ip_input each due packet; drop stale ones */

/* forward.c: linked only into a router (app/router, through router.h),
 * hence weak. Every packet that passed ip_input's header checks: 1 if
 * it was taken (forwarded, filtered, held as a fragment), 0 to deliver
 * *pkt, *len (maybe a reassembled datagram) here. */
int fwd_input(struct netif *nif, uint8_t **pkt, size_t *len)
    __attribute__((weak));
/* Send forwarded packets held while a NIC's ring was full, until a
 * ring refuses again: that NIC's next completion is a device event
 * (hc_net_send), so the stack's thread may wait for it. */
void fwd_flush(void) __attribute__((weak));
/* 1 while nif's last forwarded packet went to a NIC whose hold queue is
 * full: leave nif's frames in its ring (the host then stops taking
 * more) rather than take them only to lose them. */
int fwd_rx_paused(const struct netif *nif) __attribute__((weak));
/* forward6.c: the same for IPv6 (pkt, len: the packet from its header,
 * whose fixed part ip6_input checked). */
int fwd6_input(struct netif *nif, uint8_t *pkt, size_t len)
    __attribute__((weak));
/* forward_local.c: a packet of either family the stack sends out of
 * nif, so the flow table sees the router's replies (stateful input). */
void fwd_local_out(const struct netif *nif, const uint8_t *pkt, size_t len)
    __attribute__((weak));

/* reasm.c: fragment reassembly, bounded memory, 30 s timeout */
/* Returns the whole datagram (in a reassembly buffer valid until the
 * next call) once complete, else NULL. */
uint8_t *reasm_add(const uint8_t *pkt, size_t len, size_t *whole_len);
uint64_t reasm_timer(uint64_t now);

/* icmp.c */
void icmp_input(const struct ip_info *ip, uint8_t *msg, size_t len);
/* Destination unreachable (code: 3 port, 2 protocol, 4 frag needed)
 * quoting the offending packet (its IP header at pkt). */
void icmp_send_unreach(const uint8_t *pkt, size_t len, uint8_t code);
/* Any error message (type 11 code 1: reassembly time exceeded), with
 * the same checks and rate limit. */
void icmp_send_error(const uint8_t *pkt, size_t len, uint8_t type,
                     uint8_t code);
/* Fragmentation needed and DF set, naming the next hop's MTU (RFC 1191). */
void icmp_send_frag_needed(const uint8_t *pkt, size_t len, uint16_t mtu);

/* udp.c: UDP below the sockets */
#define UDP_HLEN 8
void udp_input(const struct ip_info *ip, uint8_t *dgram, size_t len);
/* Send len payload bytes at buf + NET_HEADROOM + 8 as one datagram;
 * through nif regardless of routes (DHCP) when nif is not NULL. */
int udp_output(struct netif *nif, uint8_t *buf, size_t len, uint32_t src,
               uint32_t dst, uint16_t sport, uint16_t dport);

/* udp_sock.c: datagram sockets. Weak: linked only for a program that
 * can make a SOCK_DGRAM socket (syscall.c's SYSCALL_ARG_NEEDS); in any
 * other image these are null and no port is open. */
#pragma weak udp_sock_create
#pragma weak udp_sock_create6
#pragma weak udp_sock_demux
#pragma weak udp_icmp_error
#pragma weak udp_icmp6_error
int udp_sock_create(struct net_sock **out);
int udp_sock_create6(struct net_sock **out); /* AF_INET6 */
/* Queue a checked datagram on its socket(s); 0 when none takes it. */
int udp_sock_demux(const struct ip_info *ip, uint16_t sport, uint16_t dport,
                   const uint8_t *data, size_t len);
/* An ICMP error about a datagram we sent (quoted: its IP header + 8). */
void udp_icmp_error(const uint8_t *quoted, size_t len, int err);
/* The same for ICMPv6: quoted is our datagram's IPv6 header onwards. */
void udp_icmp6_error(const uint8_t *quoted, size_t len, int err);

/* l4.c: TCP's and UDP's way down to either IP (IPv4 for v4-mapped) */
/* Send len transport bytes at buf + NET_HEADROOM (buf as ip_send's). */
int net_l4_send(uint8_t *buf, size_t len, net_addr src, net_addr dst,
                uint8_t proto, int df);
uint32_t net_l4_pseudo(net_addr src, net_addr dst, uint8_t proto, size_t len);
net_addr net_l4_source(net_addr dst); /* wildcard if none */
int net_l4_is_local(net_addr a);
/* The most transport bytes one packet to dst carries unfragmented. */
uint16_t net_l4_room(net_addr dst);

/* scope6.c: sin6_scope_id, the NIC a link-local address means */
/* The id to report with peer: our address local's NIC's, or the NIC a
 * packet came in on (_in); 0 unless peer is link-scoped. */
uint32_t net_l4_scope_of(net_addr peer, net_addr local);
uint32_t net_l4_scope_in(net_addr peer, const struct netif *nif);
/* Check scope for dst and, if *src is a wildcard, choose the source (its
 * NIC's address for a link-scoped dst). 0, -ENODEV (no such NIC),
 * -EINVAL (missing with several NICs, or *src is another NIC's). */
int net_l4_scoped(net_addr dst, uint32_t scope, net_addr *src);
/* bind()'s check: 0, -ENODEV, or -EADDRNOTAVAIL (a is not on that NIC). */
int net_l4_scope_bind(net_addr a, uint32_t scope);

/* tcp*.c: see tcp.h. Weak, as UDP's sockets are: TCP is linked only
 * for a program that can make a SOCK_STREAM socket (syscall.c's
 * SYSCALL_ARG_NEEDS); in any other image these are null, and a TCP
 * segment gets what any protocol the host does not speak gets (ICMP
 * protocol unreachable, ICMPv6 parameter problem), as RFC 1122 3.2.2.1
 * and RFC 8200 section 4 say. */
#pragma weak tcp_input
#pragma weak tcp_icmp_error
#pragma weak tcp_icmp6_error
#pragma weak tcp_sock_create
#pragma weak tcp_sock_create6
#pragma weak tcp_timer
void tcp_input(const struct ip_info *ip, uint8_t *seg, size_t len);
/* An ICMP error about a segment we sent: quoted is its IP header and at
 * least 8 bytes of TCP; err is -EHOSTUNREACH, -ECONNREFUSED, -EMSGSIZE
 * (with the next-hop MTU) ... */
void tcp_icmp_error(const uint8_t *quoted, size_t len, int err, uint16_t mtu);
/* The same for ICMPv6: quoted is the IPv6 header of our segment. */
void tcp_icmp6_error(const uint8_t *quoted, size_t len, int err, uint16_t mtu);
int tcp_sock_create(struct net_sock **out);
int tcp_sock_create6(struct net_sock **out); /* AF_INET6 */
uint64_t tcp_timer(uint64_t now);

/* IPv6 (ip6.h has the rest): what eth.c, loopback.c and netif.c call */
void ip6_input(struct netif *nif, uint8_t *pkt, size_t len);
void ip6_start(struct netif *nif); /* after IPv4's: link-local, SLAAC */
uint64_t ip6_timer(uint64_t now);

/* dhcp.c */
void dhcp_start(struct netif *nif);
void dhcp_input(struct netif *nif, const uint8_t *msg, size_t len);
int dhcp_bound(const struct netif *nif);
uint64_t dhcp_timer(uint64_t now);

/* ipconfig.c: parsing ip= (pure, host unit tested) */
struct ip_config {
    int dev;  /* NIC index, -1 if the option named none */
    int dhcp; /* 1: ip=dhcp (or autoconf) */
    int off;  /* 1: ip=off / none: leave the NIC unconfigured */
    uint32_t addr, gw, mask;
    char why[96]; /* after -EINVAL: what was wrong, for the log line */
};
int ipconfig_parse(const char *opt, struct ip_config *out);

/* socket.c: the generic socket object; protocols embed it first */
struct net_sock_ops {
    int (*bind)(struct net_sock *s, const struct sockaddr_in *a);
    int (*listen)(struct net_sock *s, int backlog);
    int (*accept)(struct net_sock *s, struct net_sock **child,
                  struct sockaddr_in *peer);
    int (*connect)(struct net_sock *s, const struct sockaddr_in *a);
    long (*send)(struct net_sock *s, const void *buf, size_t len, int flags,
                 const struct sockaddr_in *to);
    long (*recv)(struct net_sock *s, void *buf, size_t len, int flags,
                 struct sockaddr_in *from);
    int (*shutdown)(struct net_sock *s, int how);
    int (*close)(struct net_sock *s);
    unsigned (*poll)(struct net_sock *s);
    int (*getname)(struct net_sock *s, int peer, struct sockaddr_in *out);
    int (*setsockopt)(struct net_sock *s, int level, int name, const void *val,
                      socklen_t len);
    int (*getsockopt)(struct net_sock *s, int level, int name, void *val,
                      socklen_t *len);
};
struct net_sock {
    const struct net_sock_ops *ops;
    void (*watch)(void *arg); /* net_watch's; NULL: none */
    void *watch_arg;
};

#endif
