/*
 * netfront.c: Xen virtual NICs (vifs) behind the hypercall NIC calls.
 * Each vif under xenstore device/vif/N is started through the xenbus
 * handshake in named steps: read its keys, grant the two rings and the
 * buffers, wait for the backend to reach InitWait, write our keys in a
 * transaction, switch to Connected and wait (bounded) for the backend
 * to follow.
 *
 * Receive uses rx-copy: every buffer stays posted as a granted page the
 * backend copies a frame into; a frame is copied out in hc_net_recv and
 * its page posted again at once. Transmit copies a frame into a granted
 * page per slot and reclaims slots from the responses on the next send.
 * The event channel's handler does nothing: the upcall itself counts as
 * a device interrupt, which wakes the thread that polls us.
 *
 * Checksum offload is on both ways (netback's default): a frame whose
 * meta asks for a partial checksum goes as csum_blank (an IPv6 one only
 * if the backend says feature-ipv6-csum-offload; else we complete it),
 * and received frames' csum_blank and data_validated flags become meta
 * (nf_rx_meta).
 * TCPv4 segmentation too: we ask for feature-sg and feature-gso-tcpv4,
 * so the backend may hand us a 64 KiB frame over several slots, and we
 * send one the same way when the backend offers feature-gso-tcpv4
 * (netfront_io.c, netfront_gso.c).
 *
 * Limits: one queue per vif, MTU 1500 (larger frames only as TCPv4
 * segmentation, of at most 65535 bytes: a request's size field), vifs
 * with ids below
 * NF_DEVID_MAX. A backend that breaks the protocol disables its vif with
 * one log line (link down from then on); its pages stay granted, since
 * it may still write them.
 */
#include "xen.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xen/io/xenbus.h>
#include "netfront.h"
#include "xs_codec.h"

#define NF_VIFS_MAX 4
#define NF_DEVID_MAX 16 /* vif ids we look for: xl numbers them from 0 */
#define NF_WAIT_NS 30000000000ull
#define NF_POLL_NS 5000000ull
#define PAGES_FOR(n) (((n) + HC_PAGE_SIZE - 1) / HC_PAGE_SIZE)

static struct vif *vifs[NF_VIFS_MAX];
static unsigned nvifs;

static void vif_event(unsigned port, void *arg)
{
    (void)port, (void)arg; /* the upcall wakes hc_thread_wait_io */
}

void nf_vif_disable(struct vif *v, const char *why)
{
    v->dead = 1;
    kprintf("kiln: netfront vif %u: backend sent %s; vif disabled\n", v->devid,
            why);
}

/* ---- setup steps -------------------------------------------------------- */

static long key_read(const char *dir, const char *key, char *buf, size_t cap)
{
    char path[NF_PATH + 32];
    snprintf(path, sizeof path, "%s/%s", dir, key);
    return xs_read(0, path, buf, cap);
}

static int vif_read_config(struct vif *v)
{
    char val[32];
    if (key_read(v->path, "backend-id", val, sizeof val) < 0)
        return -ENOENT;
    uint64_t id;
    if (xs_parse_u64(val, &id) < 0 || id >= DOMID_FIRST_RESERVED) {
        kprintf("kiln: netfront vif %u: bad backend-id\n", v->devid);
        return -EINVAL;
    }
    v->backend_id = (domid_t)id;
    if (key_read(v->path, "backend", v->backend, sizeof v->backend) <= 0 ||
        key_read(v->path, "mac", val, sizeof val) < 0 ||
        nf_parse_mac(val, v->mac) < 0) {
        kprintf("kiln: netfront vif %u: no backend path or bad mac\n",
                v->devid);
        return -EINVAL;
    }
    return 0;
}

static int grant_page(struct vif *v, uint8_t **page, grant_ref_t *ref,
                      int readonly)
{
    *page = hc_pages_alloc(1);
    if (!*page)
        return -ENOMEM;
    int r = gnttab_grant(v->backend_id, *page, readonly);
    if (r < 0)
        return r;
    *ref = (grant_ref_t)r;
    return 0;
}

