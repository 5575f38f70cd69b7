/*
 * setup.c: the host options that stand in for a machine's devices and
 * boot loader (see host.h for the list). Devices are added in the order
 * given, so the first --tap or --null-nic is NIC 0.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hostint.h"

#define DEFAULT_MEM_MIB 128
#define CMDLINE_MAX 4096

static const char usage[] =
    "options: [--tap IF]... [--null-nic]... [--disk FILE[,ro]]... "
    "[--module FILE]... [--boot OPT]... [--mem MiB|NK] [--] ARGS...";

/* Append one --boot option to the command line, space-separated. */
static int cmdline_add(char *line, const char *opt)
{
    size_t used = strlen(line), add = strlen(opt);
    if (used + add + 2 > CMDLINE_MAX) {
        fprintf(stderr, "host: --boot options longer than %d bytes\n",
                CMDLINE_MAX - 1);
        return -1;
    }
    if (used)
        line[used++] = ' ';
    memcpy(line + used, opt, add + 1);
    return 0;
}

/* --mem N is MiB; N followed by K is KiB (whole pages), for fuzzing
 * under memory pressure. Stored as KiB. */
static int parse_mem(const char *s, size_t *kib)
{
    char *end;
    unsigned long v = strtoul(s, &end, 10);
    int k = (*end == 'K' || *end == 'k') && !end[1];
    if (*s < '0' || *s > '9' || (*end && !k) || (k && v % 4)) {
        fprintf(stderr,
                "host: --mem %s: not a number of MiB (or of KiB "
                "with K, a multiple of 4)\n",
                s);
        return -1;
    }
    if (v == 0 || v > (k ? MEM_MAX_MIB * 1024ul : MEM_MAX_MIB)) {
        fprintf(stderr, "host: --mem %s: want 4K..%d MiB\n", s, MEM_MAX_MIB);
        return -1;
    }
    *kib = k ? v : v * 1024;
    return 0;
}

/* One option with its value; 0, or -1 after a message. */
static int take_option(const char *opt, const char *val, char *line,
                       size_t *kib)
{
    if (strcmp(opt, "--tap") == 0)
        return nic_add_tap(val);
    if (strcmp(opt, "--disk") == 0)
        return disk_add_file(val);
    if (strcmp(opt, "--module") == 0)
        return module_add_file(val);
    if (strcmp(opt, "--boot") == 0)
        return cmdline_add(line, val);
    if (strcmp(opt, "--mem") == 0)
        return parse_mem(val, kib);
    fprintf(stderr, "host: unknown option %s\n%s\n", opt, usage);
    return -1;
}

int host_setup(int argc, char **argv)
{
    static int done;
    static char line[CMDLINE_MAX];
    size_t kib = DEFAULT_MEM_MIB * 1024;
    int i = 1;
    if (done++)
        host_panic("host_setup called twice");
    clock_init();
    for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
        if (strcmp(argv[i], "--") == 0) {
            i++;
            break;
        }
        if (strcmp(argv[i], "--null-nic") == 0) {
            host_nic_add_null(NULL);
            continue;
        }
        if (i + 1 == argc) {
            fprintf(stderr, "host: %s needs a value\n%s\n", argv[i], usage);
            return -1;
        }
        if (take_option(argv[i], argv[i + 1], line, &kib) < 0)
            return -1;
        i++;
    }
    console_set_cmdline(line);
    return pages_init(kib) < 0 ? -1 : i;
}
