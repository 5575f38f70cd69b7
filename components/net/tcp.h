/*
 * tcp.h: the internal map of Kiln's TCP (RFC 9293), between its files.
 *
 * Memory: up to TCP_PCB_MAX connection blocks (each one is also the
 * socket the application holds), taken in chunks of TCP_PCB_CHUNK as
 * connections come and kept for reuse, found by a hash of the 4-tuple;
 * and a table of small TIME_WAIT entries. Each connection's send and
 * receive bytes live in two rings of whole pages from hc_pages_alloc,
 * taken while they hold bytes (tcp_ring.c), indexed by sequence number, so
 * retransmission rebuilds segments from the send ring and out-of-order
 * data waits in the receive ring at its own place (bounded by the
 * window: no other buffer). A listener's half-open connections are pcbs
 * without rings; past its SYN backlog, SYN cookies take over.
 *
 * Time: hc_clock_monotonic nanoseconds; timestamps (RFC 7323) in ms.
 */
#ifndef KILN_TCP_H
#define KILN_TCP_H

#include <stdint.h>
#include "netint.h"

#define TCP_PCB_MAX 16384 /* 10,000 kept-alive clients and room to spare */
#define TCP_PCB_CHUNK 64  /* blocks taken from the page allocator at once */
#define TCP_TW_MAX 512
#define TCP_HLEN 20
#define TCP_OPT_MAX 40
#define TCP_OOO_MAX 4 /* out-of-order ranges kept (and SACK blocks) */
#define TCP_RING_DEFAULT (64 * 1024)
#define TCP_RING_MIN (4 * 1024)
#define TCP_RING_MAX (1024 * 1024)
#define TCP_MSS_NOOPT 536 /* when the peer sends no MSS option */
#define TCP_MSS_MIN 88
#define TCP_WSCALE 7 /* what we offer: Linux's usual value */
#define TCP_SYN_QUEUE_MAX 128
/* One remote address may hold at most this many of the TCP_PCB_MAX
 * blocks as half-open or accepted connections (a quarter: four hosts
 * cannot be locked out by one); its further SYNs get SYN cookies, and
 * a cookie ACK from it takes the place of one of its half-open ones or
 * is dropped. Our own addresses (loopback) are not limited. */
#define TCP_PEER_MAX (TCP_PCB_MAX / 4)
/* Connections the application closed that wait for the peer (FIN to
 * deliver, data behind a zero window): past this many, close() aborts
 * with a RST, as Linux does past tcp_max_orphans. Half the table: a
 * busy server closing many connections at once keeps its FINs. */
#define TCP_ORPHAN_MAX (TCP_PCB_MAX / 2)
/* An orphan's zero-window probes before it is reset, however the peer
 * answers them, unless it takes data meanwhile (Linux's
 * tcp_orphan_retries default). */
#define TCP_ORPHAN_RETRIES 8
#define TCP_BACKLOG_MAX 4096

#define MS (1000000ull) /* ns per ms */
#define TCP_RTO_MIN (200 * MS)
#define TCP_RTO_MAX (120000 * MS)
#define TCP_RTO_INIT (1000 * MS)
#define TCP_DELACK (40 * MS)
#define TCP_TW_TIME (60000 * MS) /* 2 * MSL, MSL = 30 s */
#define TCP_FIN_TIMEOUT (60000 * MS)
#define TCP_SYN_RETRIES 6
#define TCP_SYNACK_RETRIES 5
#define TCP_RETRIES 15

/* header flags */
#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_PSH 0x08
#define TH_ACK 0x10
#define TH_URG 0x20

enum tcp_state {
    TCPS_CLOSED,
    TCPS_LISTEN,
    TCPS_SYN_SENT,
    TCPS_SYN_RECEIVED,
    TCPS_ESTABLISHED,
    TCPS_FIN_WAIT_1,
    TCPS_FIN_WAIT_2,
    TCPS_CLOSE_WAIT,
    TCPS_CLOSING,
    TCPS_LAST_ACK,
    TCPS_TIME_WAIT,
};

/* Sequence space comparisons (mod 2^32). */
static inline int seq_lt(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b) < 0;
}
static inline int seq_le(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b) <= 0;
}
static inline int seq_gt(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b) > 0;
}
static inline int seq_ge(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b) >= 0;
}
static inline uint32_t seq_max(uint32_t a, uint32_t b)
{
    return seq_gt(a, b) ? a : b;
}

