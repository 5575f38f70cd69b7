/*
 * dhcp.c: a DHCP client (RFC 2131, options from RFC 2132) per
 * interface: DISCOVER, take the first OFFER, REQUEST it, and on ACK
 * configure address, mask and router. Renews with the server at T1
 * (unicast), rebinds with anyone at T2 (broadcast), and removes the
 * address when the lease expires; a NAK restarts from DISCOVER.
 * Retransmissions back off 0.5, 1, 2, 4 ... 64 s with a quarter of
 * jitter (see dhcp_backoff); renewals retry at half the time left, at
 * least 60 s apart. The first DISCOVER goes out from dhcp_start, as
 * soon as the link is up and before IPv6 or the stack's thread start,
 * so the server's round trip overlaps that work: no initial delay (RFC
 * 2131 section 4.4.1's random 1-10 s wait, a SHOULD, desynchronizes
 * many hosts powered on at once; a guest is started on its own).
 *
 * Answers are taken only from the exchange we are in: our transaction
 * id and MAC; while requesting, the server we chose (its identifier
 * option) and, in an ACK, the address it offered; while renewing, that
 * server again; and a renewal's ACK must be for the address we hold.
 * Another server's ACK or NAK, or an ACK for another address, could
 * otherwise hand the interface to whoever answers on the link first.
 *
 * Messages go out through udp_output on the interface itself with
 * source 0.0.0.0 until there is a lease; we set the BROADCAST flag so
 * servers answer to the broadcast address before we can receive unicast.
 *
 * The DNS servers of the lease (option 6) are kept for net_dns_servers
 * (components/posix writes them into /etc/resolv.conf).
 *
 * Limits: no ARP probe of the offered address, no INFORM or RELEASE, no
 * other options (nothing here would use them), no option overload (the
 * sname/file fields are never read).
 */
#include <errno.h>
#include <string.h>
#include "kiln/log.h"
#include "netint.h"
#include "kiln/table.h"
#include "kiln/byteorder.h"

#define DHCP_CLIENT 68
#define DHCP_SERVER 67
#define DHCP_FIXED 236 /* the BOOTP header before the magic cookie */
#define DHCP_OPTS (DHCP_FIXED + 4)
#define DHCP_MIN 300 /* BOOTP's minimum message */
#define DHCP_MSG_MAX 548
#define SEC 1000000000ull
#define DHCP_TRIES_REQUEST 4
#define DHCP_BACKOFF_MAX 64
#define DHCP_FIRST_MS 500ull
#define DHCP_RENEW_MIN (60 * SEC)

enum { DISCOVER = 1, OFFER, REQUEST, DECLINE, ACK, NAK };
enum { D_OFF, D_SELECTING, D_REQUESTING, D_BOUND, D_RENEWING, D_REBINDING };

struct dhcp_client {
    uint8_t state, tries;
    uint32_t xid, offered, server;
    uint64_t started, next; /* exchange start; retransmit or T1 */
    uint64_t t2, expiry;
};

struct dhcp_reply {
    uint8_t type;
    uint32_t yiaddr, mask, router, server, lease, t1, t2;
    uint32_t dns[NET_DNS_MAX]; /* 0: none */
};

static uint32_t dns_of[NETIF_MAX][NET_DNS_MAX]; /* each lease's servers */

static struct dhcp_client clients[NETIF_MAX];
/* Allocated by the first message (kiln/table.h): a program given ip=
 * loads none of it. */
static uint8_t *dhcp_buf;

static uint8_t *opt_put(uint8_t *o, uint8_t code, const void *v, uint8_t len)
{
    o[0] = code;
    o[1] = len;
    memcpy(o + 2, v, len);
    return o + 2 + len;
}

