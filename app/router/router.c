/*
 * router: the router and firewall appliance. Its NICs come up from the
 * ip= options (eth0 inside, eth1 outside by convention); it loads the
 * rules file, forwards between the NICs, and reports its counters per
 * interface and per rule on the console (every report= seconds) and on
 * an HTTP status page served on the status interface's address only.
 *
 * Boot options (key=value):
 *   rules=FILE       nftables-style rules in the boot archive
 *                    (default /etc/kiln/router.nft)
 *   mtu=ethN:MTU[,ethN:MTU]  lower interfaces' MTUs (tunnels behind them)
 *   status=ethN[:PORT]  where the status page is (default eth0:80)
 *   report=SECONDS   console report period (default 60; 0: never)
 *
 * A rules file that cannot be read or parsed stops the boot with one
 * line naming the file and line, and exit status 1.
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "../../components/net/router.h"

#define RULES_DEFAULT "/etc/kiln/router.nft"
#define RULES_MAX_BYTES (256 * 1024)
#define REPORT_MAX 16384
#define CLIENT_WAIT_MS 2000

static char report[REPORT_MAX];

/* The whole file, NUL-terminated, or NULL with errno. */
static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    char *buf = malloc(RULES_MAX_BYTES + 1);
    size_t n = buf ? fread(buf, 1, RULES_MAX_BYTES + 1, f) : 0;
    int bad = !buf || ferror(f) || n > RULES_MAX_BYTES;
    fclose(f);
    if (bad) {
        free(buf);
        errno = buf ? EFBIG : ENOMEM;
        return NULL;
    }
    buf[n] = 0;
    *len = n;
    return buf;
}

static int load_rules(const char *path)
{
    size_t len;
    char err[160];
    char *text = read_file(path, &len);
    if (!text) {
        printf("router: cannot read the rules %s: %s\n", path, strerror(errno));
        return -1;
    }
    int r = router_load_rules(text, len, err, sizeof err);
    free(text);
    if (r < 0) {
        printf("router: %s: %s\n", path, err);
        return -1;
    }
    return 0;
}

/* "ethN" at s: N, and *rest past it; -1 if s is not one. */
static int parse_if(const char *s, const char **rest)
{
    char *end;
    if (strncmp(s, "eth", 3) || s[3] < '0' || s[3] > '9')
        return -1;
    long n = strtol(s + 3, &end, 10);
    *rest = end;
    return n < 16 ? (int)n : -1;
}

/* mtu=ethN:MTU[,ethN:MTU...] */
static int set_mtus(const char *opt)
{
    while (opt && *opt) {
        const char *rest;
        char *end;
        int n = parse_if(opt, &rest);
        long mtu = n >= 0 && *rest == ':' ? strtol(rest + 1, &end, 10) : -1;
        if (mtu < 0 || (*end && *end != ',') ||
            router_set_mtu((unsigned)n, (unsigned)mtu) < 0) {
            printf("router: mtu=%s is not valid: ethN:MTU[,ethN:MTU], an "
                   "existing NIC and 576 <= MTU <= its own\n",
                   opt);
            return -1;
        }
        opt = *end ? end + 1 : NULL;
    }
    return 0;
}

/* The status page's socket: status=ethN[:PORT], on that NIC's address. */
static int status_listen(const char *opt)
{
    const char *rest;
    char *end = "";
    int n = parse_if(opt, &rest);
    long port = n >= 0 && *rest == ':' ? strtol(rest + 1, &end, 10) : 80;
    unsigned addr = n >= 0 ? router_address((unsigned)n) : 0;
    if (n < 0 || (*rest && *rest != ':') || *end || port < 1 || port > 65535 ||
        !addr) {
        printf("router: status=%s is not valid: ethN[:PORT] of a NIC with an "
               "address\n",
               opt);
        return -1;
    }
    struct sockaddr_in sa = {.sin_family = AF_INET,
                             .sin_port = htons((uint16_t)port),
                             .sin_addr.s_addr = addr};
    int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
        listen(fd, 8) < 0) {
        printf("router: status page on %s: %s\n", opt, strerror(errno));
        return -1;
    }
    const unsigned char *a = (const unsigned char *)&addr;
    printf("router: status page at http://%u.%u.%u.%u:%ld/\n", a[0], a[1], a[2],
           a[3], port);
    return fd;
}

/* Read the request (what of it comes within CLIENT_WAIT_MS), answer
 * with the report whatever was asked: the page has one view. */
static void status_serve(int lfd)
{
    int fd = accept(lfd, NULL, NULL);
    if (fd < 0)
        return;
    char req[1024];
    struct pollfd p = {.fd = fd, .events = POLLIN};
    if (poll(&p, 1, CLIENT_WAIT_MS) == 1 && read(fd, req, sizeof req) > 0) {
        size_t n = router_report(report, sizeof report);
        char head[160];
        int h = snprintf(head, sizeof head,
                         "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n"
                         "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                         n);
        if (write(fd, head, (size_t)h) == h)
            (void)!write(fd, report, n);
    }
    close(fd);
}

static void report_console(void)
{
    router_report(report, sizeof report);
    for (char *line = strtok(report, "\n"); line; line = strtok(NULL, "\n"))
        printf("router: %s\n", line);
    fflush(stdout);
}

static const char *opt_or(const char *name, const char *def)
{
    const char *v = getenv(name);
    return v && *v ? v : def;
}

int main(void)
{
    const char *rules = opt_or("rules", RULES_DEFAULT);
    long period = atol(opt_or("report", "60"));
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (load_rules(rules) < 0 || set_mtus(getenv("mtu")) < 0)
        return 1;
    int lfd = status_listen(opt_or("status", "eth0"));
    if (lfd < 0)
        return 1;
    router_enable();
    printf("router: forwarding, rules from %s\n", rules);
    time_t next = period > 0 ? time(NULL) + period : 0;
    for (;;) {
        struct pollfd p = {.fd = lfd, .events = POLLIN};
        int wait = next ? (int)(next - time(NULL)) * 1000 : -1;
        if (poll(&p, 1, wait < 0 && next ? 0 : wait) == 1)
            status_serve(lfd);
        if (next && time(NULL) >= next) {
            report_console();
            next = time(NULL) + period;
        }
    }
}
