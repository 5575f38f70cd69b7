/*
 * syscall_fns.c: the handlers' table for a link that brings none of its
 * own: host programs, which link every handler. An image's link
 * (scripts/kiln-bake) writes its own syscall_fns naming only the
 * handlers its program's code can reach, so this file stays in the
 * archive: a weak reference here would keep every handler of a file
 * that one reached handler brings in.
 */
#include "syscall_list.h"

#define STR_(x) #x
#define STR(x) STR_(x)
#define WEAK(nr, args, fn, ...) _Pragma(STR(weak fn))
SYSCALLS(WEAK)

// clang-format off
#define FN_(args, fn) {.f##args = fn}
// clang-format on
#define FN(args, fn) FN_(args, fn)
#define ENTRY(nr, args, fn, ...) FN(args, fn),
const union syscall_fn syscall_fns[] = {SYSCALLS(ENTRY)};
