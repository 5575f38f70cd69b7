/*
 * console-crlf/test.c: host unit test of hypercall-xen/console_in.c.
 * `xl console` sends Enter as CR; a script's pipe sends LF or CR LF.
 * Each must end exactly one line, also when CR LF is split across two
 * reads of the ring, and other bytes must pass untouched.
 *
 * links: hypercall-xen/console_in.c
 */
#include <string.h>
#include "../../../hypercall-xen/console_in.h"
#include "tap.h"

/* Cook each piece in turn, as successive ring reads would; compare the
 * concatenation with want. */
static void check(const char *what, const char *want, int pieces, ...)
{
    char all[256] = "", buf[128];
    int after_cr = 0;
    va_list ap;
    va_start(ap, pieces);
    for (int i = 0; i < pieces; i++) {
        const char *p = va_arg(ap, const char *);
        size_t n = strlen(p);
        memcpy(buf, p, n);
        n = console_in_cook(buf, n, &after_cr);
        strncat(all, buf, n);
    }
    va_end(ap);
    tap_check(!strcmp(all, want), what, "got \"%s\"", all);
}

int main(void)
{
    check("LF passes", "a\nb\n", 1, "a\nb\n");
    check("CR (a terminal's Enter) becomes LF", "first\nsecond\n", 1,
          "first\rsecond\r");
    check("CR LF is one newline", "a\nb\n", 1, "a\r\nb\r\n");
    check("CR LF split between reads is one newline", "a\nb\n", 3, "a\r", "\n",
          "b\r\n");
    check("two CRs are two empty lines", "\n\n", 1, "\r\r");
    check("LF LF stays two lines", "x\n\ny", 1, "x\n\ny");
    check("other bytes untouched", "\t\x1b[A\x7f\n", 1, "\t\x1b[A\x7f\n");
    return tap_done();
}
