/*
 * sha512.h: the SHA-512 crypt.c needs (sha512.c), for kiln-cc's
 * libcrypt.a only.
 */
#ifndef KILN_SHA512_H
#define KILN_SHA512_H

#include <stddef.h>
#include <stdint.h>

#define SHA512_LEN 64

struct sha512 {
    uint64_t h[8];
    uint64_t len; /* bytes so far */
    unsigned char buf[128];
};

void sha512_init(struct sha512 *c);
void sha512_update(struct sha512 *c, const void *data, size_t n);
void sha512_final(struct sha512 *c, unsigned char out[SHA512_LEN]);

#endif
