/*
 * kiln-run.h: the map of scripts/kiln-run, the compiled launcher that
 * runs the common `kiln run IMAGE` without starting Python (whose own
 * start costs more than the 10 ms kiln may add to QEMU's).
 *
 * scripts/kiln starts it as `kiln-run PYTHON SCRIPT ARGS...`. It reads
 * ARGS only when they are `run IMAGE` with options it knows (--mem,
 * --boot, --timeout, --machine microvm, --accel tcg, --print-qemu, and
 * one --net user[,hostfwd=...] or --net none) and
 * the image is a Kiln ELF that kiln_cli.py would boot; anything else,
 * including every mistake kiln must explain, goes to `PYTHON -S SCRIPT
 * ARGS...` unchanged, which prints kiln's own one-line error. QEMU's
 * arguments come from table.h, which table.py makes from kiln_cli.py at
 * build time; the exit status is mapped as kiln_cli.guest_status does.
 */
#ifndef KILN_RUN_H
#define KILN_RUN_H

#include <stddef.h>

#define MARK '\001'    /* table.h's markers: MARK, then one of these */
#define MARK_IMAGE 'I' /* the image's path, as given */
#define MARK_MEM 'M'   /* guest memory in MiB */
#define MARK_CMDLINE 'A'
#define MARK_SCRATCH 'S'
#define MARK_NET 'N'         /* the user network's options, after "user," */
#define MAX_BOOT 64          /* more --boot options go to the Python code */
#define EXIT_INTERRUPTED 130 /* kiln_cli.main on SIGINT or SIGTERM */

/* table.h's runs: QEMU's arguments after its path, the devices' kernel
 * options (NULL-terminated); indexed by SHAPE_* */
struct shape {
    const char *const *qemu;
    const char *const *kernel;
};
#define SHAPE_NO_NIC 0
#define SHAPE_USER 1         /* --net user */
#define SHAPE_USER_OPTIONS 2 /* --net user,OPTIONS */

struct run {
    const char *image;
    unsigned long mem; /* MiB; 0 until --mem or the default */
    const char *boot[MAX_BOOT];
    int nboot;
    double timeout; /* seconds; 0: none */
    int print_qemu;
    int nics;             /* --net user given */
    const char *net_opts; /* its OPTIONS, or NULL */
    char **args;          /* the application's, after "--" */
    int nargs;
};

/* options.c: 0 if ARGV (after the script) is a `kiln run` this reads */
int options_read(struct run *run, int argc, char **argv);

/* image.c: 0 if PATH is an ELF image kiln_cli would boot as it is */
int image_check(const char *path);

/* qemu.c */
char *qemu_find(void);
char **qemu_argv(const struct run *run, char *qemu, const char *scratch);
void qemu_print(char **argv);

/* child.c: CHILD_FAILED if QEMU could not start (said); else the exit
 * code as Python's waitstatus_to_exitcode gives it (-N: signal N), and
 * in *WHY whether kiln stopped QEMU and why */
#define CHILD_FAILED (-1000)
#define STOP_NONE 0    /* QEMU ended by itself */
#define STOP_TIMEOUT 1 /* at --timeout */
#define STOP_SIGNAL 2  /* kiln got SIGINT or SIGTERM */
int child_run(char **argv, double timeout, int *why);

/* status.c: kiln's exit status for QEMU's CODE and the debugcon file */
int status_map(const char *debugcon, int code);

/* scratch.c: a private directory, and its removal (0, or -1 said) */
char *scratch_make(void);
int scratch_remove(const char *dir);

/* main.c */
void host_error(const char *what);
char *path_join(const char *dir, const char *name);

#endif