static size_t dhcp_build(const struct netif *nif, struct dhcp_client *c,
                         uint8_t type, uint8_t *m)
{
    static const uint8_t params[] = {1, 3, 6, 51, 54, 58, 59};
    uint64_t secs = (hc_clock_monotonic() - c->started) / SEC;
    memset(m, 0, DHCP_MSG_MAX);
    m[0] = 1, m[1] = 1, m[2] = 6; /* request, Ethernet, MAC length */
    put32(m + 4, c->xid);
    m[8] = (uint8_t)((secs > 0xffff ? 0xffff : secs) >> 8);
    m[9] = (uint8_t)(secs > 0xffff ? 0xffff : secs);
    if (c->state == D_RENEWING || c->state == D_REBINDING)
        memcpy(m + 12, &nif->addr, 4); /* ciaddr: we can take unicast */
    else
        m[10] = 0x80; /* BROADCAST: answer to 255.255.255.255 */
    memcpy(m + 28, nif->mac, 6);
    put32(m + DHCP_FIXED, 0x63825363);
    uint8_t *o = m + DHCP_OPTS, cid[7] = {1};
    memcpy(cid + 1, nif->mac, 6);
    o = opt_put(o, 53, &type, 1);
    o = opt_put(o, 61, cid, sizeof cid);
    if (c->state == D_REQUESTING) {
        o = opt_put(o, 50, &c->offered, 4);
        o = opt_put(o, 54, &c->server, 4);
    }
    o = opt_put(o, 55, params, sizeof params);
    o = opt_put(o, 57, (const uint8_t[]){DHCP_MSG_MAX >> 8, DHCP_MSG_MAX & 255},
                2);
    *o++ = 255;
    size_t len = (size_t)(o - m);
    return len < DHCP_MIN ? DHCP_MIN : len;
}

static void dhcp_send(struct netif *nif, struct dhcp_client *c, uint8_t type)
{
    kiln_table((void **)&dhcp_buf, NET_HEADROOM + 8 + DHCP_MSG_MAX,
               "no memory for DHCP");
    uint8_t *m = dhcp_buf + NET_HEADROOM + 8;
    size_t len = dhcp_build(nif, c, type, m);
    if (c->state == D_RENEWING) /* unicast to the server, routed */
        udp_output(NULL, dhcp_buf, len, nif->addr, c->server,
                   htons(DHCP_CLIENT), htons(DHCP_SERVER));
    else
        udp_output(nif, dhcp_buf, len, c->state == D_REBINDING ? nif->addr : 0,
                   0xffffffffu, htons(DHCP_CLIENT), htons(DHCP_SERVER));
}

/* RFC 2131 4.1 suggests 4 s doubling to 64 s, randomized by +-1 s (a
 * SHOULD); on a link whose server answers in a millisecond, 4 s is
 * what one lost DISCOVER would cost the boot. We start at DHCP_FIRST_MS,
 * double to 64 s, and randomize by a quarter of the delay, at most 1 s. */
static uint64_t dhcp_backoff(uint8_t tries)
{
    uint64_t ms = DHCP_FIRST_MS << (tries < 8 ? tries : 8);
    if (ms > DHCP_BACKOFF_MAX * 1000)
        ms = DHCP_BACKOFF_MAX * 1000;
    uint64_t jitter = ms / 4 < 1000 ? ms / 4 : 1000;
    return (ms - jitter) * 1000000 +
           net_random32() % (2 * jitter * 1000000 + 1);
}

static void dhcp_transmit(struct netif *nif, struct dhcp_client *c,
                          uint8_t type)
{
    dhcp_send(nif, c, type);
    c->next = hc_clock_monotonic() + dhcp_backoff(c->tries);
    c->tries++;
}

static void dhcp_restart(struct netif *nif, struct dhcp_client *c)
{
    c->state = D_SELECTING;
    c->tries = 0;
    c->xid = net_random32();
    c->started = hc_clock_monotonic();
    dhcp_transmit(nif, c, DISCOVER);
}

void dhcp_start(struct netif *nif)
{
    dhcp_restart(nif, &clients[nif->idx]);
}

int dhcp_bound(const struct netif *nif)
{
    uint8_t s = clients[nif->idx].state;
    return s == D_BOUND || s == D_RENEWING || s == D_REBINDING;
}

