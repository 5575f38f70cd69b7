/*
 * crypt.c: tests/build/kiln-cc/run's check of kiln-cc's crypt against
 * the host's: prints crypt(KEY, SETTING) for each pair of arguments, or
 * EINVAL when the method is refused.
 */
#include <crypt.h>
#include <errno.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    for (int i = 1; i + 1 < argc; i += 2) {
        char *h = crypt(argv[i], argv[i + 1]);
        printf("%s\n", h ? h : errno == EINVAL ? "EINVAL" : "?");
    }
    return 0;
}
