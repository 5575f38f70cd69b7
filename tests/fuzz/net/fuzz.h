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

void fixup_frame(uint8_t *f, size_t len, unsigned flags, const uint8_t mac[6]);
void fixup_observe(const uint8_t *f, size_t len);
/* An ARP reply (42 bytes into f) to the stack's last request; 0 if none
 * is pending. our_ip in network order. */
int fixup_arp_reply(uint8_t *f, const uint8_t mac[6], uint32_t our_ip);

#endif
