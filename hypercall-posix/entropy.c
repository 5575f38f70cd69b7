/*
 * entropy.c: hc_entropy from getrandom(), or from a seeded SplitMix64
 * stream after host_entropy_seed() so a fuzz run repeats exactly.
 */
#include <errno.h>
#include <string.h>
#include <sys/random.h>
#include "hostint.h"

static int seeded;
static uint64_t state;

void host_entropy_seed(uint64_t seed)
{
    seeded = 1;
    state = seed;
}

/* SplitMix64 (Steele, Lea, Flood 2014): one 64-bit output per call. */
static uint64_t splitmix_next(void)
{
    uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static void fill_seeded(uint8_t *p, size_t len)
{
    while (len > 0) {
        uint64_t v = splitmix_next();
        size_t k = len < sizeof v ? len : sizeof v;
        memcpy(p, &v, k);
        p += k;
        len -= k;
    }
}

int hc_entropy(void *buf, size_t len)
{
    if (seeded) {
        fill_seeded(buf, len);
        return 0;
    }
    uint8_t *p = buf;
    while (len > 0) {
        ssize_t n = getrandom(p, len, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -EIO;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}
