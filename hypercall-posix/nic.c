/*
 * nic.c: NICs of a host process. A TAP device (--tap IF) is opened
 * non-blocking with IFF_TAP | IFF_NO_PI, so each read or write is one
 * bare Ethernet frame, and brought up; it gets a random locally
 * administered MAC and MTU 1500. A null NIC (--null-nic,
 * host_nic_add_null) has no wire: it swallows frames, handing them to
 * a sink if one is given, and never receives (fuzzers feed frames to
 * the stack directly).
 *
 * Limits: the TAP must exist or the process must be allowed to create
 * it (root or CAP_NET_ADMIN); its addresses are configured outside.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>
#include "hostint.h"

#define MTU 1500
#define FRAME_MIN 14 /* an Ethernet header */
#define FRAME_MAX (14 + MTU)
#define SPILL 65536 /* catches frames longer than the caller's buffer */

struct nic {
    int fd; /* -1: a null NIC */
    void (*sink)(unsigned idx, const void *frame, size_t len);
    uint8_t mac[6];
};

static struct nic nics[HOST_NICS_MAX];
static unsigned nnics;

static int nic_new(int fd, void (*sink)(unsigned, const void *, size_t))
{
    if (nnics == HOST_NICS_MAX)
        return -ENOSPC;
    struct nic *n = &nics[nnics];
    n->fd = fd;
    n->sink = sink;
    hc_entropy(n->mac, sizeof n->mac);
    n->mac[0] = (uint8_t)((n->mac[0] & ~1u) | 2u); /* unicast, local */
    return (int)nnics++;
}

int host_nic_add_null(void (*sink)(unsigned idx, const void *frame, size_t len))
{
    return nic_new(-1, sink);
}

static int link_up(const char *ifname)
{
    struct ifreq ifr = {0};
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    snprintf(ifr.ifr_name, IFNAMSIZ, "%s", ifname);
    int ok = s >= 0 && ioctl(s, SIOCGIFFLAGS, &ifr) == 0;
    ifr.ifr_flags |= IFF_UP;
    ok = ok && ioctl(s, SIOCSIFFLAGS, &ifr) == 0;
    if (s >= 0)
        close(s);
    return ok ? 0 : -1;
}

int nic_add_tap(const char *ifname)
{
    struct ifreq ifr = {0};
    if (strlen(ifname) >= IFNAMSIZ) {
        fprintf(stderr, "host: --tap %s: name too long\n", ifname);
        return -1;
    }
    int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    snprintf(ifr.ifr_name, IFNAMSIZ, "%s", ifname);
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    if (fd < 0 || ioctl(fd, TUNSETIFF, &ifr) != 0 || link_up(ifname) != 0) {
        fprintf(stderr, "host: --tap %s: %s\n", ifname, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    if (nic_new(fd, NULL) < 0) {
        fprintf(stderr, "host: --tap %s: at most %d NICs\n", ifname,
                HOST_NICS_MAX);
        close(fd);
        return -1;
    }
    return 0;
}

int nic_fill_pollfds(struct pollfd *fds, int max)
{
    int n = 0;
    for (unsigned i = 0; i < nnics && n < max; i++)
        if (nics[i].fd >= 0)
            fds[n++] = (struct pollfd){.fd = nics[i].fd, .events = POLLIN};
    return n;
}

int hc_net_info(unsigned idx, struct hc_net_info *out)
{
    if (idx >= nnics)
        return -ENODEV;
    memcpy(out->mac, nics[idx].mac, sizeof out->mac);
    out->mtu = MTU;
    out->link_up = 1;
    return 0;
}

int hc_net_send(unsigned idx, const void *frame, size_t len)
{
    if (idx >= nnics)
        return -ENODEV;
    if (len < FRAME_MIN || len > FRAME_MAX)
        return -EINVAL;
    struct nic *n = &nics[idx];
    if (n->fd < 0) {
        if (n->sink)
            n->sink(idx, frame, len);
        return 0;
    }
    if (write(n->fd, frame, len) < 0 && errno == EAGAIN)
        return -EAGAIN;
    return 0; /* other failures (link down) lose the frame, as a wire */
}

int hc_net_recv(unsigned idx, void *buf, size_t len)
{
    static uint8_t spill[SPILL];
    if (idx >= nnics)
        return -ENODEV;
    if (nics[idx].fd < 0)
        return -EAGAIN;
    struct iovec iov[2] = {{buf, len}, {spill, sizeof spill}};
    ssize_t n = readv(nics[idx].fd, iov, 2);
    if (n < 0)
        return -EAGAIN;
    return (size_t)n > len ? -EMSGSIZE : (int)n;
}
