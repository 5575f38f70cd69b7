/*
 * console_in.c: input from the PV console as an application expects it.
 * `xl console` puts the user's terminal in raw mode, so Enter arrives as
 * CR, while programs (fgets, readline loops) wait for LF; a pipe or a
 * pty written by a script sends LF or CR LF. All three end one line.
 * Limits: no echo and no line editing: the guest is not a tty.
 */
#include "console_in.h"

size_t console_in_cook(char *buf, size_t len, int *after_cr)
{
    size_t out = 0;
    for (size_t i = 0; i < len; i++) {
        char c = buf[i];
        if (c == '\n' && *after_cr) {
            *after_cr = 0; /* the LF of a CR LF already ended the line */
            continue;
        }
        *after_cr = c == '\r';
        buf[out++] = *after_cr ? '\n' : c;
    }
    return out;
}
