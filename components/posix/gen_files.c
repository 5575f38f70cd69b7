/*
 * gen_files.c: files whose content Kiln writes when they are read, for
 * what programs and musl look for on Linux:
 *
 *   /etc/resolv.conf   "nameserver" lines from the dns=ADDR[,ADDR...]
 *                      boot option, then from DHCP leases (option 6)
 *   /etc/hosts         localhost (127.0.0.1, ::1) and the host name
 *                      (uname's nodename, at 127.0.1.1 as Debian does)
 *   /proc/cpuinfo      one CPU
 *   /proc/meminfo      MemTotal, MemFree, MemAvailable from the pages
 *   /proc/self/stat    (also /proc/1/stat) pid, name, state, threads
 *                      and resident size, the fields programs read
 *   /proc/self/exe     a symbolic link to "/" and the program's name
 *                      (the file's path for app/exec's programs)
 *
 * A file of the same name in the boot archive or a mount wins: open
 * looks here only after the VFS said ENOENT, so an image that ships its
 * own /etc/hosts keeps it. Each read regenerates the text and copies
 * the part at the offset, as Linux's /proc does.
 *
 * Limits: read-only, open and readlink only (stat of these names gives
 * ENOENT); no /proc/self/maps, /proc/self/fd, /sys; at most a page of
 * text per file.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include "../net/net.h"
#include "kiln/log.h"
#include "file.h"
#include "kiln/table.h"
#include "posix.h"

#define TEXT_MAX 4096
#define DNS_MAX 3 /* musl reads at most MAXNS (3) servers */
#define KIB (HC_PAGE_SIZE / 1024)

static size_t gen_resolv(char *b, size_t n);
static size_t gen_hosts(char *b, size_t n);
static size_t gen_cpuinfo(char *b, size_t n);
static size_t gen_meminfo(char *b, size_t n);
static size_t gen_stat(char *b, size_t n);

static const struct gen_file {
    const char *path;
    size_t (*gen)(char *buf, size_t len); /* bytes written, < len */
} gen_files[] = {
    {"/etc/resolv.conf", gen_resolv}, {"/etc/hosts", gen_hosts},
    {"/proc/cpuinfo", gen_cpuinfo},   {"/proc/meminfo", gen_meminfo},
    {"/proc/self/stat", gen_stat},    {"/proc/1/stat", gen_stat},
};

#define GEN_FILES (sizeof gen_files / sizeof gen_files[0])

/* snprintf that never runs past the end (its result is clipped). */
static size_t put(char *b, size_t n, size_t at, const char *s)
{
    if (at >= n)
        return at;
    int w = snprintf(b + at, n - at, "%s", s);
    return w < 0 ? at : at + (size_t)w < n ? at + (size_t)w : n - 1;
}

static void ip_text(uint32_t a, char *out, size_t n)
{
    const uint8_t *p = (const uint8_t *)&a; /* network order */
    snprintf(out, n, "%u.%u.%u.%u", p[0], p[1], p[2], p[3]);
}

static void dns_complain(const char *addr)
{
    static int said;
    if (!said)
        kiln_log("kiln: dns=: '%s' is not an IPv4 or IPv6 address; "
                 "ignored (use dns=ADDR[,ADDR...])",
                 addr);
    said = 1;
}

/* Weak: a program that opens no socket links no stack, and has no
 * servers from DHCP to list (kiln-bake). */
#pragma weak net_dns_servers

/* dns=ADDR[,ADDR...]: IPv4 or IPv6 addresses, at most three in all. */
static size_t dns_option(char *b, size_t n, size_t at, int *count)
{
    static struct cmdline *c; /* 3 KiB: on first use, not in the image */
    kiln_table((void **)&c, sizeof *c, "no memory to parse dns=");
    if (cmdline_parse(hc_cmdline(), c) < 0)
        return at;
    const char *v = cmdline_value(c, "dns");
    while (v && *v && *count < DNS_MAX) {
        size_t len = strcspn(v, ",");
        char addr[INET6_ADDRSTRLEN], line[64];
        unsigned char raw[16];
        snprintf(addr, sizeof addr, "%.*s", (int)len, v);
        v += len + (v[len] == ',');
        if (inet_pton(AF_INET, addr, raw) != 1 &&
            inet_pton(AF_INET6, addr, raw) != 1) {
            dns_complain(addr);
            continue;
        }
        snprintf(line, sizeof line, "nameserver %s\n", addr);
        at = put(b, n, at, line);
        ++*count;
    }
    return at;
}

static size_t gen_resolv(char *b, size_t n)
{
    int count = 0;
    size_t at = dns_option(b, n, 0, &count);
    uint32_t dhcp[DNS_MAX];
    int got = net_dns_servers ? net_dns_servers(dhcp, DNS_MAX - count) : 0;
    for (int i = 0; i < got; i++) {
        char a[16], line[40];
        ip_text(dhcp[i], a, sizeof a);
        snprintf(line, sizeof line, "nameserver %s\n", a);
        at = put(b, n, at, line);
    }
    return at;
}

