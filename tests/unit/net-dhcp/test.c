/*
 * net-dhcp/test.c: host unit test of components/net/dhcp.c, the DHCP
 * client, against a scripted server: the DISCOVER/OFFER/REQUEST/ACK
 * exchange, answers for other transactions ignored, ACKs and NAKs from
 * a server we did not choose or ACKs for an address we did not ask for
 * ignored while requesting, malformed options
 * refused, retransmission back-off, renewal at T1 (unicast), rebinding
 * at T2 (broadcast), expiry removing the address, and NAK starting over;
 * the first DISCOVER leaves from dhcp_start itself.
 * The rest of the stack (udp_output, ARP, the clock) is faked here.
 *
 * links: components/net/dhcp.c
 */
#include <arpa/inet.h>
#include <string.h>
#include "../../../components/net/netint.h"
#include "tap.h"

#define SEC 1000000000ull

static uint64_t now_ns = SEC;
static struct netif eth0 = {.idx = 0,
                            .present = 1,
                            .use_dhcp = 1,
                            .mac = {2, 0, 0, 0, 0, 7},
                            .mtu = 1500};

/* What the client sent last. */
static struct {
    int count, routed; /* routed: nif was NULL (a unicast renewal) */
    uint32_t src, dst;
    uint8_t msg[600];
    size_t len;
} sent;
static int announced, notified;

uint64_t hc_clock_monotonic(void)
{
    return now_ns;
}
struct netif *netif_get(unsigned i)
{
    return i == 0 ? &eth0 : NULL;
}
void net_notify(void)
{
    notified++;
}
uint32_t net_random32(void)
{
    static uint32_t x = 12345;
    return x = x * 1103515245u + 12345u;
}
void arp_announce(struct netif *nif)
{
    (void)nif;
    announced++;
}
void netif_describe(const struct netif *nif, const char *how)
{
    (void)nif, (void)how;
}
int udp_output(struct netif *nif, uint8_t *buf, size_t len, uint32_t src,
               uint32_t dst, uint16_t sport, uint16_t dport)
{
    if (ntohs(sport) != 68 || ntohs(dport) != 67 || len > sizeof sent.msg)
        return -1;
    sent.count++;
    sent.routed = nif == NULL;
    sent.src = src, sent.dst = dst, sent.len = len;
    memcpy(sent.msg, buf + NET_HEADROOM + 8, len);
    return 0;
}

static uint32_t A(const char *s)
{
    return inet_addr(s);
}

/* The value of option code in what was sent last (NULL: absent). */
static const uint8_t *sent_opt(uint8_t code, uint8_t *len)
{
    for (size_t i = 240; i + 1 < sent.len && sent.msg[i] != 255;) {
        if (!sent.msg[i]) {
            i++;
            continue;
        }
        if (sent.msg[i] == code) {
            *len = sent.msg[i + 1];
            return sent.msg + i + 2;
        }
        i += 2 + sent.msg[i + 1];
    }
    return NULL;
}

static int sent_type(void)
{
    uint8_t l;
    const uint8_t *v = sent_opt(53, &l);
    return v && l == 1 ? v[0] : -1;
}

/* A server's answer to the last message, of type t for address yi. */
static size_t reply(uint8_t *m, uint8_t t, const char *yi, uint32_t lease)
{
    memset(m, 0, 400);
    m[0] = 2, m[1] = 1, m[2] = 6;
    memcpy(m + 4, sent.msg + 4, 4); /* xid */
    uint32_t y = A(yi), sid = A("10.0.0.1"), mask = A("255.255.255.0");
    uint32_t l = htonl(lease);
    memcpy(m + 16, &y, 4);
    memcpy(m + 28, eth0.mac, 6);
    memcpy(m + 236, "\x63\x82\x53\x63", 4);
    uint8_t *o = m + 240;
    *o++ = 53, *o++ = 1, *o++ = t;
    *o++ = 54, *o++ = 4, memcpy(o, &sid, 4), o += 4;
    *o++ = 1, *o++ = 4, memcpy(o, &mask, 4), o += 4;
    *o++ = 3, *o++ = 4, memcpy(o, &sid, 4), o += 4; /* router */
    *o++ = 51, *o++ = 4, memcpy(o, &l, 4), o += 4;
    *o++ = 255;
    return 300;
}

/* The same from another server (its identifier option replaced). */
static size_t reply_from(uint8_t *m, const char *server, uint8_t t,
                         const char *yi, uint32_t lease)
{
    size_t n = reply(m, t, yi, lease);
    uint32_t sid = A(server);
    memcpy(m + 245, &sid, 4); /* after option 53's three bytes: 54, 4 */
    return n;
}

static void run_timer(void)
{
    dhcp_timer(now_ns);
}

