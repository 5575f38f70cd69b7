/* reader: names a file with stat() but opens none, so its image has
 * the VFS (and the root is mounted before main) without open()'s
 * handler. */
#include <stdio.h>
#include <sys/stat.h>

int main(void)
{
    struct stat st;
    int ok = stat("/", &st) == 0 && S_ISDIR(st.st_mode);
    printf("reader: %s\n", ok ? "ok" : "failed");
    return ok ? 0 : 1;
}
