/*
 * options.c: `kiln run IMAGE [options] [-- ARGS]` read as kiln_cli's
 * parse_run_quickly reads it, for the options in option_table only.
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

static const struct option {
    const char *flag;
    int (*take)(struct run *run, const char *value);
} option_table[] = {
    {"--mem", take_mem},         {"--boot", take_boot},
    {"--timeout", take_timeout}, {"--machine", take_machine},
    {"--accel", take_accel},
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
