/*
 * start.c: the process entry state a Linux kernel would build, handed to
 * musl's __libc_start_main: argv from the command line after "--" (with
 * the app's name as argv[0]), an environment made of the boot options
 * of the form key=value (as Linux passes unknown ones to init), and the
 * auxiliary vector musl reads: page size, 16 random bytes for the stack
 * protector, and program headers describing the TLS template.
 * Every ip= option configures the network (Linux's syntax, one per
 * NIC) and, as on Linux, is not passed on in the environment; the
 * network is up before main runs.
 */
#include <elf.h>
#include <string.h>
#include "kiln/log.h"
#include "../net/net.h"
#include "posix.h"

#define VECTOR_MAX (2 * CMDLINE_MAX_ARGS + 32)

int main(int, char **, char **);
int __libc_start_main(int (*)(int, char **, char **), int, char **,
                      void (*)(void), void (*)(void), void (*)(void));

extern char _tdata_start[], _tdata_end[], _tbss_end[];
extern char _tls_align[]; /* an absolute linker symbol */

static Elf64_Phdr tls_phdr;
static uint8_t at_random[16];

static void describe_tls(void)
{
    tls_phdr = (Elf64_Phdr){
        .p_type = PT_TLS,
        .p_vaddr = (uintptr_t)_tdata_start,
        .p_paddr = (uintptr_t)_tdata_start,
        .p_filesz = (uintptr_t)_tdata_end - (uintptr_t)_tdata_start,
        .p_memsz = (uintptr_t)_tbss_end - (uintptr_t)_tdata_start,
        .p_align = (uintptr_t)_tls_align,
    };
}

/* No AT_SECURE, AT_UID, AT_EUID, AT_GID or AT_EGID: musl's __init_libc
 * then skips what it does for a setuid program (poll descriptors 0-2,
 * open /dev/null), and linker/syscalls.py counts on that to link no
 * filesystem for a program that opens no file. */
static size_t put_auxv(size_t *v, size_t n)
{
    const size_t aux[][2] = {
        {AT_PAGESZ, HC_PAGE_SIZE},
        {AT_RANDOM, (uintptr_t)at_random},
        {AT_PHDR, (uintptr_t)&tls_phdr},
        {AT_PHENT, sizeof tls_phdr},
        {AT_PHNUM, 1},
        {AT_CLKTCK, 100},
        {AT_NULL, 0},
    };
    for (size_t i = 0; i < sizeof aux / sizeof aux[0]; i++) {
        v[n++] = aux[i][0];
        v[n++] = aux[i][1];
    }
    return n;
}

/* driver.param=value options (virtio_mmio.device=...) are the host's,
 * as module parameters are Linux's, not the application's environment. */
static int is_driver_option(const char *o)
{
    const char *eq = strchr(o, '='), *dot = strchr(o, '.');
    return eq && dot && dot < eq;
}

/* An application that drives the NICs itself through hypercall.h
 * (tests/apps/nettest) defines this, and the stack then leaves them alone. */
extern const int kiln_raw_nics __attribute__((weak));

/* The stack is linked only when the program can open a socket
 * (kiln-bake takes the handlers of its calls), so these are weak: a
 * program that makes none has no network to start. */
#pragma weak net_configure
#pragma weak net_configure6
#pragma weak net_start

/* Hand every ip= and ip6= option to the stack, then bring it up. A bad option
 * is reported by net_configure and leaves that NIC to DHCP. */
static void start_network(const struct cmdline *cmd)
{
    if (&kiln_raw_nics)
        return;
    if (!net_start) {
        for (unsigned i = 0; i < cmd->nopt; i++)
            if (!strncmp(cmd->opt[i], "ip=", 3))
                kiln_log("kiln: %s ignored: the program opens no socket, "
                         "so its image has no network stack",
                         cmd->opt[i]);
        return;
    }
    for (unsigned i = 0; i < cmd->nopt; i++) {
        if (!strncmp(cmd->opt[i], "ip=", 3))
            net_configure(cmd->opt[i] + 3);
        if (!strncmp(cmd->opt[i], "ip6=", 4) && net_configure6)
            net_configure6(cmd->opt[i] + 4);
    }
    net_start();
}

/* argv, NULL, envp, NULL, auxv: the layout of a Linux process stack. */
static size_t build_vector(size_t *v, const struct cmdline *cmd)
{
    size_t n = 0;
    v[n++] = (uintptr_t)kiln_app_name;
    for (unsigned i = 0; i < cmd->narg; i++)
        v[n++] = (uintptr_t)cmd->arg[i];
    v[n++] = 0;
    for (unsigned i = 0; i < cmd->nopt; i++)
        if (is_driver_option(cmd->opt[i]) || !strncmp(cmd->opt[i], "ip=", 3))
            continue;
        else if (strchr(cmd->opt[i], '='))
            v[n++] = (uintptr_t)cmd->opt[i];
        else
            kiln_log("kiln: unknown boot option '%s' ignored", cmd->opt[i]);
    v[n++] = 0;
    return put_auxv(v, n);
}

/* What a Linux process keeps on its initial stack, which outlives the
 * main thread (main may pthread_exit while others run on). Here it gets
 * pages of its own that are never freed. */
struct process_start {
    struct cmdline cmd;
    size_t vector[VECTOR_MAX];
};

_Noreturn void posix_main(void *unused)
{
    (void)unused;
    struct process_start *ps =
        hc_pages_alloc((sizeof *ps + HC_PAGE_SIZE - 1) / HC_PAGE_SIZE);
    if (!ps)
        hc_abort("no memory for the program's arguments");
    if (cmdline_parse(hc_cmdline(), &ps->cmd) < 0) {
        kiln_log("kiln: the command line is malformed (unbalanced quote, "
                 "trailing backslash, or over %d words); fix the boot "
                 "arguments",
                 CMDLINE_MAX_ARGS);
        hc_exit(2);
    }
    if (hc_entropy(at_random, sizeof at_random) < 0)
        hc_abort("the hardware random generator failed");
    describe_tls();
    file_mount_all(&ps->cmd);
    build_vector(ps->vector, &ps->cmd);
    start_network(&ps->cmd);
    __libc_start_main(main, (int)ps->cmd.narg + 1, (char **)ps->vector, 0, 0,
                      0);
    hc_abort("__libc_start_main returned");
}