/* The two shared rings and every buffer page, granted to the backend. */
static int vif_grant(struct vif *v, grant_ref_t *tx_ref, grant_ref_t *rx_ref)
{
    uint8_t *txs, *rxs;
    if (grant_page(v, &txs, tx_ref, 0) < 0 ||
        grant_page(v, &rxs, rx_ref, 0) < 0)
        return -ENOMEM;
    SHARED_RING_INIT((netif_tx_sring_t *)txs);
    FRONT_RING_INIT(&v->tx, (netif_tx_sring_t *)txs, HC_PAGE_SIZE);
    SHARED_RING_INIT((netif_rx_sring_t *)rxs);
    FRONT_RING_INIT(&v->rx, (netif_rx_sring_t *)rxs, HC_PAGE_SIZE);
    for (unsigned i = 0; i < NF_SLOTS; i++) {
        if (grant_page(v, &v->rx_page[i], &v->rx_gref[i], 0) < 0 ||
            grant_page(v, &v->tx_page[i], &v->tx_gref[i], 1) < 0)
            return -ENOMEM;
        v->tx_free[v->ntx_free++] = (uint16_t)i;
    }
    return 0;
}

static void rx_post(struct vif *v, unsigned id)
{
    netif_rx_request_t *req = RING_GET_REQUEST(&v->rx, v->rx.req_prod_pvt);
    req->id = (uint16_t)id;
    req->gref = v->rx_gref[id];
    v->rx.req_prod_pvt++;
}

void nf_rx_push(struct vif *v)
{
    int notify;
    RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&v->rx, notify);
    if (notify)
        evtchn_notify(v->port);
}

/* Whether the backend set a feature key to 1. */
static int backend_says(struct vif *v, const char *key)
{
    char val[4];
    return key_read(v->backend, key, val, sizeof val) > 0 && val[0] == '1';
}

static int backend_state(struct vif *v)
{
    char val[16];
    if (key_read(v->backend, "state", val, sizeof val) < 0)
        return -1;
    return atoi(val);
}

/* Wait until the backend's state reaches want (not past Connected); -1
 * if it closes or the deadline passes. Polled rather than watched: watch
 * events left over in xenstore.c's small shared queue would crowd out
 * other drivers' events, and xenstore gives no way to drop them. */
static int vif_wait_backend(struct vif *v, int want, uint64_t deadline)
{
    for (;;) {
        int state = backend_state(v);
        if (state >= want && state <= XenbusStateConnected)
            return 0;
        uint64_t now = hc_clock_monotonic();
        if (state > XenbusStateConnected || now >= deadline)
            return -1;
        platform_idle(now + NF_POLL_NS); /* or until an event */
    }
}

static int write_keys(struct vif *v, uint32_t tx, grant_ref_t txr,
                      grant_ref_t rxr)
{
    static const char *const fixed[][2] = {
        {"request-rx-copy", "1"},
        {"feature-rx-notify", "1"},
        {"feature-no-csum-offload", "0"}, /* blank ones, as Linux's */
        {"feature-sg", "1"},
        {"feature-gso-tcpv4", "1"},
    };
    char path[NF_PATH + 32], val[16];
    const char *keys[] = {"tx-ring-ref", "rx-ring-ref", "event-channel"};
    unsigned vals[] = {txr, rxr, v->port};
    for (unsigned i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/%s", v->path, keys[i]);
        snprintf(val, sizeof val, "%u", vals[i]);
        int r = xs_write(tx, path, val);
        if (r < 0)
            return r;
    }
    for (unsigned i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", v->path, fixed[i][0]);
        int r = xs_write(tx, path, fixed[i][1]);
        if (r < 0)
            return r;
    }
    return 0;
}

