/*
 * entropy.c: hardware randomness from RDSEED (true entropy source) or
 * RDRAND (its DRBG output). Both may transiently fail; Intel's guidance
 * is to retry a small number of times. A CPU with neither gets a panic
 * at boot, never a clock-derived substitute.
 */
#include <errno.h>
#include <string.h>
#include "platform.h"

#define RETRIES 32

static int have_rdseed, have_rdrand;

void platform_entropy_check(void)
{
    uint32_t r[4];
    cpuid(1, 0, r);
    have_rdrand = (r[2] >> 30) & 1;
    cpuid(0, 0, r);
    if (r[0] >= 7) {
        cpuid(7, 0, r);
        have_rdseed = (r[1] >> 18) & 1;
    }
    if (!have_rdseed && !have_rdrand)
        panic("this CPU has no hardware random generator (RDRAND/RDSEED); "
              "boot with a CPU that has one (QEMU: -cpu max or -cpu host)");
}

static int rdseed64(uint64_t *v)
{
    unsigned char ok;
    __asm__ volatile("rdseed %0; setc %1" : "=r"(*v), "=qm"(ok));
    return ok;
}

static int rdrand64(uint64_t *v)
{
    unsigned char ok;
    __asm__ volatile("rdrand %0; setc %1" : "=r"(*v), "=qm"(ok));
    return ok;
}

static int random64(uint64_t *v)
{
    for (int i = 0; i < RETRIES; i++) {
        if (have_rdseed && rdseed64(v))
            return 0;
        if (have_rdrand && rdrand64(v))
            return 0;
    }
    return -EIO;
}

int hc_entropy(void *buf, size_t len)
{
    uint8_t *p = buf;
    while (len) {
        uint64_t v;
        if (random64(&v) < 0)
            return -EIO;
        size_t n = len < sizeof v ? len : sizeof v;
        memcpy(p, &v, n);
        p += n;
        len -= n;
    }
    return 0;
}
