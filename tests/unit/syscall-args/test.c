/*
 * syscall-args/test.c: host unit test of the dispatcher's reading of
 * 32-bit arguments (components/posix/syscall.c). An unmodified program's
 * own syscall wrappers (glibc's assembly ones) leave the upper half of an
 * int argument's register as the caller left it; Linux's prototypes drop
 * it, so every handler must see (int) or (unsigned) of the register.
 * Each probe below stands in for a handler and records what it got; the
 * dispatcher is given registers whose upper halves are garbage.
 *
 * links: components/posix/syscall.c components/posix/syscall_fns.c
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include "posix.h"
#include "tap.h"

#define GARBAGE 0x5a5a5a5a00000000L /* what an upper half may hold */

static long seen[6];

static long probe(long a0, long a1, long a2, long a3, long a4, long a5)
{
    long got[6] = {a0, a1, a2, a3, a4, a5};
    memcpy(seen, got, sizeof seen);
    return 0;
}

/* Handlers the table refers to weakly: these probes take their place. */
long sys_openat(long a, long b, long c, long d)
{
    return probe(a, b, c, d, 0, 0);
}
long sys_read(long a, long b, long c)
{
    return probe(a, b, c, 0, 0, 0);
}
long sys_poll(long a, long b, long c)
{
    return probe(a, b, c, 0, 0, 0);
}
long sys_futex(long a, long b, long c, long d, long e, long f)
{
    return probe(a, b, c, d, e, f);
}
long sys_wait4(long a, long b, long c, long d)
{
    return probe(a, b, c, d, 0, 0);
}
long sys_mmap(long a, long b, long c, long d, long e, long f)
{
    return probe(a, b, c, d, e, f);
}
long sys_sendto(long a, long b, long c, long d, long e, long f)
{
    return probe(a, b, c, d, e, f);
}
long sys_munmap(long a, long b)
{
    return probe(a, b, 0, 0, 0, 0);
}
long sys_clone(long a, long b, long c, long d, long e,
               struct hc_syscall_frame *frame)
{
    (void)frame;
    return probe(a, b, c, d, e, 0);
}

/* sys_signal.c's hooks: nothing to deliver in this test. */
void signal_sigpipe(long nr, const long a[6], long result)
{
    (void)nr, (void)a, (void)result;
}
long signal_deliver(long nr, long result, struct hc_syscall_frame *frame)
{
    (void)nr, (void)frame;
    return result;
}

/* Dispatch NR with A, then compare what the handler saw with WANT. */
static void expect(const char *what, long nr, const long a[6],
                   const long want[6])
{
    memset(seen, 0xee, sizeof seen);
    syscall_dispatch(nr, a, NULL);
    for (int i = 0; i < 6; i++)
        if (seen[i] != want[i]) {
            tap_check(0, what, "argument %d: got %#lx, want %#lx", i + 1,
                      (unsigned long)seen[i], (unsigned long)want[i]);
            return;
        }
    tap_check(1, what, NULL);
}

int main(void)
{
    const long path = 0x00007f0012345678L, big = 0x100000000L;

    expect("openat: dirfd AT_FDCWD, flags and mode are ints", SYS_openat,
           (long[6]){GARBAGE | (uint32_t)AT_FDCWD, path,
                     GARBAGE | O_RDONLY | O_CLOEXEC, GARBAGE | 0644},
           (long[6]){AT_FDCWD, path, O_CLOEXEC, 0644});
    expect("read: the descriptor is an int, the count 64 bits", SYS_read,
           (long[6]){GARBAGE | 3, path, big}, (long[6]){3, path, big});
    expect("poll: nfds unsigned, timeout -1", SYS_poll,
           (long[6]){path, GARBAGE | 0x80000001u, GARBAGE | 0xffffffffu},
           (long[6]){path, 0x80000001L, -1});
    expect("futex: op an int, val and val3 unsigned", SYS_futex,
           (long[6]){path, GARBAGE | 128, GARBAGE | 0xffffffffu, 0, path,
                     GARBAGE | 0xffffffffu},
           (long[6]){path, 128, 0xffffffffL, 0, path, 0xffffffffL});
    expect("wait4: pid -1, options WNOHANG", SYS_wait4,
           (long[6]){GARBAGE | 0xffffffffu, path, GARBAGE | WNOHANG, 0},
           (long[6]){-1, path, WNOHANG, 0});
    expect("mmap: fd -1, prot and flags 64 bits as Linux reads them", SYS_mmap,
           (long[6]){0, big, GARBAGE | 3, GARBAGE | 0x22, GARBAGE | 0xffffffffu,
                     big},
           (long[6]){0, big, GARBAGE | 3, GARBAGE | 0x22, -1, big});
    expect("sendto: flags unsigned, address length an int", SYS_sendto,
           (long[6]){GARBAGE | 4, path, big, GARBAGE | 0x80004000u, path,
                     GARBAGE | 16},
           (long[6]){4, path, big, 0x80004000L, path, 16});
    expect("clone: flags' low half, as Linux", SYS_clone,
           (long[6]){GARBAGE | 0x3d0f00, path, path, path, path},
           (long[6]){0x3d0f00, path, path, path, path, 0});
    expect("munmap: 64-bit arguments untouched", SYS_munmap,
           (long[6]){GARBAGE | 0x1000, GARBAGE | 0x2000},
           (long[6]){GARBAGE | 0x1000, GARBAGE | 0x2000});
    return tap_done();
}