/* Read the options we use; 0, or -1 if they run past the message. */
static int dhcp_options(const uint8_t *o, size_t len, struct dhcp_reply *r)
{
    size_t i = 0;
    while (i < len && o[i] != 255) {
        if (o[i] == 0) { /* pad */
            i++;
            continue;
        }
        if (i + 2 > len || i + 2 + o[i + 1] > len)
            return -1;
        uint8_t code = o[i], n = o[i + 1];
        const uint8_t *v = o + i + 2;
        if (code == 53 && n == 1)
            r->type = v[0];
        else if (n >= 4 && (code == 1 || code == 3 || code == 54))
            memcpy(code == 1   ? &r->mask
                   : code == 3 ? &r->router
                               : &r->server,
                   v, 4);
        else if (code == 6 && n >= 4)
            memcpy(r->dns, v, (n / 4 < NET_DNS_MAX ? n / 4 : NET_DNS_MAX) * 4);
        else if (n == 4 && code == 51)
            r->lease = get32(v);
        else if (n == 4 && code == 58)
            r->t1 = get32(v);
        else if (n == 4 && code == 59)
            r->t2 = get32(v);
        i += 2 + n;
    }
    return 0;
}

static int dhcp_parse(const struct netif *nif, const struct dhcp_client *c,
                      const uint8_t *m, size_t len, struct dhcp_reply *r)
{
    memset(r, 0, sizeof *r);
    if (len < DHCP_OPTS || m[0] != 2 || m[1] != 1 || m[2] != 6 ||
        get32(m + 4) != c->xid || memcmp(m + 28, nif->mac, 6) ||
        get32(m + DHCP_FIXED) != 0x63825363)
        return -1; /* not an answer to our current exchange */
    memcpy(&r->yiaddr, m + 16, 4);
    if (dhcp_options(m + DHCP_OPTS, len - DHCP_OPTS, r) < 0 || !r->type)
        return -1;
    return 0;
}

static int usable_addr(uint32_t a)
{
    uint8_t first = (uint8_t)a;
    return a && a != 0xffffffffu && first != 127 && first < 224;
}

static uint32_t mask_or_class(uint32_t mask, uint32_t addr)
{
    uint32_t m = __builtin_bswap32(mask);
    if (mask && !(~m & (~m + 1)))
        return mask;
    uint8_t first = (uint8_t)addr;
    return __builtin_bswap32(first < 128   ? 0xff000000u
                             : first < 192 ? 0xffff0000u
                                           : 0xffffff00u);
}

static void dhcp_unconfigure(struct netif *nif, const char *why)
{
    if (nif->addr)
        kiln_log("net: eth%u: %s; address removed", nif->idx, why);
    nif->addr = nif->mask = nif->gw = 0;
    memset(dns_of[nif->idx], 0, sizeof dns_of[nif->idx]);
    net_notify();
}

static void dhcp_bind(struct netif *nif, struct dhcp_client *c,
                      const struct dhcp_reply *r)
{
    uint64_t now = hc_clock_monotonic();
    uint32_t lease = r->lease ? r->lease : 3600; /* RFC 2131: required */
    uint32_t mask = mask_or_class(r->mask, r->yiaddr);
    uint32_t gw =
        r->router && !((r->router ^ r->yiaddr) & mask) ? r->router : 0;
    int changed = nif->addr != r->yiaddr || nif->mask != mask || nif->gw != gw;
    nif->addr = r->yiaddr, nif->mask = mask, nif->gw = gw;
    memcpy(dns_of[nif->idx], r->dns, sizeof r->dns);
    if (r->server)
        c->server = r->server;
    c->state = D_BOUND;
    c->tries = 0;
    uint64_t t1 = r->t1 && r->t1 < lease ? r->t1 : lease / 2;
    uint64_t t2 = r->t2 && r->t2 < lease ? r->t2 : (uint64_t)lease * 7 / 8;
    c->next = lease == 0xffffffffu ? NET_NEVER : now + t1 * SEC;
    c->t2 = lease == 0xffffffffu ? NET_NEVER : now + t2 * SEC;
    c->expiry = lease == 0xffffffffu ? NET_NEVER : now + lease * SEC;
    if (changed) {
        arp_announce(nif);
        netif_describe(nif, "dhcp");
    }
    net_notify(); /* net_start waits for this */
}

