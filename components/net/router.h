/*
 * router.h: what the router's part of components/net offers the
 * application that makes an image a router (app/router). Linking any of
 * these calls is what gives ipv4.c its forwarding hook (forward.c); an
 * image without them only terminates traffic.
 *
 * Rules are a subset of nftables' `nft -f` syntax, documented at the
 * top of fw_parse.c and in the README. Until router_enable, nothing is
 * forwarded or filtered: the stack behaves as a host's.
 */
#ifndef KILN_ROUTER_H
#define KILN_ROUTER_H

#include <stddef.h>

#define ROUTER_RULES_MAX 128 /* rules in all chains */
#define ROUTER_CT_MAX 1024   /* tracked flows */

/* Parse and take the rules in text (len bytes). 0, or -EINVAL with err
 * holding "line N: why" on one line; the rules in force are kept. */
int router_load_rules(const char *text, size_t len, char *err, size_t errlen);

/* Lower NIC idx's MTU (a tunnel or PPPoE link behind it). 0, or -EINVAL
 * for no such NIC or an MTU outside 576..its own. */
int router_set_mtu(unsigned idx, unsigned mtu);

/* NIC idx's IPv4 address (network order), 0 if it has none (yet). */
unsigned router_address(unsigned idx);

/* Start filtering, translating and forwarding between the NICs. */
void router_enable(void);

/* The counters as text, one line each: per interface, per rule with
 * its line in the rules file, per policy, and the flow table's use.
 * Returns the length (truncated to size - 1, NUL-terminated). */
size_t router_report(char *buf, size_t size);

#endif
