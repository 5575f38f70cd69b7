/*
 * tcp-linger/test.c: host unit test of close() with SO_LINGER and a
 * time, in tcp-world.h's fake network, when the connection ends while
 * close() sleeps: the peer's RST frees the block (it is an orphan from
 * close() on), and the stack's next timer run gives its chunk back to
 * the page allocator. close() must not touch the block once it wakes:
 * under AddressSanitizer a read of the freed chunk ends the test.
 * Also checks that a block's (index, generation) never names a block
 * made again in a chunk given back and taken anew.
 *
 * tests/unit/run reads one "links:" line, longer than clang-format's
 * column limit, hence the off/on below.
 */
/* clang-format off */
/*
 * links: components/net/tcp_*.c components/net/l4.c components/net/scope6.c components/net/checksum.c
 */
/* clang-format on */
#include "tcp-world.h"

#define PORT 90

static struct net_sock *server; /* the accepted end, reset meanwhile */
static unsigned woke;

/* While the client lingers: the server aborts (SO_LINGER 0 sends a
 * RST), the RST arrives, and the timers run on an idle network. */
static void server_resets(void)
{
    struct linger now = {1, 0};
    tcp_ops.setsockopt(server, SOL_SOCKET, SO_LINGER, &now, sizeof now);
    tcp_ops.close(server);
    run(100);
    woke++;
}

/* Blocks 1..TCP_PCB_CHUNK taken (the listener and fill), so the next
 * socket made starts the second chunk. */
static struct net_sock *fill[TCP_PCB_CHUNK];

static void test_reset_while_lingering(void)
{
    struct net_sock *l = listener(PORT, 4), *c;
    for (unsigned i = 1; i < TCP_PCB_CHUNK; i++)
        tcp_sock_create(&fill[i]);
    tcp_sock_create(&c);
    uint16_t idx = ((struct tcp_pcb *)c)->idx;
    tap_check(idx > TCP_PCB_CHUNK && tcp_pcb_n == 2 * TCP_PCB_CHUNK,
              "the client is alone in the second chunk", "idx %u, %u blocks",
              idx, tcp_pcb_n);
    tcp_ops.close(fill[1]); /* the server's end takes this block */
    fill[1] = NULL;
    struct sockaddr_in a = sin_of(B, PORT);
    tcp_ops.connect(c, &a);
    run(100);
    tap_check(tcp_ops.accept(l, &server, NULL) == 0 &&
                  ((struct tcp_pcb *)server)->idx <= TCP_PCB_CHUNK,
              "the server's end is in the first chunk", NULL);
    struct linger some = {1, 5};
    tcp_ops.setsockopt(c, SOL_SOCKET, SO_LINGER, &some, sizeof some);
    tcp_ops.send(c, "unacknowledged", 14, 0, NULL); /* queued, not delivered */
    while_waiting = server_resets;
    int r = tcp_ops.close(c); /* lingers: the data is not acknowledged */
    tap_check(r == 0 && woke == 1, "close() lingered and was woken", "%d %u", r,
              woke);
    tap_check(tcp_pcb_n == TCP_PCB_CHUNK,
              "the reset freed the block and its chunk went back", "%u blocks",
              tcp_pcb_n);
    tcp_ops.close(l);
}

/* A chunk given back and made again starts its blocks afresh: a waiter's
 * (index, generation) must not name the new block at its index. */
static void test_generation_outlives_chunk(void)
{
    struct net_sock *more[TCP_PCB_CHUNK + 1];
    for (unsigned i = 0; i <= TCP_PCB_CHUNK; i++)
        tcp_sock_create(&more[i]);
    struct tcp_pcb *last = (struct tcp_pcb *)more[TCP_PCB_CHUNK];
    uint16_t idx = last->idx;
    uint32_t gen = last->gen;
    tap_check(tcp_pcb_find(idx, gen) == last, "a live block is found", NULL);
    for (unsigned i = 0; i <= TCP_PCB_CHUNK; i++)
        tcp_ops.close(more[i]);
    tcp_timer(clock_ns); /* gives the empty last chunk back */
    tap_check(tcp_pcb_find(idx, gen) == NULL,
              "a block whose chunk went back is not found", NULL);
    for (unsigned i = 0; i <= TCP_PCB_CHUNK; i++)
        tcp_sock_create(&more[i]);
    struct tcp_pcb *again = tcp_pcb_at(idx);
    tap_check(again->used && tcp_pcb_find(idx, gen) == NULL,
              "nor is the new block made at its index", "gen %u, was %u",
              again->gen, gen);
    for (unsigned i = 0; i <= TCP_PCB_CHUNK; i++)
        tcp_ops.close(more[i]);
}

int main(void)
{
    test_reset_while_lingering();
    test_generation_outlives_chunk();
    for (unsigned i = 2; i < TCP_PCB_CHUNK; i++)
        tcp_ops.close(fill[i]);
    run(100);
    tap_check(tcp_pcb_free_count() == TCP_PCB_MAX, "every block is free", "%u",
              tcp_pcb_free_count());
    return tap_done();
}
