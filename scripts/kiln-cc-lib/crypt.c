/*
 * crypt.c: libcrypt.a for kiln-cc, so `-lcrypt` links (Debian's musl has
 * no crypt). One method: SHA-512 crypt, "$6$[rounds=N$]SALT$", as
 * specified by Ulrich Drepper's "Unix crypt using SHA-256 and SHA-512"
 * (the default of glibc before yescrypt, and what mkpasswd -m sha-512
 * and openssl passwd -6 write). Every other method (DES, MD5, yescrypt
 * "$y$", bcrypt) fails with EINVAL, so a password hashed that way is
 * refused rather than accepted. rounds= outside 1000..999999999 is
 * clamped, as the specification says (libxcrypt refuses it instead).
 */
#include <crypt.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sha512.h"

#define SALT_MAX 16
#define ROUNDS_DEFAULT 5000
#define ROUNDS_MIN 1000
#define ROUNDS_MAX 999999999ul

static const char b64[] =
    "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/* Add n bytes taken from a digest repeated as often as needed. */
static void add_repeated(struct sha512 *c, const unsigned char *d, size_t n)
{
    for (; n > SHA512_LEN; n -= SHA512_LEN)
        sha512_update(c, d, SHA512_LEN);
    sha512_update(c, d, n);
}

/* The digest of s repeated times times. */
static void digest_repeated(const char *s, size_t n, size_t times,
                            unsigned char out[SHA512_LEN])
{
    struct sha512 c;

    sha512_init(&c);
    while (times--)
        sha512_update(&c, s, n);
    sha512_final(&c, out);
}

/* Steps 1-12 of the specification: digest A from key and salt. */
static void digest_a(const char *key, size_t klen, const char *salt,
                     size_t slen, unsigned char a[SHA512_LEN])
{
    struct sha512 c;
    unsigned char b[SHA512_LEN];

    sha512_init(&c);
    sha512_update(&c, key, klen);
    sha512_update(&c, salt, slen);
    sha512_update(&c, key, klen);
    sha512_final(&c, b);
    sha512_init(&c);
    sha512_update(&c, key, klen);
    sha512_update(&c, salt, slen);
    add_repeated(&c, b, klen);
    for (size_t n = klen; n > 0; n >>= 1) {
        if (n & 1)
            sha512_update(&c, b, SHA512_LEN);
        else
            sha512_update(&c, key, klen);
    }
    sha512_final(&c, a);
}

/* Steps 13-21: the rounds, each mixing the last digest with the key and
 * salt sequences P and S (digests of key and salt repeated, cut to the
 * key's and the salt's length). */
static void rounds_run(const char *key, size_t klen, const char *salt,
                       size_t slen, unsigned long rounds,
                       unsigned char a[SHA512_LEN])
{
    unsigned char dp[SHA512_LEN], ds[SHA512_LEN];
    struct sha512 c;

    digest_repeated(key, klen, klen, dp);
    digest_repeated(salt, slen, 16 + a[0], ds);
    for (unsigned long r = 0; r < rounds; r++) {
        sha512_init(&c);
        if (r & 1)
            add_repeated(&c, dp, klen);
        else
            sha512_update(&c, a, SHA512_LEN);
        if (r % 3)
            sha512_update(&c, ds, slen);
        if (r % 7)
            add_repeated(&c, dp, klen);
        if (r & 1)
            sha512_update(&c, a, SHA512_LEN);
        else
            add_repeated(&c, dp, klen);
        sha512_final(&c, a);
    }
}

/* The specification's byte order for SHA-512: 21 groups of three bytes
 * (i, i+21, i+42 rotated), then the last byte alone. */
static char *encode(char *out, const unsigned char a[SHA512_LEN])
{
    for (int g = 0; g < 21; g++) {
        int i = (g * 22) % 63, j = (i + 21) % 63, k = (i + 42) % 63;
        unsigned long w = (unsigned long)a[i] << 16 | a[j] << 8 | a[k];
        for (int n = 0; n < 4; n++, w >>= 6)
            *out++ = b64[w & 63];
    }
    *out++ = b64[a[63] & 63];
    *out++ = b64[a[63] >> 6];
    *out = 0;
    return out;
}

/* "rounds=N$" after "$6$": N, clamped as the specification says, and
 * *salt moved past it; the default when absent; -1 when malformed. */
static long rounds_parse(const char **salt, int *explicit)
{
    char *end;
    unsigned long n;

    *explicit = strncmp(*salt, "rounds=", 7) == 0;
    if (!*explicit)
        return ROUNDS_DEFAULT;
    n = strtoul(*salt + 7, &end, 10);
    if (end == *salt + 7 || *end != '$')
        return -1;
    *salt = end + 1;
    return n < ROUNDS_MIN ? ROUNDS_MIN : n > ROUNDS_MAX ? ROUNDS_MAX : (long)n;
}

char *crypt_r(const char *key, const char *setting, struct crypt_data *data)
{
    const char *salt = setting + 3;
    unsigned char a[SHA512_LEN];
    size_t klen = strlen(key), slen;
    int explicit;
    long rounds;
    char *out;

    if (strncmp(setting, "$6$", 3) != 0 ||
        (rounds = rounds_parse(&salt, &explicit)) < 0) {
        errno = EINVAL;
        return 0;
    }
    slen = strcspn(salt, "$");
    if (slen > SALT_MAX)
        slen = SALT_MAX;
    digest_a(key, klen, salt, slen, a);
    rounds_run(key, klen, salt, slen, (unsigned long)rounds, a);
    out = data->__buf;
    out +=
        explicit ? sprintf(out, "$6$rounds=%ld$", rounds) : sprintf(out, "$6$");
    memcpy(out, salt, slen);
    out[slen] = '$';
    encode(out + slen + 1, a);
    return data->__buf;
}

char *crypt(const char *key, const char *setting)
{
    static struct crypt_data data;
    return crypt_r(key, setting, &data);
}
