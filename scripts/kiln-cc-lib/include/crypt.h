/*
 * crypt.h: the declarations glibc's <crypt.h> gives, which Debian's musl
 * lacks. crypt() and crypt_r() are in kiln-cc-lib/crypt.c, linked by
 * -lcrypt: SHA-512 crypt ("$6$") only; other methods fail with EINVAL.
 */
#ifndef KILN_CRYPT_H
#define KILN_CRYPT_H

#ifdef __cplusplus
extern "C" {
#endif

struct crypt_data {
    int initialized;
    char __buf[256];
};

char *crypt(const char *key, const char *salt);
char *crypt_r(const char *key, const char *salt, struct crypt_data *data);

#ifdef __cplusplus
}
#endif

#endif
