/*
 * kiln-copy/test.c: host unit test of kiln/copy.h's kiln_copy, which
 * virtio-net and the router copy frames with: every length from 0 to
 * past a few 64-byte steps, at every alignment of source and
 * destination, copies exactly its bytes and not one byte past them
 * (guards on both sides; AddressSanitizer sees reads past the source).
 * The helper is header-only: the test links no kernel file.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "kiln/copy.h"
#include "tap.h"

#define MAX_LEN 300
#define GUARD 16

static int copy_ok(size_t len, size_t so, size_t dof)
{
    uint8_t *src = malloc(len + so), dst[GUARD + 16 + MAX_LEN + GUARD];
    for (size_t i = 0; i < len + so; i++)
        src[i] = (uint8_t)(i * 7 + len);
    memset(dst, 0xee, sizeof dst);
    kiln_copy(dst + GUARD + dof, src + so, len);
    int ok = !memcmp(dst + GUARD + dof, src + so, len);
    for (size_t i = 0; i < GUARD + dof; i++)
        ok &= dst[i] == 0xee;
    for (size_t i = GUARD + dof + len; i < sizeof dst; i++)
        ok &= dst[i] == 0xee;
    free(src);
    return ok;
}

int main(void)
{
    size_t bad = 0, first = 0;
    for (size_t len = 0; len <= MAX_LEN; len++)
        for (size_t so = 0; so < 16; so++)
            for (size_t dof = 0; dof < 16; dof++)
                if (!copy_ok(len, so, dof) && !bad++)
                    first = len;
    tap_check(!bad, "every length and alignment copies exactly its bytes",
              "%zu wrong, the first at length %zu", bad, first);
    uint8_t *big = malloc(65535), *out = malloc(65535);
    for (size_t i = 0; i < 65535; i++)
        big[i] = (uint8_t)(i ^ (i >> 8));
    kiln_copy(out, big, 65535);
    tap_check(!memcmp(out, big, 65535), "a 64 KiB frame", NULL);
    free(big);
    free(out);
    return tap_done();
}
