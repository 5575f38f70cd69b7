/*
 * fstest.c: tests/apps/fstest, the guest program of tests/boot/fs-archive and
 * fs-ext2, as a host program: its sources (mk/host.mk's app line) call
 * components/posix through route.h, on a boot archive (--module) and
 * disks (--disk) of hypercall-posix, with ASan and UBSan watching.
 *
 *   fstest [--module ROOT.cpio] [--disk IMG] [--boot mount=...] -- ro|rw DIR
 *
 * Does what posix_main does before main in an image, for files:
 * descriptors 0-2 are the console already (fdtable.c), so it parses the
 * command line and mounts / and every mount= option; and it ends as
 * musl's exit does, with exit_group, which unmounts cleanly.
 *
 * components: fs posix net
 * app: fstest
 */
#include <stdio.h>
#include <sys/syscall.h>
#include "host.h"
#include "hypercall.h"
#include "posix.h"

int app_main(int argc, char **argv);

/* start.c's posix_main is the image's entry and never runs here, but it
 * is linked with the rest of components/posix: these stand in for what
 * the image's link step supplies (linker/appname.c and the script). */
const char kiln_app_name[] = "fstest";
char _tdata_start[1], _tdata_end[1], _tbss_end[1], _tls_align[1];

int host_main(int argc, char **argv)
{
    static struct cmdline cmd;
    setvbuf(stdout, NULL, _IOLBF, 0); /* in order with the console's lines */
    if (cmdline_parse(hc_cmdline(), &cmd) < 0) {
        fprintf(stderr, "fstest: malformed --boot options\n");
        return 2;
    }
    file_mount_all(&cmd);
    const long status[6] = {app_main(argc, argv)};
    syscall_dispatch(SYS_exit_group, status, NULL);
    return status[0]; /* not reached: exit_group ends the process */
}
