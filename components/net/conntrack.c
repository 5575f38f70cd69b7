/*
 * conntrack.c: the table of flows the router has seen (connection
 * tracking). Each flow is found by the tuple of either direction: the
 * original one as its first packet came, and the reply one as packets
 * coming back will read after NAT. A fixed table of ROUTER_CT_MAX
 * entries and a hash on a secret key (so a peer cannot aim its flows at
 * one chain) with chains threaded through the entries.
 *
 * When the table is full a new flow takes the place of the oldest one
 * not yet assured (a TCP flow before its handshake completed, as a SYN
 * flood's are; another protocol's before its first reply); when every
 * flow is assured the new one is refused. So a flood of new flows can never
 * push out established ones, and the table never grows past its bound.
 *
 * IPv6 flows are tracked alike (their tuples hold the 16-byte
 * addresses; no NAT for them).
 *
 * Timeouts: TCP by state (conntrack_tcp.c); UDP 30 s, 120 s once both
 * ways were seen; ICMP and other protocols 30 s.
 */
#include <netinet/in.h>
#include <string.h>
#include "fw.h"
#include "netint.h"
#include "tcp.h" /* tcp_siphash */

#define CT_BUCKETS 1024 /* a power of two */

static struct ct_entry table[ROUTER_CT_MAX];
static uint16_t buckets[CT_BUCKETS];
static unsigned used_count;
static uint64_t evicted;
static uint8_t hash_key[16];
static int ready;

static void ct_init(void)
{
    for (unsigned i = 0; i < CT_BUCKETS; i++)
        buckets[i] = CT_NIL;
    for (size_t i = 0; i < sizeof hash_key; i += 4) {
        uint32_t r = net_random32();
        memcpy(hash_key + i, &r, 4);
    }
    ready = 1;
}

static unsigned ct_hash(const struct ct_tuple *t)
{
    uint32_t w[12] = {t->src, t->dst, (uint32_t)t->sport << 16 | t->dport,
                      t->proto};
    size_t n = 4 * sizeof w[0];
    if (t->v6) { /* IPv4's words are 0 */
        memcpy(w + 4, &t->src6, 16);
        memcpy(w + 8, &t->dst6, 16);
        n = sizeof w;
    }
    return (unsigned)tcp_siphash(hash_key, (const uint8_t *)w, n) &
           (CT_BUCKETS - 1);
}

static int tuple_eq(const struct ct_tuple *a, const struct ct_tuple *b)
{
    return a->src == b->src && a->dst == b->dst && a->sport == b->sport &&
           a->dport == b->dport && a->proto == b->proto && a->v6 == b->v6 &&
           (!a->v6 || (!memcmp(&a->src6, &b->src6, 16) &&
                       !memcmp(&a->dst6, &b->dst6, 16)));
}

int ct_lookup(const struct ct_tuple *t, int *dir)
{
    if (!ready)
        ct_init();
    /* an entry is threaded on two chains: next[d] follows direction d */
    unsigned h = ct_hash(t);
    uint16_t i = buckets[h];
    int d = -1;
    while (i != CT_NIL) {
        struct ct_entry *e = &table[i >> 1];
        d = i & 1;
        if (tuple_eq(&e->t[d], t)) {
            *dir = d;
            return i >> 1;
        }
        i = e->next[d];
    }
    return -1;
}

int ct_tuple_used(const struct ct_tuple *t)
{
    int dir;
    return ct_lookup(t, &dir) >= 0;
}

static void chain_add(int idx, int d)
{
    unsigned h = ct_hash(&table[idx].t[d]);
    table[idx].next[d] = buckets[h];
    buckets[h] = (uint16_t)(idx << 1 | d);
}

static void chain_del(int idx, int d)
{
    uint16_t *p = &buckets[ct_hash(&table[idx].t[d])];
    uint16_t me = (uint16_t)(idx << 1 | d);
    while (*p != CT_NIL && *p != me)
        p = &table[*p >> 1].next[*p & 1];
    if (*p == me)
        *p = table[idx].next[d];
}

