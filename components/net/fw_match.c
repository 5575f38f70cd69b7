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
 * A chain sees the packets of its table's family (an inet table's both),
 * and a rule those of its own (narrowed by an ip or ip6 match).
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

static int addr6_holds(const struct in6_addr *want, uint8_t plen, uint8_t neg,
                       const struct in6_addr *have)
{
    return !plen || fw_prefix6_holds(want, plen, have) != neg;
}

/* The address matches of the packet's family (a rule with the other's
 * never sees it: fw_eval checks the family first). */
static int addrs_hold(const struct fw_rule *r, const struct fw_pkt *p)
{
    if (p->family == FW_FAM_IP6)
        return addr6_holds(&r->saddr6, r->splen6, r->saddr_neg, &p->src6) &&
               addr6_holds(&r->daddr6, r->dplen6, r->daddr_neg, &p->dst6);
    return addr_holds(r->saddr, r->smask, r->saddr_neg, p->src) &&
           addr_holds(r->daddr, r->dmask, r->daddr_neg, p->dst);
}

static int rule_holds(const struct fw_rule *r, const struct fw_pkt *p)
{
    return (r->family & p->family) && iface_holds(r->iif, r->iif_neg, p->iif) &&
           iface_holds(r->oif, r->oif_neg, p->oif) && addrs_hold(r, p) &&
           (!r->proto || r->proto == p->proto) &&
           (r->icmp_type < 0 || r->icmp_type == p->icmp_type) &&
           (!r->ct || (r->ct & p->ct)) &&
           ports_hold(&r->sport, p->has_ports, p->sport) &&
           ports_hold(&r->dport, p->has_ports, p->dport);
}

int fw_eval(struct fw_ruleset *rs, const struct fw_pkt *p,
            const struct fw_rule **rule)
{
    int f = p->family == FW_FAM_IP6;
    *rule = NULL;
    if (!(rs->has_chain[p->hook] & p->family))
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
    rs->policy_packets[f][p->hook]++;
    return rs->policy[f][p->hook];
}