/* Our keys, all or none, in a transaction (retried while another writer
 * gets in first), then state Connected. */
static int vif_publish(struct vif *v, grant_ref_t txr, grant_ref_t rxr)
{
    int r;
    for (int tries = 0; tries < 10; tries++) {
        uint32_t tx;
        if ((r = xs_transaction_start(&tx)) < 0)
            return r;
        r = write_keys(v, tx, txr, rxr);
        int e = xs_transaction_end(tx, r == 0);
        if (r == 0)
            r = e;
        if (r != -EAGAIN)
            break;
    }
    if (r < 0) /* -EAGAIN still after every try: give up, said by caller */
        return r;
    char path[NF_PATH + 8], val[4];
    snprintf(path, sizeof path, "%s/state", v->path);
    snprintf(val, sizeof val, "%d", XenbusStateConnected);
    return xs_write(0, path, val);
}

static void resume_rings_note(struct vif *v, grant_ref_t txr, grant_ref_t rxr);
static void resume_arp_note(struct vif *v, const uint8_t *f, size_t len);

static int vif_start(struct vif *v)
{
    grant_ref_t txr, rxr;
    if (vif_read_config(v) < 0)
        return -1;
    if (vif_grant(v, &txr, &rxr) < 0) {
        kprintf("kiln: netfront vif %u: no memory or grants\n", v->devid);
        return -1;
    }
    int port = evtchn_alloc_unbound(v->backend_id, vif_event, v);
    if (port < 0) {
        kprintf("kiln: netfront vif %u: no event channel (%d)\n", v->devid,
                port);
        return -1;
    }
    v->port = (unsigned)port;
    for (unsigned i = 0; i < NF_SLOTS; i++)
        rx_post(v, i);
    RING_PUSH_REQUESTS(&v->rx); /* the backend reads them once connected */
    uint64_t deadline = hc_clock_monotonic() + NF_WAIT_NS;
    if (vif_wait_backend(v, XenbusStateInitWait, deadline) < 0 ||
        vif_publish(v, txr, rxr) < 0 ||
        vif_wait_backend(v, XenbusStateConnected, deadline) < 0) {
        kprintf("kiln: netfront vif %u: backend %s did not connect\n", v->devid,
                v->backend);
        return -1;
    }
    v->tx_gso =
        backend_says(v, "feature-sg") && backend_says(v, "feature-gso-tcpv4");
    v->tx_csum6 = backend_says(v, "feature-ipv6-csum-offload");
    v->connected = 1;
    resume_rings_note(v, txr, rxr);
    return 0;
}

/* The vifs come from one listing of device/vif (a request per id would
 * cost a round trip through dom0 each). Pages taken by a vif that fails
 * to start stay with it: some may be granted, and the backend may still
 * map them. */
void netfront_init(void)
{
    char names[512]; /* on the stack: a static one every image would load */
    long len = xs_directory(0, "device/vif", names, sizeof names);
    if (len <= 0 || gnttab_init() < 0)
        return; /* no vifs, or no way to share pages with a backend */
    xen_resume_hook(netfront_resume);
    for (unsigned id = 0; id < NF_DEVID_MAX && nvifs < NF_VIFS_MAX; id++) {
        char name[8];
        snprintf(name, sizeof name, "%u", id);
        if (!xs_list_has(names, (size_t)len, name))
            continue;
        struct vif *v = hc_pages_alloc(PAGES_FOR(sizeof *v));
        if (!v)
            return;
        v->devid = id;
        snprintf(v->path, sizeof v->path, "device/vif/%u", id);
        if (vif_start(v) == 0)
            vifs[nvifs++] = v;
    }
}

/* ---- the hypercall NIC calls --------------------------------------------- */

/* A disabled vif stays listed, so later NICs keep their numbers; it
 * reports its link down, refuses to send and never has a frame (an error
 * from recv on every poll would keep the stack's thread spinning). */