/* 1 if an ACK or NAK belongs to the exchange we are in (see the top).
 * A NAK may omit the server identifier; an ACK must carry it. */
static int dhcp_answer_ok(const struct netif *nif, const struct dhcp_client *c,
                          const struct dhcp_reply *r)
{
    int ack = r->type == ACK;
    if ((c->state == D_REQUESTING || c->state == D_RENEWING) &&
        r->server != c->server && (ack || r->server))
        return 0;
    if (ack && c->state == D_REQUESTING)
        return r->yiaddr == c->offered;
    if (ack)
        return r->yiaddr == nif->addr;
    return 1;
}

void dhcp_input(struct netif *nif, const uint8_t *m, size_t len)
{
    struct dhcp_client *c = &clients[nif->idx];
    struct dhcp_reply r;
    if (c->state == D_OFF || c->state == D_BOUND ||
        dhcp_parse(nif, c, m, len, &r) < 0)
        return;
    if ((r.type == ACK || r.type == NAK) && !dhcp_answer_ok(nif, c, &r))
        return;
    if (c->state == D_SELECTING && r.type == OFFER && usable_addr(r.yiaddr) &&
        r.server) {
        c->offered = r.yiaddr;
        c->server = r.server;
        c->state = D_REQUESTING;
        c->tries = 0;
        dhcp_transmit(nif, c, REQUEST);
    } else if (c->state != D_SELECTING && r.type == ACK &&
               usable_addr(r.yiaddr)) {
        dhcp_bind(nif, c, &r);
    } else if (c->state != D_SELECTING && r.type == NAK) {
        kiln_log("net: eth%u: the DHCP server refused our request (NAK); "
                 "starting over",
                 nif->idx);
        dhcp_unconfigure(nif, "DHCP NAK");
        dhcp_restart(nif, c);
    }
}

/* Renewal retries: half the time left to next_stage, at least 60 s. */
static uint64_t dhcp_renew_next(uint64_t now, uint64_t until)
{
    uint64_t half = until > now ? (until - now) / 2 : 0;
    return now + (half > DHCP_RENEW_MIN ? half : DHCP_RENEW_MIN);
}

static void dhcp_step(struct netif *nif, struct dhcp_client *c, uint64_t now)
{
    switch (c->state) {
    case D_SELECTING: dhcp_transmit(nif, c, DISCOVER); break;
    case D_REQUESTING:
        if (c->tries >= DHCP_TRIES_REQUEST)
            dhcp_restart(nif, c);
        else
            dhcp_transmit(nif, c, REQUEST);
        break;
    case D_BOUND:
    case D_RENEWING:
    case D_REBINDING:
        if (now >= c->expiry) {
            dhcp_unconfigure(nif, "the DHCP lease expired");
            dhcp_restart(nif, c);
            break;
        }
        c->state = now >= c->t2 ? D_REBINDING : D_RENEWING;
        if (c->tries++ == 0)
            c->xid = net_random32();
        dhcp_send(nif, c, REQUEST);
        c->next =
            dhcp_renew_next(now, c->state == D_RENEWING ? c->t2 : c->expiry);
        if (c->next > c->expiry)
            c->next = c->expiry;
        if (c->state == D_RENEWING && c->next > c->t2)
            c->next = c->t2;
        break;
    }
}

uint64_t dhcp_timer(uint64_t now)
{
    uint64_t next = NET_NEVER;
    struct netif *nif;
    for (unsigned i = 0; (nif = netif_get(i)); i++) {
        struct dhcp_client *c = &clients[i];
        if (c->state == D_OFF || !nif->use_dhcp)
            continue;
        if (now >= c->next)
            dhcp_step(nif, c, now);
        if (c->next < next)
            next = c->next;
    }
    return next;
}

int net_dns_servers(uint32_t *out, int max)
{
    int n = 0;
    for (unsigned i = 0; i < NETIF_MAX; i++)
        for (unsigned j = 0; j < NET_DNS_MAX && dns_of[i][j] && n < max; j++)
            out[n++] = dns_of[i][j];
    return n;
}
