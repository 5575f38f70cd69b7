/*
 * e1000_desc.h: the 82540EM's descriptor formats (Intel's PCI/PCI-X
 * Family of Gigabit Ethernet Controllers Software Developer's Manual,
 * 3.2.3 receive, 3.3.3 legacy transmit, 3.3.6 TCP/IP context, 3.3.7
 * TCP/IP data), and the pure code that fills and reads them. e1000.c
 * drives the device; tests/unit/e1000-desc attacks this part alone.
 * Every format is 16 bytes with the transmit status byte at offset 12,
 * so one ring slot takes any of them.
 */
#ifndef KILN_E1000_DESC_H
#define KILN_E1000_DESC_H

#include <stddef.h>
#include <stdint.h>
#include "hypercall.h"
#include "kiln/csum.h" /* E1000_TX_SOFT frames are finished with it */

#define E1000_BUF_SIZE 2048
#define E1000_FRAME_MAX 1514

#define E1000_DD 0x01 /* status: descriptor done */
#define E1000_RX_EOP 0x02
#define E1000_RX_IXSM 0x04  /* status: ignore the checksum bits */
#define E1000_RX_TCPCS 0x20 /* status: TCP/UDP checksum checked */
#define E1000_RX_IPCS 0x40  /* status: IPv4 header checksum checked */
#define E1000_RX_TCPE 0x20  /* errors: TCP/UDP checksum wrong */
#define E1000_RX_IPE 0x40   /* errors: IPv4 header checksum wrong */

struct e1000_rx_desc {
    uint64_t addr;
    uint16_t length, checksum;
    uint8_t status, errors;
    uint16_t special;
};

struct e1000_tx_legacy {
    uint64_t addr;
    uint16_t length;
    uint8_t cso, cmd, status, css;
    uint16_t special;
};

/* TCP/IP context: where the checksums of the data descriptors that
 * follow start, go and end (end 0: the frame's end). */
struct e1000_tx_ctx {
    uint8_t ipcss, ipcso;
    uint16_t ipcse;
    uint8_t tucss, tucso;
    uint16_t tucse;
    uint32_t cmd_len; /* PAYLEN 19:0, DTYP 23:20 (0), TUCMD 31:24 */
    uint8_t status, hdr_len;
    uint16_t mss;
};

/* TCP/IP data: a buffer of the frame, with per-frame options. */
struct e1000_tx_data {
    uint64_t addr;
    uint32_t cmd_len; /* DTALEN 19:0, DTYP 23:20 (1), DCMD 31:24 */
    uint8_t status, popts;
    uint16_t special;
};

union e1000_tx_slot {
    struct e1000_tx_legacy legacy;
    struct e1000_tx_ctx ctx;
    struct e1000_tx_data data;
};

/* What a frame to send needs: E1000_TX_PLAIN (one legacy descriptor),
 * E1000_TX_OFFLOAD (*ctx filled: a context and a data descriptor), or
 * E1000_TX_SOFT (the checksum is finished by kiln_csum_finish: its
 * start or field lies past what a context's 8-bit offsets reach), or
 * -1 for a length or meta the NIC cannot take (hypercall.h's -EINVAL). */
#define E1000_TX_PLAIN 0
#define E1000_TX_OFFLOAD 1
#define E1000_TX_SOFT 2
int e1000_tx_plan(const struct hc_net_meta *m, size_t len,
                  struct e1000_tx_ctx *ctx);

/* The data descriptor for a frame at addr planned E1000_TX_OFFLOAD. */
struct e1000_tx_data e1000_tx_data_for(uint64_t addr, size_t len);

/* A finished receive descriptor: the frame's length and *flags
 * (HC_NET_F_CSUM_VALID when the NIC checked the transport checksum), or
 * -1 for a frame to drop: an error, a wrong checksum, a piece of a frame
 * spread over several buffers, a length outside 14..E1000_BUF_SIZE. */
int e1000_rx_check(const struct e1000_rx_desc *d, uint8_t *flags);

#endif
