/*
 * conntrack_tcp.c: how a tracked TCP flow moves through its states as
 * segments pass, and how long each state may last unseen (Linux's
 * conntrack defaults: a handshake is given 2 minutes, an established
 * flow 5 days, a closing one 2 minutes).
 *
 * Limits: the flags alone drive it (no sequence-window checks); the two
 * FINs are not told apart by direction, so a retransmitted FIN ends the
 * flow early in TIME_WAIT, which still lets the close finish.
 */
#include "fw.h"

#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_ACK 0x10
#define SEC 1000000000ull

static int tcp_from_none(int dir, uint8_t f)
{
    return dir == 0 && (f & (TH_SYN | TH_ACK)) == TH_SYN ? CT_TCP_SYN_SENT : -1;
}

static int tcp_from_syn_sent(int dir, uint8_t f)
{
    if (!(f & TH_SYN))
        return -1; /* nothing but the handshake before it is answered */
    return dir == 0 ? CT_TCP_SYN_SENT : CT_TCP_SYN_RECV;
}

static int tcp_from_syn_recv(int dir, uint8_t f)
{
    if (f & TH_SYN)
        return CT_TCP_SYN_RECV; /* a retransmitted SYN or SYN-ACK */
    if (dir == 0 && (f & TH_ACK))
        return f & TH_FIN ? CT_TCP_FIN_WAIT : CT_TCP_ESTABLISHED;
    return -1;
}

int ct_tcp_next(int state, int dir, uint8_t f)
{
    if (f & TH_RST)
        return state == CT_TCP_NONE ? -1 : CT_TCP_CLOSE;
    switch (state) {
    case CT_TCP_NONE: return tcp_from_none(dir, f);
    case CT_TCP_SYN_SENT: return tcp_from_syn_sent(dir, f);
    case CT_TCP_SYN_RECV: return tcp_from_syn_recv(dir, f);
    case CT_TCP_ESTABLISHED:
        return f & TH_FIN ? CT_TCP_FIN_WAIT : CT_TCP_ESTABLISHED;
    case CT_TCP_FIN_WAIT:
    case CT_TCP_CLOSE_WAIT: return f & TH_FIN ? CT_TCP_TIME_WAIT : state;
    default: /* TIME_WAIT, CLOSE: a new SYN reopens the tuple */
        if (dir == 0 && (f & (TH_SYN | TH_ACK)) == TH_SYN)
            return CT_TCP_SYN_SENT;
        return state;
    }
}

uint64_t ct_tcp_timeout(int state)
{
    switch (state) {
    case CT_TCP_SYN_SENT: return 120 * SEC;
    case CT_TCP_SYN_RECV: return 60 * SEC;
    case CT_TCP_ESTABLISHED: return 5 * 24 * 3600 * SEC;
    case CT_TCP_FIN_WAIT: return 120 * SEC;
    case CT_TCP_CLOSE_WAIT: return 60 * SEC;
    case CT_TCP_TIME_WAIT: return 120 * SEC;
    default: return 10 * SEC;
    }
}