static size_t gen_hosts(char *b, size_t n)
{
    struct utsname u;
    char line[sizeof u.nodename + 32];
    sys_uname((long)&u);
    size_t at = put(b, n, 0,
                    "127.0.0.1\tlocalhost\n::1\tlocalhost "
                    "ip6-localhost ip6-loopback\n");
    snprintf(line, sizeof line, "127.0.1.1\t%s\n", u.nodename);
    return put(b, n, at, line);
}

static size_t gen_cpuinfo(char *b, size_t n)
{
    return put(b, n, 0,
               "processor\t: 0\nvendor_id\t: Kiln\nmodel name\t: Kiln "
               "virtual CPU\nphysical id\t: 0\nsiblings\t: 1\ncore id\t\t: "
               "0\ncpu cores\t: 1\nflags\t\t: fpu tsc sse sse2 lm\n\n");
}

static size_t gen_meminfo(char *b, size_t n)
{
    struct hc_mem_stats m;
    hc_pages_stats(&m);
    int w = snprintf(b, n,
                     "MemTotal:       %8lu kB\nMemFree:        %8lu kB\n"
                     "MemAvailable:   %8lu kB\n",
                     (unsigned long)m.total_pages * KIB,
                     (unsigned long)m.free_pages * KIB,
                     (unsigned long)m.free_pages * KIB);
    return w < 0 ? 0 : (size_t)w < n ? (size_t)w : n - 1;
}

/* proc(5)'s 52 fields; what is not kept here is 0. */
static size_t gen_stat(char *b, size_t n)
{
    struct hc_mem_stats m;
    hc_pages_stats(&m);
    unsigned long used = (unsigned long)(m.total_pages - m.free_pages);
    int w = snprintf(b, n,
                     "%ld (%.15s) R 0 %ld %ld 0 -1 0 0 0 0 0 0 0 0 0 20 0 "
                     "1 0 0 %lu %lu 18446744073709551615 0 0 0 0 0 0 0 0 0 "
                     "0 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n",
                     sys_getpid(), kiln_app_name, sys_getpid(), sys_getpid(),
                     used * HC_PAGE_SIZE, used);
    return w < 0 ? 0 : (size_t)w < n ? (size_t)w : n - 1;
}

static long gen_read(struct file *f, void *buf, size_t len, uint64_t off)
{
    static char *text; /* on first use, not in the image */
    kiln_table((void **)&text, TEXT_MAX, "no memory for generated files");
    const struct gen_file *g = f->priv;
    size_t size = g->gen(text, TEXT_MAX);
    if (off >= size)
        return 0;
    size_t take = size - (size_t)off < len ? size - (size_t)off : len;
    memcpy(buf, text + off, take);
    return (long)take;
}

static long gen_write(struct file *f, const void *buf, size_t len, uint64_t off)
{
    (void)f, (void)buf, (void)len, (void)off;
    return -EBADF; /* opened read-only: gen_open refuses the rest */
}

static int64_t gen_size(struct file *f)
{
    (void)f;
    return 0; /* as Linux reports for /proc files */
}

static int gen_sync(struct file *f)
{
    (void)f;
    return -EINVAL; /* as fsync on Linux's /proc files */
}

static long gen_ioctl(struct file *f, unsigned long req, long arg)
{
    (void)f, (void)req, (void)arg;
    return -ENOTTY;
}

static const struct file_ops gen_ops = {
    .read = gen_read,
    .write = gen_write,
    .size = gen_size,
    .sync = gen_sync,
    .ioctl = gen_ioctl,
    .mode = S_IFREG | 0444,
    .seekable = 1,
};

long gen_open(const char *path, long flags)
{
    for (size_t i = 0; i < GEN_FILES; i++) {
        if (strcmp(path, gen_files[i].path))
            continue;
        if ((flags & O_ACCMODE) != O_RDONLY || (flags & O_DIRECTORY))
            return (flags & O_DIRECTORY) ? -ENOTDIR : -EACCES;
        return fd_install(&gen_ops, (void *)&gen_files[i], (int)flags);
    }
    return -ENOENT;
}

/* The file app/exec loaded the program from, where it did. */
extern const char *kiln_exe_path __attribute__((weak));

long gen_readlink(const char *path, char *buf, size_t len)
{
    if (strcmp(path, "/proc/self/exe") && strcmp(path, "/proc/1/exe"))
        return -ENOENT;
    char target[128];
    int w = &kiln_exe_path && kiln_exe_path
                ? snprintf(target, sizeof target, "%s", kiln_exe_path)
                : snprintf(target, sizeof target, "/%s", kiln_app_name);
    size_t n = w < 0 ? 0 : (size_t)w < sizeof target ? (size_t)w : 127;
    n = n < len ? n : len; /* readlink does not terminate */
    memcpy(buf, target, n);
    return (long)n;
}