static struct vif *vif_get(unsigned idx)
{
    xen_devices_find(); /* the first call finds them */
    return idx < nvifs ? vifs[idx] : NULL;
}

int hc_net_info(unsigned idx, struct hc_net_info *out)
{
    struct vif *v = vif_get(idx);
    if (!v)
        return -ENODEV;
    memcpy(out->mac, v->mac, 6);
    out->mtu = 1500;
    out->offloads = HC_NET_TX_CSUM | HC_NET_RX_CSUM | HC_NET_RX_TSO4 |
                    (v->tx_gso ? HC_NET_TX_TSO4 : 0);
    out->link_up = (uint8_t)(v->connected && !v->dead);
    return 0;
}

/* Take back every slot the backend has answered; -EIO if it broke. */
static int tx_reclaim(struct vif *v)
{
    uint32_t prod = __atomic_load_n(&v->tx.sring->rsp_prod, __ATOMIC_ACQUIRE);
    int n = nf_pending(v->tx.rsp_cons, prod, v->tx.req_prod_pvt);
    const char *why = "a response index past our requests";
    for (; n > 0; n--) {
        netif_tx_response_t r =
            *(volatile netif_tx_response_t *)RING_GET_RESPONSE(&v->tx,
                                                               v->tx.rsp_cons);
        int c = nf_tx_check(&r, v->tx_inflight, &why);
        if (c == NF_BAD)
            break;
        v->tx.rsp_cons++;
        if (c == NF_SKIP)
            continue; /* an extra slot's answer */
        v->tx_inflight[r.id] = 0;
        v->tx_free[v->ntx_free++] = r.id;
    }
    if (n != 0) {
        nf_vif_disable(v, why);
        return -EIO;
    }
    return 0;
}

/* Too few slots free: ask for an event when the next one is answered,
 * then look again (a response may have come in between). */
static int tx_wait_slots(struct vif *v, unsigned need)
{
    v->tx.sring->rsp_event = v->tx.rsp_cons + 1;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    return tx_reclaim(v) < 0 ? -EIO : v->ntx_free >= need ? 0 : -EAGAIN;
}

int hc_net_send(unsigned idx, const void *frame, size_t len,
                const struct hc_net_meta *meta)
{
    struct vif *v = vif_get(idx);
    if (!v)
        return -ENODEV;
    if (v->dead)
        return -EIO;
    if (nf_tx_meta_check(meta, len, v->tx_gso) < 0)
        return -EINVAL;
    if (tx_reclaim(v) < 0)
        return -EIO;
    unsigned need = nf_tx_pages(len);
    int r = v->ntx_free >= need ? 0 : tx_wait_slots(v, need);
    if (r < 0)
        return r;
    resume_arp_note(v, frame, len);
    nf_tx_frame(v, frame, len, meta);
    int notify;
    RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&v->tx, notify);
    if (notify)
        evtchn_notify(v->port);
    return 0;
}

int hc_net_recv(unsigned idx, void *buf, size_t len, struct hc_net_meta *meta)
{
    struct vif *v = vif_get(idx);
    if (!v)
        return -ENODEV;
    if (v->dead)
        return -EAGAIN;
    int got;
    while ((got = nf_rx_frame(v, buf, len, meta)) == 0)
        ; /* -EAGAIN only when no frame waits: drops are skipped */
    return got;
}

/* ---- suspend and resume (suspend.c) --------------------------------------
 * In a new domain each vif has a new backend, waiting in InitWait. Our
 * ring and buffer pages keep their grants (gnttab_resume), so a vif
 * starts its rings afresh (frames in flight are lost, as on a wire, and
 * TCP sends them again), binds a new event channel and goes through the
 * handshake again. Then a gratuitous ARP for its address tells the
 * bridges and switches where the MAC is now (after a migration, the
 * old port is wrong). The address is the one the stack's own ARP
 * frames carry: this layer has no other way to know it. */

