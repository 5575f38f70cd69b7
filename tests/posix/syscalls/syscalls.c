/*
 * syscalls.c: components/posix's system-call table, called the way
 * musl's syscall instruction reaches it (syscall_dispatch), inside a
 * Linux process under ASan and UBSan: calls that are a fixed answer or
 * another call with fixed arguments, and the -ENOSYS paths. Prints TAP
 * lines; run checks the console's "not implemented" lines around them.
 *
 * components: fs posix net
 */
#include <errno.h>
#include <linux/futex.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include "host.h"
#include "hypercall.h"
#include "posix.h"
#include "../../unit/tap.h"

/* start.c's posix_main is linked with components/posix but never runs
 * here: these stand in for what the image's link step supplies. */
const char kiln_app_name[] = "syscalls";
char _tdata_start[1], _tdata_end[1], _tbss_end[1], _tls_align[1];

static long call(long nr, long a0, long a1, long a2)
{
    const long a[6] = {a0, a1, a2};
    return syscall_dispatch(nr, a, NULL);
}

static void check_fixed_answers(void)
{
    tap_check(call(SYS_getpid, 0, 0, 0) == 1, "getpid is 1", NULL);
    tap_check(call(SYS_getppid, 0, 0, 0) == 0, "getppid is 0", NULL);
    long ids = call(SYS_getuid, 0, 0, 0) | call(SYS_geteuid, 0, 0, 0) |
               call(SYS_getgid, 0, 0, 0) | call(SYS_getegid, 0, 0, 0);
    tap_check(ids == 0, "every call runs as root", "%ld", ids);
    tap_check(call(SYS_gettid, 0, 0, 0) == hc_thread_self(),
              "gettid is the thread's id", NULL);
    tap_check(call(SYS_sched_yield, 0, 0, 0) == 0, "sched_yield", NULL);
    tap_check(call(SYS_tgkill, 1, hc_thread_self(), 0) == 0,
              "tgkill with signal 0 checks the thread", NULL);
    tap_check(call(SYS_tgkill, 1, HC_THREADS_MAX + 1, 0) == -EINVAL,
              "tgkill of no thread gives -EINVAL", NULL);
    struct utsname u;
    tap_check(call(SYS_uname, (long)&u, 0, 0) == 0 &&
                  strcmp(u.sysname, "Kiln") == 0,
              "uname says Kiln", NULL);
}

static void check_not_implemented(void)
{
    int word = 0;
    for (int i = 0; i < 2; i++) {
        tap_check(call(SYS_ptrace, 0, 0, 0) == -ENOSYS, "ptrace gives -ENOSYS",
                  NULL);
        tap_check(call(SYS_futex, (long)&word, 99, 0) == -ENOSYS,
                  "an unknown futex operation gives -ENOSYS", NULL);
    }
    tap_check(call(-1, 0, 0, 0) == -ENOSYS, "number -1 gives -ENOSYS", NULL);
    tap_check(call(100000, 0, 0, 0) == -ENOSYS,
              "a number past the table gives -ENOSYS", NULL);
    tap_check(call(SYS_futex, (long)&word, FUTEX_WAKE, 1) == 0,
              "a known futex operation still works", NULL);
}

static void check_prctl(void)
{
    char name[16] = "";
    tap_check(call(SYS_prctl, PR_GET_NAME, (long)name, 0) == 0 &&
                  !strcmp(name, "syscalls"),
              "prctl: an unnamed thread has the program's name", "%s", name);
    call(SYS_prctl, PR_SET_NAME, (long)"a-name-longer-than-15", 0);
    call(SYS_prctl, PR_GET_NAME, (long)name, 0);
    tap_check(!strcmp(name, "a-name-longer-t"),
              "prctl: PR_SET_NAME keeps 15 bytes, as Linux", "%s", name);
    tap_check(call(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, 0) == 0 &&
                  call(SYS_prctl, PR_GET_NO_NEW_PRIVS, 0, 0) == 1,
              "prctl: no_new_privs is set and read back", NULL);
    tap_check(call(SYS_prctl, 12345, 0, 0) == -EINVAL,
              "prctl: an unknown option gives -EINVAL", NULL);
}

int host_main(int argc, char **argv)
{
    (void)argc, (void)argv;
    setvbuf(stdout, NULL, _IOLBF, 0); /* in order with the console's lines */
    check_fixed_answers();
    check_not_implemented();
    check_prctl();
    return tap_done();
}
