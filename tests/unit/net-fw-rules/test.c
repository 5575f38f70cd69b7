/*
 * net-fw-rules/test.c: host unit test of the router's rules: the
 * nftables subset (components/net/fw_parse.c, fw_lex.c) and their
 * evaluation (fw_match.c): a full rule set parses into what it says;
 * each malformed line is refused with its number and a reason; rules
 * are tried in order, count what they match, and the policy decides
 * the rest. IPv6: ip6 tables and matches, rules of one family never
 * seeing the other's packets, a policy per family.
 *
 * links: components/net/fw_*.c
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include "../../../components/net/fw.h"
#include "tap.h"

static struct fw_ruleset rs;
static char err[160];

static const char *good =
    "#!/usr/sbin/nft -f\n"
    "flush ruleset\n"
    "table inet filter {\n"
    "  chain input {\n"
    "    type filter hook input priority 0; policy drop;\n"
    "    iifname \"eth0\" accept\n"
    "    iifname eth1 icmp type echo-request counter accept # ping\n"
    "  }\n"
    "  chain fwd {\n"
    "    type filter hook forward priority filter\n"
    "    policy drop\n"
    "    ct state established,related accept\n"
    "    ct state { invalid } drop\n"
    "    iifname != \"eth0\" ip saddr 10.0.0.0/8 drop\n"
    "    ip daddr != 192.168.1.0/24 tcp dport { 22, 8000-8010 } reject with "
    "tcp reset\n"
    "    udp sport domain reject with icmp type admin-prohibited\n"
    "    meta l4proto udp counter\n"
    "    iifname eth0 oifname eth1 accept\n"
    "  }\n"
    "}\n"
    "table ip nat {\n"
    "  chain pre { type nat hook prerouting priority -100; "
    "iifname eth1 tcp dport 8080 dnat to 10.1.0.2:80; }\n"
    "  chain post {\n"
    "    type nat hook postrouting priority srcnat;\n"
    "    oifname eth1 ip saddr 10.1.0.0/16 masquerade\n"
    "    oifname eth2 snat ip to 192.0.2.1\n"
    "  }\n"
    "}\n";

static int parse(const char *text)
{
    err[0] = 0;
    return fw_parse(text, strlen(text), &rs, err, sizeof err);
}

static uint32_t ip4(const char *s)
{
    struct in_addr a;
    inet_pton(AF_INET, s, &a);
    return a.s_addr;
}

static void test_good(void)
{
    int r = parse(good);
    if (!tap_check(r == 0, "a full rule set parses", "%s", err))
        return;
    tap_check(rs.nrules == 12, "it has 12 rules", "%u", rs.nrules);
    tap_check(rs.policy[0][FW_INPUT] == FW_DROP &&
                  rs.policy[0][FW_FORWARD] == FW_DROP &&
                  rs.policy[0][FW_PREROUTING] == FW_ACCEPT,
              "policies as written", NULL);
    const struct fw_rule *x = &rs.rules[5];
    tap_check(x->line == 15 && x->daddr == ip4("192.168.1.0") &&
                  x->dmask == ip4("255.255.255.0") && x->daddr_neg &&
                  x->proto == IPPROTO_TCP && x->dport.n == 2 &&
                  x->dport.lo[1] == 8000 && x->dport.hi[1] == 8010 &&
                  x->verdict == FW_REJECT &&
                  x->reject_with == FW_REJECT_TCP_RST,
              "negated prefix, a port set and a tcp reset", "line %u", x->line);
    tap_check(!strncmp(x->text, "ip daddr != 192.168.1.0/24", 26),
              "a rule keeps its text", "'%s'", x->text);
    const struct fw_rule *d = &rs.rules[9];
    tap_check(d->hook == FW_PREROUTING && d->verdict == FW_DNAT &&
                  d->nat_addr == ip4("10.1.0.2") && d->nat_port == 80 &&
                  d->line == 22,
              "dnat to ADDR:PORT on a one-line chain", "line %u", d->line);
    tap_check(rs.rules[10].verdict == FW_MASQUERADE &&
                  rs.rules[11].verdict == FW_SNAT &&
                  rs.rules[11].nat_addr == ip4("192.0.2.1"),
              "masquerade and snat", NULL);
    tap_check(rs.rules[6].sport.lo[0] == 53 && rs.rules[6].reject_with == 13,
              "service names and reject types", NULL);
}

/* Each malformed text is refused at the given line, naming why. */
static void test_bad(void)
{
    static const struct {
        const char *text, *want;
    } cases[] = {
        {"table ip t {\n chain c {\n  type filter hook forward priority 0;\n"
         "  iifname eth0 acept\n }\n}\n",
         "line 4: unknown word 'acept' in a rule"},
        {"table arp t {\n}\n", "line 1: table family 'arp' is not supported"},
        {"table ip t {\n chain c {\n  type filter hook output priority 0;\n",
         "line 3: hook 'output' is not supported"},
        {"table ip t {\n chain c {\n  accept\n }\n}\n",
         "line 3: a rule before the chain's 'type ... hook' line"},
        {"table ip t {\n chain c {\n  type filter hook input priority 0;\n"
         "  ip saddr 10.0.0.1/8 drop\n",
         "line 4: '10.0.0.1/8' has bits set past its prefix length"},
        {"table ip t {\n chain c {\n  type filter hook input priority 0;\n"
         "  tcp dport 70000 drop\n",
         "line 4: '70000' is not a port"},
        {"table ip t {\n chain c {\n  type filter hook input priority 0;\n"
         "  masquerade\n",
         "line 4: NAT belongs in a nat chain"},
        {"table ip t {\n chain c {\n  type nat hook prerouting priority 0;\n"
         "  masquerade\n",
         "line 4: snat and masquerade belong in the postrouting hook"},
        {"table ip t {\n chain c {\n  type filter hook input priority 0;\n"
         "  udp dport 53 reject with tcp reset\n",
         "line 4: 'reject with tcp reset' needs a tcp match"},
        {"table ip t {\n chain c {\n  type filter hook input priority 0;\n"
         "  accept drop\n",
         "line 4: unexpected 'drop' at the end of a statement"},
        {"table ip t {\n chain c {\n  type filter hook input priority 0;\n"
         "  }\n chain d {\n  type filter hook input priority 1;\n",
         "line 6: a second chain on hook input"},
        {"table ip t {\n chain c {\n  type filter hook input priority 0;\n"
         "  iifname \"eth0\n",
         "line 4: '\"' is not an interface"},
        {"table ip t {\n chain c {\n  type filter hook input priority 0;\n"
         "  iifname eth9 accept\n",
         "line 4: 'eth9' is not an interface"},
        {"table ip t {\n chain c {\n  type filter hook input priority 0;\n"
         "  tcp dport { 1, 2, 3, 4, 5, 6, 7, 8, 9 } drop\n",
         "line 4: more than 8 ports in one set"},
        {"table ip t {\n chain c {\n  type filter hook input priority 0;\n"
         "  udp dport 9-1 drop\n",
         "line 4: port range '9-1' runs backwards"},
        {"table ip t {\n chain c {\n  type filter hook input priority 0;\n"
         "  jump other\n",
         "line 4: unknown word 'jump'"},
        {"table ip t {\n chain c {\n  type filter hook input priority 0;\n",
         "line 4: '}' missing at the end"},
        {"}\n", "line 1: a '}' that closes nothing"},
        {"add rule ip t c drop\n", "line 1: unknown statement 'add'"},
        {"table ip t {\n chain c {\n  type nat hook prerouting priority 0;\n"
         "  dnat to 10.0.0.1:0\n",
         "line 4: '10.0.0.1:0' is not ADDR or ADDR:PORT"},
        {"table ip t {\n chain c {\n  type filter hook input priority 0;\n"
         "  ct state new,closed accept\n",
         "line 4: 'closed' is not a ct state"},
        {"table ip t {\n chain c {\n  type filter hook input priority 0;\n"
         "  tcp dport 1 udp sport 2 accept\n",
         "line 4: 'udp' contradicts the protocol matched before"},
        {"table ip t {\n chain c {\n  type filter hook input priority 0;\n"
         "  ip saddr 1.2.3.4 $ accept\n",
         "line 4: unexpected '$' in a rule"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int r = parse(cases[i].text);
        char what[96];
        snprintf(what, sizeof what, "refused: %.70s", cases[i].want);
        tap_check(r < 0 &&
                      !strncmp(err, cases[i].want, strlen(cases[i].want)) &&
                      !strchr(err, '\n'),
                  what, "got %d '%s'", r, err);
    }
}

static struct fw_pkt pkt(int hook, int iif, const char *src, const char *dst,
                         uint8_t proto, uint16_t dport)
{
    struct fw_pkt p = {.hook = (uint8_t)hook,
                       .family = FW_FAM_IP,
                       .iif = (uint8_t)iif,
                       .oif = 2,
                       .proto = proto,
                       .ct = FW_CT_NEW,
                       .has_ports = proto != IPPROTO_ICMP,
                       .icmp_type = proto == IPPROTO_ICMP ? 8 : -1,
                       .src = ip4(src),
                       .dst = ip4(dst),
                       .sport = 40000,
                       .dport = dport,
                       .len = 60};
    return p;
}

static void test_eval(void)
{
    const struct fw_rule *r;
    if (parse(good) < 0)
        return;
    struct fw_pkt p =
        pkt(FW_FORWARD, 1, "10.1.0.5", "8.8.8.8", IPPROTO_TCP, 22);
    int v = fw_eval(&rs, &p, &r);
    tap_check(v == FW_REJECT && r == &rs.rules[5],
              "ssh out is reset by the first rule that decides", "%d", v);
    p.ct = FW_CT_ESTABLISHED;
    v = fw_eval(&rs, &p, &r);
    tap_check(v == FW_ACCEPT && r == &rs.rules[2],
              "established flows are accepted first", "%d", v);
    p = pkt(FW_FORWARD, 2, "10.9.9.9", "10.1.0.5", IPPROTO_TCP, 80);
    v = fw_eval(&rs, &p, &r);
    tap_check(v == FW_DROP && r == &rs.rules[4],
              "10/8 from outside is dropped (negated interface)", "%d", v);
    p = pkt(FW_FORWARD, 1, "10.1.0.5", "192.168.1.7", IPPROTO_TCP, 22);
    v = fw_eval(&rs, &p, &r);
    tap_check(v == FW_ACCEPT && r == &rs.rules[8],
              "a negated prefix does not match inside it", "%d", v);
    uint64_t before = rs.rules[7].packets;
    p = pkt(FW_FORWARD, 3, "192.0.2.9", "192.0.2.10", IPPROTO_UDP, 9);
    v = fw_eval(&rs, &p, &r);
    tap_check(v == FW_DROP && !r && rs.rules[7].packets == before + 1 &&
                  rs.rules[7].bytes >= 60 && rs.policy_packets[0][FW_FORWARD],
              "a counting rule counts, then the policy drops", "%d", v);
    p = pkt(FW_INPUT, 2, "192.0.2.9", "192.0.2.1", IPPROTO_ICMP, 0);
    v = fw_eval(&rs, &p, &r);
    tap_check(v == FW_ACCEPT, "echo requests to the router", "%d", v);
    p.has_ports = 0;
    p.proto = IPPROTO_TCP;
    p.hook = FW_FORWARD;
    p.iif = 1;
    p.dst = ip4("8.8.8.8");
    p.dport = 22;
    v = fw_eval(&rs, &p, &r);
    tap_check(v == FW_ACCEPT && r == &rs.rules[8],
              "a packet without ports never matches a port rule", "%d", v);
    p = pkt(FW_PREROUTING, 2, "192.0.2.9", "192.0.2.1", IPPROTO_TCP, 8080);
    v = fw_eval(&rs, &p, &r);
    tap_check(v == FW_DNAT && r->nat_port == 80, "dnat at prerouting", NULL);
    p = pkt(FW_INPUT, 0, "1.1.1.1", "2.2.2.2", IPPROTO_TCP, 1);
    parse("table ip t {\n}\n");
    tap_check(fw_eval(&rs, &p, &r) == FW_ACCEPT, "no chain on a hook: accept",
              NULL);
}

/* The README's example is one the parser takes (run from the tree's
 * root, as tests/unit/run does). */
static void test_readme(void)
{
    static char text[8192];
    FILE *f = fopen("README.md", "r");
    char line[256];
    int in = 0;
    size_t n = 0;
    while (f && fgets(line, sizeof line, f)) {
        if (!strcmp(line, "```nft\n") || (in && !strcmp(line, "```\n"))) {
            if (in)
                break;
            in = 1;
            continue;
        }
        if (in && n + strlen(line) < sizeof text) {
            memcpy(text + n, line, strlen(line));
            n += strlen(line);
        }
    }
    if (f)
        fclose(f);
    text[n] = 0;
    int r = n ? parse(text) : -1;
    tap_check(r == 0 && rs.nrules >= 8, "README's rules example parses",
              "%zu bytes: %s", n, err);
}

static struct fw_pkt pkt6(int hook, const char *src, const char *dst,
                          uint8_t proto, uint16_t dport)
{
    struct fw_pkt p = pkt(hook, 1, "10.1.1.1", "10.2.2.2", proto, dport);
    p.family = FW_FAM_IP6;
    p.icmp_type = proto == IPPROTO_ICMPV6 ? 128 : -1;
    p.has_ports = proto != IPPROTO_ICMPV6;
    inet_pton(AF_INET6, src, &p.src6);
    inet_pton(AF_INET6, dst, &p.dst6);
    return p;
}

static void test_v6(void)
{
    const struct fw_rule *r;
    int ok = parse("table inet f {\n"
                   "  chain forward {\n"
                   "    type filter hook forward priority 0; policy drop;\n"
                   "    ip saddr 10.0.0.0/8 accept\n"
                   "    ip6 saddr fd00:1::/32 tcp dport 22 drop\n"
                   "    icmpv6 type echo-request accept\n"
                   "    ip6 daddr != 2001:db8::1 oifname eth1 accept\n"
                   "  }\n"
                   "}\n");
    tap_check(ok == 0 && rs.rules[0].family == FW_FAM_IP &&
                  rs.rules[1].family == FW_FAM_IP6 &&
                  rs.rules[1].splen6 == 32 &&
                  rs.rules[2].proto == IPPROTO_ICMPV6 &&
                  rs.rules[2].icmp_type == 128 && rs.rules[3].daddr_neg,
              "an inet table's IPv6 rules parse", "%d %s", ok, err);
    /* IPv4's fields of this IPv6 packet say 10.1.1.1: rule 0 must not
     * see it */
    struct fw_pkt p = pkt6(FW_FORWARD, "fd00:1::5", "fd00:2::5", 6, 22);
    int v = fw_eval(&rs, &p, &r);
    tap_check(v == FW_DROP && r == &rs.rules[1],
              "an IPv6 packet skips IPv4's rules, meets its prefix", "%d", v);
    p = pkt6(FW_FORWARD, "fd00:3::5", "fd00:2::5", IPPROTO_ICMPV6, 0);
    v = fw_eval(&rs, &p, &r);
    tap_check(v == FW_ACCEPT && r == &rs.rules[2], "icmpv6 echo-request", "%d",
              v);
    p = pkt6(FW_FORWARD, "fd00:3::5", "2001:db8::1", 6, 80);
    v = fw_eval(&rs, &p, &r);
    tap_check(v == FW_DROP && !r && rs.policy_packets[1][FW_FORWARD] == 1 &&
                  rs.policy_packets[0][FW_FORWARD] == 0,
              "a negated IPv6 address; IPv6's policy counts", "%d", v);
    parse("table ip6 t {\n chain c {\n  type filter hook forward priority "
          "0; policy drop;\n }\n}\ntable ip u {\n chain c {\n  type "
          "filter hook forward priority 0; policy accept;\n }\n}\n");
    p = pkt(FW_FORWARD, 1, "10.1.1.1", "10.2.2.2", 6, 80);
    struct fw_pkt p6 = pkt6(FW_FORWARD, "fd00:3::5", "fd00:2::5", 6, 80);
    tap_check(fw_eval(&rs, &p, &r) == FW_ACCEPT &&
                  fw_eval(&rs, &p6, &r) == FW_DROP,
              "an ip and an ip6 chain on one hook, each its family's", NULL);
}

static void test_bad6(void)
{
    static const struct {
        const char *text, *want;
    } cases[] = {
        {"table ip6 t {\n chain c {\n  type filter hook input priority 0;\n"
         "  ip saddr 1.2.3.4 accept\n",
         "line 4: 'ip' is for IPv4, which this rule or its table does not "
         "see"},
        {"table ip6 t {\n chain c {\n  type nat hook postrouting priority "
         "0;\n  masquerade\n",
         "line 4: no NAT for IPv6"},
        {"table inet t {\n chain c {\n  type filter hook input priority 0;\n"
         "  ip6 saddr fd00::1/64 accept\n",
         "line 4: 'fd00::1/64' has bits set past its prefix length"},
        {"table inet t {\n chain c {\n  type filter hook input priority 0;\n"
         "  ip6 daddr 10.0.0.1 accept\n",
         "line 4: '10.0.0.1' is not an IPv6 address"},
        {"table inet t {\n chain c {\n  type filter hook input priority 0;\n"
         "  icmpv6 type echo accept\n",
         "line 4: 'echo' is not an ICMPv6 type"},
        {"table inet t {\n chain c {\n  type filter hook input priority 0;\n"
         "  ip saddr 10.0.0.1 ip6 daddr ::1 accept\n",
         "line 4: 'ip6' is for IPv6"},
        {"table inet a {\n chain c {\n  type filter hook input priority 0;\n"
         " }\n}\ntable ip6 b {\n chain d {\n  type filter hook input "
         "priority 0;\n",
         "line 8: a second chain on hook input"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int r = parse(cases[i].text);
        char what[96];
        snprintf(what, sizeof what, "refused: %.70s", cases[i].want);
        tap_check(r < 0 && !strncmp(err, cases[i].want, strlen(cases[i].want)),
                  what, "got %d '%s'", r, err);
    }
}

int main(void)
{
    test_readme();
    test_good();
    test_bad();
    test_eval();
    test_v6();
    test_bad6();
    return tap_done();
}
