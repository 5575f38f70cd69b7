/*
 * tcp_isn.c: initial sequence numbers (RFC 6528) and SYN cookies, both
 * keyed hashes of the connection's addresses and ports under a secret
 * drawn once from hc_entropy. The hash is SipHash-2-4 (Aumasson and
 * Bernstein), written here from its specification.
 *
 * ISN = hash(secret, 4-tuple) + a clock ticking every 4.096 us, so
 * successive connections of one 4-tuple get increasing numbers (TIME_WAIT
 * reuse) while an off-path attacker cannot guess them.
 *
 * SYN cookie (our ISN when the SYN backlog is full): 5 bits of a 64 s
 * time counter, 3 bits indexing an MSS table, 24 bits of hash over the
 * 4-tuple, the peer's ISN and the counter. Accepted for two counter
 * periods. Window scale and SACK ride in our timestamp (tcp_listen.c),
 * which starts at a keyed offset per 4-tuple so it does not tell the
 * uptime (tcp_ts_offset).
 */
#include <string.h>
#include "tcp.h"

static uint8_t isn_secret[16], cookie_secret[16];
static int secret_ready;

static const uint16_t cookie_mss[8] = {216,  536,  1200, 1360,
                                       1400, 1440, 1452, 1460};

static uint64_t rotl(uint64_t x, int b)
{
    return (x << b) | (x >> (64 - b));
}

static void sip_round(uint64_t v[4])
{
    v[0] += v[1];
    v[1] = rotl(v[1], 13) ^ v[0];
    v[0] = rotl(v[0], 32);
    v[2] += v[3];
    v[3] = rotl(v[3], 16) ^ v[2];
    v[0] += v[3];
    v[3] = rotl(v[3], 21) ^ v[0];
    v[2] += v[1];
    v[1] = rotl(v[1], 17) ^ v[2];
    v[2] = rotl(v[2], 32);
}

static uint64_t le64(const uint8_t *p, size_t n)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static void sip_absorb(uint64_t v[4], uint64_t m, int rounds)
{
    v[3] ^= m;
    for (int i = 0; i < rounds; i++)
        sip_round(v);
    v[0] ^= m;
}

uint64_t tcp_siphash(const uint8_t key[16], const uint8_t *msg, size_t len)
{
    uint64_t k0 = le64(key, 8), k1 = le64(key + 8, 8);
    uint64_t v[4] = {k0 ^ 0x736f6d6570736575ull, k1 ^ 0x646f72616e646f6dull,
                     k0 ^ 0x6c7967656e657261ull, k1 ^ 0x7465646279746573ull};
    size_t i = 0;
    for (; i + 8 <= len; i += 8)
        sip_absorb(v, le64(msg + i, 8), 2);
    sip_absorb(v, le64(msg + i, len - i) | (uint64_t)len << 56, 2);
    v[2] ^= 0xff;
    for (int r = 0; r < 4; r++)
        sip_round(v);
    return v[0] ^ v[1] ^ v[2] ^ v[3];
}

void tcp_isn_init(const uint8_t secret[32])
{
    memcpy(isn_secret, secret, 16);
    memcpy(cookie_secret, secret + 16, 16);
    secret_ready = 1;
}

/* The secret is drawn on first use: the stack has no init call. A key
 * the generator did not fill would make every ISN and cookie
 * predictable, so a generator that keeps failing stops the system,
 * as it does for net_random32 and the program's AT_RANDOM. */
#define ENTROPY_TRIES 4
static void secret_init(void)
{
    uint8_t s[32];
    if (secret_ready)
        return;
    for (int i = 0; i < ENTROPY_TRIES; i++) {
        if (hc_entropy(s, sizeof s) == 0) {
            tcp_isn_init(s);
            return;
        }
    }
    hc_abort("tcp: the hardware random generator failed; no secret for "
             "sequence numbers and SYN cookies");
}

static uint64_t tuple_hash(const uint8_t key[16], net_addr laddr,
                           net_addr raddr, uint16_t lport, uint16_t rport,
                           uint32_t a, uint32_t b)
{
    uint8_t m[44];
    uint32_t w[3] = {(uint32_t)lport << 16 | rport, a, b};
    memcpy(m, &laddr, 16);
    memcpy(m + 16, &raddr, 16);
    memcpy(m + 32, w, sizeof w);
    return tcp_siphash(key, m, sizeof m);
}

uint32_t tcp_isn(net_addr laddr, net_addr raddr, uint16_t lport, uint16_t rport,
                 uint64_t now)
{
    secret_init();
    uint32_t h =
        (uint32_t)tuple_hash(isn_secret, laddr, raddr, lport, rport, 0, 0);
    return h + (uint32_t)(now >> 12);
}

uint32_t tcp_ts_offset(net_addr laddr, net_addr raddr, uint16_t lport,
                       uint16_t rport)
{
    secret_init();
    return (uint32_t)tuple_hash(isn_secret, laddr, raddr, lport, rport, 1, 0);
}

static uint32_t cookie_hash(net_addr laddr, net_addr raddr, uint16_t lport,
                            uint16_t rport, uint32_t peer_isn, uint32_t t)
{
    return (uint32_t)tuple_hash(cookie_secret, laddr, raddr, lport, rport,
                                peer_isn, t) &
           0xffffff;
}

static uint32_t cookie_clock(uint64_t now)
{
    return (uint32_t)(now / (64000 * MS));
}

uint32_t tcp_cookie_make(net_addr laddr, net_addr raddr, uint16_t lport,
                         uint16_t rport, uint32_t peer_isn, uint16_t mss,
                         uint64_t now)
{
    uint32_t t = cookie_clock(now), m = 0;
    secret_init();
    for (uint32_t i = 0; i < 8; i++)
        if (cookie_mss[i] <= mss)
            m = i;
    return (t & 31) << 27 | m << 24 |
           cookie_hash(laddr, raddr, lport, rport, peer_isn, t);
}

uint16_t tcp_cookie_check(net_addr laddr, net_addr raddr, uint16_t lport,
                          uint16_t rport, uint32_t peer_isn, uint32_t cookie,
                          uint64_t now)
{
    uint32_t t = cookie_clock(now);
    secret_init();
    for (uint32_t age = 0; age < 2; age++, t--) {
        if ((cookie >> 27) != (t & 31))
            continue;
        if ((cookie & 0xffffff) ==
            cookie_hash(laddr, raddr, lport, rport, peer_isn, t))
            return cookie_mss[(cookie >> 24) & 7];
    }
    return 0;
}
