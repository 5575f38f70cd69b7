/*
 * console_in.h: what a terminal's Enter key becomes on the PV console.
 * Pure code, host unit tested (tests/unit/console-crlf).
 */
#ifndef KILN_CONSOLE_IN_H
#define KILN_CONSOLE_IN_H

#include <stddef.h>

/* Turn CR and CR LF into LF in buf[0..len) in place, as a Unix tty's
 * ICRNL does; *after_cr carries a trailing CR over to the next call so a
 * CR LF split between two reads is still one newline. Returns the new
 * length (0 when the only byte was that LF). */
size_t console_in_cook(char *buf, size_t len, int *after_cr);

#endif
