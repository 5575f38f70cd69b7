/*
 * virtio_mmio_opt.c: the virtio_mmio.device=<size>@<base>:<irq> boot
 * options, the way Linux takes them (size may carry a K suffix; numbers
 * in C notation: 0x hex, 0 octal, else decimal), and the device's name
 * for messages. Pure code, no libc parsing: musl's strtoull and strstr
 * and snprintf were a millisecond of the boot's "devices" step under
 * TCG, translating code nothing else in the boot runs.
 * Host unit tested in tests/unit/virtio-mmio-opt.
 *
 * Limits: the options before "--" only (after it, the application's
 * arguments); a number over 64 bits is malformed.
 */
#include <string.h>
#include "virtio.h"

#define OPTION "virtio_mmio.device="
#define OPTION_LEN (sizeof OPTION - 1)

/* One number in C notation at *s; advances *s. 0, or -1 if there are
 * no digits or it overflows. */
static int opt_number(const char **s, uint64_t *out)
{
    const char *p = *s;
    unsigned base = 10, digits = 0;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
        base = 16, p += 2;
    else if (p[0] == '0')
        base = 8;
    uint64_t v = 0;
    for (;; p++, digits++) {
        unsigned d = *p >= '0' && *p <= '9'   ? (unsigned)(*p - '0')
                     : *p >= 'a' && *p <= 'f' ? (unsigned)(*p - 'a' + 10)
                     : *p >= 'A' && *p <= 'F' ? (unsigned)(*p - 'A' + 10)
                                              : 16;
        if (d >= base)
            break;
        if (v > (UINT64_MAX - d) / base)
            return -1;
        v = v * base + d;
    }
    *s = p, *out = v;
    return digits ? 0 : -1;
}

int virtio_mmio_opt_parse(const char *s, uint64_t *base, unsigned *irq)
{
    uint64_t size, b, i;
    if (opt_number(&s, &size) < 0)
        return -1;
    if (*s == 'K' || *s == 'k') {
        if (size > UINT64_MAX >> 10)
            return -1;
        size <<= 10, s++;
    }
    if (*s++ != '@' || size < 0x100 || opt_number(&s, &b) < 0 || !b ||
        *s++ != ':' || opt_number(&s, &i) < 0 || i > 0xffffffffu ||
        (*s != ' ' && *s))
        return -1;
    *base = b, *irq = (unsigned)i;
    return 0;
}

const char *virtio_mmio_opt_next(const char *s)
{
    while (*s) {
        while (*s == ' ')
            s++;
        if (s[0] == '-' && s[1] == '-' && (s[2] == ' ' || !s[2]))
            return NULL; /* the application's arguments */
        if (!strncmp(s, OPTION, OPTION_LEN))
            return s + OPTION_LEN;
        while (*s && *s != ' ')
            s++;
    }
    return NULL;
}

void virtio_mmio_opt_name(char *buf, size_t size, uint64_t base)
{
    static const char prefix[] = "virtio-mmio@0x", hex[] = "0123456789abcdef";
    char digits[16];
    unsigned n = 0;
    do
        digits[n++] = hex[base & 15];
    while ((base >>= 4) && n < sizeof digits);
    size_t at = 0;
    for (size_t i = 0; i < sizeof prefix - 1 && at + 1 < size; i++)
        buf[at++] = prefix[i];
    while (n && at + 1 < size)
        buf[at++] = digits[--n];
    if (size)
        buf[at] = 0;
}
