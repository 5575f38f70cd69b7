/*
 * crypt.h: the declarations glibc's <crypt.h> gives, which Debian's musl
 * lacks. Kiln has no password hashing: crypt() and crypt_r() (in
 * kiln-cc-lib/crypt.c, linked by -lcrypt) fail with ENOSYS, as POSIX
 * allows, so a program that checks passwords refuses every one.
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