/* The TCP header as on the wire (fields in network byte order). Packed:
 * behind a 14-byte Ethernet header it sits at an odd 2-byte boundary. */
struct __attribute__((packed)) tcp_hdr {
    uint16_t sport, dport;
    uint32_t seq, ack;
    uint8_t off; /* data offset in the high nibble */
    uint8_t flags;
    uint16_t win, sum, urp;
};

/* Options of one segment, as parsed (host byte order). */
struct tcp_opts {
    uint8_t has_mss, has_ws, sack_ok, has_ts, nsack;
    uint8_t ws;
    uint16_t mss;
    uint32_t tsval, tsecr;
    uint32_t sack[4][2];
};

/* Out-of-order ranges [start, end) of sequence space, sorted, disjoint. */
struct tcp_ooo {
    uint8_t n;
    uint32_t start[TCP_OOO_MAX], end[TCP_OOO_MAX];
};

/* A byte ring of a power-of-two size, indexed by sequence number. */
struct tcp_ring {
    uint8_t *buf;  /* cap bytes; NULL while parked (empty) */
    uint32_t size; /* what it may hold (the window); 0 before the handshake */
    uint32_t cap;  /* bytes of pages it has now: 0, or a power of two */
};

struct tcp_pcb {
    struct net_sock sock; /* first: what the socket layer holds */
    uint8_t used, state;
    uint8_t orphan;   /* the application closed it */
    uint8_t passive;  /* made by a listener (SYN_RECEIVED -> LISTEN) */
    uint8_t fin_rcvd; /* peer's FIN taken in order */
    uint8_t fin_queued, shut_rd, shut_wr;
    uint8_t ts_ok, sack_ok, ws_ok, snd_wscale, rcv_wscale;
    uint8_t nodelay, cork, keepalive, reuseaddr, reuseport;
    uint8_t linger_on, in_recovery, dupacks;
    uint8_t ack_now, segs_unacked, timing, keep_probes, syn_cookie;
    uint8_t backoff, conn_done, queued, more, connecting, persist_probes;
    uint8_t force;         /* the persist timer overrides Nagle and SWS once */
    uint8_t sndbuf_locked; /* SO_SNDBUF was set: no autotuning */
    uint8_t rcvbuf_locked; /* SO_RCVBUF was set: no autotuning */
    uint32_t gen;      /* the allocation's number, for tcp_pcb_find to check */
    uint16_t idx;      /* tcp_pcb_index, fixed when its chunk is made */
    uint16_t hnext;    /* next in its hash chain or the listener list */
    uint8_t linked;    /* which of those lists holds it (tcp_pcb.c) */
    uint16_t mss;      /* we send at most this much data per segment */
    uint16_t user_mss; /* TCP_MAXSEG, 0: none */
    uint16_t peer_mss;
    uint16_t adv_mss;      /* what our SYN announced */
    int err;               /* pending error for SO_ERROR / the next call */
    int soft_err;          /* last ICMP error, reported on timeout */
    net_addr laddr, raddr; /* v4-mapped for IPv4 (netint.h) */
    uint16_t lport, rport;
    uint8_t v6sock; /* an AF_INET6 socket (sockaddr_in6 in and out) */
    uint8_t v6only; /* IPV6_V6ONLY: a :: listener takes no IPv4 */

    /* send side */
    uint32_t iss, snd_una, snd_nxt, snd_max, snd_wnd, snd_wl1, snd_wl2;
    uint32_t max_snd_wnd;
    uint32_t snd_buf_seq, snd_len; /* ring holds [seq, seq + len) */
    struct tcp_ring snd;
    uint32_t cwnd, ssthresh, recover;
    uint32_t rtt_seq;
    uint64_t rtt_start;
    uint32_t srtt_us, rttvar_us;
    uint64_t rto;

    /* receive side */
    uint32_t irs, rcv_nxt, rcv_read, rcv_unread, last_ack_sent, rcv_adv;
    struct tcp_ring rcv;
    struct tcp_ooo ooo;
    struct tcp_ooo sacked; /* the peer's SACK blocks above snd_una */
    uint32_t rtx_next;     /* recovery resent holes up to here */
    uint32_t ts_recent, ts_offset;

    uint32_t sndbuf, rcvbuf;               /* requested ring sizes */
    uint32_t keepidle, keepintvl, keepcnt; /* seconds, count */
    uint32_t linger_s;

