/*
 * crypt.c: libcrypt.a for kiln-cc, so `-lcrypt` links. There is no
 * hashing here: both calls fail with ENOSYS (POSIX's "not supported"),
 * which every caller must already handle, instead of accepting any
 * password.
 */
#include <crypt.h>
#include <errno.h>

char *crypt_r(const char *key, const char *salt, struct crypt_data *data)
{
    errno = ENOSYS;
    return 0;
}

char *crypt(const char *key, const char *salt)
{
    return crypt_r(key, salt, 0);
}
