/* datagram: UDP only. It sends itself a datagram over the loopback
 * interface and reads it back, so its image carries UDP's sockets but
 * no TCP; it opens no file, so it has no filesystem either. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(void)
{
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons(9999),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    char buf[16] = "";
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    int ok = s >= 0 && bind(s, (struct sockaddr *)&a, sizeof a) == 0 &&
             sendto(s, "ping", 4, 0, (struct sockaddr *)&a, sizeof a) == 4 &&
             recv(s, buf, sizeof buf, 0) == 4 && !memcmp(buf, "ping", 4);
    printf("datagram: %s\n", ok ? "ok" : "failed");
    return ok ? 0 : 1;
}
