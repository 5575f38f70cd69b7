/*
 * options.c: `kiln run IMAGE [options] [-- ARGS]` read as kiln_cli's
 * parse_run_quickly reads it, for the options in option_table only.
 * The checks of a user network's options are kiln_cli's hostfwd_ok and
 * addr_port_ok, made stricter where Python's str methods take Unicode.
 * Anything else gives -1 and goes to the Python code: other options,
 * --help, a value this cannot take for certain (kiln then explains the
 * mistake in its own words), and values it could read but would have
 * to judge as Python does (1e3 seconds, a non-ASCII boot option).
 */
#include <stdlib.h>
#include <string.h>

#include "kiln-run.h"
#include "table.h"

static int take_mem(struct run *run, const char *text)
{
    size_t n = strlen(text);

    /* nine digits: the value fits any unsigned long */
    if (n == 0 || n > 9 || strspn(text, "0123456789") != n)
        return -1;
    run->mem = strtoul(text, NULL, 10);
    return run->mem >= 1 ? 0 : -1;
}

static int take_boot(struct run *run, const char *text)
{
    const char *c;

    for (c = text; *c; c++)
        if (*c <= ' ' || *c > '~') /* whitespace, or not plain ASCII */
            return -1;
    if (c == text || run->nboot == MAX_BOOT)
        return -1;
    run->boot[run->nboot++] = text;
    return 0;
}

/* DIGITS[.DIGITS] or .DIGITS: Python's float() takes more (1e3, inf,
 * 1_0, spaces), which the Python code then reads */
static int take_timeout(struct run *run, const char *text)
{
    const char *digits = "0123456789";
    size_t whole = strspn(text, digits);
    const char *end = text + whole;

    if (*end == '.')
        end += 1 + strspn(end + 1, digits);
    if (*end || end == text || (whole == 0 && end == text + 1))
        return -1;
    run->timeout = strtod(text, NULL);
    return run->timeout > 0 && run->timeout < 1e6 ? 0 : -1;
}

static int take_machine(struct run *run, const char *text)
{
    return strcmp(text, TABLE_MACHINE) == 0 ? 0 : -1;
}

static int take_accel(struct run *run, const char *text)
{
    return strcmp(text, TABLE_ACCEL) == 0 ? 0 : -1;
}

/* how many of TEXT's first LEN bytes, from the start, are in SET */
static size_t span(const char *text, size_t len, const char *set)
{
    size_t n = 0;

    while (n < len && text[n] && strchr(set, text[n]))
        n++;
    return n;
}

/* [ADDR]:PORT, ADDR digits and dots, PORT digits */
static int addr_port_ok(const char *text, size_t len)
{
    const char *colon = memrchr(text, ':', len);
    size_t addr = colon ? (size_t)(colon - text) : 0, port = len - addr - 1;

    return colon && port > 0 && span(colon + 1, port, "0123456789") == port &&
           span(text, addr, "0123456789.") == addr;
}

/* hostfwd=tcp|udp:[HOSTADDR]:PORT-[GUESTADDR]:PORT, LEN bytes */
static int hostfwd_ok(const char *opt, size_t len)
{
    const char *ends, *dash;

    if (len < 12 || memcmp(opt, "hostfwd=", 8) != 0 ||
        (memcmp(opt + 8, "tcp:", 4) != 0 && memcmp(opt + 8, "udp:", 4) != 0))
        return 0;
    ends = opt + 12;
    len -= 12;
    dash = memchr(ends, '-', len);
    return dash && addr_port_ok(ends, dash - ends) &&
           addr_port_ok(dash + 1, len - (dash - ends) - 1);
}

/* user, user,OPTION[,OPTION...] or none; one NIC at most */
static int take_net(struct run *run, const char *text)
{
    const char *opt, *end;

    if (strcmp(text, "none") == 0)
        return 0;
    if (strncmp(text, "user", 4) != 0 || (text[4] && text[4] != ','))
        return -1;
    for (opt = text + 4; *opt; opt = end) {
        end = strchrnul(++opt, ',');
        if (!hostfwd_ok(opt, end - opt))
            return -1;
    }
    run->net_opts = text[4] ? text + 5 : NULL;
    return run->nics++ == 0 ? 0 : -1;
}

static const struct option {
    const char *flag;
    int (*take)(struct run *run, const char *value);
} option_table[] = {
    {"--mem", take_mem},         {"--boot", take_boot},
    {"--timeout", take_timeout}, {"--machine", take_machine},
    {"--accel", take_accel},     {"--net", take_net},
};

static int take_option(struct run *run, const char *flag, size_t len,
                       const char *value)
{
    size_t i;

    for (i = 0; i < sizeof option_table / sizeof option_table[0]; i++)
        if (strlen(option_table[i].flag) == len &&
            memcmp(option_table[i].flag, flag, len) == 0)
            return option_table[i].take(run, value);
    return -1;
}

/* ARGV[*I] and perhaps its value, the next word */
static int take_word(struct run *run, int *i, int end, char **argv)
{
    const char *word = argv[*i], *value = strchr(word, '=');
    size_t len = value ? (size_t)(value - word) : strlen(word);

    if (word[0] != '-') {
        if (run->image)
            return -1;
        run->image = word;
        return 0;
    }
    if (strcmp(word, "--print-qemu") == 0) {
        run->print_qemu = 1;
        return 0;
    }
    if (value)
        value++;
    else if (*i + 1 < end)
        value = argv[++*i];
    /* a value starting with '-' is argparse's to judge */
    if (!value || value[0] == '-')
        return -1;
    return take_option(run, word, len, value);
}

/* --exec anywhere, even among ARGS, makes kiln_cli rewrite ARGV */
static int has_exec(int argc, char **argv)
{
    int i;

    for (i = 0; i < argc; i++)
        if (strncmp(argv[i], "--exec", 6) == 0 &&
            (argv[i][6] == '\0' || argv[i][6] == '='))
            return 1;
    return 0;
}

int options_read(struct run *run, int argc, char **argv)
{
    int i, cut = 0;

    while (cut < argc && strcmp(argv[cut], "--") != 0)
        cut++;
    if (cut == 0 || strcmp(argv[0], "run") != 0 || has_exec(argc, argv))
        return -1;
    run->args = argv + cut + (cut < argc);
    run->nargs = argc - cut - (cut < argc);
    for (i = 1; i < cut; i++)
        if (take_word(run, &i, cut, argv) != 0)
            return -1;
    return run->image ? 0 : -1;
}