    /* timers: deadlines in ns, 0 when off; with any of them on, p is on
     * tcp_timer.c's list of armed blocks (tnext non-NULL) */
    struct tcp_pcb *tnext, *tprev;
    uint64_t t_rexmit, t_delack, t_persist, t_keep, t_close;
    uint64_t t_retry;  /* the NIC's ring was full: try again then */
    uint64_t last_rcv; /* for keepalive */

    /* listener: accept queue and half-open children (pcb indices + 1) */
    uint16_t backlog, syn_count, acc_count;
    uint16_t acc_head, acc_tail;
    uint16_t parent, acc_next;
    uint64_t cookie_sent; /* when the SYN queue last overflowed, 0: never */
};

/* A connection in TIME_WAIT, kept small. */
struct tcp_tw {
    net_addr laddr, raddr;
    uint16_t lport, rport;
    uint32_t snd_nxt, rcv_nxt, ts_recent, ts_offset;
    uint8_t used, ts_ok, rcv_wscale;
    uint64_t expire;
};

struct tcp_stats {
    uint64_t in_segs, out_segs, bad_sum, bad_hdr, rst_sent, retrans;
    uint64_t cookies_sent, cookies_ok, syn_dropped, ooo_dropped;
    uint64_t sack_rexmits;      /* holes resent from the SACK scoreboard */
    uint64_t challenge_limited; /* challenge ACKs not sent (RFC 5961 7) */
    uint64_t peer_limited;      /* SYNs or cookie ACKs past TCP_PEER_MAX */
    uint64_t orphan_aborts;     /* close() past TCP_ORPHAN_MAX */
    uint64_t rcv_nomem;         /* data dropped: no pages for the ring */
};
extern struct tcp_stats tcp_stats;

/* tcp_opts.c: option parsing and writing (pure) */
/* Parse the options of hdr (doff already checked against len). Returns 0,
 * or -1 for a malformed list (the segment is dropped). */
int tcp_opts_parse(const uint8_t *opt, size_t len, struct tcp_opts *o);
/* What our SYN or SYN-ACK carries. */
struct tcp_synopts {
    uint16_t mss;
    int8_t ws; /* -1: none */
    uint8_t sack_ok, ts;
    uint32_t tsval, tsecr;
};
size_t tcp_opts_write_syn(uint8_t *p, const struct tcp_synopts *s);
/* Options of other segments: timestamps and up to nsack SACK blocks. */
size_t tcp_opts_write(uint8_t *p, int ts, uint32_t tsval, uint32_t tsecr,
                      const struct tcp_ooo *sack, int nsack);

/* tcp_ooo.c: out-of-order ranges (pure) */
/* Add [s, e) (beyond rcv_nxt); -1 when it cannot be kept. */
int tcp_ooo_add(struct tcp_ooo *q, uint32_t s, uint32_t e);
/* rcv_nxt reached: drop covered ranges, return the new rcv_nxt. */
uint32_t tcp_ooo_advance(struct tcp_ooo *q, uint32_t rcv_nxt);

/* tcp_isn.c: ISNs (RFC 6528) and SYN cookies, keyed by a boot secret */
uint64_t tcp_siphash(const uint8_t key[16], const uint8_t *msg, size_t len);
void tcp_isn_init(const uint8_t secret[32]);
uint32_t tcp_isn(net_addr laddr, net_addr raddr, uint16_t lport, uint16_t rport,
                 uint64_t now);
uint32_t tcp_cookie_make(net_addr laddr, net_addr raddr, uint16_t lport,
                         uint16_t rport, uint32_t peer_isn, uint16_t mss,
                         uint64_t now);
/* Where a cookie connection's timestamps start: a keyed hash, so no
 * state is needed to find it again and no uptime shows through. */
uint32_t tcp_ts_offset(net_addr laddr, net_addr raddr, uint16_t lport,
                       uint16_t rport);
/* The MSS the cookie (our ISN) encodes, 0 if invalid. */
uint16_t tcp_cookie_check(net_addr laddr, net_addr raddr, uint16_t lport,
                          uint16_t rport, uint32_t peer_isn, uint32_t cookie,
                          uint64_t now);

/* tcp_ring.c */
/* Settle r's size (memory permitting, smaller than asked) without
 * taking its pages; -1 when memory is too short for any ring. */
