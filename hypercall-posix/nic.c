/*
 * nic.c: NICs of a host process. A TAP device (--tap IF) is opened
 * non-blocking with IFF_TAP | IFF_NO_PI | IFF_VNET_HDR, so each read or
 * write is one Ethernet frame behind a struct virtio_net_hdr, and brought
 * up; it gets a random locally administered MAC and MTU 1500. The vnet
 * header carries hypercall.h's offload metadata both ways (kiln/vnet.h):
 * the TAP offers every offload virtio-net can, and TUNSETOFFLOAD lets
 * Linux hand us partial checksums and 64 KiB TCPv4 frames, so the stack's
 * offload paths run here under sanitizers and fuzzers as on virtio. A null NIC
 * (--null-nic, host_nic_add_null) has no wire: it swallows frames, handing them
 * to a sink if one is given, and never receives (fuzzers feed frames to the
 * stack directly). A socket NIC (host_nic_add_socket) frames like a TAP
 * over one end of a datagram socket pair whose other end a test holds,
 * with no offloads: a wire a test can fill and drain at will.
 *
 * hypercall.h promises an event once a send refused with -EAGAIN can
 * go on: such a NIC is polled for POLLOUT as well as POLLIN until the
 * kernel says it has room again (nic_polled), which ends the waits of
 * hc_thread_wait_io like a received frame does.
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
#include "kiln/vnet.h"

#define MTU 1500
#define FRAME_MIN 14 /* an Ethernet header */
#define FRAME_MAX (14 + MTU)
#define SPILL 65536 /* catches frames longer than the caller's buffer */
#define VNET sizeof(struct virtio_net_hdr)
#define TAP_OFFLOADS                                                           \
    (HC_NET_TX_CSUM | HC_NET_TX_TSO4 | HC_NET_RX_CSUM | HC_NET_RX_TSO4)

struct nic {
    int fd;      /* -1: a null NIC */
    int tx_full; /* the last send got EAGAIN: poll for room too */
    uint32_t offloads;
    void (*sink)(unsigned idx, const void *frame, size_t len);
    uint8_t mac[6];
};

static struct nic nics[HOST_NICS_MAX];
static unsigned nnics;

static int nic_new(int fd, void (*sink)(unsigned, const void *, size_t),
                   uint32_t offloads)
{
    if (nnics == HOST_NICS_MAX)
        return -ENOSPC;
    struct nic *n = &nics[nnics];
    *n = (struct nic){.fd = fd, .sink = sink, .offloads = offloads};
    hc_entropy(n->mac, sizeof n->mac);
    n->mac[0] = (uint8_t)((n->mac[0] & ~1u) | 2u); /* unicast, local */
    return (int)nnics++;
}

int host_nic_add_null(void (*sink)(unsigned idx, const void *frame, size_t len))
{
    return nic_new(-1, sink, 0);
}

int host_nic_add_socket(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
        return -errno;
    return nic_new(fd, NULL, 0);
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
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
    if (fd < 0 || ioctl(fd, TUNSETIFF, &ifr) != 0 ||
        ioctl(fd, TUNSETOFFLOAD, TUN_F_CSUM | TUN_F_TSO4) != 0 ||
        link_up(ifname) != 0) {
        fprintf(stderr, "host: --tap %s: %s\n", ifname, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    if (nic_new(fd, NULL, TAP_OFFLOADS) < 0) {
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
            fds[n++] = (struct pollfd){
                .fd = nics[i].fd,
                .events = (short)(POLLIN | (nics[i].tx_full ? POLLOUT : 0))};
    return n;
}

void nic_polled(const struct pollfd *fds, int n)
{
    for (int k = 0; k < n; k++)
        for (unsigned i = 0; i < nnics; i++)
            if (nics[i].fd == fds[k].fd && (fds[k].revents & POLLOUT))
                nics[i].tx_full = 0;
}

int hc_net_info(unsigned idx, struct hc_net_info *out)
{
    if (idx >= nnics)
        return -ENODEV;
    memcpy(out->mac, nics[idx].mac, sizeof out->mac);
    out->mtu = MTU;
    out->link_up = 1;
    out->offloads = nics[idx].offloads;
    return 0;
}

int hc_net_send(unsigned idx, const void *frame, size_t len,
                const struct hc_net_meta *meta)
{
    if (idx >= nnics)
        return -ENODEV;
    struct nic *n = &nics[idx];
    if (vnet_meta_check(meta, len, MTU, n->offloads) < 0)
        return -EINVAL;
    if (n->fd < 0) {
        if (n->sink)
            n->sink(idx, frame, len);
        return 0;
    }
    struct virtio_net_hdr h;
    vnet_from_meta(meta, &h);
    struct iovec iov[2] = {{&h, VNET}, {(void *)frame, len}};
    if (writev(n->fd, iov, 2) < 0 && errno == EAGAIN) {
        n->tx_full = 1; /* the poll for POLLOUT keeps the promise */
        return -EAGAIN;
    }
    return 0; /* other failures (link down) lose the frame, as a wire */
}

int hc_net_recv(unsigned idx, void *buf, size_t len, struct hc_net_meta *meta)
{
    static uint8_t spill[SPILL];
    if (idx >= nnics)
        return -ENODEV;
    if (nics[idx].fd < 0)
        return -EAGAIN;
    for (;;) { /* -EAGAIN only when none waits: unknown gso types drop */
        struct virtio_net_hdr h;
        struct iovec iov[3] = {{&h, VNET}, {buf, len}, {spill, sizeof spill}};
        ssize_t n = readv(nics[idx].fd, iov, 3);
        if (n < 0)
            return -EAGAIN;
        struct hc_net_meta m;
        if ((size_t)n < VNET + FRAME_MIN || vnet_to_meta(&h, &m) < 0)
            continue;
        n -= (ssize_t)VNET;
        if ((size_t)n > len)
            return -EMSGSIZE;
        if (meta)
            *meta = m;
        return (int)n;
    }
}
