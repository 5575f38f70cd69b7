/*
 * fuzz.h: between the net fuzz harness's files.
 *
 * Input format: records of a 4-byte header and a frame:
 *   len (2 bytes, big-endian; cut to what is left), flags (FIX_*),
 *   clock (virtual time to pass before the frame: c ms for c < 200,
 *   else (c - 199) s), then len bytes of Ethernet frame.
 */
#ifndef KILN_FUZZ_NET_H
#define KILN_FUZZ_NET_H

#include <stddef.h>
#include <stdint.h>

#define FIX_CSUM 1 /* recompute the IPv4, TCP, UDP, ICMP checksums */
#define FIX_ACK 2  /* TCP ack = what our last segment asks for */
#define FIX_MAC 4  /* destination MAC = the NIC's */
/* Send the fixed IPv4 datagram as fragments in order, each carrying
 * 8 * N bytes of it, N taken from the record's own fragment offset
 * field (0 counts as 1): fragmented handshakes get valid TCP checksums
 * and acknowledgements, which no fragment alone could fix. */
#define FIX_FRAG 8
/* Deliver with the NIC's checksum verdict (hc_net_meta's
 * HC_NET_F_CSUM_VALID, as behind virtio-net with GUEST_CSUM): the stack
 * skips the transport checksums it would otherwise check. */
#define FIX_NIC_CSUM 16

void fixup_frame(uint8_t *f, size_t len, unsigned flags, const uint8_t mac[6]);
void fixup_observe(const uint8_t *f, size_t len);
/* An ARP reply (42 bytes into f) to the stack's last request; 0 if none
 * is pending. our_ip in network order. */
int fixup_arp_reply(uint8_t *f, const uint8_t mac[6], uint32_t our_ip);
/* FIX_FRAG: the fragment size in bytes a datagram asks for, its offset
 * field then cleared; 0 if f holds no IPv4 header. */
size_t fixup_frag_unit(uint8_t *f, size_t len);
/* Fragment number k (0, 1, ...) of the datagram in f cut into pieces of
 * unit bytes, written to out (room for len bytes); its length, or 0
 * when the datagram has no piece k. */
size_t fixup_fragment(const uint8_t *f, size_t len, size_t unit, unsigned k,
                      uint8_t *out);

#endif
