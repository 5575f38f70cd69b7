/* mapper: maps memory but opens no file, so its image has no file
 * mappings and no VFS; mmap of a descriptor it has (the console) then
 * fails with ENODEV, as Linux's does for a terminal, and of one it has
 * not with EBADF, while anonymous memory works. */
#include <errno.h>
#include <stdio.h>
#include <sys/mman.h>

int main(void)
{
    void *con = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, 1, 0);
    int con_err = errno;
    void *bad = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, 99, 0);
    int bad_err = errno;
    char *anon = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    int ok = con == MAP_FAILED && con_err == ENODEV && bad == MAP_FAILED &&
             bad_err == EBADF && anon != MAP_FAILED;
    if (ok)
        anon[0] = 1;
    printf("mapper: %s\n", ok ? "ok" : "failed");
    return ok ? 0 : 1;
}