static void test_exchange(void)
{
    uint8_t m[400];
    dhcp_start(&eth0);
    tap_check(sent.count == 1,
              "dhcp_start sends the first DISCOVER itself, before any timer "
              "runs (the server's answer overlaps the rest of the start)",
              "sent %d", sent.count);
    run_timer();
    tap_check(sent.count == 1 && sent_type() == 1 && !sent.routed &&
                  sent.src == 0 && sent.dst == 0xffffffffu && sent.len >= 300 &&
                  sent.msg[0] == 1 && (sent.msg[10] & 0x80) &&
                  !memcmp(sent.msg + 28, eth0.mac, 6),
              "DISCOVER broadcast from 0.0.0.0 with the BROADCAST flag",
              "count %d type %d len %zu", sent.count, sent_type(), sent.len);
    size_t n = reply(m, 2, "10.0.0.5", 100);
    m[4] ^= 1; /* another transaction */
    dhcp_input(&eth0, m, n);
    tap_check(sent.count == 1, "an OFFER for another xid is ignored", NULL);
    n = reply(m, 2, "10.0.0.5", 100);
    m[241] = 200; /* option 53's length runs past the message */
    dhcp_input(&eth0, m, n);
    dhcp_input(&eth0, m, 239);
    tap_check(sent.count == 1, "malformed and short messages are ignored",
              NULL);
    n = reply(m, 2, "10.0.0.5", 100);
    dhcp_input(&eth0, m, n);
    uint8_t l;
    const uint8_t *req = sent_opt(50, &l), *sid;
    sid = sent_opt(54, &l);
    tap_check(sent.count == 2 && sent_type() == 3 && req && sid &&
                  !memcmp(req, "\x0a\x00\x00\x05", 4) &&
                  !memcmp(sid, "\x0a\x00\x00\x01", 4),
              "OFFER answered by a REQUEST naming address and server", NULL);
    n = reply_from(m, "10.0.0.9", 5, "10.0.0.5", 100);
    dhcp_input(&eth0, m, n);
    n = reply_from(m, "10.0.0.9", 6, "0.0.0.0", 0);
    dhcp_input(&eth0, m, n);
    tap_check(!dhcp_bound(&eth0) && !eth0.addr && sent.count == 2,
              "ACK and NAK from a server we did not choose are ignored", NULL);
    n = reply(m, 5, "10.0.0.66", 100);
    dhcp_input(&eth0, m, n);
    n = reply(m, 5, "10.0.0.5", 100);
    memset(m + 245, 0, 4); /* no server identifier at all */
    dhcp_input(&eth0, m, n);
    tap_check(!dhcp_bound(&eth0) && !eth0.addr,
              "ACKs for another address or without the server are ignored",
              NULL);
    n = reply(m, 5, "10.0.0.5", 100);
    dhcp_input(&eth0, m, n);
    tap_check(dhcp_bound(&eth0) && eth0.addr == A("10.0.0.5") &&
                  eth0.mask == A("255.255.255.0") && eth0.gw == A("10.0.0.1") &&
                  announced == 1 && notified,
              "ACK configures address, mask, router; gratuitous ARP", NULL);
    uint64_t t = dhcp_timer(now_ns);
    tap_check(t == now_ns + 50 * SEC,
              "the next deadline is T1 (half the lease)", "%llu s",
              (unsigned long long)((t - now_ns) / SEC));
}

static void test_renewal(void)
{
    uint64_t bound = now_ns;
    now_ns = bound + 50 * SEC;
    run_timer();
    uint8_t l;
    tap_check(sent.count == 3 && sent_type() == 3 && sent.routed &&
                  sent.dst == A("10.0.0.1") && sent.src == A("10.0.0.5") &&
                  !memcmp(sent.msg + 12, "\x0a\x00\x00\x05", 4) &&
                  !sent_opt(50, &l),
              "at T1: unicast REQUEST to the server with ciaddr", NULL);
    uint8_t m[400];
    size_t n = reply(m, 5, "10.0.0.99", 100);
    dhcp_input(&eth0, m, n);
    n = reply_from(m, "10.0.0.9", 5, "10.0.0.5", 100);
    dhcp_input(&eth0, m, n);
    tap_check(eth0.addr == A("10.0.0.5") &&
                  dhcp_timer(now_ns) < bound + 100 * SEC,
              "renewing: ACKs for another address or server are ignored", NULL);
    now_ns = bound + 88 * SEC;
    run_timer();
    tap_check(sent.count == 4 && sent_type() == 3 && !sent.routed &&
                  sent.dst == 0xffffffffu && sent.src == A("10.0.0.5"),
              "at T2: broadcast REQUEST (rebinding)", "count %d", sent.count);
    tap_check(dhcp_bound(&eth0), "still bound while rebinding", NULL);
    now_ns = bound + 100 * SEC;
    run_timer();
    tap_check(!eth0.addr && !dhcp_bound(&eth0) && sent_type() == 1,
              "the lease expires: address removed, DISCOVER again", NULL);
}

static void test_nak_and_backoff(void)
{
    uint8_t m[400];
    size_t n = reply(m, 2, "10.0.0.6", 100);
    dhcp_input(&eth0, m, n);
    n = reply(m, 6, "0.0.0.0", 0);
    int before = sent.count;
    dhcp_input(&eth0, m, n);
    tap_check(!dhcp_bound(&eth0) && sent.count == before + 1 &&
                  sent_type() == 1,
              "NAK: start over with DISCOVER", NULL);
    uint64_t start = now_ns, first = dhcp_timer(now_ns);
    tap_check(first >= start + SEC * 3 / 8 && first <= start + SEC * 5 / 8,
              "first retransmission after 0.5 s +- 1/4", "%llu ms",
              (unsigned long long)((first - start) / 1000000));
    now_ns = first;
    run_timer();
    uint64_t second = dhcp_timer(now_ns);
    tap_check(sent.count == before + 2 && second >= now_ns + SEC * 3 / 4 &&
                  second <= now_ns + SEC * 5 / 4,
              "then after 1 s +- 1/4", NULL);
    n = reply(m, 2, "10.0.0.6", 100);
    dhcp_input(&eth0, m, n); /* REQUESTING; now nobody answers */
    for (int i = 0; i < 8 && sent_type() == 3; i++) {
        now_ns = dhcp_timer(now_ns);
        run_timer();
    }
    tap_check(sent_type() == 1, "unanswered REQUESTs fall back to DISCOVER",
              NULL);
}

int main(void)
{
    test_exchange();
    test_renewal();
    test_nak_and_backoff();
    return tap_done();
}