int tcp_ring_plan(struct tcp_ring *r, uint32_t size);
/* Give an empty ring's pages back; its size stays planned. */
void tcp_ring_park(struct tcp_ring *r);
void tcp_ring_free(struct tcp_ring *r);
/* Double r's size; -1 (r unchanged) when memory is short or r is at
 * TCP_RING_MAX. */
int tcp_ring_grow(struct tcp_ring *r);
/* Store n bytes at seq in a ring whose oldest live byte is base; -1
 * (nothing stored) when they do not fit in [base, base + size) or the
 * ring's pages cannot be had. */
int tcp_ring_put(struct tcp_ring *r, uint32_t base, uint32_t seq, const void *p,
                 uint32_t n);
void tcp_ring_get(const struct tcp_ring *r, uint32_t seq, void *p, uint32_t n);

/* tcp_pcb.c: tables, lookup, ports, TIME_WAIT */
/* The blocks made so far, TCP_PCB_CHUNK to a chunk: tcp_pcb_n of them
 * (a bound for loops, 0 until the first); TIME_WAIT's table and the
 * chunk index come with the first chunk. */
extern struct tcp_pcb **tcp_pcb_chunks; /* TCP_PCB_MAX / TCP_PCB_CHUNK */
/* tcp_timer.c's list of blocks with a timer on: a circular list through
 * tnext/tprev whose head is no block (only its links are used), made
 * with the first chunk (NULL until then). */
extern struct tcp_pcb *tcp_armed;
extern struct tcp_tw *tcp_tws;       /* TCP_TW_MAX */
extern unsigned tcp_pcb_n, tcp_tw_n; /* 0 until then: bounds for loops */
struct tcp_pcb *tcp_pcb_alloc(void);
void tcp_pcb_free(struct tcp_pcb *p);
/* Give the pages of empty chunks back (between events: no block held). */
void tcp_pcb_trim(void);
/* The block at idx if it is still allocation gen, else NULL: how code
 * that sleeps finds its block again, which may be freed meanwhile and
 * its chunk given back (no pointer into a chunk outlives a sleep). */
struct tcp_pcb *tcp_pcb_find(uint16_t idx, uint32_t gen);
unsigned tcp_pcb_free_count(void);
/* Whether raddr holds TCP_PEER_MAX connections made by listeners. */
int tcp_peer_full(net_addr raddr);
/* Connections made by listeners for raddr (half-open or not). */
unsigned tcp_peer_count(net_addr raddr);
/* p, made by a listener, now counts against its raddr's share. */
void tcp_peer_add(struct tcp_pcb *p);
unsigned tcp_orphan_count(void);
/* The application let go of p (close): it is an orphan from now on. */
void tcp_pcb_orphan(struct tcp_pcb *p);
static inline uint16_t tcp_pcb_index(const struct tcp_pcb *p)
{
    return p->idx;
}
static inline struct tcp_pcb *tcp_pcb_at(uint16_t i)
{
    return i ? &tcp_pcb_chunks[(i - 1) / TCP_PCB_CHUNK][(i - 1) % TCP_PCB_CHUNK]
             : NULL;
}
/* The n-th block made (0-based, n < tcp_pcb_n), for loops over all. */
static inline struct tcp_pcb *tcp_pcb_nth(unsigned n)
{
    return tcp_pcb_at((uint16_t)(n + 1));
}
struct tcp_pcb *tcp_pcb_lookup(net_addr laddr, uint16_t lport, net_addr raddr,
                               uint16_t rport);
struct tcp_pcb *tcp_listener_lookup(net_addr laddr, uint16_t lport);
struct tcp_tw *tcp_tw_lookup(net_addr laddr, uint16_t lport, net_addr raddr,
                             uint16_t rport);
/* Move p to TIME_WAIT (frees p). */
void tcp_tw_enter(struct tcp_pcb *p, uint64_t now);
uint64_t tcp_tw_timer(uint64_t now);
int tcp_port_bind(struct tcp_pcb *p, net_addr addr, uint16_t port);
int tcp_port_ephemeral(struct tcp_pcb *p, net_addr raddr, uint16_t rport);
/* Give up a connection: error err (0: none), notify, free when orphan. */
void tcp_drop(struct tcp_pcb *p, int err);
/* The connection reached CLOSED normally. */
void tcp_closed(struct tcp_pcb *p);
void tcp_set_state(struct tcp_pcb *p, int state);
int tcp_alloc_rings(struct tcp_pcb *p);
void tcp_pcb_init_conn(struct tcp_pcb *p, uint64_t now);

