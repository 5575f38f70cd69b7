/*
 * cmdline.c: split the kernel command line into boot options and the
 * application's arguments.
 *
 *   [key=value | flag ...] [-- arg ...]
 *
 * Words are separated by spaces or tabs. A double-quoted part of a word
 * may hold spaces; a backslash takes the next character literally, so
 * `"a b"`, `a\ b` and `\"` work as in a shell. Pure code: host unit tested.
 */
#include <string.h>
#include "posix.h"

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n';
}

/* Copy one word from *in to *out, undoing quotes and escapes. Returns -1
 * on an unterminated quote or a trailing backslash. */
static int take_word(const char **in, char **out, const char *end)
{
    const char *s = *in;
    char *d = *out;
    int quoted = 0;
    for (; *s && (quoted || !is_space(*s)); s++) {
        if (d + 1 >= end)
            return -1;
        if (*s == '"') {
            quoted = !quoted;
        } else if (*s == '\\') {
            if (!s[1])
                return -1;
            *d++ = *++s;
        } else {
            *d++ = *s;
        }
    }
    if (quoted)
        return -1;
    *d++ = '\0';
    *in = s;
    *out = d;
    return 0;
}

/* Returns 0, or -1 if the line is malformed or has too many words; out
 * then holds the words parsed so far. */
int cmdline_parse(const char *line, struct cmdline *out)
{
    char *d = out->buf;
    const char *end = out->buf + sizeof out->buf;
    int after_dashes = 0;
    out->nopt = out->narg = 0;
    while (*line) {
        if (is_space(*line)) {
            line++;
            continue;
        }
        int plain_dashes =
            line[0] == '-' && line[1] == '-' && (!line[2] || is_space(line[2]));
        char *word = d;
        if (take_word(&line, &d, end) < 0)
            return -1;
        if (!after_dashes && plain_dashes) {
            after_dashes = 1;
            continue;
        }
        unsigned *n = after_dashes ? &out->narg : &out->nopt;
        char **v = after_dashes ? out->arg : out->opt;
        if (*n == CMDLINE_MAX_ARGS)
            return -1;
        v[(*n)++] = word;
    }
    return 0;
}

/* The value of key=value among the boot options, "" for a bare flag
 * named key, NULL when absent. The last occurrence wins, as in Linux. */
const char *cmdline_value(const struct cmdline *c, const char *key)
{
    size_t klen = strlen(key);
    const char *found = NULL;
    for (unsigned i = 0; i < c->nopt; i++) {
        const char *o = c->opt[i];
        if (strncmp(o, key, klen) != 0)
            continue;
        if (o[klen] == '=')
            found = o + klen + 1;
        else if (o[klen] == '\0')
            found = o + klen;
    }
    return found;
}
