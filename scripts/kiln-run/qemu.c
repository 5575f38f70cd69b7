/*
 * qemu.c: QEMU's path and arguments. The arguments are table.h's, made
 * from kiln_cli.qemu_args, with the markers replaced by this run's
 * values; the kernel command line is built as kiln_cli.kernel_cmdline
 * builds it. tests/kiln-run compares both with --print-qemu.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kiln-run.h"
#include "table.h"

static int executable(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
           access(path, X_OK) == 0;
}

/* the first TABLE_QEMU on PATH, named as kiln_cli.which names it */
char *qemu_find(void)
{
    const char *path = getenv("PATH"), *dir, *end;

    for (dir = path ? path : "/bin:/usr/bin";; dir = end + 1) {
        end = strchrnul(dir, ':');
        char *d = end == dir ? strdup(".") : strndup(dir, end - dir);
        char *qemu = path_join(d, TABLE_QEMU);
        free(d);
        if (executable(qemu))
            return qemu;
        free(qemu);
        if (*end == '\0')
            return NULL;
    }
}

/* kiln_cli.quote_arg: backslash and quote escaped, quoted if it has a
 * space or is empty; OUT NULL only counts */
static size_t quote_arg(const char *arg, char *out)
{
    int wrap = strchr(arg, ' ') || !*arg;
    size_t n = 0;

    if (wrap && out)
        out[n] = '"';
    n += wrap;
    for (; *arg; arg++) {
        if (*arg == '\\' || *arg == '"') {
            if (out)
                out[n] = '\\';
            n++;
        }
        if (out)
            out[n] = *arg;
        n++;
    }
    if (wrap && out)
        out[n] = '"';
    return n + wrap;
}

static size_t put_word(const char *word, char *out)
{
    size_t n = strlen(word);

    if (out) {
        memcpy(out, word, n);
        out[n] = ' ';
    }
    return n + 1;
}

/* kiln_cli.kernel_cmdline: the boot options, the devices' (KERNEL),
 * then -- and ARGS; OUT NULL only counts */
static size_t cmdline_build(const struct run *run, const char *const *kernel,
                            char *out)
{
    size_t n = 0;
    int i;

    for (i = 0; i < run->nboot; i++)
        n += put_word(run->boot[i], out ? out + n : NULL);
    for (; *kernel; kernel++)
        n += put_word(*kernel, out ? out + n : NULL);
    if (run->nargs)
        n += put_word("--", out ? out + n : NULL);
    for (i = 0; i < run->nargs; i++) {
        n += quote_arg(run->args[i], out ? out + n : NULL) + 1;
        if (out)
            out[n - 1] = ' ';
    }
    return n ? n - 1 : 0; /* the last word's space is the end */
}

static char *cmdline(const struct run *run, const char *const *kernel)
{
    size_t n = cmdline_build(run, kernel, NULL);
    char *text = malloc(n + 2);

    cmdline_build(run, kernel, text);
    text[n] = '\0';
    return text;
}

/* WORD with each marker replaced by VALUES[letter]; OUT NULL counts */
static size_t expand_into(const char *word, const char *const *values,
                          char *out)
{
    size_t n = 0, len;

    for (; *word; word++) {
        if (word[0] == MARK && word[1]) {
            len = strlen(values[(unsigned char)*++word]);
            if (out)
                memcpy(out + n, values[(unsigned char)*word], len);
            n += len;
        } else {
            if (out)
                out[n] = *word;
            n++;
        }
    }
    return n;
}

static char *expand(const char *word, const char *const *values)
{
    size_t n = expand_into(word, values, NULL);
    char *text = malloc(n + 1);

    expand_into(word, values, text);
    text[n] = '\0';
    return text;
}

static const struct shape *shape_of(const struct run *run)
{
    if (!run->nics)
        return &table_shapes[SHAPE_NO_NIC];
    return &table_shapes[run->net_opts ? SHAPE_USER_OPTIONS : SHAPE_USER];
}

char **qemu_argv(const struct run *run, char *qemu, const char *scratch)
{
    static const char *values[256];
    static char mem[24];
    const struct shape *shape = shape_of(run);
    size_t i, n = 0;
    char **argv;

    while (shape->qemu[n])
        n++;
    argv = calloc(n + 2, sizeof *argv);
    for (i = 0; i < 256; i++)
        values[i] = "";
    snprintf(mem, sizeof mem, "%lu", run->mem);
    values[MARK_IMAGE] = run->image;
    values[MARK_MEM] = mem;
    values[MARK_CMDLINE] = cmdline(run, shape->kernel);
    values[MARK_SCRATCH] = scratch;
    values[MARK_NET] = run->net_opts ? run->net_opts : "";
    argv[0] = qemu;
    for (i = 0; i < n; i++)
        argv[i + 1] = expand(shape->qemu[i], values);
    return argv;
}

/* kiln_cli.shell_line: safe words as they are, others single-quoted */
static void print_word(const char *word)
{
    static const char safe[] = "abcdefghijklmnopqrstuvwxyz"
                               "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                               "0123456789_@%+=:,./-";

    if (*word && strspn(word, safe) == strlen(word)) {
        fputs(word, stdout);
        return;
    }
    putchar('\'');
    for (; *word; word++)
        if (*word == '\'')
            fputs("'\\''", stdout);
        else
            putchar(*word);
    putchar('\'');
}

void qemu_print(char **argv)
{
    for (; *argv; argv++) {
        print_word(*argv);
        putchar(argv[1] ? ' ' : '\n');
    }
}
