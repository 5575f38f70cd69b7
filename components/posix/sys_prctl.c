/*
 * sys_prctl.c: prctl, for what programs ask of it at start: naming a
 * thread (PR_SET_NAME/PR_GET_NAME, as redis and nginx do), and flags that
 * restrict a process that cannot gain privileges anyway (no exec, one
 * user), which are accepted and reported back. Anything else is EINVAL,
 * as Linux answers an option it does not know.
 */
#include <errno.h>
#include <string.h>
#include <sys/prctl.h>
#include "kiln/table.h"
#include "posix.h"

#define NAME_LEN 16 /* TASK_COMM_LEN, the terminating NUL included */

/* Threads' names, allocated by the first PR_SET_NAME (kiln/table.h):
 * until then every thread has the program's name. */
static char (*names)[NAME_LEN];
static unsigned long no_new_privs, dumpable = 1;

/* A thread not yet named has the program's name, as Linux's comm. */
static void name_get(char *out)
{
    const char *n = names ? names[hc_thread_self()] : "";
    strncpy(out, n[0] ? n : kiln_app_name, NAME_LEN - 1);
    out[NAME_LEN - 1] = '\0';
}

void prctl_thread_start(hc_tid t)
{
    if (!names)
        return;
    memcpy(names[t], names[hc_thread_self()], NAME_LEN);
}

static long flag_set(unsigned long *flag, long value)
{
    if (value != 0 && value != 1)
        return -EINVAL;
    *flag = (unsigned long)value;
    return 0;
}

long sys_prctl(long option, long a2, long a3, long a4, long a5)
{
    (void)a3;
    (void)a4;
    (void)a5;
    switch (option) {
    case PR_SET_NAME:
        kiln_table((void **)&names, (HC_THREADS_MAX + 1) * sizeof *names,
                   "no memory for thread names");
        strncpy(names[hc_thread_self()], (const char *)a2, NAME_LEN - 1);
        return 0;
    case PR_GET_NAME: name_get((char *)a2); return 0;
    case PR_SET_NO_NEW_PRIVS:
        return a2 == 1 ? flag_set(&no_new_privs, a2) : -EINVAL;
    case PR_GET_NO_NEW_PRIVS: return (long)no_new_privs;
    case PR_SET_DUMPABLE: return flag_set(&dumpable, a2);
    case PR_GET_DUMPABLE: return (long)dumpable;
    default: return -EINVAL;
    }
}
