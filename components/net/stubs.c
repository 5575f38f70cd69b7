/*
 * stubs.c: TEMPORARY placeholders so the tree links while the stack is
 * written in parallel (tcp*.c replaces these; its owner deletes them
 * when landing). The TCP entry points the lower layers call are weak
 * here, so tcp*.c's real ones take over without a link conflict: until
 * then, TCP segments are dropped and TCP has no timers.
 */
#include <errno.h>
#include "netint.h"

int tcp_sock_create(struct net_sock **out)
{
    (void)out;
    return -ESOCKTNOSUPPORT;
}

__attribute__((weak)) void tcp_input(const struct ip_info *ip, uint8_t *seg,
                                     size_t len)
{
    (void)ip, (void)seg, (void)len;
}

__attribute__((weak)) void tcp_icmp_error(const uint8_t *quoted, size_t len,
                                          int err, uint16_t mtu)
{
    (void)quoted, (void)len, (void)err, (void)mtu;
}

__attribute__((weak)) uint64_t tcp_timer(uint64_t now)
{
    (void)now;
    return NET_NEVER;
}
