/*
 * stubs.c: TEMPORARY placeholders so the tree links while the stack is
 * written in parallel (netif.c, udp.c, tcp*.c replace these; each owner
 * deletes its functions from here when landing its file).
 */
#include <errno.h>
#include "netint.h"

int net_configure(const char *ip_option)
{
    (void)ip_option;
    return 0;
}

int net_start(void)
{
    return 0;
}

int net_wait(uint64_t deadline)
{
    return hc_thread_block(deadline);
}

int udp_sock_create(struct net_sock **out)
{
    (void)out;
    return -ESOCKTNOSUPPORT;
}
