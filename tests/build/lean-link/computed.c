/* computed: makes a system call whose number comes from its argument,
 * so no link can know which it is: its image must hold every handler
 * (the stack and ext2 included), and socket(2) made that way works. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    long nr = argc > 1 ? atol(argv[1]) : SYS_getpid;
    long r = syscall(nr, AF_INET, SOCK_STREAM, 0);
    printf("computed: %s\n", r >= 0 ? "ok" : "failed");
    return r >= 0 ? 0 : 1;
}
