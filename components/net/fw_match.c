/*
 * fw_match.c: running a packet through one hook's chain. Rules are
 * tried in file order; the first whose matches all hold and which has a
 * verdict decides; rules without one only count. Every rule that
 * matches counts the packet, and the policy counts what no rule
 * decided.
 *
 * A port match never holds for a packet without ports (another
 * protocol, or a fragment after the first: the router reassembles
 * before filtering, so only a datagram too short to carry its ports
 * gets here without them).
 *
 * Pure code: host unit tested (tests/unit/net-fw-rules).
 */
#include "fw.h"

static int ports_hold(const struct fw_ports *pp, int has, uint16_t port)
{
    if (!pp->n)
        return 1;
    if (!has)
        return 0;
    int in = 0;
    for (unsigned i = 0; i < pp->n && !in; i++)
        in = port >= pp->lo[i] && port <= pp->hi[i];
    return in != pp->neg;
}

static int iface_holds(uint8_t want, uint8_t neg, uint8_t have)
{
    return !want || ((want == have) != neg);
}

static int addr_holds(uint32_t want, uint32_t mask, uint8_t neg, uint32_t have)
{
    if (!mask && !want && !neg)
        return 1;
    return ((have & mask) == want) != neg;
}

static int rule_holds(const struct fw_rule *r, const struct fw_pkt *p)
{
    return iface_holds(r->iif, r->iif_neg, p->iif) &&
           iface_holds(r->oif, r->oif_neg, p->oif) &&
           addr_holds(r->saddr, r->smask, r->saddr_neg, p->src) &&
           addr_holds(r->daddr, r->dmask, r->daddr_neg, p->dst) &&
           (!r->proto || r->proto == p->proto) &&
           (r->icmp_type < 0 || r->icmp_type == p->icmp_type) &&
           (!r->ct || (r->ct & p->ct)) &&
           ports_hold(&r->sport, p->has_ports, p->sport) &&
           ports_hold(&r->dport, p->has_ports, p->dport);
}

int fw_eval(struct fw_ruleset *rs, const struct fw_pkt *p,
            const struct fw_rule **rule)
{
    *rule = NULL;
    if (!rs->has_chain[p->hook])
        return FW_ACCEPT;
    for (unsigned i = 0; i < rs->nrules; i++) {
        struct fw_rule *r = &rs->rules[i];
        if (r->hook != p->hook || !rule_holds(r, p))
            continue;
        r->packets++;
        r->bytes += p->len;
        if (r->verdict != FW_NONE) {
            *rule = r;
            return r->verdict;
        }
    }
    rs->policy_packets[p->hook]++;
    return rs->policy[p->hook];
}
