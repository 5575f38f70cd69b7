/*
 * stableid6.c: stable, semantically opaque interface identifiers for
 * SLAAC addresses (RFC 7217), pure and host unit tested; addr6.c feeds
 * them the key and the NIC.
 *
 * IID = F(Prefix, Net_Iface, Network_ID, DAD_Counter, secret_key) with
 * F SipHash-2-4 (tcp_siphash: a keyed PRF whose 64 bits are exactly an
 * identifier), Net_Iface the NIC's MAC and no Network_ID. The address
 * stays the same across boots on one prefix, differs between prefixes
 * (a host cannot be followed from network to network by it) and does
 * not carry the MAC as EUI-64 does. A DAD conflict moves to the next
 * counter (section 6); an identifier RFC 5453 reserves is skipped the
 * same way.
 *
 * The key comes from the boot option ip6.secret=HEX (32 hex digits, 128
 * bits). Being a dotted, driver-style option it stays out of the
 * application's environment.
 */
#include <string.h>
#include "ip6.h"
#include "tcp.h" /* tcp_siphash: the stack's keyed hash */

#define SECRET_OPT "ip6.secret="
#define SECRET_HEX 32

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)(c | 0x20);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* One option's value (SECRET_HEX digits, then its end) into key. */
static int secret_hex(const char *v, uint8_t key[16])
{
    for (int i = 0; i < SECRET_HEX; i++)
        if (hex_digit(v[i]) < 0)
            return -1;
    if (v[SECRET_HEX] && v[SECRET_HEX] != ' ')
        return -1;
    for (int i = 0; i < 16; i++)
        key[i] = (uint8_t)(hex_digit(v[2 * i]) << 4 | hex_digit(v[2 * i + 1]));
    return 0;
}

int stableid6_secret(const char *cmdline, uint8_t key[16])
{
    const char *p = cmdline;
    while (p && *p) {
        while (*p == ' ')
            p++;
        if (!strncmp(p, "-- ", 3) || !strcmp(p, "--"))
            return 0; /* the application's arguments */
        if (!strncmp(p, SECRET_OPT, sizeof SECRET_OPT - 1))
            return secret_hex(p + sizeof SECRET_OPT - 1, key) < 0 ? -1 : 1;
        p = strchr(p, ' ');
    }
    return 0;
}

/* RFC 5453: the subnet-router anycast (all zeros) and the reserved
 * subnet anycast identifiers fdff:ffff:ffff:ff80 to ...ffff. */
static int iid_reserved(const uint8_t iid[8])
{
    static const uint8_t zero[8],
        anycast[7] = {0xfd, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    return !memcmp(iid, zero, 8) ||
           (!memcmp(iid, anycast, 7) && iid[7] >= 0x80);
}

uint8_t stableid6_iid(const uint8_t key[16], const uint8_t prefix[8],
                      const uint8_t mac[6], uint8_t counter, uint8_t iid[8])
{
    uint8_t m[8 + 6 + 1];
    memcpy(m, prefix, 8);
    memcpy(m + 8, mac, 6);
    do {
        m[14] = counter;
        uint64_t h = tcp_siphash(key, m, sizeof m);
        for (int i = 0; i < 8; i++)
            iid[i] = (uint8_t)(h >> (56 - 8 * i));
    } while (iid_reserved(iid) && ++counter);
    return counter;
}