/* tcp_icmp.c (tcp_icmp_error and tcp_icmp6_error are in netint.h) */
void tcp_icmp_pcb(struct tcp_pcb *p, const struct tcp_hdr *th, int err,
                  uint16_t mtu);

/* tcp_output.c */
void tcp_output(struct tcp_pcb *p);
int tcp_send_syn(struct tcp_pcb *p); /* SYN or SYN-ACK by state */
void tcp_send_ack(struct tcp_pcb *p);
/* Resend the first unacknowledged segment (fast retransmit). */
void tcp_rexmit_one(struct tcp_pcb *p);
/* Data bytes one segment carries after the options always sent. */
uint32_t tcp_seg_max(const struct tcp_pcb *p);
void tcp_send_rst(struct tcp_pcb *p);
/* RST answering a segment that has no connection. */
void tcp_reply_rst(const struct ip_info *ip, const struct tcp_hdr *th,
                   size_t dlen);
/* One segment of flags from seq (data from the send ring, len bytes). */
int tcp_send_seg(struct tcp_pcb *p, uint32_t seq, uint32_t len, uint8_t flags);
/* A bare segment without a pcb (TIME_WAIT ACKs, cookie SYN-ACKs...). */
int tcp_send_raw(net_addr src, net_addr dst, uint16_t sport, uint16_t dport,
                 uint32_t seq, uint32_t ack, uint8_t flags, uint16_t win,
                 const uint8_t *opt, size_t optlen);
uint32_t tcp_rcv_window(const struct tcp_pcb *p);
uint32_t tcp_now_ms(uint64_t now);

/* tcp_input.c */
void tcp_apply_synopts(struct tcp_pcb *p, const struct tcp_opts *o);
/* tcp_sync.c: segments in synchronized states (SYN_RECEIVED onward) */
void tcp_input_established(struct tcp_pcb *p, const struct tcp_hdr *th,
                           const struct tcp_opts *o, const uint8_t *data,
                           uint32_t dlen, uint64_t now);

/* tcp_listen.c: passive opens */
void tcp_listen_input(struct tcp_pcb *l, const struct ip_info *ip,
                      const struct tcp_hdr *th, const struct tcp_opts *o,
                      const uint8_t *data, uint32_t dlen, uint64_t now);
void tcp_accept_ready(struct tcp_pcb *child);
void tcp_listen_close(struct tcp_pcb *l);
void tcp_child_unlink(struct tcp_pcb *child);

/* tcp_timer.c */
/* Arm p's timer *t (one of p's t_* fields; p NULL for a TIME_WAIT
 * entry's expiry), putting p on the list tcp_timer() walks. */
void tcp_timer_set(struct tcp_pcb *p, uint64_t *t, uint64_t deadline);
void tcp_timer_forget(struct tcp_pcb *p); /* p is being freed */
void tcp_rexmit_arm(struct tcp_pcb *p);
void tcp_rtt_sample(struct tcp_pcb *p, uint64_t rtt_ns);

/* tcp_sack.c: the peer's SACK blocks in recovery */
/* Take o's blocks; forget what ack (the new snd_una) covers. */
void tcp_sack_update(struct tcp_pcb *p, const struct tcp_opts *o, uint32_t ack);
/* Resend the next hole below SACKed data; 1 if one went out. */
int tcp_sack_rexmit(struct tcp_pcb *p);

/* tcp_cc.c: congestion control (RFC 5681, NewReno RFC 6582) */
void tcp_cc_init(struct tcp_pcb *p);
void tcp_cc_ack(struct tcp_pcb *p, uint32_t acked);
/* A duplicate ACK; returns 1 when it triggered fast retransmit. */
int tcp_cc_dupack(struct tcp_pcb *p);
void tcp_cc_timeout(struct tcp_pcb *p);

/* tcp_sock.c */
extern const struct net_sock_ops tcp_ops;
void tcp_queue_fin(struct tcp_pcb *p);
/* tcp_sockopt.c */
int tcp_setsockopt(struct net_sock *s, int level, int name, const void *val,
                   socklen_t len);
int tcp_getsockopt(struct net_sock *s, int level, int name, void *val,
                   socklen_t *len);
uint32_t tcp_flight(const struct tcp_pcb *p);

#endif
