/* family: opens a socket of the family its argument names, a number
 * only known at run time, so its image must carry every family's
 * sockets, AF_UNIX's included (and the call made so works). */
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    int family = argc > 1 ? atoi(argv[1]) : AF_INET;
    int s = socket(family, SOCK_STREAM, 0);
    printf("family %d: %s\n", family, s >= 0 ? "ok" : "failed");
    if (s >= 0)
        close(s);
    return s >= 0 ? 0 : 1;
}
