/* socketer: opens a TCP socket, so its image carries the stack; it
 * reads no file, so no ext2. */
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

int main(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    printf("socket: %s\n", s >= 0 ? "ok" : "failed");
    if (s >= 0)
        close(s);
    return s >= 0 ? 0 : 1;
}