void ct_remove(int idx)
{
    if (!table[idx].used)
        return;
    chain_del(idx, 0);
    chain_del(idx, 1);
    table[idx].used = 0;
    used_count--;
}

/* A free entry, or the not yet assured one closest to expiring. */
static int ct_slot(void)
{
    int victim = -1;
    for (int i = 0; i < ROUTER_CT_MAX; i++) {
        if (!table[i].used)
            return i;
        if (!(table[i].flags & CT_ASSURED) &&
            (victim < 0 || table[i].expires < table[victim].expires))
            victim = i;
    }
    if (victim >= 0) {
        ct_remove(victim);
        evicted++;
    }
    return victim;
}

static uint64_t ct_first_timeout(uint8_t proto)
{
    return proto == IPPROTO_UDP   ? CT_UDP_TIMEOUT
           : proto == IPPROTO_TCP ? ct_tcp_timeout(CT_TCP_SYN_SENT)
                                  : CT_ICMP_TIMEOUT;
}

int ct_insert(const struct ct_tuple *orig, const struct ct_tuple *reply,
              uint64_t now)
{
    if (!ready)
        ct_init();
    int idx = ct_slot();
    if (idx < 0)
        return -1;
    struct ct_entry *e = &table[idx];
    memset(e, 0, sizeof *e);
    e->t[0] = *orig;
    e->t[1] = *reply;
    e->used = 1;
    e->tcp_state = orig->proto == IPPROTO_TCP ? CT_TCP_SYN_SENT : 0;
    e->expires = now + ct_first_timeout(orig->proto);
    chain_add(idx, 0);
    chain_add(idx, 1);
    used_count++;
    return idx;
}

void ct_set_reply(int idx, const struct ct_tuple *reply)
{
    chain_del(idx, 1);
    table[idx].t[1] = *reply;
    chain_add(idx, 1);
}

struct ct_entry *ct_get(int idx)
{
    return &table[idx];
}

static int ct_update_tcp(struct ct_entry *e, int dir, uint8_t flags,
                         uint64_t now)
{
    int next = ct_tcp_next(e->tcp_state, dir, flags);
    if (next < 0)
        return FW_CT_INVALID; /* and it answers nothing: not replied */
    if (dir == 1)
        e->flags |= CT_REPLIED;
    e->tcp_state = (uint8_t)next;
    if (next >= CT_TCP_ESTABLISHED)
        e->flags |= CT_ASSURED;
    e->expires = now + ct_tcp_timeout(next);
    return e->flags & CT_REPLIED ? FW_CT_ESTABLISHED : FW_CT_NEW;
}

int ct_update(int idx, int dir, uint8_t tcp_flags, uint64_t now)
{
    struct ct_entry *e = &table[idx];
    if (e->t[0].proto == IPPROTO_TCP)
        return ct_update_tcp(e, dir, tcp_flags, now);
    if (dir == 1)
        e->flags |= CT_REPLIED;
    if (e->flags & CT_REPLIED)
        e->flags |= CT_ASSURED;
    if (e->flags & CT_REPLIED && e->t[0].proto == IPPROTO_UDP) {
        e->expires = now + CT_UDP_STREAM_TIMEOUT;
    } else {
        e->expires = now + ct_first_timeout(e->t[0].proto);
    }
    return e->flags & CT_REPLIED ? FW_CT_ESTABLISHED : FW_CT_NEW;
}

uint64_t ct_expire(uint64_t now)
{
    uint64_t next = NET_NEVER;
    for (int i = 0; i < ROUTER_CT_MAX; i++) {
        if (!table[i].used)
            continue;
        if (table[i].expires <= now)
            ct_remove(i);
        else if (table[i].expires < next)
            next = table[i].expires;
    }
    return next;
}

unsigned ct_count(void)
{
    return used_count;
}

uint64_t ct_evicted(void)
{
    return evicted;
}

void ct_reset(void)
{
    memset(table, 0, sizeof table);
    used_count = 0;
    evicted = 0;
    ready = 0;
}