struct vif_resume {
    grant_ref_t tx_ring, rx_ring;
    uint8_t ip[4]; /* 0.0.0.0: no ARP sent yet, none announced */
};

/* By vif id (device/vif/N), filled as the vifs start. */
static struct vif_resume resume_info[NF_DEVID_MAX];

static void resume_rings_note(struct vif *v, grant_ref_t txr, grant_ref_t rxr)
{
    resume_info[v->devid].tx_ring = txr;
    resume_info[v->devid].rx_ring = rxr;
}

/* An ARP frame of ours names our address as its sender. */
static void resume_arp_note(struct vif *v, const uint8_t *f, size_t len)
{
    if (len >= 42 && f[12] == 0x08 && f[13] == 0x06 &&
        !memcmp(f + 22, v->mac, 6))
        memcpy(resume_info[v->devid].ip, f + 28, 4);
}

static void rings_restart(struct vif *v)
{
    SHARED_RING_INIT(v->tx.sring);
    FRONT_RING_INIT(&v->tx, v->tx.sring, HC_PAGE_SIZE);
    SHARED_RING_INIT(v->rx.sring);
    FRONT_RING_INIT(&v->rx, v->rx.sring, HC_PAGE_SIZE);
    v->ntx_free = 0;
    for (unsigned i = 0; i < NF_SLOTS; i++) {
        v->tx_inflight[i] = 0;
        v->tx_free[v->ntx_free++] = (uint16_t)i;
        rx_post(v, i);
    }
    RING_PUSH_REQUESTS(&v->rx);
}

/* Who-has our own address, from us, to everyone (RFC 5227's
 * announcement), padded to Ethernet's 60-byte minimum. */
static void arp_announce_again(struct vif *v, unsigned idx)
{
    const uint8_t *ip = resume_info[v->devid].ip;
    if (!(ip[0] | ip[1] | ip[2] | ip[3]))
        return;
    uint8_t f[60] = {0};
    static const uint8_t head[] = {0x08, 0x06, 0, 1, 0x08, 0, 6, 4, 0, 1};
    memset(f, 0xff, 6);
    memcpy(f + 6, v->mac, 6);
    memcpy(f + 12, head, sizeof head);
    memcpy(f + 22, v->mac, 6);
    memcpy(f + 28, ip, 4);
    memcpy(f + 38, ip, 4);
    hc_net_send(idx, f, sizeof f, NULL);
}

static int vif_reconnect(struct vif *v)
{
    struct vif_resume *r = &resume_info[v->devid];
    v->connected = 0;
    if (vif_read_config(v) < 0) /* the new backend's path and id */
        return -1;
    int port = evtchn_alloc_unbound(v->backend_id, vif_event, v);
    if (port < 0)
        return -1;
    v->port = (unsigned)port;
    rings_restart(v);
    uint64_t deadline = hc_clock_monotonic() + NF_WAIT_NS;
    if (vif_wait_backend(v, XenbusStateInitWait, deadline) < 0 ||
        vif_publish(v, r->tx_ring, r->rx_ring) < 0 ||
        vif_wait_backend(v, XenbusStateConnected, deadline) < 0)
        return -1;
    /* a new host's backend may segment or not, sum IPv6 or not: ask */
    v->tx_gso =
        backend_says(v, "feature-sg") && backend_says(v, "feature-gso-tcpv4");
    v->tx_csum6 = backend_says(v, "feature-ipv6-csum-offload");
    v->connected = 1;
    return 0;
}

void netfront_resume(void)
{
    for (unsigned i = 0; i < nvifs; i++) {
        struct vif *v = vifs[i];
        if (v->dead)
            continue;
        if (vif_reconnect(v) == 0) {
            arp_announce_again(v, i);
            continue;
        }
        v->dead = 1;
        kprintf("kiln: netfront vif %u: no new backend after the resume; "
                "vif disabled\n",
                v->devid);
    }
}
