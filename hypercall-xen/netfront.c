/*
 * netfront.c: Xen virtual NICs (vifs). Not written yet: no NICs.
 */
#include <errno.h>
#include "xen.h"

void netfront_init(void)
{
}

int hc_net_info(unsigned idx, struct hc_net_info *out)
{
    (void)idx, (void)out;
    return -ENODEV;
}

int hc_net_send(unsigned idx, const void *frame, size_t len)
{
    (void)idx, (void)frame, (void)len;
    return -ENODEV;
}

int hc_net_recv(unsigned idx, void *buf, size_t len)
{
    (void)idx, (void)buf, (void)len;
    return -ENODEV;
}
