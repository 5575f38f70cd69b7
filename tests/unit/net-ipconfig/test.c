/*
 * net-ipconfig/test.c: host unit test of components/net/ipconfig.c, the
 * parser of Linux's ip= boot option: the short words, the static short
 * form, the long form with a device, and garbage that must be refused
 * with a reason.
 *
 * links: components/net/ipconfig.c
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include "../../../components/net/netint.h"
#include "tap.h"

static uint32_t A(const char *s)
{
    return inet_addr(s);
}

static void good(const char *opt, int dev, int dhcp, int off, const char *addr,
                 const char *gw, const char *mask)
{
    struct ip_config c;
    int r = ipconfig_parse(opt, &c);
    int ok = r == 0 && c.dev == dev && c.dhcp == dhcp && c.off == off &&
             c.addr == (addr ? A(addr) : 0) && c.gw == (gw ? A(gw) : 0) &&
             c.mask == (mask ? A(mask) : 0);
    tap_check(ok, opt,
              "r=%d dev=%d dhcp=%d off=%d addr=%08x gw=%08x "
              "mask=%08x why=%s",
              r, c.dev, c.dhcp, c.off, c.addr, c.gw, c.mask, c.why);
}

static void bad(const char *opt, const char *why)
{
    struct ip_config c;
    int r = ipconfig_parse(opt, &c);
    char name[160];
    snprintf(name, sizeof name, "refused: %s", opt);
    tap_check(r == -EINVAL && strstr(c.why, why), name, "r=%d why=%s", r,
              c.why);
}

int main(void)
{
    good("dhcp", -1, 1, 0, NULL, NULL, NULL);
    good("on", -1, 1, 0, NULL, NULL, NULL);
    good("off", -1, 0, 1, NULL, NULL, NULL);
    good("none", -1, 0, 1, NULL, NULL, NULL);
    good("10.77.0.2::10.77.0.1:255.255.255.0", -1, 0, 0, "10.77.0.2",
         "10.77.0.1", "255.255.255.0");
    good("10.77.0.2:::255.255.0.0", -1, 0, 0, "10.77.0.2", NULL, "255.255.0.0");
    good("10.1.2.3", -1, 0, 0, "10.1.2.3", NULL, "255.0.0.0");
    good("192.168.1.9::::", -1, 0, 0, "192.168.1.9", NULL, "255.255.255.0");
    good("10.0.0.2:10.0.0.9:10.0.0.1:255.255.255.0:box:eth1:off", 1, 0, 0,
         "10.0.0.2", "10.0.0.1", "255.255.255.0");
    good("10.0.0.2::10.0.0.1:255.255.255.0::eth0:none:8.8.8.8:1.1.1.1:", 0, 0,
         0, "10.0.0.2", "10.0.0.1", "255.255.255.0");
    good(":::::eth2:dhcp", 2, 1, 0, NULL, NULL, NULL);
    good(":::::eth3:", 3, 1, 0, NULL, NULL, NULL);
    good(":::::eth1:off", 1, 0, 1, NULL, NULL, NULL);
    good("10.0.0.2:::::eth0:dhcp", 0, 1, 0, NULL, NULL, NULL);

    bad("10.0.0.300:::", "bad address \"10.0.0.300\"");
    bad("10.0.0:::", "bad address");
    bad("10.0.0.1.2:::", "bad address");
    bad("10.0.0.-1:::", "bad address");
    bad(" 10.0.0.1:::", "bad address");
    bad("0010.0.0.1:::", "bad address");
    bad("10.0.0.2:::255.0.255.0", "bad netmask");
    bad("10.0.0.2:::255.255.255.0x", "bad netmask");
    bad("10.0.0.2::10.0.1.1:255.255.255.0", "gateway outside");
    bad("10.0.0.2::10.0.0.256:255.255.255.0", "bad gateway");
    bad("10.0.0.2:::::wlan0:", "unknown device");
    bad("10.0.0.2:::::eth9:", "unknown device");
    bad("10.0.0.2:::::eth0:magic", "unknown autoconf");
    bad("garbage", "unknown value");
    bad("", "unknown value");
    bad("1:2:3:4:5:6:7:8:9:10:11", "too many");
    bad("127.0.0.1:::", "not a usable host address");
    bad("224.0.0.1:::", "not a usable host address");
    bad("::10.0.0.1:255.255.255.0::eth0:off", "without an address");
    char longopt[300];
    memset(longopt, '1', sizeof longopt - 1);
    longopt[sizeof longopt - 1] = '\0';
    longopt[5] = ':';
    bad(longopt, "too many or too long");
    return tap_done();
}
